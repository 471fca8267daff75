// Fairness: how long operations that complete without parking may keep the
// JS thread before the descriptors waiting in epoll are looked at.
//
// Why: an echo loop (`await read` → `await write` → `await read` …) whose
// next message is already queued never parks, so it goes round again inside
// the same microtask flush and the event loop never gets to poll epoll; the
// connections parked there wait until every such loop happens to find
// EAGAIN. Go bounds the same thing in its scheduler: while it has runnable
// goroutines it still polls the netpoller without blocking (every 61
// scheduler ticks, and sysmon every 10 ms) and puts the goroutines it finds
// at the back of the run queue.
//
// Here the same: PollFD's ready path calls `spend()` before each operation;
// once the time since the last epoll batch exceeds the slice, `spend()` polls
// every drive on this thread at once (a non-blocking epoll_wait and one core
// batch — what the drive does on its own when the event loop gets there).
// The waiters it wakes are settled there, so their continuations join the
// microtask queue behind the hot loops': round-robin, with no operation
// deferred (lock order, close and abort rules are untouched) and no extra
// promise. The clock is read once every CHECK_EVERY operations, so the
// cost does not grow with a fixed operation budget (at 100 connections a
// fixed count of 128 operations cost CPU; at 1,000 a count ≥ 512 no longer
// bounded the tail).
//
// Only the uv drive joins: the thread drive's events are taken by its pool
// thread's blocking wait and come back only through the event loop, so a
// non-blocking poll from here would race with it and usually find nothing.
// (While batches keep coming, the thread drive polls on the main thread
// after every event-loop turn instead: thread.ts.)
//
// One state per JS thread (module scope): every poller on the thread shares
// the one microtask queue being shared out.

import { performance } from 'node:perf_hooks';

/**
 * Default slice in ms; NETPOLL_SLICE_MS overrides it (0 disables the check),
 * for the benchmark sweep. 4 ms, measured (bench/results/levers/slice-sweep.md,
 * 1,000 connections on a quiet machine): against 1 ms it spent less CPU and
 * had the lower tail in both placements — unpinned, 1 ms left p99.9 outliers
 * of 200–700 ms that 4 ms did not — and pinned it still cut p99 below no
 * slice at all (10.9 vs 14.7 ms).
 */
const DEFAULT_SLICE_MS = 4;
const CHECK_EVERY = 32;

function sliceFromEnv(): number {
  const v = process.env.NETPOLL_SLICE_MS;
  if (v === undefined || v === '') return DEFAULT_SLICE_MS;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_SLICE_MS;
}

/** What a drive offers: take one non-blocking epoll batch now and settle its waiters. */
export interface PollNow {
  pollNow(): void;
}

const drives = new Set<PollNow>();
let sliceMs = sliceFromEnv();
let count = 0;
let since = performance.now();
/** Polls forced by a used-up slice (observable in tests and the benchmark). */
let forced = 0;

/** A drive that can be polled from the hot path; removed again by `leave` when it closes. */
export function join(d: PollNow): void {
  drives.add(d);
}

export function leave(d: PollNow): void {
  drives.delete(d);
}

/** An epoll batch was taken: a new slice starts. */
export function refill(): void {
  count = 0;
  since = performance.now();
}

/**
 * Called by an operation that is about to run without parking. When the
 * slice is used up, polls every drive first (their woken waiters queue
 * behind the running loops), then the operation goes on as usual.
 */
export function spend(): void {
  if (++count < CHECK_EVERY || sliceMs === 0) return;
  count = 0;
  if (performance.now() - since < sliceMs) return;
  forced++;
  refill();
  for (const d of drives) d.pollNow();
}

/** @internal For tests and benchmarks: set the slice (ms; 0 disables), returns the previous one. */
export function setSliceMs(ms: number): number {
  const prev = sliceMs;
  sliceMs = ms;
  return prev;
}

/** @internal Polls forced from the hot path so far. */
export function forcedPolls(): number {
  return forced;
}
