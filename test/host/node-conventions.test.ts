// Node conventions on the public classes: Symbol.asyncDispose / Symbol.dispose
// (`await using`, transformed by vitest here; type-checked and run through
// tsc by test/package), async iteration that closes on an early exit and
// takes an AbortSignal, and util.inspect showing state, not internals.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Poller, PollFD, AbortError, ClosedError, MisuseError } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { pipe, closeFd, writeFd } from '../../host/os/fd.js';

let poller: Poller;
beforeAll(async () => {
  poller = await Poller.create();
});
afterAll(async () => {
  await poller.close();
});

const fdOpen = (fd: number): boolean => existsSync(`/proc/self/fd/${fd}`);

describe('disposal', () => {
  it('await using closes a PollFD at the end of its scope', async () => {
    const [a, b] = socketPair('stream');
    {
      await using fa = await PollFD.open(a, { poller });
      await using fb = await PollFD.open(b, { poller });
      await fa.write(Buffer.from('x'));
      expect(await fb.read(Buffer.alloc(4))).toBe(1);
    }
    expect(fdOpen(a) || fdOpen(b)).toBe(false);
    expect(poller.stats.descriptors).toBe(0);
  });

  it('await using closes a PollFD when the scope throws, and the error propagates', async () => {
    const [a, b] = socketPair('stream');
    const pending: Promise<number>[] = [];
    await expect(
      (async () => {
        await using fa = await PollFD.open(a, { poller });
        pending.push(fa.read(Buffer.alloc(4)));
        throw new Error('scope failed');
      })(),
    ).rejects.toThrow('scope failed');
    await expect(pending[0]).rejects.toBeInstanceOf(ClosedError); // the blocked read was woken by the close
    expect(fdOpen(a)).toBe(false);
    closeFd(b);
  });

  it('using closes a PollDesc (deregisters) and leaves the fd open, as close() does', async () => {
    const [r, w] = pipe();
    {
      using pd = poller.open(r);
      expect(poller.stats.descriptors).toBe(1);
      writeFd(w, Buffer.from('x'));
      await pd.wait('r');
    }
    expect(poller.stats.descriptors).toBe(0);
    expect(fdOpen(r)).toBe(true);
    closeFd(r);
    closeFd(w);
  });

  it('await using closes a Poller: its waiters reject with ClosedError', async () => {
    const [r, w] = pipe();
    let waiting!: Promise<void>;
    let p!: Poller;
    {
      await using own = await Poller.create();
      p = own;
      waiting = own.open(r).wait('r');
    }
    expect(p.isClosed).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    closeFd(r);
    closeFd(w);
  });
});

describe('async iteration', () => {
  it('break closes the PollFD, as leaving a Readable early destroys it', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const fb = await PollFD.open(b, { poller });
    await fb.write(Buffer.from('one'));
    for await (const chunk of fa) {
      expect(chunk.toString()).toBe('one');
      break;
    }
    expect(fdOpen(a)).toBe(false);
    await expect(fa.read(Buffer.alloc(1))).rejects.toBeInstanceOf(ClosedError);
    await fb.close();
  });

  it('EOF ends the loop without closing (the write side may still be used)', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const fb = await PollFD.open(b, { poller });
    await fb.write(Buffer.from('last'));
    await fb.close();
    const got: string[] = [];
    for await (const chunk of fa) got.push(chunk.toString());
    expect(got).toEqual(['last']);
    expect(fdOpen(a)).toBe(true);
    await fa.close();
  });

  it('chunks({ destroyOnReturn: false }) leaves the PollFD open after break', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const fb = await PollFD.open(b, { poller });
    await fb.write(Buffer.from('1'));
    for await (const _ of fa.chunks({ destroyOnReturn: false })) break;
    await fb.write(Buffer.from('2'));
    const buf = Buffer.alloc(4);
    expect(buf.subarray(0, await fa.read(buf)).toString()).toBe('2');
    await Promise.all([fa.close(), fb.close()]);
  });

  it('chunks({ signal }): an abort ends a blocked iteration with AbortError and closes the PollFD', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const got: Buffer[] = [];
    const err = await (async () => {
      for await (const c of fa.chunks({ signal: ac.signal })) got.push(c);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(got).toEqual([]);
    expect(fdOpen(a)).toBe(false);
    expect(poller.stats.waiters).toBe(0);
    closeFd(b);
  });

  it('chunks() refuses a bad size up front', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    expect(() => fa.chunks({ size: 0 })).toThrow(MisuseError);
    await fa.close();
    closeFd(b);
  });
});

describe('util.inspect', () => {
  it('PollFD shows fd, state, deadlines, parked waits and operations; no engine, locks or closures', async () => {
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const deadline = Date.now() + 60_000;
    fa.setReadDeadline(deadline);
    const reading = fa.read(Buffer.alloc(4));
    await sleep(10);
    const text = inspect(fa);
    expect(text).toMatch(new RegExp(`^PollFD \\{\\n?\\s*fd: ${a},`));
    expect(text).toContain("state: 'open'");
    expect(text).toContain("waiting: [ 'r' ]");
    expect(text).toContain('operations: 1');
    expect(text).toContain('writeDeadline: null');
    // The deadline is read back from the core's memory: within a millisecond of what was set.
    const shown = /readDeadline: (\d{4}-[^,\s]+)/.exec(text)![1]!;
    expect(Math.abs(new Date(shown).getTime() - deadline)).toBeLessThanOrEqual(2);
    for (const internal of ['engine', 'Lock', 'queue', 'finish', '[Function', 'host', 'index', 'seq:']) expect(text).not.toContain(internal);
    fa.setReadDeadline(Date.now() - 1);
    await expect(reading).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(inspect(fa)).toContain("readDeadline: 'expired'");
    expect(inspect(fa)).toContain('operations: 0');
    const closing = fa.close();
    expect(inspect(fa)).toMatch(/state: '(closing|closed)'/);
    await closing;
    expect(inspect(fa)).toBe(`PollFD { fd: ${a}, state: 'closed', operations: 0 }`);
    closeFd(b);
  });

  it('PollDesc shows readiness and waits per direction', async () => {
    const [r, w] = pipe();
    const pd = poller.open(w);
    await sleep(10); // the pipe's write end is writable at once: the core holds a readiness notification
    expect(inspect(pd)).toContain("ready: [ 'w' ]");
    const rpd = poller.open(r);
    const waiting = rpd.wait('r');
    expect(inspect(rpd)).toMatch(/waiting: \[ 'r' \]/);
    rpd.close();
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    expect(inspect(rpd)).toBe(`PollDesc { fd: ${r}, state: 'closed' }`);
    pd.close();
    closeFd(r);
    closeFd(w);
  });

  it('Poller shows drive, state, counters, next deadline and fds; nothing internal', async () => {
    const p = await Poller.create();
    const [r, w] = pipe();
    const pd = p.open(r);
    pd.setDeadline(Date.now() + 5_000);
    const text = inspect(p);
    expect(text).toMatch(/^Poller \{/);
    expect(text).toContain("drive: 'uv'");
    expect(text).toContain('descriptors: 1');
    expect(text).toContain('timers: 1');
    expect(text).toContain(`fds: [ ${r} ]`);
    expect(text).toMatch(/nextDeadline: \d{4}-\d\d-\d\dT/);
    for (const internal of ['engine', 'byFd', 'internals', '[Function', 'Map']) expect(text).not.toContain(internal);
    await p.close();
    expect(inspect(p)).toBe("Poller { drive: 'uv', state: 'closed' }");
    closeFd(r);
    closeFd(w);
  });
});
