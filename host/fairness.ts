// Fairness: how long PollFD operations that complete without parking may keep
// the JS thread before Node's event loop gets a turn.
//
// Why: an echo loop (`await read` → `await write` → `await read` …) whose
// next message is already queued never parks, so it goes round again inside
// the same microtask flush. Nothing else runs until it finds EAGAIN: not the
// descriptors parked in epoll (their events come back through the event
// loop, on both drives), not timers, immediates, node:net sockets, fs
// callbacks or child-process events. Go bounds the same thing in its
// scheduler: no goroutine keeps a thread past about 10 ms (sysmon preempts),
// and the netpoller is polled while runnable goroutines remain.
//
// Here: every operation asks its poller's Fairness before its first attempt
// (`spend()`). Once the JS thread has gone a slice without an event-loop turn,
// the operation awaits one turn (setImmediate: after the timers and the I/O
// poll phase, where the uv drive drains epoll and the thread drive's pool
// wait returns) and then goes on as usual. The lock it holds stays held, so
// FIFO order per direction and the close and abort rules are untouched; the
// turn is a macrotask, so whatever it wakes runs in a later flush and no
// flush can grow without end (the old way — polling epoll synchronously from
// inside the flush — woke parked waiters into the same flush, which with
// ~1,000 ping-pong connections never ended).
//
// A turn is seen by an immediate set when a slice starts: once it has run,
// the event loop has turned, and the next check starts a new slice. The
// clock is read once every CHECK_EVERY operations, so the cost does not grow
// with the number of operations (at 100 connections a clock read per
// operation cost CPU). One Fairness per Poller: each poller's operations are
// checked against their own slice, and nothing here calls into a drive.

import { performance } from 'node:perf_hooks';
import { nextLoopTurn } from './drive/drive.js';

/**
 * Default slice in ms; NETPOLL_SLICE_MS overrides it (0 disables the check),
 * for the benchmark sweep. 4 ms, measured (bench/results/levers/slice-sweep.md,
 * 1,000 connections on a quiet machine): against 1 ms it spent less CPU and
 * had the lower tail in both placements, and it still cut p99 below no slice
 * at all. Well under the 20 ms event-loop gap the benchmark bench/eventloop
 * holds the library to.
 */
const DEFAULT_SLICE_MS = 4;
/** Operations between two clock reads. */
const CHECK_EVERY = 32;

function sliceFromEnv(): number {
  const v = process.env.NETPOLL_SLICE_MS;
  if (v === undefined || v === '') return DEFAULT_SLICE_MS;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_SLICE_MS;
}

/** The slice every poller's Fairness checks against (ms; 0 = never yield). */
let sliceMs = sliceFromEnv();
/** Slices that ran out, i.e. event-loop turns an operation waited for (observable in tests and the benchmark). */
let yielded = 0;

export class Fairness {
  private count = 0;
  /** When the running slice started (performance.now()), while `turnPending`. */
  private since = 0;
  /** A slice runs: its immediate has not run yet, so the event loop has not turned since `since`. */
  private turnPending = false;
  private readonly turned = (): void => {
    this.turnPending = false;
  };

  /**
   * Called by an operation before its first attempt. null: go on at once.
   * A promise: the slice is used up; go on when it resolves, one event-loop
   * turn later.
   */
  spend(): Promise<void> | null {
    if (++this.count < CHECK_EVERY || sliceMs === 0) return null;
    this.count = 0;
    const now = performance.now();
    if (!this.turnPending) {
      // The event loop turned since the last slice began: a new slice starts here.
      this.since = now;
      this.turnPending = true;
      setImmediate(this.turned);
      return null;
    }
    if (now - this.since < sliceMs) return null;
    yielded++;
    return nextLoopTurn(); // `turned` runs first (queued earlier): the next check starts a new slice
  }
}

/** @internal For tests and benchmarks: set the slice (ms; 0 disables), returns the previous one. */
export function setSliceMs(ms: number): number {
  const prev = sliceMs;
  sliceMs = ms;
  return prev;
}

/** @internal Slices that ran out so far (each one an event-loop turn awaited by an operation). */
export function forcedPolls(): number {
  return yielded;
}
