// What a Poller needs from whatever feeds it events: the OS (uv, thread) or a
// simulation. A drive owns the epoll set (or its stand-in) and the clock
// source for deadlines, and calls `Pump.pump` with each batch. Data flows one
// way per batch: the drive hands the batch and its clock reading down, the
// Poller runs the core and settles the woken, and the result tells the drive
// what to do next (afterBatch); the Poller does not call the drive meanwhile.

/** What a batch leaves for the drive to act on. */
export interface BatchResult {
  /** The host-sentinel bits the core saw in the batch (1 << HOST_TIMERFD, 1 << HOST_BREAK). */
  hostBits: number;
  /** The core's earliest deadline after the batch (absolute ns, 0n = none): where the drive's timer goes. */
  nextDeadline: bigint;
  /** Waiters or timers remain. */
  active: boolean;
  /** The user wants the process kept alive while active (Poller.ref / unref). */
  ref: boolean;
  /**
   * An inconsistency the core counted in this batch (Poller: CoreInconsistencyError),
   * raised by afterBatch only after the drive has acted on everything else.
   */
  failure: Error | null;
}

export interface Pump {
  /**
   * `count` events of `stride` bytes are in the core's event region: run the
   * core on them (and on the timers due at `now`, the drive's clock).
   */
  pump(count: number, stride: number, now: bigint): BatchResult;
  /** The events view for a synchronous wait to write into (see Engine.eventsView). */
  eventsView(maxEvents: number, stride: number): Uint8Array;
  /** Copy events a blocking wait wrote elsewhere into the event region. */
  writeEvents(src: Uint8Array): void;
}

export interface Drive {
  readonly kind: 'uv' | 'thread' | 'sim';
  /** Monotonic ns, the clock deadlines are measured in. */
  now(): bigint;
  /** Wall-clock epoch ms that user deadlines (Date / epoch ms) are relative to; the real drives leave it to the system clock. */
  epochNowMs?(): number;
  /** EPOLL_CTL_ADD with data (index << 32 | seq). Throws the registration's error (EPERM: not pollable). */
  add(fd: number, index: number, seq: number): void;
  /** Whether fd is one of the drive's own (its epoll set, timerfd or break eventfd): a poller must not watch those. */
  ownsFd?(fd: number): boolean;
  /** EPOLL_CTL_DEL; before the fd is closed. */
  del(fd: number): void;
  /** The core's earliest deadline changed to `when` (absolute ns; 0n = none). */
  deadline(when: bigint): void;
  /**
   * Whether there is anything to serve (waiters or timers), and whether the
   * process must be kept alive for it: someone waits and the user has not
   * unref'd the poller. Deadlines with no waiter are served without holding
   * it: they fire on time (an IdleDeadline where the drive's wait does not run
   * meanwhile), so a later operation sees the expiry.
   */
  activity(active: boolean, ref: boolean): void;
  /** Take one non-blocking batch now, settling its waiters (the uv drive, for the inspector's poller inside a worker). */
  pollNow?(): void;
  close(): void;
}

/**
 * Act on a batch's result: re-arm the timer, take or drop the keep-alive,
 * hand the host bits to `hostBits` (the thread drive drains its break
 * eventfd and clears its wake flag there), and only then raise the batch's
 * failure: a failure never leaves the drive half-updated.
 */
export function afterBatch(drive: Pick<Drive, 'deadline' | 'activity'>, b: BatchResult, hostBits?: (bits: number) => void): void {
  drive.deadline(b.nextDeadline);
  drive.activity(b.active, b.ref);
  hostBits?.(b.hostBits);
  if (b.failure) throw b.failure;
}

/** One turn of Node's event loop: resolves in the check phase, after the timers and the I/O poll phase. */
export const nextLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The clock a PollDesc measures deadlines with: the drive's. */
export type Clock = Pick<Drive, 'now' | 'epochNowMs'>;

// The registration interest and the host-fd marker are epoll ABI facts of the core.
export { REGISTER_EVENTS, HOST_SENTINEL } from '../core/epoll-abi.js';
export const HOST_TIMERFD = 0;
export const HOST_BREAK = 1;

/**
 * An unref'd Node timer at a deadline, for a drive whose own wait does not
 * run while nothing holds the process (the thread drive whenever it is not
 * polling; the uv drive inside a worker while its watch is unreferenced):
 * deadlines must still fire on time, without keeping the process alive.
 * `fire` runs the core at the deadline; it may run early (ms truncation), and
 * the drive re-arms then: the core decides what is due.
 */
export class IdleDeadline {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly clock: () => bigint, private readonly fire: () => void) {}

  /** Fire at `when` (absolute ns, the clock's); 0n disarms. Replaces any earlier arming. */
  set(when: bigint): void {
    this.clear();
    if (when === 0n) return;
    const delay = when - this.clock();
    const ms = Math.min(waitMs(delay > 0n ? delay : 0n), 0x7fffffff);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Go's netpoll delay → epoll_wait timeout in ms: < 0 blocks; 0 polls; under
 * 1 ms rounds up to 1 ms (never spin); otherwise truncated, capped at 1e9 ms.
 */
export function waitMs(delayNs: bigint): number {
  if (delayNs < 0n) return -1;
  if (delayNs === 0n) return 0;
  if (delayNs < 1_000_000n) return 1;
  if (delayNs < 1_000_000_000_000_000n) return Number(delayNs / 1_000_000n);
  return 1e9;
}
