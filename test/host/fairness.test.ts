// Fairness (host/fairness.ts): operations that never park let Node's event
// loop turn once their slice is used up (where the drive takes its epoll
// batch), so a descriptor parked in epoll is served while a hot loop keeps
// finding data — the operation waits holding its lock, so FIFO order per
// direction is kept. (test/host/event-loop.test.ts: timers and immediates.)
import { describe, it, expect, afterEach } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd } from '../../host/os/fd.js';
import { setSliceMs, yieldedTurns } from '../../host/fairness.js';
import { DRIVES } from '../go/support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A slice so short that every check (every 32nd operation) polls epoll. */
function tinySlice(): void {
  const prev = setSliceMs(1e-9);
  cleanup.push(() => void setSliceMs(prev));
}

for (const drive of DRIVES) {
  describe(`fairness (${drive})`, () => {
    async function poller(): Promise<Poller> {
      const p = await Poller.create({ drive });
      cleanup.push(() => p.close());
      return p;
    }

    async function pair(p: Poller): Promise<[PollFD, PollFD]> {
      const [a, b] = socketPair('stream');
      const fa = await PollFD.open(a, { poller: p });
      const fb = await PollFD.open(b, { poller: p });
      cleanup.push(async () => {
        await fa.close();
        await fb.close();
      });
      return [fa, fb];
    }

    // The last test counts loop iterations: on the thread drive the parked waiter is served when the pool
    // thread's blocking wait returns, which a bounded number of event-loop turns need not cover.
    const uvOnly = drive === 'uv' ? it : it.skip;

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
      // The parked descriptor's peer writes once the hot loop has started.
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

    it('operations keep their FIFO order per direction across forced polls', async () => {
      tinySlice();
      const p = await poller();
      const [a, b] = await pair(p);
      const before = yieldedTurns();
      const N = 200;
      for (let i = 0; i < N; i++) writeFd(b.fd, Buffer.from([i]));
      const order: number[] = [];
      // 200 one-byte reads issued at once: each takes the lock in call order.
      const reads = Array.from({ length: N }, () => {
        const one = Buffer.alloc(1);
        return a.read(one).then((n) => {
          expect(n).toBe(1);
          order.push(one[0]!);
        });
      });
      await Promise.all(reads);
      expect(order).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(yieldedTurns()).toBeGreaterThan(before);
    });

    uvOnly('a forced poll settles a parked waiter inside the hot loop; a closed PollFD stays closed', async () => {
      tinySlice();
      const p = await poller();
      const [hotA, hotB] = await pair(p);
      const [waitA, waitB] = await pair(p);
      const parked = waitA.read(Buffer.alloc(8));
      let i = 0;
      let served = -1;
      void parked.then(() => (served = i));
      await new Promise((r) => setImmediate(r));
      writeFd(waitB.fd, Buffer.from('ready'));
      const other = await pair(p);
      await other[0].close(); // a closed descriptor in the same poller stays closed through forced polls
      const buf = Buffer.alloc(16);
      for (; i < 256; i++) {
        await hotB.write(buf);
        await hotA.read(buf);
      }
      // Settled inside the loop (within a few checks), not when the loop ended and the event loop ran.
      expect(served).toBeGreaterThanOrEqual(0);
      expect(served).toBeLessThan(256);
      expect(await parked).toBe(5);
      await expect(other[0].read(buf)).rejects.toThrow();
    });
  });
}
