// Wake-ahead: on the 'uring' I/O path, the epoll batch that wakes parked
// reads and writes makes their syscalls itself, all in one io_uring_enter,
// before it settles their promises.
//
// Go's read loop after a park is "woken ready → read(2)". On the syscall
// path each woken operation makes that read in its own continuation: one
// koffi crossing per descriptor the batch woke. Here the batch does it:
//
//   dispatch   the core's ready list is read; a waiter woken ready (Code.OK)
//              whose operation can be one ring entry is queued (queueIn),
//              and its wake is held back; every other wake settles at once
//   finish     one io_uring_enter submits the queued entries (uring.ts: none
//              is in flight when it returns), each operation gets its
//              entry's result (completed), and the held wakes settle, in the
//              ready list's order among themselves (after the batch's other
//              wakes: errors, timeouts and non-ring operations settle at once)
//
// The woken operation's next attempt then takes that result instead of
// making the call (ReadAttempt, WriteAttempt in rw-attempts.ts). The promise hops
// are the ones the syscall path has: no promise is added per attempt (the
// microtask-wave batcher tried first added one and lost what the ring saved;
// bench/results/levers/uring.md).
//
// Why the results are the plain path's: the entries are made in the same
// order and at the same point of Go's loop (after a ready wake, before
// anything else of the operation runs), each asks for a non-blocking attempt,
// and no JavaScript runs between queueing an entry and its completion, so no
// buffer can be detached, resized or moved under the kernel. An abort or a
// close that comes after the wake does not undo the attempt on either path:
// the syscall path makes it first thing in the continuation too. An entry
// the kernel did not answer itself (cancelled, EINTR, or a file that refuses
// non-blocking ring I/O with EOPNOTSUPP) gives no result, and the operation
// makes the plain call: no readiness edge is consumed by an attempt that did
// not happen.

import type { Uring } from './os/uring.js';
import { Code } from './core/abi.js';

/** An operation's attempt that a wake can make through the ring. */
export interface RingAttempt {
  /** Queue the attempt's syscall: the slot, or -1 to leave it to the plain call (an empty or detached buffer, a file that refused the ring). */
  queueIn(ring: Uring): number;
  /** The entry's result (a count, or -errno) from the completion ring; called once per queued entry. */
  completed(res: number): void;
}

/** What stats show of the ring's work. */
export interface WakeAheadCounts {
  /** io_uring_enter calls that submitted woken operations' entries. */
  ringBatches: number;
  /** Entries they carried. */
  ringEntries: number;
  /** Ready wakes whose operation made the plain call instead (no ring entry possible). */
  plainWakes: number;
}

/**
 * The fewest woken operations worth one io_uring_enter: below it the batch
 * leaves them their plain calls. One enter costs about two read(2)s of
 * system time, so a batch of one or two loses (bench/uring/micro.mjs,
 * the echo sweep in bench/results/levers/uring.md).
 */
export const DEFAULT_MIN_RING_BATCH = 4;

export class WakeAhead implements WakeAheadCounts {
  ringBatches = 0;
  ringEntries = 0;
  plainWakes = 0;
  /** Inside a batch's dispatch: ready wakes are held; outside it every wake settles at once. */
  private collecting = false;
  private readonly attempts: RingAttempt[] = [];
  private wakes: ((code: number) => void)[] = [];
  private spareWakes: ((code: number) => void)[] = [];
  /** Each held attempt's ring slot, or -1 (reused across batches). */
  private readonly slots: number[] = [];
  /** Why the ring stopped being used (an io_uring_enter error); null while it is used. */
  failure: string | null = null;
  private closed = false;

  constructor(
    private readonly ring: Uring,
    private readonly minBatch = DEFAULT_MIN_RING_BATCH,
  ) {}

  /** The batch's dispatch starts: ready wakes of ring-capable operations are held until finish(). */
  begin(): void {
    this.collecting = true;
  }

  /**
   * A parked operation's wake. `attempt` is what the operation makes next if
   * `code` is readiness; `wake` settles its park.
   */
  wake(attempt: RingAttempt, wake: (code: number) => void, code: number): void {
    if (!this.collecting || code !== Code.OK || this.failure !== null || this.closed) return wake(code);
    this.attempts.push(attempt);
    this.wakes.push(wake);
    if (this.attempts.length === this.ring.entries) this.submitHeld(); // a full ring goes now, in order
  }

  /** The dispatch ended: make the held attempts, hand each operation its result, settle the held wakes. */
  finish(): void {
    this.collecting = false;
    this.submitHeld();
  }

  private submitHeld(): void {
    const n = this.attempts.length;
    if (n === 0) return;
    // Settle every held wake whatever happens below: no waiter is lost.
    try {
      if (n >= this.minBatch) this.throughRing(n);
      else this.plainWakes += n;
    } finally {
      // The held wakes move to the spare array before they settle, so the live one is empty for the next batch.
      const wakes = this.wakes;
      this.wakes = this.spareWakes;
      this.spareWakes = wakes;
      this.attempts.length = 0;
      for (let i = 0; i < n; i++) wakes[i]!(Code.OK);
      wakes.length = 0;
    }
  }

  /** One io_uring_enter for the held attempts; an attempt that cannot be an entry, or a failed enter, leaves the plain call. */
  private throughRing(n: number): void {
    const ring = this.ring;
    const slots = this.slots;
    let queued = 0;
    try {
      for (let i = 0; i < n; i++) {
        const slot = this.attempts[i]!.queueIn(ring);
        slots[i] = slot;
        if (slot >= 0) queued++;
      }
    } catch (err) {
      ring.discard(); // nothing of this batch reaches the kernel, now or with a later one
      this.failure = String((err as Error).message);
      return;
    }
    this.plainWakes += n - queued;
    if (queued === 0) return;
    try {
      ring.submit();
      this.ringBatches++;
      this.ringEntries += queued;
    } catch (err) {
      // A SyscallError names io_uring_enter; the ring is not used again. Entries the kernel ran before
      // the failure have their results (handed on below, never made twice); the rest make plain calls.
      this.failure = String((err as Error).message);
    }
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (slot >= 0 && ring.hasResult(slot)) this.attempts[i]!.completed(ring.result(slot));
    }
  }

  /** Closes the ring; later wakes settle at once (their operations make plain calls). */
  close(): void {
    this.collecting = false;
    this.closed = true;
    this.ring.close();
  }
}
