// Misuse refused before anything changes: a bad option (the AbortController
// itself instead of its signal, null, a string), the poller's own epoll fd,
// setDeadline on an unblocked or closed descriptor. After each, the poller is
// byte for byte as before (its snapshot and stats), and a later wait or read
// with data queued works: no ghost waiter was left parked to swallow it.

import { describe, it, expect } from 'vitest';
import { ClosedError, MisuseError, PollFD, Poller, type PollDesc } from '../../host/index.js';
import { writeFd, unixListen } from '../../host/sys/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVES, usePoller, rejection, tick, sleep } from '../go/support.js';

/** Options a caller might pass by mistake; each must be refused up front. */
const BAD_OPTIONS: [string, unknown][] = [
  ['null', null],
  ['a number', 5],
  ['a signal that is a string', { signal: 'abort' }],
  ['a signal that is null', { signal: null }],
  ['a signal without addEventListener', { signal: { aborted: false } }],
  ['the controller as signal', { signal: new AbortController() }],
];

function frozen(poller: Poller): { snapshot: Uint8Array; stats: Poller['stats'] } {
  return { snapshot: poller.snapshot(), stats: poller.stats };
}

function expectUnchanged(poller: Poller, before: ReturnType<typeof frozen>, what: string): void {
  expect(poller.stats, what).toEqual(before.stats);
  expect(Buffer.compare(Buffer.from(poller.snapshot()), Buffer.from(before.snapshot)), `${what}: core memory changed`).toBe(0);
}

async function expectMisuse(p: Promise<unknown>, what: string): Promise<void> {
  const err = await rejection(p);
  expect(err, what).toBeInstanceOf(MisuseError);
  expect((err as MisuseError).reason, what).toBe('bad-argument');
}

/** Let the registrations' first EPOLLOUT reach the core, so nothing changes on its own afterwards. */
async function quiet(): Promise<void> {
  await sleep(20);
  await tick();
}

for (const drive of DRIVES) {
  describe(`misuse refused up front (${drive})`, () => {
    const h = usePoller(drive);

    it('PollDesc.wait with a bad signal or options: MisuseError, nothing parked, the next readiness is delivered', async () => {
      const poller = h().poller;
      const [a, b] = h().pair('stream');
      const pd = poller.open(a);
      await quiet();
      for (const [what, opts] of BAD_OPTIONS) {
        const before = frozen(poller);
        const p = pd.wait('r', opts as { signal?: AbortSignal });
        expectUnchanged(poller, before, what); // checked before the promise is even awaited
        await expectMisuse(p, what);
        expectUnchanged(poller, before, what);
      }
      const err = await rejection(pd.wait('r', { signal: new AbortController() as unknown as AbortSignal }));
      expect(err.message).toMatch(/options\.signal must be an AbortSignal, got an AbortController: pass controller\.signal/);
      // A later wait is not refused as concurrent, and readiness is not swallowed.
      const later = pd.wait('r');
      writeFd(b, Buffer.from('x'));
      await expect(later).resolves.toBeUndefined();
      expect(poller.stats.waiters).toBe(0);
      pd.close();
    });

    it('PollFD.read / write / accept / acceptMany with a bad signal: MisuseError, nothing parked, a later read gets the data', async () => {
      const poller = h().poller;
      const [a, b] = await h().pollPair();
      const listener = await h().open(h().track(unixListen(join(mkdtempSync(join(tmpdir(), 'np-misuse-')), 'l.sock'))));
      await quiet();
      for (const [what, opts] of BAD_OPTIONS) {
        const before = frozen(poller);
        const ops = [a.read(Buffer.alloc(4), opts as never), a.write(Buffer.from('y'), opts as never), listener.accept(opts as never), listener.acceptMany(opts as never)];
        expectUnchanged(poller, before, what);
        for (const p of ops) await expectMisuse(p, what);
        expectUnchanged(poller, before, what);
      }
      const later = a.read(Buffer.alloc(4));
      await tick();
      await b.write(Buffer.from('ok'));
      await expect(later).resolves.toBe(2);
      expect(poller.stats.waiters).toBe(0);
    });

    it("poller.open(its own epoll fd or wake-up fd): MisuseError, not a raw EINVAL; the poller unchanged and working", async () => {
      const poller = h().poller;
      const own = poller.drive as unknown as { epfd: number; hostFd: number };
      await quiet();
      for (const fd of [own.epfd, own.hostFd]) {
        const before = frozen(poller);
        let err: unknown;
        try {
          poller.open(fd);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(MisuseError);
        expect((err as MisuseError).reason).toBe('bad-argument');
        expect((err as Error).message).toMatch(/this poller's own/);
        expectUnchanged(poller, before, `open(${fd})`);
      }
      const [a, b] = h().pair('stream');
      const pd = poller.open(a);
      const w = pd.wait('r');
      writeFd(b, Buffer.from('z'));
      await expect(w).resolves.toBeUndefined();
      pd.close();
    });

    it('PollFD.open with bad options (a poller that is not a Poller, null): MisuseError; the fd is left as it was', async () => {
      const poller = h().poller;
      const [a] = h().pair('stream');
      await quiet();
      const before = frozen(poller);
      for (const opts of [null, 7, { poller: {} }, { poller: new AbortController() }]) {
        await expectMisuse(PollFD.open(a, opts as never), JSON.stringify(opts));
      }
      expectUnchanged(poller, before, 'PollFD.open');
      const pfd = await h().open(a); // still free to be opened
      await pfd.close();
    });

    it('setDeadline on an unblocked or closed PollDesc: ClosedError (Go: ErrFileClosing); nothing changes', async () => {
      const poller = h().poller;
      const [a, b] = h().pair('stream');
      const unblocked: PollDesc = poller.open(a);
      unblocked.unblock();
      await quiet();
      let before = frozen(poller);
      expect(() => unblocked.setDeadline(Date.now() + 1000)).toThrow(ClosedError);
      expect(() => unblocked.setDeadline(Date.now() - 1000, 'r')).toThrow(ClosedError);
      expectUnchanged(poller, before, 'setDeadline after unblock');
      unblocked.close();
      const closed = poller.open(b);
      closed.close();
      before = frozen(poller);
      expect(() => closed.setDeadline(Date.now() + 1000, 'w')).toThrow(ClosedError);
      expectUnchanged(poller, before, 'setDeadline after close');
    });
  });
}

describe('options that are not objects', () => {
  it('Poller.create(null) and serveInspector(null) are MisuseErrors, not TypeErrors', async () => {
    await expect(Poller.create(null as never)).rejects.toMatchObject({ name: 'MisuseError', reason: 'bad-argument' });
    const p = await Poller.create();
    await expect(p.serveInspector(null as never)).rejects.toMatchObject({ name: 'MisuseError', reason: 'bad-argument' });
    await p.close();
  });
});
