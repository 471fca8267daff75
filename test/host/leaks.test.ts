// No leaks: fds, descriptors, waiters (Go issue 60782: the waiters counter
// must come back down), timers, and the core's descriptor blocks (freed
// descriptors are reused, LIFO, so memory stays flat).

import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { PollFD, isTimeout, ClosedError } from '../../host/index.js';
import { socketPair } from '../../host/sys/index.js';
import { DRIVES, usePoller, tick, sleep, rejection } from '../go/support.js';

function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

for (const drive of DRIVES) {
  describe(`no leaks (${drive})`, () => {
    const h = usePoller(drive);

    it('10,000 socketpair PollFD open/close cycles (20,000 PollFDs) leave /proc/self/fd as it was', async () => {
      const poller = h().poller;
      // Warm up (koffi, the core, lazily created fds) before counting.
      {
        const [a, b] = socketPair('stream');
        const fa = await PollFD.open(a, { poller });
        const fb = await PollFD.open(b, { poller });
        await fa.close();
        await fb.close();
      }
      const before = openFdCount();
      const blocks0 = poller.inspect().counters.descBlocks;
      const msg = Buffer.from('x');
      const buf = Buffer.alloc(4);
      for (let i = 0; i < 10_000; i++) {
        const [a, b] = socketPair('stream');
        const fa = await PollFD.open(a, { poller });
        const fb = await PollFD.open(b, { poller });
        if (i % 100 === 0) {
          // Now and then with traffic, a parked read, a deadline and a close under a waiter.
          const p = fa.read(buf);
          await fb.write(msg);
          expect(await p).toBe(1);
          fa.setReadDeadline(Date.now() + 60_000);
          const q = fa.read(buf);
          await tick();
          const closing = fa.close();
          expect(await rejection(q)).toBeInstanceOf(ClosedError);
          await closing;
        } else {
          await fa.close();
        }
        await fb.close();
      }
      expect(openFdCount()).toBe(before);
      expect(poller.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
      expect(poller.inspect().counters.descBlocks).toBe(blocks0);
    });

    it('the waiters counter returns to 0 after bursts woken by I/O, deadlines and close (Go 60782)', async () => {
      const poller = h().poller;
      const pairs = await Promise.all(Array.from({ length: 64 }, () => h().pollPair()));
      for (let round = 0; round < 5; round++) {
        // Burst 1: woken by I/O.
        const reads = pairs.map(([a]) => a.read(Buffer.alloc(8)));
        await tick();
        expect(poller.stats.waiters).toBe(64);
        await Promise.all(pairs.map(([, b]) => b.write(Buffer.from('hi'))));
        expect(await Promise.all(reads)).toEqual(pairs.map(() => 2));
        expect(poller.stats.waiters).toBe(0);
        // Burst 2: woken by deadlines.
        const timed = pairs.map(([a]) => a.read(Buffer.alloc(8)).catch((e: unknown) => e));
        pairs.forEach(([a], i) => a.setReadDeadline(Date.now() + 5 + (i % 7)));
        await tick();
        expect(poller.stats.waiters).toBe(64);
        const errs = await Promise.all(timed);
        expect(errs.every(isTimeout)).toBe(true);
        expect(poller.stats.waiters).toBe(0);
        expect(poller.stats.timers).toBe(0);
        pairs.forEach(([a]) => a.setReadDeadline(null));
        await sleep(1);
      }
      // Burst 3: woken by close.
      const last = pairs.map(([a]) => a.read(Buffer.alloc(8)).catch((e: unknown) => e));
      await tick();
      expect(poller.stats.waiters).toBe(64);
      await Promise.all(pairs.map(([a]) => a.close()));
      expect((await Promise.all(last)).every((e) => e instanceof ClosedError)).toBe(true);
      expect(poller.stats.waiters).toBe(0);
      expect(poller.inspect().waiters).toBe(0);
    });
  });
}
