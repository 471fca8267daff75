// Thousands of descriptors, waiters and deadlines at once: the core's memory
// grows (memory.grow detaches every view of the old buffer) while waiters are
// parked and, in the thread drive, while a blocking epoll_wait is in flight.
// Every waiter must still be woken exactly once with the right result.

import { describe, it, expect } from 'vitest';
import { isTimeout, type PollFD } from '../../host/index.js';
import { writeFd, getNoFileLimit } from '../../host/sys/index.js';
import { DRIVES, usePoller, tick } from '../go/support.js';

const PAIRS = Math.min(3000, Math.floor((getNoFileLimit().soft - 200) / 2));

for (const drive of DRIVES) {
  describe(`scale (${drive})`, () => {
    const h = usePoller(drive);

    it(`${PAIRS} descriptors with parked reads and deadlines while the core's memory grows`, async () => {
      const poller = h().poller;
      const bytes0 = poller.snapshot().byteLength;
      const readers: PollFD[] = [];
      const peers: number[] = [];
      const reads: Promise<unknown>[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const [a, b] = h().pair('stream');
        const fa = await h().open(a);
        readers.push(fa);
        peers.push(b);
        if (i % 2) fa.setReadDeadline(Date.now() + 120_000 + i); // distinct timers, none due
        const buf = Buffer.alloc(4);
        reads.push(fa.read(buf).then((n) => (n === 1 ? buf[0] : -1), (err: unknown) => (isTimeout(err) ? 'timeout' : err)));
        if (i % 500 === 0) await tick(); // let the drive poll (thread: an epoll_wait in flight) while we keep growing
      }
      await tick();
      expect(poller.stats.descriptors).toBe(PAIRS);
      expect(poller.stats.waiters).toBe(PAIRS);
      expect(poller.stats.timers).toBe(Math.floor(PAIRS / 2));
      expect(poller.snapshot().byteLength).toBeGreaterThan(bytes0);
      // Every third reader's deadline moves into the past; the rest get one byte each.
      readers.forEach((fa, i) => {
        if (i % 3 === 0) fa.setReadDeadline(Date.now() - 1);
        else writeFd(peers[i]!, Buffer.from([i & 0xff]));
      });
      const results = await Promise.all(reads);
      results.forEach((r, i) => expect(r).toBe(i % 3 === 0 ? 'timeout' : i & 0xff));
      expect(poller.stats.waiters).toBe(0);
      expect(poller.inspect().violations).toEqual([]);
      for (const fa of readers) fa.setReadDeadline(null);
      expect(poller.stats.timers).toBe(0);
    });
  });
}
