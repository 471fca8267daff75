// Fairness: how long operations that complete without parking may keep the
// JS thread before descriptors waiting in epoll get their turn.
//
// Why: an echo loop (`await read` → `await write` → `await read` …) whose
// next message is already queued never parks, so it goes round again inside
// the same microtask flush without the event loop ever polling epoll; the
// connections parked in epoll wait until every such loop happens to find
// EAGAIN. Go bounds the same thing with its scheduler (a goroutine that
// never blocks is preempted, and the netpoller is polled at least every few
// milliseconds). Here: the drives call `refill()` after each epoll batch;
// PollFD's ready path calls `spend()` before each operation, and once the
// time since the last refill exceeds the slice, the operation (holding its
// lock, so FIFO order is kept) waits for `nextTurn()`: a setImmediate, which
// libuv runs only after its poll phase — where the uv drive drains epoll and
// the thread drive's completed wait is delivered.
//
// The check is cheap: the clock is read once every CHECK_EVERY operations,
// so the slice scales with the work rather than with a fixed operation count
// (at 100 connections a fixed count of 128 cost CPU; at 1,000 a count ≥ 512
// no longer bounded the tail).
//
// One state per JS thread (module scope): every poller on the thread shares
// the one event loop whose turns are being shared out.

import { performance } from 'node:perf_hooks';

/** Default slice in ms; NETPOLL_SLICE_MS overrides it (0 disables the check), for the benchmark sweep. */
const DEFAULT_SLICE_MS = 1;
const CHECK_EVERY = 32;

function sliceFromEnv(): number {
  const v = process.env.NETPOLL_SLICE_MS;
  if (v === undefined || v === '') return DEFAULT_SLICE_MS;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_SLICE_MS;
}

let sliceMs = sliceFromEnv();
let count = 0;
let since = performance.now();
/** The slice ran out: every operation waits for the next turn until a refill. */
let exhausted = false;
let turn: Promise<void> | null = null;
let endTurn: (() => void) | null = null;
/** Turns handed back to the event loop (observable in tests and the benchmark). */
let yields = 0;

/** An epoll batch was taken (or a turn passed): a new slice starts. */
export function refill(): void {
  count = 0;
  exhausted = false;
  since = performance.now();
}

/** True while the current slice lasts; false when the operation should wait for nextTurn(). */
export function spend(): boolean {
  if (exhausted) return false;
  if (++count < CHECK_EVERY || sliceMs === 0) return true;
  count = 0;
  exhausted = performance.now() - since >= sliceMs;
  return !exhausted;
}

function flush(): void {
  const end = endTurn!;
  turn = null;
  endTurn = null;
  refill();
  end();
}

/** Resolves after the event loop's next poll phase. One promise per turn, shared by every operation that yielded in it (they resume in order). */
export function nextTurn(): Promise<void> {
  if (turn) return turn;
  yields++;
  turn = new Promise<void>((resolve) => (endTurn = resolve));
  setImmediate(flush);
  return turn;
}

/** @internal For tests and benchmarks: set the slice (ms; 0 disables), returns the previous one. */
export function setSliceMs(ms: number): number {
  const prev = sliceMs;
  sliceMs = ms;
  return prev;
}

/** @internal Turns handed back so far. */
export function yieldCount(): number {
  return yields;
}
