// Poller.close(): every parked reader and writer rejects with ClosedError,
// nothing is left pending, the fds stay the caller's, and close is idempotent.

import { describe, it, expect } from 'vitest';
import { ClosedError, Poller, PollFD, isTimeout } from '../../host/index.js';
import { socketPair, readFd, writeFd } from '../../host/sys/index.js';
import { DRIVES, usePoller, tick, fillRaw, rejection, stateAfter } from '../go/support.js';

for (const drive of DRIVES) {
  describe(`Poller.close (${drive})`, () => {
    const h = usePoller(drive, { invariants: false });

    it('rejects parked readers and writers (PollFD and PollDesc) with ClosedError and leaves nothing pending', async () => {
      const poller = h().poller;
      const pairs = await Promise.all(Array.from({ length: 10 }, () => h().pollPair()));
      const ops: Promise<unknown>[] = [];
      pairs.forEach(([a], i) => {
        fillRaw(a.fd);
        if (i % 2) a.setDeadline(Date.now() + 3_600_000);
        ops.push(a.read(Buffer.alloc(8)), a.write(Buffer.alloc(8)));
        ops.push(a.read(Buffer.alloc(8))); // queued behind the first read
      });
      // Raw PollDescs too.
      const [x] = h().pair('stream');
      const pdx = poller.open(x);
      ops.push(pdx.wait('r'));
      const [y] = h().pair('stream');
      fillRaw(y);
      const pdy = poller.open(y);
      ops.push(pdy.wait('w'));
      await tick();
      for (const p of ops) expect(await stateAfter(p)).toBe('pending');
      expect(poller.stats.waiters).toBeGreaterThan(0);
      expect(poller.stats.timers).toBeGreaterThan(0);

      const closing = poller.close();
      expect(poller.close()).toBe(closing); // idempotent: the same promise
      for (const p of ops) {
        const err = await rejection(p);
        expect(err).toBeInstanceOf(ClosedError);
        expect(isTimeout(err)).toBe(false);
      }
      await closing;
      await poller.close();
      expect(poller.isClosed).toBe(true);
      expect(poller.stats).toEqual({ descriptors: 0, waiters: 0, timers: 0, staleEvents: expect.any(Number), io: expect.any(Object) });
      const x1 = poller.inspect();
      expect(x1.violations).toEqual([]);
      expect(x1.waiters).toBe(0);
      expect(x1.timers).toEqual([]);

      // Using the poller or its descriptors afterwards fails cleanly.
      expect(() => poller.open(x)).toThrow(ClosedError);
      await expect(pdx.wait('r')).rejects.toBeInstanceOf(ClosedError);
      expect(() => pdx.setDeadline(null)).toThrow(ClosedError);
      await expect(pairs[0]![0].read(Buffer.alloc(8))).rejects.toBeInstanceOf(ClosedError);
      await expect(PollFD.open(x, { poller })).rejects.toBeInstanceOf(ClosedError);

      // The fds are still the caller's and still work.
      const buf = Buffer.alloc(65536);
      expect(readFd(pairs[0]![1].fd, buf)).toBeGreaterThan(0); // what fillRaw(a) sent
      expect(writeFd(pairs[0]![1].fd, Buffer.from('z'))).toBe(1);
      // PollFD.close after Poller.close still closes the fd.
      for (const [a, b] of pairs) {
        await a.close();
        await b.close();
      }
      h().pollFDs.clear();
    });

    it('close with nothing registered, twice, and after all descriptors were closed', async () => {
      const poller = h().poller;
      const [a, b] = await h().pollPair();
      await a.close();
      await b.close();
      await poller.close();
      await poller.close();
      expect(poller.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
    });

    it('a new poller works after another one was closed with waiters', async () => {
      const other = await Poller.create({ drive });
      const [a, b] = socketPair('stream');
      const fa = await PollFD.open(a, { poller: other });
      const p = fa.read(Buffer.alloc(4));
      await tick();
      await other.close();
      expect(await rejection(p)).toBeInstanceOf(ClosedError);
      await fa.close();
      const fb = await h().open(h().track(b));
      const [c, d] = await h().pollPair();
      await c.write(Buffer.from('ok'));
      expect(await d.read(Buffer.alloc(4))).toBe(2);
      await fb.close();
    });
  });
}
