// Go netpoller scenarios (numbered as in test/go/README.md), read deadlines: scenarios 1, 2, 3, 10, 12, 16, 18, 29
// (Go's net/timeout_test.go: TestReadTimeout, TestReadTimeoutMustNotReturn,
// TestReadTimeoutFluctuation, TestVariousDeadlines, TestReadWriteProlongedTimeout…).

import { describe, it, expect } from 'vitest';
import { ClosedError, isTimeout } from '../../host/index.js';
import {
  DRIVES,
  usePoller,
  nowMs,
  sleep,
  stateAfter,
  rejection,
  timesOut,
  expectFiredInBounds,
  EARLY_SLACK_MS,
} from './support.js';

for (const drive of DRIVES) {
  describe(`read deadlines (${drive})`, () => {
    const h = usePoller(drive);

    it('S1 data buffered, read deadline 5 s in the past: two 1-byte reads both time out', async () => {
      const [a, b] = await h().pollPair();
      await b.write(Buffer.from('data'));
      a.setReadDeadline(Date.now() - 5000);
      const buf = Buffer.alloc(1);
      for (let i = 0; i < 2; i++) await timesOut(a.read(buf));
      // The data is still there once the deadline is gone.
      a.setReadDeadline(null);
      expect(await a.read(Buffer.alloc(8))).toBe(4);
    });

    it('S2 deadline +50 ms with 17 bytes buffered: 1-byte reads succeed until the deadline, then time out until reset', async () => {
      const [a, b] = await h().pollPair();
      await b.write(Buffer.from('0123456789abcdefg')); // 17 bytes
      const setAt = nowMs();
      const d = setAt + 50;
      a.setReadDeadline(d);
      const buf = Buffer.alloc(1);
      let got = '';
      let firstTimeout = 0;
      for (;;) {
        const started = nowMs();
        try {
          await a.read(buf);
          got += buf.toString();
        } catch (err) {
          expect(isTimeout(err)).toBe(true);
          // Data is buffered: a read that started before the deadline must not time out.
          if (got.length < 17) expect(started).toBeGreaterThanOrEqual(d - EARLY_SLACK_MS);
          firstTimeout = nowMs();
          break;
        }
        await sleep(10);
      }
      expectFiredInBounds(firstTimeout, setAt, d);
      expect('0123456789abcdefg'.startsWith(got)).toBe(true);
      // It keeps timing out …
      for (let i = 0; i < 3; i++) await timesOut(a.read(buf));
      // … until the deadline is reset.
      a.setReadDeadline(null);
      const rest = Buffer.alloc(32);
      let tail = '';
      while (got.length + tail.length < 17) tail += rest.toString('latin1', 0, await a.read(rest));
      expect(got + tail).toBe('0123456789abcdefg');
    });

    it('S3 deadline past, write deadline past, read deadline cleared: read stays blocked ≥ 100 ms; close gives a non-timeout error', async () => {
      const [a] = await h().pollPair();
      a.setDeadline(Date.now() - 1000);
      a.setWriteDeadline(Date.now() - 1000);
      a.setReadDeadline(null);
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p, 100)).toBe('pending');
      const closed = a.close();
      const err = await rejection(p);
      expect(err).toBeInstanceOf(ClosedError);
      expect(isTimeout(err)).toBe(false);
      await closed;
    });

    it('S10 read deadline d (1 ms … 250 ms): times out, never before d, within bounds', async () => {
      const [a] = await h().pollPair();
      for (const ms of [1, 2, 5, 10, 25, 50, 100, 250]) {
        const setAt = nowMs();
        const d = setAt + ms;
        a.setReadDeadline(d);
        const { at } = await timesOut(a.read(Buffer.alloc(4)));
        expectFiredInBounds(at, setAt, d);
      }
      expect(h().poller.stats.waiters).toBe(0);
    });

    it('S12 deadlines of 1 ns … 1 s on a silent peer always time out', async () => {
      const ns = [1, 2, 5, 50, 100, 200, 500, 750];
      const us = [1, 5, 25, 250, 500];
      const msList = [1, 5, 100, 250, 500, 1000];
      const deltasMs = [...ns.map((n) => n / 1e6), ...us.map((u) => u / 1e3), ...msList];
      // Go runs these in parallel; so do we, one socketpair each.
      await Promise.all(
        deltasMs.map(async (delta) => {
          const [a] = await h().pollPair();
          const setAt = nowMs();
          const d = setAt + delta;
          a.setReadDeadline(d);
          const { at } = await timesOut(a.read(Buffer.alloc(4)));
          expectFiredInBounds(at, setAt, d);
          // And it keeps timing out.
          await timesOut(a.read(Buffer.alloc(4)));
        }),
      );
    });

    it('S16 a deadline 2^63−1 ns (and more) from now does not overflow into "expired"', async () => {
      const [a, b] = await h().pollPair();
      // 2^63 − 1 ns in ms, a Date at the end of ECMAScript time, and Infinity.
      for (const d of [Date.now() + 9_223_372_036_854.775, new Date(8.64e15), Number.MAX_VALUE, Infinity]) {
        a.setReadDeadline(d);
        const p = a.read(Buffer.alloc(8));
        expect(await stateAfter(p, 50)).toBe('pending');
        await b.write(Buffer.from('x'));
        expect(await p).toBe(1);
      }
      // Relative deltas near the top of the int64 range are clamped, not wrapped.
      const x = h().poller.inspect();
      const rd = BigInt(x.descriptors.find((desc) => desc.fd === a.fd)!.rd);
      expect(rd > 0n).toBe(true);
    });

    it('S18 read parked; another task sets the read deadline far in the past: the read times out promptly', async () => {
      const [a] = await h().pollPair();
      a.setReadDeadline(Date.now() + 3_600_000);
      const p = a.read(Buffer.alloc(8));
      expect(await stateAfter(p, 20)).toBe('pending');
      const setAt = nowMs();
      a.setReadDeadline(Date.now() - 3_600_000);
      const { at } = await timesOut(p);
      expect(at - setAt).toBeLessThan(250);
    });

    it('S29 writer streams forever; a reader with deadline d times out within bounds', async () => {
      const [a, b] = await h().pollPair();
      let stop = false;
      let written = 0;
      const chunk = Buffer.alloc(1024, 7);
      const writer = (async () => {
        while (!stop) {
          written += await b.write(chunk);
          await new Promise((r) => setImmediate(r));
        }
      })();
      for (const ms of [20, 100]) {
        const setAt = nowMs();
        const d = setAt + ms;
        a.setReadDeadline(d);
        let read = 0;
        const buf = Buffer.alloc(4096);
        let at = 0;
        for (;;) {
          try {
            read += await a.read(buf);
          } catch (err) {
            at = nowMs();
            expect(isTimeout(err)).toBe(true);
            break;
          }
        }
        expectFiredInBounds(at, setAt, d);
        expect(read).toBeGreaterThan(0);
      }
      stop = true;
      a.setReadDeadline(null);
      // Unblock a writer stuck on a full buffer, then finish it.
      const drain = (async () => {
        const buf = Buffer.alloc(65536);
        for (;;) if ((await a.read(buf).catch(() => 0)) === 0) return;
      })();
      await writer;
      await b.close();
      await drain;
      expect(written).toBeGreaterThan(0);
    });
  });
}
