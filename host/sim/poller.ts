// SimPoller: a real Poller (the same core, Engine, PollDesc and waiter
// promises) on a simulated host: virtual fds, a virtual clock, and epoll
// batches the test writes.
//
//   const sim = SimPoller.create();
//   const pd = sim.open(7);                     // any number is an fd here
//   pd.setDeadline(sim.deadline(10), 'r');      // 10 ms from virtual now
//   const p = pd.wait('r');
//   sim.ready(7, 'r');                          // queued: the kernel reported it…
//   sim.advance(10);                            // …and the loop ran 10 ms later:
//                                               // one batch, the event first, then the due timers
//   await p;                                    // readiness came first: resolved
//
// Event delivery. `ready()` and `stale()` only queue an event; nothing reaches
// the core until `flush()` or `advance()`, which hand the whole queue to the
// core in one epoll batch (split at maxEvents, as a real epoll_wait would) at
// the current virtual time; the core processes the batch's events and then
// fires every timer due at that time, in the same call — exactly what the uv
// drive does when the timerfd and some fds become readable together. So
// several ready() / stale() / setDeadline() / close() calls before one
// flush() or advance() are a same-tick race, decided the way the real host
// would decide it.
//
// A queued event carries the registration (descriptor index, fdseq) the fd had
// when it was queued — it was "already returned by epoll_wait". If the
// PollDesc is closed (and maybe the slot reused) before the flush, the event
// reaches the core with the old tag and is dropped as stale: the race Go's
// fdseq exists for. `stale()` queues such an event directly.
//
// Time. The virtual monotonic clock starts at `startNs` (1 s) and moves only
// through advance(). PollDesc.setDeadline takes absolute epoch ms (or a Date)
// and measures it against the drive's epochNowMs(), here the virtual wall
// clock (epochMs + elapsed virtual time); `sim.deadline(ms)` is "ms from
// virtual now" in that clock, exact for whole milliseconds.
//
// Microtasks. Settling a waiter resolves a promise; the waiting code resumes
// in a later microtask, as with any drive. A test that wants a continuation to
// have run awaits it (or `sim.settled()`); one that wants a race does several
// sim calls synchronously.

import { Poller, type PollerOptions } from '../poller.js';
import type { PollDesc } from '../polldesc.js';
import type { CoreExports } from '../core/abi.js';
import type { CoreFlavor } from '../core/load.js';
import type { Inspection } from '../inspect/types.js';
import { HOST_SENTINEL, EPOLL_STRIDE_PACKED, isEpollStride, encodeEvents, type EpollStride } from '../core/epoll-abi.js';
import { afterBatch } from '../drive/drive.js';
import { SimDrive, type Registration } from './drive.js';
import { CoreJournal } from './journal.js';

import { EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP } from '../core/epoll-abi.js';
export { EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP };

/**
 * What an fd became:
 *   'r'     EPOLLIN                 readable
 *   'w'     EPOLLOUT                writable
 *   'rw'    EPOLLIN | EPOLLOUT
 *   'err'   EPOLLERR alone          Go's pollEventErr: parked waiters wake (to do their I/O, which fails);
 *                                   later read waits fail with NotPollableError until an event with
 *                                   other bits arrives (issues 30817, 30840)
 *   'hup'   EPOLLIN|EPOLLOUT|EPOLLHUP|EPOLLRDHUP   both sides shut down (wakes both directions)
 *   'rdhup' EPOLLIN | EPOLLRDHUP    the peer shut down writing
 * or the raw epoll bits as a number.
 */
export type SimEventKind = 'r' | 'w' | 'rw' | 'err' | 'hup' | 'rdhup';

const BITS: Record<SimEventKind, number> = {
  r: EPOLLIN,
  w: EPOLLOUT,
  rw: EPOLLIN | EPOLLOUT,
  err: EPOLLERR,
  hup: EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP,
  rdhup: EPOLLIN | EPOLLRDHUP,
};

export function eventBits(kind: SimEventKind | number): number {
  if (typeof kind === 'number') {
    if (!Number.isInteger(kind) || kind < 0 || kind > 0xffffffff) throw new RangeError(`epoll bits must be a u32, got ${kind}`);
    return kind >>> 0;
  }
  const bits = BITS[kind];
  if (bits === undefined) throw new RangeError(`unknown event kind ${JSON.stringify(kind)} (use 'r', 'w', 'rw', 'err', 'hup', 'rdhup' or a number)`);
  return bits;
}

/** A descriptor handle as the core knows it. */
export interface Handle {
  index: number;
  seq: number;
}

export interface SimOptions {
  /** Virtual monotonic clock at creation, ns (default 1 s). */
  startNs?: bigint;
  /** Virtual wall clock at creation, epoch ms (default 2024-01-01T00:00:00Z). */
  epochMs?: number;
  /** Events per batch (1 … 1024, default 128). */
  maxEvents?: number;
  /** epoll_event layout written into the core: 12 (x86_64, packed) or 16 (aarch64). Default 12. */
  stride?: EpollStride;
  core?: CoreFlavor;
  /** Wrap the core's exports (e.g. a TraceRecorder's instrument). */
  instrument?: (core: CoreExports) => CoreExports;
  /** Keep a CoreJournal of every core call (sim.journal). Default false. */
  journal?: boolean;
}

interface Queued {
  bits: number;
  hi: number;
  lo: number;
}

export class SimPoller {
  readonly poller: Poller;
  readonly drive: SimDrive;
  readonly journal: CoreJournal | null;
  readonly stride: EpollStride;
  private readonly queue: Queued[] = [];
  /** Events handed to the core so far. */
  delivered = 0;
  /** Batches (pump calls) so far. */
  batches = 0;

  private constructor(opts: SimOptions) {
    const stride = opts.stride ?? EPOLL_STRIDE_PACKED;
    if (!isEpollStride(stride)) throw new RangeError(`stride must be 12 or 16, got ${stride}`);
    this.stride = stride;
    const journal = opts.journal ? new CoreJournal() : null;
    this.journal = journal;
    const user = opts.instrument;
    const pollerOpts: PollerOptions = { maxEvents: opts.maxEvents, core: opts.core };
    if (user || journal) {
      pollerOpts.instrument = (core) => {
        const inner = user ? user(core) : core;
        return journal ? journal.wrap(inner) : inner;
      };
    }
    let drive: SimDrive | undefined;
    this.poller = Poller.createSync(pollerOpts, (pump, maxEvents) => (drive = new SimDrive(pump, maxEvents, opts)));
    this.drive = drive!;
  }

  static create(opts: SimOptions = {}): SimPoller {
    return new SimPoller(opts);
  }

  // ── descriptors ────────────────────────────────────────────────────────────

  /** Poller.open on a virtual fd: the same PollDesc a real poller returns. */
  open(fd: number): PollDesc {
    return this.poller.open(fd);
  }

  /** Make open(fd) fail as for a regular file (epoll_ctl EPERM → NotPollableError). */
  notPollable(fd: number, notPollable = true): this {
    this.drive.setNotPollable(fd, notPollable);
    return this;
  }

  /** The user closed fd before PollDesc.close: the registration is gone, EPOLL_CTL_DEL will fail with EBADF. */
  closeFd(fd: number): this {
    this.drive.closeFd(fd);
    return this;
  }

  registration(fd: number): Registration | undefined {
    return this.drive.registration(fd);
  }

  // ── events ─────────────────────────────────────────────────────────────────

  /**
   * Queue an event for the current registration of `target` (an fd, or an
   * open PollDesc). Delivered at the next flush() / advance().
   */
  ready(target: number | PollDesc, kind: SimEventKind | number): this {
    let h: Handle;
    if (typeof target === 'number') {
      const reg = this.drive.registration(target);
      if (!reg) throw new Error(`sim.ready: fd ${target} is not registered (use sim.stale for an event on an old registration)`);
      h = reg;
    } else {
      if (target.isClosed) throw new Error(`sim.ready: the PollDesc for fd ${target.fd} is closed (use sim.stale for an event on an old registration)`);
      h = handleOf(target);
    }
    return this.event(h, kind);
  }

  /**
   * Queue an event for an old incarnation: a closed PollDesc or a handle is
   * used as is; for an fd, the previous fdseq of its current descriptor slot.
   * The core must drop it (staleEvents + 1) without waking anyone.
   */
  stale(target: number | PollDesc | Handle, kind: SimEventKind | number = 'rw'): this {
    let h: Handle;
    if (typeof target === 'number') {
      const reg = this.drive.registration(target);
      if (!reg) throw new Error(`sim.stale: fd ${target} is not registered; pass the closed PollDesc or a handle instead`);
      h = { index: reg.index, seq: (reg.seq - 1) >>> 0 };
    } else if ('index' in target && 'seq' in target) {
      h = { index: target.index, seq: target.seq };
    } else {
      h = handleOf(target as PollDesc);
    }
    return this.event(h, kind);
  }

  /** Queue a raw event with data = index << 32 | seq. */
  event(h: Handle, kind: SimEventKind | number): this {
    this.queue.push({ bits: eventBits(kind), hi: h.index >>> 0, lo: h.seq >>> 0 });
    return this;
  }

  /** Queue an event of the host's own (data hi = 0xffffffff, lo = tag): the core only notes it in header.hostEvents. */
  hostEvent(tag: number, kind: SimEventKind | number = 'r'): this {
    this.queue.push({ bits: eventBits(kind), hi: HOST_SENTINEL, lo: tag >>> 0 });
    return this;
  }

  /** Events queued and not yet delivered. */
  get pending(): number {
    return this.queue.length;
  }

  /** Drop the queued events without delivering them (as EPOLL_CTL_DEL would for a level we never read). */
  discard(): this {
    this.queue.length = 0;
    return this;
  }

  /**
   * Deliver the queue at the current virtual time: one core call per batch of
   * maxEvents, each followed by the timers due now; with nothing queued, one
   * call only if a timer is due. Returns the number of events delivered.
   */
  flush(): number {
    if (this.poller.isClosed) {
      this.queue.length = 0;
      return 0;
    }
    const pump = this.drive.pump;
    let sent = 0;
    do {
      const batch = this.queue.splice(0, this.drive.maxEvents);
      if (batch.length === 0 && !this.timerDue()) break;
      if (batch.length > 0) pump.writeEvents(this.encode(batch));
      this.batches++;
      afterBatch(this.drive, pump.pump(batch.length, this.stride, this.drive.now()));
      sent += batch.length;
    } while (this.queue.length > 0);
    this.delivered += sent;
    return sent;
  }

  /** Move the virtual clock by `ms` (≥ 0, fractions allowed), then flush(): queued events and due timers in one batch. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`sim.advance: ms must be a finite number ≥ 0, got ${ms}`);
    return this.advanceNs(BigInt(Math.round(ms * 1e6)));
  }

  /** advance() in nanoseconds. */
  advanceNs(ns: bigint): number {
    if (ns < 0n) throw new RangeError(`sim.advanceNs: ns must be ≥ 0, got ${ns}`);
    this.drive.setNow(this.drive.now() + ns);
    return this.flush();
  }

  /** Jump to the earliest armed deadline (if any, and if later than now) and flush. Returns false when no timer is armed. */
  advanceToNextDeadline(): boolean {
    const when = this.drive.armed;
    if (when === 0n) return false;
    if (when > this.drive.now()) this.drive.setNow(when);
    this.flush();
    return true;
  }

  private timerDue(): boolean {
    const when = this.drive.armed;
    return when !== 0n && when <= this.drive.now();
  }

  private encode(batch: Queued[]): Uint8Array {
    return encodeEvents(batch.map((e) => ({ events: e.bits, index: e.hi, tag: e.lo })), this.stride);
  }

  // ── time ───────────────────────────────────────────────────────────────────

  /** Virtual monotonic now, ns (what the core is given). */
  get now(): bigint {
    return this.drive.now();
  }

  /** Virtual wall clock, epoch ms. */
  get nowMs(): number {
    return this.drive.epochNowMs();
  }

  /** An absolute deadline `ms` from virtual now, as PollDesc.setDeadline takes it (epoch ms). */
  deadline(ms: number): number {
    return this.drive.epochNowMs() + ms;
  }

  /** The earliest armed deadline (absolute virtual ns; 0n none). */
  get nextDeadline(): bigint {
    return this.drive.armed;
  }

  /** Whether a real drive would keep the process alive now (something to wait for, and ref'd). */
  get keepsAlive(): boolean {
    return this.drive.active && this.drive.referenced && !this.drive.closed;
  }

  // ── the poller ─────────────────────────────────────────────────────────────

  get stats(): Poller['stats'] {
    return this.poller.stats;
  }

  inspect(): Inspection {
    return this.poller.inspect();
  }

  snapshot(): Uint8Array {
    return this.poller.snapshot();
  }

  close(): Promise<void> {
    return this.poller.close();
  }

  /** Let every pending continuation run (waiters woken by the last flush resume). */
  async settled(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function handleOf(pd: PollDesc): Handle {
  return { index: pd.index, seq: pd.seq };
}
