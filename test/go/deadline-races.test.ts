// Go netpoller scenarios (numbered as in test/go/README.md), deadline races: scenarios 13, 14, 15, 28, 38, 39, 40, 41, 43, 44, 45
// (Go's net/timeout_test.go: TestReadWriteProlongedTimeout,
// TestReadWriteDeadlineRace, TestConcurrentSetDeadline, TestDeadlineRace /
// TestVariousDeadlines buffers, TestReadWriteDeadline; x/net/nettest
// testPastTimeout / testPresentTimeout / testFutureTimeout /
// testCloseTimeout; runtime's pollSetDeadline seq guards).

import { describe, it, expect } from 'vitest';
import { ClosedError, Poller, isTimeout, type PollFD } from '../../host/index.js';
import type { CoreExports } from '../../host/core/abi.js';
import {
  DRIVES,
  usePoller,
  nowMs,
  sleep,
  tick,
  stateAfter,
  rejection,
  timesOut,
  expectFiredInBounds,
  fillRaw,
  EARLY_SLACK_MS,
  Harness,
} from './support.js';

async function readFull(fd: PollFD, n: number): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const k = await fd.read(buf.subarray(got));
    if (k === 0) throw new Error('unexpected EOF');
    got += k;
  }
  return buf;
}

/** One round trip a → b → a of `msg`. */
async function roundTrip(a: PollFD, b: PollFD, msg = Buffer.from('ping')): Promise<void> {
  await a.write(msg);
  const got = await readFull(b, msg.length);
  await b.write(got);
  expect((await readFull(a, msg.length)).equals(msg)).toBe(true);
}

for (const drive of DRIVES) {
  describe(`deadline races (${drive})`, () => {
    const h = usePoller(drive);

    it('S13 two tasks keep extending deadlines to +1 h during 1000 ping-pongs: normal completion', async () => {
      const [a, b] = await h().pollPair();
      let done = false;
      const extend = async (fd: PollFD): Promise<number> => {
        let n = 0;
        while (!done) {
          fd.setDeadline(Date.now() + 3_600_000);
          n++;
          await tick();
        }
        return n;
      };
      const extenders = [extend(a), extend(b)];
      const one = Buffer.alloc(1);
      const pong = (async () => {
        for (let i = 0; i < 1000; i++) {
          await readFull(b, 1);
          b.setReadDeadline(Date.now() + 3_600_000);
          await b.write(one);
        }
      })();
      for (let i = 0; i < 1000; i++) {
        a.setWriteDeadline(Date.now() + 3_600_000);
        await a.write(one);
        await readFull(a, 1);
      }
      await pong;
      done = true;
      const counts = await Promise.all(extenders);
      expect(Math.min(...counts)).toBeGreaterThan(0);
    });

    it('S14 deadlines reset to now + 2 µs over and over while reading and writing, 1000 rounds: every error is a timeout', async () => {
      const [a, b] = await h().pollPair();
      const N = 1000;
      let setterDone = false;
      const setter = (async () => {
        for (let i = 0; i < N; i++) {
          a.setReadDeadline(nowMs() + 0.002);
          a.setWriteDeadline(nowMs() + 0.002);
          if (i % 20 === 0) void b.write(Buffer.from('p')); // something to read now and then
          if (i % 4 === 0) await tick();
          else await Promise.resolve();
        }
        setterDone = true;
      })();
      const errors: unknown[] = [];
      let ok = 0;
      const op = async (f: () => Promise<number>): Promise<void> => {
        for (let i = 0; i < N; i++) {
          try {
            await f();
            ok++;
          } catch (err) {
            errors.push(err);
          }
        }
      };
      const one = Buffer.alloc(1);
      const reader = op(() => a.read(Buffer.alloc(1)));
      const writer = op(() => a.write(one));
      // The peer drains what a writes until the setter is done, then gives up.
      const drain = (async () => {
        const buf = Buffer.alloc(4096);
        while (!setterDone) await b.read(buf).catch(() => 0);
      })();
      await setter;
      b.setReadDeadline(Date.now() - 1);
      await Promise.all([reader, writer, drain]);
      expect(errors.length + ok).toBe(2 * N);
      for (const err of errors) expect(isTimeout(err)).toBe(true);
      expect(h().poller.stats.waiters).toBe(0);
    });

    it('S15 many descriptors × many iterations of steadily earlier deadlines: no corruption', async () => {
      const fds: PollFD[] = [];
      for (let i = 0; i < 32; i++) fds.push((await h().pollPair())[0]);
      const reads = fds.map((fd) => fd.read(Buffer.alloc(4)).then(
        () => 'data',
        (err: unknown) => (isTimeout(err) ? 'timeout' : err),
      ));
      const base = nowMs() + 10_000;
      for (let iter = 0; iter < 200; iter++) {
        fds.forEach((fd, i) => fd.setReadDeadline(base - iter * 40 - i));
        if (iter % 20 === 0) {
          expect(h().poller.inspect().violations).toEqual([]);
          await tick();
        }
      }
      expect(h().poller.stats.timers).toBe(32);
      // Now steadily earlier, down into the near future: every read times out.
      const setAt = nowMs();
      fds.forEach((fd, i) => fd.setReadDeadline(setAt + 20 + (31 - i)));
      const results = await Promise.all(reads);
      expect(results.every((r) => r === 'timeout')).toBe(true);
      expect(nowMs()).toBeGreaterThanOrEqual(setAt + 20 - EARLY_SLACK_MS);
      fds.forEach((fd) => fd.setReadDeadline(null));
      expect(h().poller.stats).toMatchObject({ waiters: 0, timers: 0 });
      expect(h().poller.inspect().violations).toEqual([]);
    });

    it('S28 10 tasks × 100 ops with 1 ms deadlines, buffers mutated right after each return: no corruption', async () => {
      await Promise.all(
        Array.from({ length: 10 }, async (_, task) => {
          const [a, b] = await h().pollPair();
          const sent: number[] = [];
          const received: number[] = [];
          const wbuf = Buffer.alloc(3000);
          const rbuf = Buffer.alloc(2000);
          let seq = task * 1_000_003;
          const writer = (async () => {
            for (let i = 0; i < 100; i++) {
              for (let j = 0; j < wbuf.length; j++) wbuf[j] = (seq + j) & 0xff;
              a.setWriteDeadline(nowMs() + 1);
              let n: number;
              try {
                n = await a.write(wbuf);
              } catch (err) {
                expect(isTimeout(err)).toBe(true);
                n = (err as { bytesWritten: number }).bytesWritten;
              }
              for (let j = 0; j < n; j++) sent.push((seq + j) & 0xff);
              seq += n;
              wbuf.fill(0xee); // the host must not read this after write() returned
            }
          })();
          const reader = (async () => {
            for (let i = 0; i < 100; i++) {
              b.setReadDeadline(nowMs() + 1);
              try {
                const n = await b.read(rbuf);
                for (let j = 0; j < n; j++) received.push(rbuf[j]!);
              } catch (err) {
                expect(isTimeout(err)).toBe(true);
              }
              rbuf.fill(0xdd); // nor write into this after read() returned
            }
          })();
          await Promise.all([writer, reader]);
          // Drain the rest without deadlines.
          b.setReadDeadline(null);
          await a.close();
          for (;;) {
            const n = await b.read(rbuf);
            if (n === 0) break;
            for (let j = 0; j < n; j++) received.push(rbuf[j]!);
          }
          expect(received.length).toBe(sent.length);
          expect(Buffer.from(received).equals(Buffer.from(sent))).toBe(true);
        }),
      );
    });

    it('S38 past deadline: write and read both time out; after reset a round trip works', async () => {
      const [a, b] = await h().pollPair();
      a.setDeadline(Date.now() - 1);
      await timesOut(a.write(Buffer.from('x')));
      await timesOut(a.read(Buffer.alloc(1)));
      // "Present" deadline: exactly now is also expired.
      a.setDeadline(Date.now());
      await timesOut(a.read(Buffer.alloc(1)));
      a.setDeadline(null);
      await roundTrip(a, b);
      await roundTrip(b, a);
    });

    it('S39 read and write pending, then both deadlines set to the past: both time out, only after they were set', async () => {
      const [a] = await h().pollPair();
      fillRaw(a.fd);
      const r = a.read(Buffer.alloc(8));
      const w = a.write(Buffer.alloc(8));
      expect(await stateAfter(r, 50)).toBe('pending');
      expect(await stateAfter(w)).toBe('pending');
      const setAt = nowMs();
      a.setDeadline(Date.now() - 1000);
      const [tr, tw] = await Promise.all([timesOut(r), timesOut(w)]);
      expect(tr.at).toBeGreaterThanOrEqual(setAt);
      expect(tw.at).toBeGreaterThanOrEqual(setAt);
      expect(tw.err.bytesWritten).toBe(0);
    });

    it('S40 deadline +100 ms: a blocked read and a filling write both time out; after reset the connection still works', async () => {
      const [a, b] = await h().pollPair();
      const setAt = nowMs();
      const d = setAt + 100;
      a.setDeadline(d);
      const r = timesOut(a.read(Buffer.alloc(8)));
      const chunk = Buffer.alloc(16384, 4);
      let written = 0;
      const w = (async () => {
        for (;;) {
          try {
            written += await a.write(chunk);
          } catch (err) {
            written += (err as { bytesWritten: number }).bytesWritten;
            return { at: nowMs(), err };
          }
        }
      })();
      const [tr, tw] = await Promise.all([r, w]);
      expectFiredInBounds(tr.at, setAt, d);
      expect(isTimeout(tw.err)).toBe(true);
      expectFiredInBounds(tw.at, setAt, d);
      a.setDeadline(null);
      // Drain what was written, then round-trip.
      const got = await readFull(b, written);
      expect(got.length).toBe(written);
      await roundTrip(a, b);
    });

    it('S41 an expired deadline in one direction does not affect the other', async () => {
      const [a, b] = await h().pollPair();
      a.setReadDeadline(Date.now() - 1000);
      await timesOut(a.read(Buffer.alloc(1)));
      expect(await a.write(Buffer.from('w'))).toBe(1);
      expect(await b.read(Buffer.alloc(1))).toBe(1);
      a.setReadDeadline(null);
      a.setWriteDeadline(Date.now() - 1000);
      await timesOut(a.write(Buffer.from('w')));
      await b.write(Buffer.from('r'));
      expect(await a.read(Buffer.alloc(1))).toBe(1);
      // And a blocked reader is not woken by the writer's deadline expiring.
      a.setWriteDeadline(null);
      const r = a.read(Buffer.alloc(1));
      a.setWriteDeadline(Date.now() + 10);
      expect(await stateAfter(r, 60)).toBe('pending');
      await b.write(Buffer.from('z'));
      expect(await r).toBe(1);
    });

    it('S43 the timer fires, then the read deadline moves to the future before the woken reader runs: it waits again', async () => {
      // Hook the core's netpoll: when a batch wakes someone, queue a microtask
      // that moves the deadline. Microtasks run in order, so it runs before
      // the woken reader's continuation (queued later, by the dispatch).
      let hook: (() => void) | null = null;
      let fired = 0;
      const instrument = (core: CoreExports): CoreExports =>
        new Proxy(core, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver) as unknown;
            if (prop !== 'netpoll' || typeof v !== 'function') return v;
            return (...args: unknown[]) => {
              const n = (v as (...a: unknown[]) => number).apply(target, args);
              if (n > 0 && hook) {
                const f = hook;
                hook = null;
                fired = nowMs();
                queueMicrotask(f);
              }
              return n;
            };
          },
        });
      const poller = await Poller.create({ drive, instrument });
      const hh = new Harness(poller, drive);
      try {
        const [a, b] = await hh.pollPair();
        const setAt = nowMs();
        const d = setAt + 20;
        a.setReadDeadline(d);
        const r = a.read(Buffer.alloc(8));
        hook = () => a.setReadDeadline(Date.now() + 3_600_000);
        expect(await stateAfter(r, 200)).toBe('pending');
        expect(fired).toBeGreaterThanOrEqual(d - EARLY_SLACK_MS); // the timer did fire and wake the reader
        await b.write(Buffer.from('late'));
        expect(await r).toBe(4);
        expect(poller.inspect().violations).toEqual([]);
      } finally {
        await hh.dispose();
      }
    });

    it('S44 a stale timer firing after the deadline changed or was cleared is ignored', async () => {
      const [a, b] = await h().pollPair();
      // Moved later: the old 20 ms firing must not expire the read.
      a.setReadDeadline(Date.now() + 20);
      a.setReadDeadline(Date.now() + 3_600_000);
      const r1 = a.read(Buffer.alloc(8));
      // Cleared: the 20 ms write timer must not fire either.
      fillRaw(a.fd);
      a.setWriteDeadline(Date.now() + 20);
      const w = a.write(Buffer.alloc(8));
      a.setWriteDeadline(null);
      // Moved back and forth many times before it was due.
      const [c] = await h().pollPair();
      for (let i = 0; i < 50; i++) c.setDeadline(Date.now() + (i % 2 ? 15 : 3_600_000));
      c.setDeadline(null);
      const r2 = c.read(Buffer.alloc(8));
      await sleep(80);
      expect(await stateAfter(r1)).toBe('pending');
      expect(await stateAfter(w)).toBe('pending');
      expect(await stateAfter(r2)).toBe('pending');
      expect(h().poller.stats.timers).toBe(1); // only a's +1 h read deadline
      await b.write(Buffer.from('ok'));
      expect(await r1).toBe(2);
      const closing = c.close();
      expect(await rejection(r2)).toBeInstanceOf(ClosedError);
      await closing;
      const closingA = a.close();
      expect(await rejection(w)).toBeInstanceOf(ClosedError);
      await closingA;
    });

    it('S45 rd == wd > 0 uses one timer; when it fires both a blocked reader and a blocked writer time out', async () => {
      const [a] = await h().pollPair();
      fillRaw(a.fd);
      const setAt = nowMs();
      const d = setAt + 50;
      a.setDeadline(d);
      expect(h().poller.stats.timers).toBe(1);
      const timers = h().poller.inspect().timers;
      expect(timers).toHaveLength(1);
      expect(timers[0]!.kind).toBe('rw');
      const [tr, tw] = await Promise.all([timesOut(a.read(Buffer.alloc(8))), timesOut(a.write(Buffer.alloc(8)))]);
      expectFiredInBounds(tr.at, setAt, d);
      expectFiredInBounds(tw.at, setAt, d);
      // Splitting them makes two timers again.
      a.setReadDeadline(Date.now() + 1000);
      a.setWriteDeadline(Date.now() + 2000);
      expect(h().poller.stats.timers).toBe(2);
      a.setDeadline(null);
      expect(h().poller.stats.timers).toBe(0);
    });
  });
}
