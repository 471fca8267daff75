// Shared harness for the Go-scenario suites (test/go) and the host suites
// (test/host): one Poller per test in the drive mode under test, every fd the
// test makes tracked and closed afterwards, and the core's structural
// invariants checked before the poller goes away.
//
// Timing rules (a loaded 2-core machine): never assert a speed. A deadline is
// never early (1 ms of clock slack) and may be late by up to LATE_BASE_MS plus
// 50 % of the deadline.

import { afterEach, beforeEach, expect } from 'vitest';
import koffi from 'koffi';
import { Poller, PollFD, DeadlineExceededError } from '../../host/index.js';
import { socketPair, unixListen, unixConnect, type SocketType } from '../../host/sys/socket.js';
import { pipe, closeFd, writeFd, WOULD_BLOCK } from '../../host/os/fd.js';
import { ThreadDrive } from '../../host/drive/thread.js';
import { epochNowMs } from '../../host/deadline.js';

export const DRIVES = ['uv', 'thread'] as const;
export type DriveName = (typeof DRIVES)[number];

/** Clock slack for "never before the deadline". */
export const EARLY_SLACK_MS = 1;
/** Fixed part of how late a deadline may fire. */
export const LATE_BASE_MS = 250;

/** Epoch milliseconds with sub-millisecond resolution: the clock the host measures deadlines against. */
export function nowMs(): number {
  return epochNowMs();
}

/** The latest acceptable moment for a deadline `d` (epoch ms) set at `setAt`. */
export function lateBound(setAt: number, d: number): number {
  return d + LATE_BASE_MS + 0.5 * Math.max(0, d - setAt);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

const PENDING = Symbol('pending');

/** The settled state of `p` after `ms` (0: after a couple of loop turns): 'pending', or {ok}/{err}. */
export async function stateAfter<T>(
  p: Promise<T>,
  ms = 0,
): Promise<'pending' | { ok: T } | { err: unknown }> {
  const observed = p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );
  const timer = ms > 0 ? sleep(ms) : tick().then(tick);
  const r = await Promise.race([observed, timer.then(() => PENDING)]);
  return r === PENDING ? 'pending' : (r as { ok: T } | { err: unknown });
}

/** Resolves with the error `p` rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  let v: unknown;
  try {
    v = await p;
  } catch (err) {
    return err as Error;
  }
  // Outside the try: thrown inside it, this would be caught and returned as if it were p's error.
  throw new Error(`expected a rejection, got ${String(v)}`);
}

/** Awaits a rejection with DeadlineExceededError and returns when it happened (epoch ms) and the error. */
export async function timesOut(p: Promise<unknown>): Promise<{ at: number; err: DeadlineExceededError }> {
  const err = await rejection(p);
  const at = nowMs();
  expect(err).toBeInstanceOf(DeadlineExceededError);
  expect((err as DeadlineExceededError).timeout).toBe(true);
  return { at, err: err as DeadlineExceededError };
}

/** Asserts a deadline `d` (epoch ms), set at `setAt`, fired at `at`: never early, not absurdly late. */
export function expectFiredInBounds(at: number, setAt: number, d: number): void {
  expect(at).toBeGreaterThanOrEqual(d - EARLY_SLACK_MS);
  expect(at).toBeLessThanOrEqual(lateBound(setAt, d));
}

/** Until `cond()` holds, polling every loop turn; fails after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await (performance.now() + 5 > end ? sleep(1) : tick());
  }
}

const CHUNK = new Uint8Array(65536).fill(0x5a);

/** Fills fd's send buffer with raw non-blocking writes until EAGAIN; returns the bytes written. */
export function fillRaw(fd: number, chunk: Uint8Array = CHUNK): number {
  let total = 0;
  let c = chunk;
  for (;;) {
    const n = writeFd(fd, c);
    if (n === WOULD_BLOCK) {
      if (c.byteLength <= 1) return total;
      c = c.subarray(0, c.byteLength >>> 2 || 1); // squeeze the last bytes in (streams / pipes)
      continue;
    }
    total += n;
  }
}

// dup(2) for the stale-event tests: a second reference keeps an epoll
// registration alive after its fd number was closed (and reused).
let dupFn: ((fd: number) => number) | null = null;
export function dupFd(fd: number): number {
  dupFn ??= koffi.load('libc.so.6').func('int dup(int)') as unknown as (fd: number) => number;
  const n = dupFn(fd);
  if (n < 0) throw new Error(`dup(${fd}) failed`);
  return n;
}

let listenSeq = 0;

/** Everything a test touches; reset by the hooks usePoller installs. */
export class Harness {
  readonly pollFDs = new Set<PollFD>();
  readonly raw = new Set<number>();

  constructor(readonly poller: Poller, readonly drive: DriveName) {}

  /** A socketpair of raw, tracked fds. */
  pair(type: SocketType = 'stream'): [number, number] {
    const p = socketPair(type);
    p.forEach((fd) => this.raw.add(fd));
    return p;
  }

  /** A pipe [read end, write end] of raw, tracked fds. */
  pipe(): [number, number] {
    const p = pipe();
    p.forEach((fd) => this.raw.add(fd));
    return p;
  }

  /** A tracked raw fd made elsewhere (e.g. accept, dup). */
  track(fd: number): number {
    this.raw.add(fd);
    return fd;
  }

  /** Close a raw tracked fd now. */
  closeRaw(fd: number): void {
    if (!this.raw.delete(fd)) throw new Error(`fd ${fd} is not a tracked raw fd`);
    closeFd(fd);
  }

  /** PollFD.open on a tracked raw fd: ownership moves to the PollFD. */
  async open(fd: number): Promise<PollFD> {
    const pfd = await PollFD.open(fd, { poller: this.poller });
    this.raw.delete(fd);
    this.pollFDs.add(pfd);
    return pfd;
  }

  /** Both ends of a socketpair as PollFDs. */
  async pollPair(type: SocketType = 'stream'): Promise<[PollFD, PollFD]> {
    const [a, b] = this.pair(type);
    return [await this.open(a), await this.open(b)];
  }

  /** Both ends of a pipe as PollFDs: [reader, writer]. */
  async pollPipe(): Promise<[PollFD, PollFD]> {
    const [r, w] = this.pipe();
    return [await this.open(r), await this.open(w)];
  }

  /** A listening AF_UNIX socket in the abstract namespace (nothing to unlink): raw fd and its address. */
  listen(type: SocketType = 'stream'): { fd: number; path: string } {
    const path = `\0netpoll-test-${process.pid}-${++listenSeq}-${Math.random().toString(36).slice(2)}`;
    return { fd: this.track(unixListen(path, type)), path };
  }

  /** A client socket connecting to `path` (tracked raw fd). */
  connect(path: string, type: SocketType = 'stream'): number {
    return this.track(unixConnect(path, type).fd);
  }

  /** The thread drive, for its break counter. */
  get threadDrive(): ThreadDrive {
    if (!(this.poller.drive instanceof ThreadDrive)) throw new Error('not the thread drive');
    return this.poller.drive;
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const pfd of this.pollFDs) await pfd.close().catch((e: unknown) => errors.push(e));
    this.pollFDs.clear();
    for (const fd of this.raw) {
      try {
        closeFd(fd);
      } catch (e) {
        errors.push(e);
      }
    }
    this.raw.clear();
    await this.poller.close();
    if (errors.length) throw new AggregateError(errors, 'cleanup failed');
  }
}

export interface UsePollerOptions {
  /** Check the core's structural invariants after each test (default true). */
  invariants?: boolean;
}

/**
 * Installs beforeEach/afterEach hooks creating a fresh Poller in `drive` mode
 * per test and disposing of it (and every tracked fd) afterwards. Returns a
 * getter for the current test's harness.
 */
export function usePoller(drive: DriveName, opts: UsePollerOptions = {}): () => Harness {
  let h: Harness | null = null;
  beforeEach(async () => {
    h = new Harness(await Poller.create({ drive }), drive);
  });
  afterEach(async () => {
    const cur = h;
    h = null;
    if (!cur) return;
    try {
      if (opts.invariants !== false && !cur.poller.isClosed) {
        expect(cur.poller.inspect().violations).toEqual([]);
      }
    } finally {
      await cur.dispose();
    }
  });
  return () => {
    if (!h) throw new Error('no harness: call inside a test');
    return h;
  };
}
