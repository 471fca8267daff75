// Go netpoller scenarios (numbered as in test/go/README.md), close and EOF: scenarios 19, 20, 23, 27, 30, 31, 32, 35, 37, 42
// (Go's net/net_test.go: TestCloseRead / TestCloseUnblocksRead (issue 17695),
// TestZeroByteRead (issue 15735); os/timeout_test.go; internal/poll
// TestFDMutex-style close while operations are queued; runtime issue 60782).

import { describe, it, expect } from 'vitest';
import { ClosedError, isTimeout } from '../../host/index.js';
import { DRIVES, usePoller, stateAfter, rejection, sleep, fillRaw, nowMs } from './support.js';

for (const drive of DRIVES) {
  describe(`close and EOF (${drive})`, () => {
    const h = usePoller(drive);

    it('S19 the peer closes while we are blocked in read: EOF', async () => {
      const [a, b] = await h().pollPair();
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p, 20)).toBe('pending');
      await b.close();
      expect(await p).toBe(0);
      expect(await a.read(Buffer.alloc(8))).toBe(0); // and stays at EOF
    });

    it('S20 close, then read: error', async () => {
      const [a] = await h().pollPair();
      await a.close();
      const err = await rejection(a.read(Buffer.alloc(8)));
      expect(err).toBeInstanceOf(ClosedError);
      expect(isTimeout(err)).toBe(false);
      // An empty buffer on a closed fd is an error too, not a silent 0.
      expect(await rejection(a.read(Buffer.alloc(0)))).toBeInstanceOf(ClosedError);
    });

    it('S23 a zero-byte read returns 0 at once, even with nothing to read', async () => {
      const [a] = await h().pollPair();
      expect(await a.read(Buffer.alloc(0))).toBe(0);
      // Even with an expired deadline? Go returns (0, nil) before looking at deadlines.
      a.setReadDeadline(Date.now() - 1000);
      expect(await a.read(new Uint8Array(0))).toBe(0);
      expect(h().poller.stats.waiters).toBe(0);
    });

    it('S27 read blocked with the deadline cleared; the writer closes: EOF, not a timeout', async () => {
      const [a, b] = await h().pollPair();
      a.setReadDeadline(Date.now() + 20);
      a.setReadDeadline(null);
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p, 60)).toBe('pending'); // past the old deadline
      await b.close();
      expect(await p).toBe(0);
    });

    it('S30 close while blocked: a "closed" error', async () => {
      const [a] = await h().pollPair();
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p)).toBe('pending');
      const closed = a.close();
      const err = await rejection(p);
      expect(err).toBeInstanceOf(ClosedError);
      expect((err as ClosedError).code).toBe('ERR_NETPOLL_CLOSED');
      expect(isTimeout(err)).toBe(false);
      await closed;
    });

    it('S31 three write-then-read cycles with 10 ms pauses, then the writer closes: EOF', async () => {
      const [a, b] = await h().pollPair();
      const reader = (async () => {
        const got: string[] = [];
        const buf = Buffer.alloc(64);
        for (;;) {
          const n = await a.read(buf);
          if (n === 0) return got;
          got.push(buf.toString('utf8', 0, n));
        }
      })();
      for (const word of ['one', 'two', 'three']) {
        await sleep(10);
        await b.write(Buffer.from(word));
      }
      await sleep(10);
      await b.close();
      expect((await reader).join('')).toBe('onetwothree');
    });

    it('S31 (async iterator) chunks as they arrive, then the end at EOF', async () => {
      const [a, b] = await h().pollPair();
      const got: string[] = [];
      const reader = (async () => {
        for await (const chunk of a) got.push(Buffer.from(chunk).toString());
      })();
      for (const word of ['one', 'two', 'three']) {
        await b.write(Buffer.from(word));
        await sleep(10);
      }
      await b.close();
      await reader;
      expect(got.join('')).toBe('onetwothree');
    });

    it('S32 reading the fd number while a read is blocked returns at once', async () => {
      const [a] = await h().pollPair();
      const fd = a.fd;
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p)).toBe('pending');
      const t0 = performance.now();
      expect(a.fd).toBe(fd);
      expect(a.pollDesc.fd).toBe(fd);
      expect(performance.now() - t0).toBeLessThan(100);
      await a.close();
      await rejection(p);
    });

    it('S35 close releases queued operations, which fail; every operation after close fails', async () => {
      const [a] = await h().pollPair();
      fillRaw(a.fd);
      const reads = [a.read(Buffer.alloc(8)), a.read(Buffer.alloc(8)), a.read(Buffer.alloc(8))];
      const writes = [a.write(Buffer.alloc(8)), a.write(Buffer.alloc(8))];
      for (const p of [...reads, ...writes]) expect(await stateAfter(p)).toBe('pending');
      const closed = a.close();
      for (const p of [...reads, ...writes]) expect(await rejection(p)).toBeInstanceOf(ClosedError);
      await closed;
      expect(await rejection(a.read(Buffer.alloc(8)))).toBeInstanceOf(ClosedError);
      expect(await rejection(a.write(Buffer.alloc(8)))).toBeInstanceOf(ClosedError);
      expect(await rejection(a.accept())).toBeInstanceOf(ClosedError);
      expect(() => a.setDeadline(Date.now() + 1000)).toThrow(ClosedError);
      expect(() => a.setReadDeadline(null)).toThrow(ClosedError);
      expect(() => a.setWriteDeadline(null)).toThrow(ClosedError);
      await a.close(); // idempotent
      expect(h().poller.stats).toMatchObject({ waiters: 0, timers: 0 });
    });

    it('S37 after a burst of traffic completes, the waiters counter is 0', async () => {
      const pairs = await Promise.all(Array.from({ length: 8 }, () => h().pollPair()));
      let peak = 0;
      await Promise.all(
        pairs.map(async ([a, b], i) => {
          const msg = Buffer.alloc(1000 + i, i);
          for (let round = 0; round < 50; round++) {
            const echo = (async () => {
              const buf = Buffer.alloc(msg.length);
              let got = 0;
              while (got < msg.length) got += await b.read(buf.subarray(got));
              await b.write(buf);
            })();
            await sleep(0);
            peak = Math.max(peak, h().poller.stats.waiters);
            await a.write(msg);
            const back = Buffer.alloc(msg.length);
            let got = 0;
            while (got < msg.length) got += await a.read(back.subarray(got));
            expect(back.equals(msg)).toBe(true);
            await echo;
          }
        }),
      );
      expect(peak).toBeGreaterThan(0);
      expect(h().poller.stats.waiters).toBe(0);
      expect(h().poller.inspect().waiters).toBe(0);
    });

    it('S42 close unblocks a pending read and a pending write', async () => {
      const [a] = await h().pollPair();
      fillRaw(a.fd);
      a.setDeadline(Date.now() + 3_600_000);
      const r = a.read(Buffer.alloc(8));
      const w = a.write(Buffer.alloc(8));
      expect(await stateAfter(r)).toBe('pending');
      expect(await stateAfter(w)).toBe('pending');
      const t0 = nowMs();
      const closed = a.close();
      expect(await rejection(r)).toBeInstanceOf(ClosedError);
      const werr = await rejection(w);
      expect(werr).toBeInstanceOf(ClosedError);
      expect((werr as ClosedError).bytesWritten).toBe(0);
      await closed;
      expect(nowMs() - t0).toBeLessThan(1000);
      expect(h().poller.stats).toMatchObject({ waiters: 0, timers: 0 });
    });
  });
}
