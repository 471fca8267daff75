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
// A turn is seen two ways, neither of which costs anything while the event
// loop keeps turning on its own: an epoll batch the drive delivers
// (`loopTurned`: the drive's callback runs in the event loop's poll phase,
// after this iteration's timers), and, once a slice has run out, the
// immediate queued right then (`turn`). Every operation then waits for
// that one turn (not only every CHECK_EVERY-th, and one immediate for them
// all), so the flush ends at each running loop's next operation. An earlier form queued a marker immediate at
// every slice start; a pending immediate makes libuv's poll phase return at
// once instead of blocking, and with the batches not counted as turns a
// ping-pong echo server sent a share of its operations to the check phase
// every iteration: measured against the code before (bench/echo, unpinned,
// quick runs, bench/results/levers/fairness-turns.md), 13–15 % more CPU per
// message at 100 connections, p99 7 ms instead of 0.9 ms, and 130 ms instead
// of 9 ms at 1,000. The clock is read once every
// CHECK_EVERY operations, so the cost does not grow with the number of
// operations. One Fairness per Poller: each poller's operations are checked
// against their own slice, and nothing here calls into a drive.

import { performance } from 'node:perf_hooks';
import { nextLoopTurn } from './drive/drive.js';

/**
 * Default slice in ms; NETPOLL_SLICE_MS overrides it (0 disables the check),
 * for the benchmark sweep. 4 ms, measured with the earlier form that polled
 * epoll from the hot path (bench/results/levers/slice-sweep.md, 1,000
 * connections on a quiet machine): against 1 ms it spent less CPU and had the
 * lower tail in both placements. The present form was compared at 0, 4 and
 * 10 ms only in quick echo runs on a loaded machine (levers/fairness-turns.md): 10 ms
 * bought nothing over 4. Well under the 20 ms event-loop gap the benchmark bench/eventloop
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
/** Slices that ran out, each one event-loop turn that operations waited for (observable in tests and the benchmark). */
let yielded = 0;

export class Fairness {
  private count = 0;
  /** When the running slice started (performance.now()); meaningful once `fresh` is false. */
  private since = 0;
  /** The event loop turned since the last check: the next check starts a new slice. */
  private fresh = true;
  /** The running slice ran out: the one event-loop turn every operation waits for until it comes; null while the slice lasts. */
  private turn: Promise<void> | null = null;

  /** The drive delivered an epoll batch from an event-loop callback (Poller.pump): a new slice starts at the next check. */
  loopTurned(): void {
    this.fresh = true;
  }

  /**
   * Called by an operation before its first attempt. null: go on at once.
   * A promise: the slice is used up; go on when it resolves, one event-loop
   * turn later.
   */
  spend(): Promise<void> | null {
    if (this.turn) return this.turn; // the slice ran out: wait for the one turn all wait for
    if (++this.count < CHECK_EVERY || sliceMs === 0) return null;
    this.count = 0;
    const now = performance.now();
    if (this.fresh) {
      this.fresh = false;
      this.since = now;
      return null;
    }
    if (now - this.since < sliceMs) return null;
    // One immediate for all who wait: they resume in the order they came, in one flush, with a new slice.
    yielded++;
    this.turn = nextLoopTurn().then(() => {
      this.turn = null;
      this.fresh = true;
    });
    return this.turn;
  }
}

/** @internal For tests and benchmarks: set the slice (ms; 0 disables), returns the previous one. */
export function setSliceMs(ms: number): number {
  const prev = sliceMs;
  sliceMs = ms;
  return prev;
}

/** @internal Slices that ran out so far (each one event-loop turn that the operations then running waited for). */
export function yieldedTurns(): number {
  return yielded;
}
