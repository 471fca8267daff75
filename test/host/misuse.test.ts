// Misuse of the API gets a typed error with a clear message, changes nothing,
// and the poller keeps working: where Go's runtime throws (a fatal error for
// the whole process), this poller refuses the call and stays as it was.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortError,
  ClosedError,
  MisuseError,
  NotPollableError,
  Poller,
  PollFD,
  SyscallError,
  type PollDesc,
} from '../../host/index.js';
import { writeFd } from '../../host/sys/index.js';
import { DRIVES, usePoller, stateAfter, rejection, tick, type Harness } from '../go/support.js';

/** The poller still delivers readiness and deadlines after a misuse. */
async function stillWorks(h: Harness): Promise<void> {
  const [a, b] = await h.pollPair();
  const p = a.read(Buffer.alloc(4));
  await tick();
  await b.write(Buffer.from('ok'));
  expect(await p).toBe(2);
  a.setReadDeadline(Date.now() + 5);
  await expect(a.read(Buffer.alloc(4))).rejects.toMatchObject({ timeout: true });
  await a.close();
  await b.close();
}

function misuse(fn: () => unknown, reason: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MisuseError);
  expect((err as MisuseError).reason).toBe(reason);
  expect((err as MisuseError).code).toBe('ERR_NETPOLL_MISUSE');
  expect((err as MisuseError).message.length).toBeGreaterThan(10);
}

for (const drive of DRIVES) {
  describe(`misuse (${drive})`, () => {
    const h = usePoller(drive);

    it('a concurrent wait in the same direction: MisuseError "concurrent-wait"; the first wait and the poller are unaffected', async () => {
      const [a, b] = h().pair('stream');
      const pd = h().poller.open(a);
      const first = pd.wait('r');
      const second = await rejection(pd.wait('r'));
      expect(second).toBeInstanceOf(MisuseError);
      expect((second as MisuseError).reason).toBe('concurrent-wait');
      expect(second.message).toMatch(/concurrent wait/);
      // The other direction is a different semaphore: allowed.
      await pd.wait('w');
      expect(await stateAfter(first)).toBe('pending');
      expect(h().poller.stats.waiters).toBe(1);
      writeFd(b, Buffer.from('x'));
      await first;
      expect(h().poller.stats.waiters).toBe(0);
      // Again after the first finished: parks normally (no stale "waiter" left behind).
      const again = pd.wait('r');
      expect(await stateAfter(again)).toBe('pending');
      pd.close();
      await expect(again).rejects.toBeInstanceOf(ClosedError);
      await stillWorks(h());
    });

    it('PollFD reads queue behind each other instead of double-waiting', async () => {
      const [a, b] = await h().pollPair();
      const r1 = a.read(Buffer.alloc(1));
      const r2 = a.read(Buffer.alloc(1));
      await tick();
      await b.write(Buffer.from('12'));
      expect(await r1).toBe(1);
      expect(await r2).toBe(1);
    });

    it('use after close: ClosedError for every PollDesc method; close is idempotent', async () => {
      const [a] = h().pair('stream');
      const pd: PollDesc = h().poller.open(a);
      pd.close();
      expect(pd.isClosed).toBe(true);
      await expect(pd.wait('r')).rejects.toBeInstanceOf(ClosedError);
      await expect(pd.wait('w')).rejects.toBeInstanceOf(ClosedError);
      expect(() => pd.reset('r')).toThrow(ClosedError);
      expect(() => pd.setDeadline(Date.now() + 1000)).toThrow(ClosedError);
      expect(() => pd.unblock()).toThrow(ClosedError);
      expect(() => pd.close()).not.toThrow();
      // The same fd can be registered again.
      const again = h().poller.open(a);
      await again.wait('w');
      again.close();
      await stillWorks(h());
    });

    it('a stale PollDesc handle (descriptor reused by another fd) is refused, not aliased', async () => {
      const [a, b] = h().pair('stream');
      const pd = h().poller.open(a);
      pd.close();
      const other = h().poller.open(b); // likely the same descriptor index, new fdseq
      expect(() => pd.setDeadline(Date.now() - 1)).toThrow(ClosedError);
      expect(other.isClosed).toBe(false);
      const w = other.wait('r');
      expect(await stateAfter(w)).toBe('pending'); // pd's expired deadline did not land on other
      other.close();
      await expect(w).rejects.toBeInstanceOf(ClosedError);
    });

    it('bad deadlines: MisuseError "bad-deadline"; nothing changes', async () => {
      const [fa] = await h().pollPair();
      const pd = fa.pollDesc;
      fa.setReadDeadline(Date.now() + 3_600_000);
      const before = h().poller.inspect().descriptors.find((d) => d.fd === fa.fd)!.rd;
      for (const bad of [NaN, '2030-01-01', new Date('not a date'), {}, true, 10n] as unknown[]) {
        misuse(() => pd.setDeadline(bad as number), 'bad-deadline');
        misuse(() => fa.setReadDeadline(bad as number), 'bad-deadline');
        misuse(() => fa.setDeadline(bad as number), 'bad-deadline');
      }
      expect(h().poller.inspect().descriptors.find((d) => d.fd === fa.fd)!.rd).toBe(before);
      expect(h().poller.stats.timers).toBe(1);
      misuse(() => pd.setDeadline(null, 'x' as 'r'), 'bad-argument');
      await stillWorks(h());
    });

    it('PollDesc.unblock twice: MisuseError "already-closing"; waiters still get ClosedError', async () => {
      const [a] = h().pair('stream');
      const pd = h().poller.open(a);
      const w = pd.wait('r');
      await tick();
      pd.unblock();
      await expect(w).rejects.toBeInstanceOf(ClosedError);
      misuse(() => pd.unblock(), 'already-closing');
      await expect(pd.wait('r')).rejects.toBeInstanceOf(ClosedError);
      pd.close();
      expect(h().poller.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
      await stillWorks(h());
    });

    it('S25 Poller.open on a regular file: NotPollableError; nothing is left registered; the poller keeps working', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'netpoll-misuse-'));
      try {
        const fd = openSync(join(dir, 'file'), 'w+');
        try {
          const d0 = h().poller.stats.descriptors;
          expect(() => h().poller.open(fd)).toThrow(NotPollableError);
          expect(h().poller.stats.descriptors).toBe(d0);
          expect(h().poller.inspect().violations).toEqual([]);
        } finally {
          closeSync(fd);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await stillWorks(h());
    });

    it('bad fds and arguments: typed errors; the poller keeps working', async () => {
      // Not an fd at all: Node's argument errors, as fs gives them (host/os/args.ts validateFd).
      expect(() => h().poller.open(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => h().poller.open(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => h().poller.open('3' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      // A number that is not an open fd: a MisuseError (the kernel said EBADF), and no descriptor left behind.
      const d0 = h().poller.stats.descriptors;
      expect(() => h().poller.open(999_999)).toThrow(MisuseError);
      // Registering the same fd twice: a MisuseError (the kernel said EEXIST).
      const [a] = h().pair('stream');
      const pd = h().poller.open(a);
      expect(() => h().poller.open(a)).toThrow(/already registered/);
      expect(h().poller.stats.descriptors).toBe(d0 + 1);
      pd.close();
      const [x] = h().pair('stream');
      const px = h().poller.open(x);
      await expect(px.wait('x' as 'r')).rejects.toBeInstanceOf(MisuseError);
      px.close();
      await expect(Poller.create({ drive, maxEvents: 0 })).rejects.toBeInstanceOf(MisuseError);
      await expect(Poller.create({ drive: 'epoll' as 'uv' })).rejects.toBeInstanceOf(MisuseError);
      // (PollFD.read/write throw this synchronously today; either form is accepted here.)
      const [fa] = await h().pollPair();
      await expect((async () => fa.read('nope' as unknown as Uint8Array))()).rejects.toBeInstanceOf(TypeError);
      await expect((async () => fa.write(42 as unknown as Uint8Array))()).rejects.toBeInstanceOf(TypeError);
      await stillWorks(h());
    });

    it('an AbortSignal aborting a blocked wait rejects it with AbortError; a later wait works', async () => {
      const [a, b] = h().pair('stream');
      const pd = h().poller.open(a);
      const ac = new AbortController();
      const w = pd.wait('r', { signal: ac.signal });
      await tick();
      expect(h().poller.stats.waiters).toBe(1);
      ac.abort(new Error('enough'));
      const err = await rejection(w);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as AbortError).code).toBe('ABORT_ERR');
      expect(h().poller.stats.waiters).toBe(0);
      // Already aborted: at once.
      await expect(pd.wait('r', { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
      // A later wait works and is woken normally.
      const w2 = pd.wait('r', { signal: new AbortController().signal });
      await tick();
      writeFd(b, Buffer.from('x'));
      await w2;
      pd.close();
    });

    it('an AbortSignal on PollFD.read / write withdraws only that operation', async () => {
      const [a, b] = await h().pollPair();
      const ac = new AbortController();
      const r = a.read(Buffer.alloc(8), { signal: ac.signal });
      await tick();
      ac.abort();
      expect(await rejection(r)).toBeInstanceOf(AbortError);
      const r2 = a.read(Buffer.alloc(8));
      await tick();
      await b.write(Buffer.from('abc'));
      expect(await r2).toBe(3);
      // Abort after the wait completed: no effect.
      const ac2 = new AbortController();
      const r3 = a.read(Buffer.alloc(8), { signal: ac2.signal });
      await b.write(Buffer.from('de'));
      expect(await r3).toBe(2);
      ac2.abort();
      expect(h().poller.stats.waiters).toBe(0);
      await stillWorks(h());
    });

    it('PollFD.open of a regular file: NotPollableError, the fd is not taken', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'netpoll-misuse-'));
      try {
        const fd = openSync(join(dir, 'file'), 'w+');
        try {
          await expect(PollFD.open(fd, { poller: h().poller })).rejects.toBeInstanceOf(NotPollableError);
        } finally {
          closeSync(fd); // still open, still ours
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
