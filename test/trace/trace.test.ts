// Trace recording and replay: the encodings, sessions on the simulator and on
// a real poller (uv and thread drives, socketpairs, deadlines), and malformed
// traces (every truncation of a real trace, bit flips, forged records).

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceRecorder, memoryHash, replayTrace, summarizeTrace, traceRecords, readTraceHeader, TraceError } from '../../host/trace/index.js';
import { ByteReader, ByteWriter, Op, THREW, TRACE_HEADER_SIZE } from '../../host/trace/format.js';
import { SimPoller } from '../../host/sim/index.js';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { DeadlineExceededError, ClosedError } from '../../host/errors.js';
import { socketPair } from '../../host/sys/socket.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A short simulated session with every kind of call; returns the finished trace and the recorder. */
async function simSession(rec = new TraceRecorder()): Promise<{ bytes: Uint8Array; rec: TraceRecorder; sim: SimPoller }> {
  const sim = SimPoller.create({ instrument: rec.instrument });
  const a = sim.open(3), b = sim.open(4);
  a.setDeadline(sim.deadline(10), 'r');
  b.setDeadline(sim.deadline(5), 'rw');
  const waits = [a.wait('r'), a.wait('w'), b.wait('w')].map((p) => p.catch((e: Error) => e.name));
  const ac = new AbortController();
  const aborted = b.wait('r', { signal: ac.signal }).catch((e: Error) => e.name);
  ac.abort();
  sim.ready(3, 'w').stale(4, 'r');
  sim.advance(6);
  rec.hash(); // a checkpoint in the middle
  sim.ready(3, 'r');
  sim.advance(10);
  b.close();
  sim.notPollable(9);
  expect(() => sim.open(9)).toThrow();
  await Promise.all([...waits, aborted]);
  await sim.close();
  return { bytes: rec.finish(), rec, sim };
}

describe('encodings', () => {
  it('varints round-trip (s32, s64, uvar) at the edges and at random', () => {
    const s32s = [0, 1, -1, 63, -64, 64, 0x7fffffff, -0x80000000];
    const s64s = [0n, 1n, -1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 40n];
    const uvars = [0, 127, 128, 0xffffffff, 2 ** 53 - 1];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff })), fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })), (a, b) => {
        const w = new ByteWriter();
        const ints = [...s32s, ...a], bigs = [...s64s, ...b];
        ints.forEach((v) => w.s32(v));
        bigs.forEach((v) => w.s64(v));
        uvars.forEach((v) => w.uvar(v));
        const r = new ByteReader(w.take());
        expect(ints.map(() => r.s32('x'))).toEqual(ints);
        expect(bigs.map(() => r.s64('x'))).toEqual(bigs);
        expect(uvars.map(() => r.uvar('x', Number.MAX_SAFE_INTEGER))).toEqual(uvars);
        expect(r.done).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects overlong varints and out-of-range values with the byte position', () => {
    expect(() => new ByteReader(new Uint8Array(11).fill(0x80)).s64('d')).toThrow(/malformed varint for d at byte 0: longer than 10 bytes/);
    expect(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)).s32('fd')).toThrow(/fd at byte 0 does not fit in 32 bits/);
    expect(() => new ByteReader(Uint8Array.of(0x80)).uvar('count', 10)).toThrow(/truncated: count at byte 1/);
    expect(() => new ByteReader(Uint8Array.of(11)).uvar('count', 10)).toThrow(/count at byte 0 is 11, more than 10/);
  });
});

describe('record and replay on the simulator', () => {
  it('replays to the same memory: hash equal to the recorder’s, twice, and the same inspection', async () => {
    const { bytes, rec, sim } = await simSession();
    const s = summarizeTrace(bytes);
    expect(s.ended).toBe(true);
    expect(s.hashes).toBe(2);
    expect(s.header).toMatchObject({ version: 1, headerSize: TRACE_HEADER_SIZE, layoutVersion: 1, stride: process.arch === 'arm64' ? 16 : 12, flavor: 'release', eventCapacity: 1024 });
    expect(s.calls).toMatchObject({ open: 3, netpoll: 2, setDeadline: 2, prepareWait: expect.any(Number), commitWait: expect.any(Number), cancelWait: 1, unblock: expect.any(Number), close: expect.any(Number), abandon: 1 });
    const r1 = replayTrace(bytes);
    const r2 = replayTrace(bytes);
    expect(r1.divergence).toBeNull();
    expect(r1.checkpoints.map((c) => c.match)).toEqual([true, true]);
    expect(r1.hash).toBe(rec.lastHash);
    expect(r2.hash).toBe(r1.hash);
    expect(r1.hash).toBe(memoryHash(sim.snapshot()));
    expect(r1.inspection).toEqual(sim.inspect());
    expect(r1.replayed).toBe(s.records);
  });

  it('random simulated sessions replay exactly (40 sessions)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('open', 'ready', 'stale', 'deadline', 'advance', 'wait', 'close'), fc.nat(5), fc.integer({ min: -2, max: 20 })), { maxLength: 40 }),
        async (ops) => {
          const rec = new TraceRecorder();
          const sim = SimPoller.create({ instrument: rec.instrument, stride: 16 });
          const pds = new Map<number, ReturnType<SimPoller['open']>>();
          const waits: Promise<unknown>[] = [];
          for (const [op, fd, n] of ops) {
            const pd = pds.get(fd);
            if (op === 'open' && !pd) pds.set(fd, sim.open(fd));
            else if (op === 'ready' && pd) sim.ready(pd, n % 2 ? 'r' : 'rw');
            else if (op === 'stale' && pd) sim.stale(pd);
            else if (op === 'deadline' && pd) pd.setDeadline(n === 0 ? null : sim.deadline(n), n % 3 === 0 ? 'rw' : n % 3 === 1 ? 'r' : 'w');
            else if (op === 'advance') sim.advance(Math.max(0, n));
            else if (op === 'wait' && pd) waits.push(pd.wait(n % 2 ? 'r' : 'w').catch(() => undefined));
            else if (op === 'close' && pd) {
              pd.close();
              pds.delete(fd);
            }
            await Promise.resolve();
          }
          await sim.close();
          await Promise.all(waits);
          const bytes = rec.finish();
          const r = replayTrace(bytes);
          expect(r.divergence).toBeNull();
          expect(r.hash).toBe(rec.lastHash);
          expect(r.hash).toBe(memoryHash(sim.snapshot()));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('streams to a file: the same bytes as in memory', async () => {
    const path = join(dir, 'stream.trace');
    await simSession(new TraceRecorder({ path }));
    const onDisk = readFileSync(path);
    const { bytes } = await simSession();
    expect(Buffer.compare(onDisk, Buffer.from(bytes))).toBe(0);
  });

  it('a trace cut short (no end record) still replays, and says so', async () => {
    const rec = new TraceRecorder();
    const sim = SimPoller.create({ instrument: rec.instrument });
    sim.open(1).setDeadline(sim.deadline(1));
    sim.advance(2);
    const partial = rec.bytes();
    const s = summarizeTrace(partial);
    expect(s.ended).toBe(false);
    const r = replayTrace(partial);
    expect(r.divergence).toBeNull();
    expect(r.checkpoints).toEqual([]);
    expect(r.hash).toBe(memoryHash(sim.snapshot()));
  });

  it('reports the first divergence: record number, call, both results', async () => {
    const { bytes } = await simSession();
    // Find the first open record and change its recorded result (fd 3 → result 0, zigzag 0 → make it 2, i.e. 1).
    const first = [...traceRecords(bytes)].find((r) => r.kind === 'call' && r.call === 'open')!;
    const forged = bytes.slice();
    // open record: op, fd (1 byte for small fds), result (1 byte)
    forged[first.at + 2] = 2;
    const r = replayTrace(forged);
    expect(r.divergence).toMatchObject({ record: first.n, call: 'open', args: '3', expected: '1', actual: '0' });
    expect(r.replayed).toBe(first.n + 1);
  });
});

describe('record and replay a real poller', () => {
  for (const drive of ['uv', 'thread'] as const) {
    it(`socketpairs with reads, writes and deadlines (${drive} drive): the replay's hash equals the recorder's`, async () => {
      const rec = new TraceRecorder();
      const poller = await Poller.create({ drive, instrument: rec.instrument });
      const [a, b] = socketPair('stream');
      const fa = await PollFD.open(a, { poller });
      const fb = await PollFD.open(b, { poller });
      setTimeout(() => void fb.write(Buffer.from('hello')), 15);
      const buf = Buffer.alloc(64);
      const n = await fa.read(buf);
      expect(buf.subarray(0, n).toString()).toBe('hello');
      fa.setReadDeadline(Date.now() + 25);
      await expect(fa.read(buf)).rejects.toBeInstanceOf(DeadlineExceededError);
      fa.setReadDeadline(null);
      fb.setWriteDeadline(Date.now() + 1000);
      await fb.write(Buffer.from('world'));
      expect(buf.subarray(0, await fa.read(buf)).toString()).toBe('world');
      const pending = fa.read(buf);
      await fa.close();
      await expect(pending).rejects.toBeInstanceOf(ClosedError);
      await fb.close();
      await poller.close();
      const finalHash = memoryHash(poller.snapshot());
      const path = join(dir, `real-${drive}.trace`);
      const bytes = rec.finish();
      expect(rec.lastHash).toBe(finalHash);
      const s = summarizeTrace(bytes);
      expect(s.netpollEvents).toBeGreaterThan(0);
      expect(s.calls.setDeadline).toBeGreaterThanOrEqual(3);
      const r1 = replayTrace(bytes);
      const r2 = replayTrace(bytes);
      expect(r1.divergence).toBeNull();
      expect(r1.checkpoints.every((c) => c.match)).toBe(true);
      expect(r1.hash).toBe(finalHash);
      expect(r2.hash).toBe(r1.hash);
      expect(r1.inspection.violations).toEqual([]);
      expect(r1.inspection.counters).toMatchObject({ inUse: 0, waiters: 0, timers: 0 });
      expect(r1.inspection.counters.timersFired).toBeGreaterThanOrEqual(1);
      void path;
    });
  }
});

describe('malformed traces', () => {
  let real: Uint8Array;
  it('setup: a real trace', async () => {
    real = (await simSession()).bytes;
    expect(real.length).toBeGreaterThan(TRACE_HEADER_SIZE);
  });

  const trace = (): Uint8Array => real.slice();

  function traceError(bytes: Uint8Array): string {
    try {
      replayTrace(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(TraceError);
      return (err as Error).message;
    }
    throw new Error('no TraceError');
  }

  it('wrong magic, unsupported version, bad header fields', () => {
    expect(traceError(new Uint8Array(3))).toMatch(/not a netpoll trace: 3 bytes is shorter than the header/);
    const a = trace();
    a[0] = 0;
    expect(traceError(a)).toMatch(/not a netpoll trace: magic 0x5254504e?|magic 0x525450/);
    const b = trace();
    b[4] = 9;
    expect(traceError(b)).toMatch(/trace format version 9 is not supported/);
    const c = trace();
    c[6] = 8;
    c[7] = 0;
    expect(traceError(c)).toMatch(/header size 8 is below 56/);
    const d = trace();
    d[13] = 7;
    expect(traceError(d)).toMatch(/unknown core flavor 7/);
    const e = trace();
    e[8] = 99;
    expect(traceError(e)).toMatch(/recorded with core layout v99; this core is v1/);
    const f = trace();
    f[30] ^= 1;
    expect(traceError(f)).toMatch(/starts from different memory .* a different build/);
    expect(() => replayTrace(f, { core: 'release' })).not.toThrow(); // --core skips that check
  });

  it('unknown ops, data after the end, a wrong end count, a truncated event batch', () => {
    const a = trace();
    a[TRACE_HEADER_SIZE] = 50;
    expect(traceError(a)).toMatch(`unknown record op 50 at byte ${TRACE_HEADER_SIZE} (record 0)`);
    const b = new Uint8Array([...real, 0]);
    expect(traceError(b)).toMatch(/1 bytes follow the end record/);
    const c = trace();
    c[c.length - 1] = (c[c.length - 1]! + 1) & 0x7f;
    expect(traceError(c)).toMatch(/the end record at byte \d+ counts \d+ records, the trace has \d+/);
    const batch = [...traceRecords(real)].find((r) => r.kind === 'call' && r.call === 'netpoll' && r.events)!;
    expect(traceError(real.subarray(0, batch.at + 8))).toMatch(/truncated: netpoll events \(\d+ × \d+ bytes\) at byte \d+ needs \d+ bytes/);
    const d = trace();
    const end = [...traceRecords(real)].at(-1)!;
    expect(end.kind).toBe('end');
    d[end.at] = Op.end | THREW; // an end record cannot have thrown
    expect(traceError(d)).toMatch(`malformed end record at byte ${end.at}`);
  });

  it('every truncation of a real trace: a TraceError, or (cut between records) a replay that says it did not end', () => {
    let cleanCuts = 0;
    for (let len = 0; len < real.length; len++) {
      const cut = real.subarray(0, len);
      try {
        const r = replayTrace(cut);
        expect(r.summary.ended).toBe(false);
        cleanCuts++;
      } catch (err) {
        if (!(err instanceof TraceError)) throw err;
      }
    }
    expect(cleanCuts).toBeGreaterThan(5);
  });

  it('bit flips and random bytes (1,000 cases): a TraceError or a replay result, never another exception', () => {
    const seen = { error: 0, clean: 0, diverged: 0 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(7), fc.boolean()), { minLength: 1, maxLength: 3 }), fc.boolean(), (flips, headerToo) => {
        const b = trace();
        const from = headerToo ? 0 : TRACE_HEADER_SIZE;
        for (const [pos, bit, random] of flips) {
          const at = from + (pos % (b.length - from));
          b[at] = random ? (pos * 2654435761) & 0xff : b[at]! ^ (1 << bit);
        }
        const t0 = performance.now();
        try {
          const r = replayTrace(b, headerToo ? {} : { core: 'release' });
          if (r.divergence || r.checkpoints.some((c) => !c.match)) seen.diverged++;
          else seen.clean++;
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
          seen.error++;
        }
        expect(performance.now() - t0).toBeLessThan(2000);
      }),
      { numRuns: 1000 },
    );
    expect(seen.error).toBeGreaterThan(50);
    expect(seen.diverged).toBeGreaterThan(50);
  });

  it('random bytes with a valid header (300 cases)', () => {
    const header = real.subarray(0, TRACE_HEADER_SIZE);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        const b = new Uint8Array(header.length + body.length);
        b.set(header);
        b.set(body, header.length);
        try {
          replayTrace(b);
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('readTraceHeader names what it read', () => {
    expect(readTraceHeader(real)).toMatchObject({ version: 1, headerSize: 56, initialHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('replay cost is bounded by the trace, not by its hash records', () => {
  it('thousands of hash records: at most MAX_CHECKPOINTS + 1 are hashed, and the final one is always checked', async () => {
    const { MAX_CHECKPOINTS } = await import('../../host/trace/replay.js');
    const rec = new TraceRecorder();
    const sim = SimPoller.create({ instrument: rec.instrument });
    sim.open(5);
    await sim.close();
    for (let i = 0; i < 3000; i++) rec.hash();
    const bytes = rec.finish();
    const r = replayTrace(bytes);
    expect(r.checkpoints.length).toBe(MAX_CHECKPOINTS + 1);
    expect(r.checkpoints.every((c) => c.match)).toBe(true);
    expect(r.checkpoints.at(-1)!.actual).toBe(rec.lastHash);
    expect(r.hash).toBe(rec.lastHash);
  });
});
