// Fairness (host/fairness.ts): operations that never park hand the thread
// back to the event loop once their slice is used up, so a descriptor
// parked in epoll is served while a hot loop keeps finding data — and the
// hand-back keeps PollFD's rules: FIFO per direction, close waits for the
// operation, an abort during the hand-back rejects it.
import { describe, it, expect, afterEach } from 'vitest';
import { Poller, PollFD, AbortError, ClosedError } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd } from '../../host/sys/fd.js';
import { setSliceMs, yieldCount } from '../../host/fairness.js';
import { DRIVES } from '../go/support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A slice so short that every check (every 32nd operation) hands the thread back. */
function tinySlice(): void {
  const prev = setSliceMs(1e-9);
  cleanup.push(() => void setSliceMs(prev));
}

for (const drive of DRIVES) {
  describe(`fairness (${drive})`, () => {
    async function pair(poller: Poller): Promise<[PollFD, PollFD]> {
      const [a, b] = socketPair('stream');
      const fa = await PollFD.open(a, { poller });
      const fb = await PollFD.open(b, { poller });
      cleanup.push(async () => {
        await fa.close();
        await fb.close();
      });
      return [fa, fb];
    }

    async function poller(): Promise<Poller> {
      const p = await Poller.create({ drive });
      cleanup.push(() => p.close());
      return p;
    }

    it('a loop that never parks does not starve a descriptor parked in epoll', async () => {
      const p = await poller();
      const [hotA, hotB] = await pair(p);
      const [waitA, waitB] = await pair(p);
      const buf = Buffer.alloc(64);
      const parked = waitA.read(Buffer.alloc(64));
      let served = false;
      void parked.then(() => (served = true));
      await new Promise((r) => setImmediate(r)); // the read is parked in epoll now
      expect(p.stats.waiters).toBe(1);
      // The peer of the parked descriptor writes only after the hot loop has started.
      queueMicrotask(() => writeFd(waitB.fd, Buffer.from('x')));
      // The hot loop writes to itself, so every read finds data: it never parks.
      const LIMIT = 200_000;
      let i = 0;
      for (; i < LIMIT && !served; i++) {
        await hotB.write(buf);
        await hotA.read(buf);
      }
      expect(served).toBe(true);
      expect(i).toBeLessThan(LIMIT);
      expect(await parked).toBe(1);
    });

    it('operations handed back keep their FIFO order per direction', async () => {
      tinySlice();
      const p = await poller();
      const [a, b] = await pair(p);
      const before = yieldCount();
      const N = 200;
      for (let i = 0; i < N; i++) writeFd(b.fd, Buffer.from([i]));
      const order: number[] = [];
      // 200 one-byte reads issued at once: each takes the lock in call order, some wait a turn.
      const reads = Array.from({ length: N }, () => {
        const one = Buffer.alloc(1);
        return a.read(one).then((n) => {
          expect(n).toBe(1);
          order.push(one[0]!);
        });
      });
      await Promise.all(reads);
      expect(order).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(yieldCount()).toBeGreaterThan(before);
    });

    it('close during a hand-back: the operation fails with ClosedError and close completes', async () => {
      tinySlice();
      const p = await poller();
      const [a, b] = await pair(p);
      const buf = Buffer.alloc(8);
      writeFd(b.fd, Buffer.alloc(8 * 64));
      // Reads until one is handed back (it is then waiting for the next turn, lock held).
      let pending: Promise<number> | null = null;
      for (let i = 0; i < 64 && !pending; i++) {
        const before = yieldCount();
        const r = a.read(buf);
        if (yieldCount() > before) pending = r;
        else await r;
      }
      expect(pending).not.toBeNull();
      const closing = a.close();
      await expect(pending).rejects.toBeInstanceOf(ClosedError);
      await closing;
      expect(p.stats.descriptors).toBe(1); // only b is left
    });

    it('an abort during a hand-back rejects the operation with AbortError and frees the lock', async () => {
      tinySlice();
      const p = await poller();
      const [a, b] = await pair(p);
      const buf = Buffer.alloc(8);
      writeFd(b.fd, Buffer.alloc(8 * 64));
      let pending: Promise<number> | null = null;
      const ac = new AbortController();
      for (let i = 0; i < 64 && !pending; i++) {
        const before = yieldCount();
        const r = a.read(buf, { signal: ac.signal });
        if (yieldCount() > before) pending = r;
        else await r;
      }
      expect(pending).not.toBeNull();
      ac.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      expect(await a.read(buf)).toBe(8); // the lock was released
    });
  });
}
