// The 'uring' path's wake-ahead (host/wake-ahead.ts): the epoll batch that
// wakes parked reads and writes makes their syscalls in one io_uring_enter.
// Each scenario runs on both paths and must give the same outcome, down to
// the bytes left unread; on the 'uring' path the stats show which attempts
// went through the ring. Buffers are changed while their operation is parked
// (detached, shrunk, Wasm memory grown), operations are closed and aborted
// while parked, writes are cut short and hit a closed peer, and a pty (whose
// file refuses non-blocking ring I/O) falls back to plain calls.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { uringTuning, type IoMode, type IoStats } from '../../host/io-path.js';
import { socketPair } from '../../host/os/socket.js';
import { openPty } from '../../host/sys/pty.js';
import { closeFd } from '../../host/os/fd.js';
import { uringSkip, uringSkipNote } from '../os/uring-available.js';

const PATHS: IoMode[] = ['syscall', 'uring'];
/** More parked operations than the smallest batch sent through the ring (wake-ahead.ts DEFAULT_MIN_RING_BATCH). */
const PARKED = 6;

const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.close()));
});

async function pairs(poller: Poller, n: number, type: 'stream' | 'seqpacket' = 'stream'): Promise<[PollFD, PollFD][]> {
  return Promise.all(Array.from({ length: n }, () => Promise.all(socketPair(type).map((fd) => PollFD.open(fd, { poller }))) as Promise<[PollFD, PollFD]>));
}

/** ES2024's resizable ArrayBuffer (Node 20 has it; this TypeScript lib does not name it). */
type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void };
const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, opts: { maxByteLength: number }) => ResizableArrayBuffer;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const text = (b: Uint8Array, n: number): string => Buffer.from(b.buffer, b.byteOffset, n).toString('latin1');

/** What an operation ended with, comparable across paths. */
async function outcome<T>(p: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await p };
  } catch (err) {
    const e = err as { name?: string; code?: string; bytesWritten?: number };
    return { error: `${e.name}${e.code ? ` ${e.code}` : ''}${e.bytesWritten !== undefined ? ` after ${e.bytesWritten}` : ''}` };
  }
}

/** What is left unread on each reader, read without waiting (nothing may be lost or read twice). */
async function leftover(readers: PollFD[]): Promise<string[]> {
  return Promise.all(
    readers.map(async (r) => {
      const buf = new Uint8Array(256);
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), 50);
      try {
        const n = await r.read(buf, { signal: ac.signal });
        return text(buf, n);
      } catch {
        return '(error)'; // closed, or nothing arrived
      } finally {
        clearTimeout(t);
      }
    }),
  );
}

/** A scenario's end: what its reads ended with, what is left unread on each reader, the ring's counts; then every fd closed. */
async function finish<R>(poller: Poller, ps: [PollFD, PollFD][], reads: Promise<R>[]): Promise<{ results: R[]; left: string[]; stats: IoStats }> {
  const results = await Promise.all(reads);
  const left = await leftover(ps.map(([, b]) => b));
  const stats = poller.stats.io;
  for (const [a, b] of ps) await Promise.all([a.close(), b.close()]);
  return { results, left, stats };
}

/**
 * PARKED reads parked at once, `change` applied to their buffers while they
 * wait, then one burst of writes that wakes them in one epoll batch.
 */
async function parkedReads(io: IoMode, makeBuf: (i: number) => Uint8Array, change: (bufs: Uint8Array[]) => void) {
  const poller = await Poller.create({ io });
  pollers.push(poller);
  const ps = await pairs(poller, PARKED);
  const bufs = ps.map((_, i) => makeBuf(i));
  const reads = ps.map(([, b], i) => outcome(b.read(bufs[i]!).then((n) => ({ n, got: text(bufs[i]!, Math.min(n, bufs[i]!.byteLength)) }))));
  await turn();
  change(bufs);
  await Promise.all(ps.map(([a], i) => a.write(Buffer.from(`message ${i}`))));
  return finish(poller, ps, reads);
}

async function onBothPaths<R extends { stats: IoStats }>(run: (io: IoMode) => Promise<R>): Promise<{ syscall: R; uring: R }> {
  const syscall = await run('syscall');
  const uring = await run('uring');
  expect(uring.stats.live).toBe('uring');
  expect(syscall.stats.ringEntries).toBe(0);
  const strip = ({ stats: _, ...rest }: R): Omit<R, 'stats'> => rest;
  expect(strip(uring)).toEqual(strip(syscall));
  return { syscall, uring };
}

describe.skipIf(uringSkip !== null)(`wake-ahead: reads a batch wakes${uringSkipNote}`, () => {
  it('are made through the ring, in one io_uring_enter, with the bytes the syscall path reads', async () => {
    const { uring, syscall } = await onBothPaths((io) => parkedReads(io, () => new Uint8Array(64), () => {}));
    expect(syscall.results.map((r) => ('value' in r ? r.value.got : r.error))).toEqual(Array.from({ length: PARKED }, (_, i) => `message ${i}`));
    expect(uring.stats.ringEntries).toBe(PARKED);
    expect(uring.stats.ringBatches).toBe(1);
  });

  it('a buffer detached (transferred) while its read is parked: the plain call answers it, as on the syscall path, and the message waits', async () => {
    const { uring } = await onBothPaths((io) =>
      parkedReads(io, () => new Uint8Array(64), (bufs) => void structuredClone(bufs[2]!.buffer, { transfer: [bufs[2]!.buffer] })),
    );
    expect(uring.stats.ringEntries).toBe(PARKED - 1);
    expect(uring.stats.plainWakes).toBe(1);
    expect(uring.left[2]).toBe('message 2');
  });

  it('a view of a resizable ArrayBuffer shrunk while parked: the read fills what is left of it', async () => {
    const { uring } = await onBothPaths((io) =>
      parkedReads(
        io,
        () => new Uint8Array(new ResizableArrayBuffer(64, { maxByteLength: 64 })),
        (bufs) => (bufs[1]!.buffer as ResizableArrayBuffer).resize(4),
      ),
    );
    expect(uring.results[1]).toEqual({ value: { n: 4, got: 'mess' } });
    expect(uring.left[1]).toBe('age 1');
    expect(uring.stats.ringEntries).toBe(PARKED);
  });

  it('a view of Wasm memory that grew while parked (its buffer detached): the plain call answers it', async () => {
    const memories: WebAssembly.Memory[] = [];
    const { uring } = await onBothPaths((io) =>
      parkedReads(
        io,
        (i) => {
          memories[i] = new WebAssembly.Memory({ initial: 1, maximum: 2 });
          return new Uint8Array(memories[i]!.buffer, 128, 64);
        },
        () => void memories[4]!.grow(1),
      ),
    );
    expect(uring.stats.plainWakes).toBe(1);
    expect(uring.left[4]).toBe('message 4');
  });

  it('a message socket: one read is one message, cut to the buffer, on both paths', async () => {
    const run = async (io: IoMode) => {
      const poller = await Poller.create({ io });
      pollers.push(poller);
      const ps = await pairs(poller, PARKED, 'seqpacket');
      const bufs = ps.map(() => new Uint8Array(5));
      const reads = ps.map(([, b], i) => outcome(b.read(bufs[i]!).then((n) => text(bufs[i]!, n))));
      await turn();
      for (const [a] of ps) {
        await a.write(Buffer.from('first message'));
        await a.write(Buffer.from('second'));
      }
      return finish(poller, ps, reads);
    };
    const { uring } = await onBothPaths(run);
    expect(uring.results[0]).toEqual({ value: 'first' });
    expect(uring.left[0]).toBe('second');
  });

  it('EOF: a peer that closed wakes the parked reads with 0', async () => {
    const run = async (io: IoMode) => {
      const poller = await Poller.create({ io });
      pollers.push(poller);
      const ps = await pairs(poller, PARKED);
      const reads = ps.map(([, b]) => outcome(b.read(new Uint8Array(16))));
      await turn();
      await Promise.all(ps.map(([a]) => a.close()));
      const results = await Promise.all(reads);
      const stats = poller.stats.io;
      await Promise.all(ps.map(([, b]) => b.close()));
      return { results, stats };
    };
    const { uring } = await onBothPaths(run);
    expect(uring.results).toEqual(Array.from({ length: PARKED }, () => ({ value: 0 })));
    expect(uring.stats.ringEntries).toBe(PARKED);
  });

  it('below the smallest ring batch (4 by default), the woken reads make their plain calls', async () => {
    const run = async (io: IoMode) => {
      const poller = await Poller.create({ io });
      pollers.push(poller);
      const [[a, b]] = await pairs(poller, 1);
      const buf = new Uint8Array(16);
      const read = outcome(b!.read(buf).then((n) => text(buf, n)));
      await turn();
      await a!.write(Buffer.from('one'));
      const results = [await read];
      const stats = poller.stats.io;
      await Promise.all([a!.close(), b!.close()]);
      return { results, stats };
    };
    const { uring } = await onBothPaths(run);
    // NETPOLL_URING_MIN_BATCH may lower the smallest batch (the uring test project sets 1).
    if (uringTuning.minBatch > 1) expect(uring.stats).toMatchObject({ ringEntries: 0, ringBatches: 0, plainWakes: 1 });
    else expect(uring.stats).toMatchObject({ ringEntries: 1, ringBatches: 1, plainWakes: 0 });
  });
});

describe.skipIf(uringSkip !== null)(`wake-ahead: what wakes without readiness makes no attempt${uringSkipNote}`, () => {
  it('close and abort while parked: ClosedError / AbortError, no ring entry, and the data stays for the next read', async () => {
    const run = async (io: IoMode) => {
      const poller = await Poller.create({ io });
      pollers.push(poller);
      const ps = await pairs(poller, PARKED);
      const ac = new AbortController();
      const reads = ps.map(([, b], i) => outcome(b.read(new Uint8Array(16), i % 2 ? { signal: ac.signal } : undefined)));
      await turn();
      ac.abort();
      const closing = ps.filter((_, i) => i % 2 === 0).map(([, b]) => b.close());
      // Data arrives after the wakes: nothing may have been read for the woken operations.
      await Promise.all(ps.map(([a]) => a.write(Buffer.from('after'))));
      await Promise.all(closing);
      return finish(poller, ps, reads);
    };
    const { uring } = await onBothPaths(run);
    expect(uring.results.map((r) => ('error' in r ? r.error : 'value'))).toEqual(Array.from({ length: PARKED }, (_, i) => (i % 2 ? 'AbortError ABORT_ERR' : 'ClosedError ERR_NETPOLL_CLOSED')));
    expect(uring.left).toEqual(Array.from({ length: PARKED }, (_, i) => (i % 2 ? 'after' : '(error)')));
    expect(uring.stats.ringEntries).toBe(0);
  });
});

describe.skipIf(uringSkip !== null)(`wake-ahead: writes a batch wakes${uringSkipNote}`, () => {
  /** The bytes of a big write: a pattern, so a chunk written twice, skipped or from the wrong offset shows. */
  const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 12)) & 0xff);
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

  /** PARKED writers whose socket buffers are full, drained at once: each write resumes with a ring entry, its rest as plain calls. */
  async function parkedWrites(io: IoMode, peerCloses: boolean, source: () => Uint8Array = () => pattern(1 << 20), whileParked: () => void = () => {}) {
    const poller = await Poller.create({ io });
    pollers.push(poller);
    const ps = await pairs(poller, PARKED);
    const bigs = ps.map(() => source());
    const expected = bigs.map((b) => sha(b.slice()));
    const writes = ps.map(([a], i) => outcome(a.write(bigs[i]!)));
    await turn();
    whileParked();
    let drained: string[] = [];
    if (peerCloses) {
      await Promise.all(ps.map(([, b]) => b.close()));
    } else {
      // Read until nothing more comes (a write that failed part-way sends no more): the count and a hash of every byte.
      drained = await Promise.all(
        ps.map(async ([, b]) => {
          const got: Uint8Array[] = [];
          const buf = new Uint8Array(1 << 16);
          for (;;) {
            const n = await b.read(buf, { timeout: 300 }).catch(() => 0);
            if (n === 0) break;
            got.push(buf.slice(0, n));
          }
          const all = Buffer.concat(got);
          return `${all.byteLength} ${sha(all)}`;
        }),
      );
    }
    const results = await Promise.all(writes);
    const stats = poller.stats.io;
    for (const [a, b] of ps) await Promise.all([a.close(), b.close()]);
    return { results, drained, expected, stats };
  }


  it('a write cut short resumes through the ring and finishes with plain calls: every byte arrives once, in order', async () => {
    const { uring } = await onBothPaths((io) => parkedWrites(io, false));
    expect(uring.results).toEqual(Array.from({ length: PARKED }, () => ({ value: 1 << 20 })));
    expect(uring.drained).toEqual(uring.expected.map((h) => `${1 << 20} ${h}`));
    expect(uring.stats.ringEntries).toBeGreaterThan(0);
  });

  it('a cut-short write from Wasm memory that grew while parked: fails as on the syscall path, and the ring stays in use', async () => {
    const memories: WebAssembly.Memory[] = [];
    const { uring } = await onBothPaths((io) =>
      parkedWrites(
        io,
        false,
        () => {
          const m = new WebAssembly.Memory({ initial: 16, maximum: 32 }); // 1 MiB, the write's buffer
          memories.push(m);
          const v = new Uint8Array(m.buffer);
          v.set(pattern(1 << 20));
          return v;
        },
        () => memories.splice(0).forEach((m) => m.grow(1)), // every parked write's buffer is detached
      ),
    );
    for (const r of uring.results) expect('error' in r && r.error).toMatch(/^TypeError after \d+$/);
    expect(uring.stats.live).toBe('uring');
    expect(uring.stats.fallback).toBeNull();
  });

  it('a peer that closed: the resumed write fails as on the syscall path (EPIPE or ECONNRESET, with bytesWritten)', async () => {
    const { uring } = await onBothPaths((io) => parkedWrites(io, true));
    for (const r of uring.results) expect('error' in r && r.error).toMatch(/^SyscallError (EPIPE|ECONNRESET) after \d+$/);
  });
});

describe.skipIf(uringSkip !== null)(`wake-ahead: a file that refuses non-blocking ring I/O${uringSkipNote}`, () => {
  it('a pty master answers EOPNOTSUPP once; its PollFD then makes plain calls, with the same bytes', async () => {
    const run = async (io: IoMode) => {
      const poller = await Poller.create({ io });
      pollers.push(poller);
      const ptys = Array.from({ length: PARKED }, () => openPty());
      const masters = await Promise.all(ptys.map((p) => PollFD.open(p.master, { poller })));
      const got: string[] = [];
      for (let round = 0; round < 2; round++) {
        const bufs = masters.map(() => new Uint8Array(64));
        const reads = masters.map((m, i) => m.read(bufs[i]!).then((n) => text(bufs[i]!, n)));
        await turn();
        const { writeSync } = await import('node:fs');
        ptys.forEach((p, i) => writeSync(p.slave, `r${round} ${i}\n`));
        got.push(...(await Promise.all(reads)));
      }
      const stats = poller.stats.io;
      await Promise.all(masters.map((m) => m.close()));
      for (const p of ptys) closeFd(p.slave);
      return { got, stats };
    };
    const { uring } = await onBothPaths(run);
    expect(uring.got[0]).toMatch(/^r0 0\r?\n$/);
    // The first round's entries came back EOPNOTSUPP (read nothing); the second round made no entry.
    expect(uring.stats.ringEntries).toBe(PARKED);
    expect(uring.stats.plainWakes).toBe(PARKED);
  });
});
