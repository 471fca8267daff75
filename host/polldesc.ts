// PollDesc: the runtime_poll* surface for one registered fd.
//
// wait() is Go's poll_runtime_pollWait: an error (closing, expired deadline,
// EPOLLERR) wins over readiness; a waiter woken without I/O goes round the
// loop again, so if its deadline was moved to the future before it resumed, it
// waits again instead of timing out. The two halves of the park (prepareWait,
// commitWait) run back to back here; the core keeps them apart for tests.

import type { Engine } from './core/engine.js';
import type { Clock } from './drive/drive.js';
import type { Registry } from './registry.js';
import type { Fairness } from './fairness.js';
import { Code, Misuse, Mode, type WaitMode, type DeadlineMode } from './core/abi.js';
import { AbortError, ClosedError, MisuseError, errorForCode } from './errors.js';
import { clockEpochMs, farPastNote, noteDeadline, relativeNs, type Deadline } from './deadline.js';
import { isSyscallError } from './os/errors.js';
import type { RingAttempt, WakeAhead } from './wake-ahead.js';
import { inspect, type InspectOptions } from 'node:util';
import { readLiveDescriptor, type LiveDescriptor } from './core/live.js';
import { checkOpOptions } from './validate.js';
import { waitChannel, traceWait, type WaitModeName } from './observe/channels.js';
import { withTimeout, type TimeoutOption } from './op-timeout.js';

export type { WaitModeName };
export type DeadlineModeName = 'r' | 'w' | 'rw';

/**
 * @internal
 * The one channel from a PollDesc (and the operations run on it) to its
 * Poller, the "site": the engine (core calls, waiter tokens, dispatch),
 * `changed()` after a change to waiters or timers, the drive's clock, the
 * registry that owns its fd's epoll registration, and the poller's fairness
 * slice.
 */
export interface PollSite {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly registry: Registry<PollDesc>;
  /** The poller's slice for operations that never park (fairness.ts). */
  readonly fairness: Fairness;
  /** After a change to waiters or timers outside a batch: the Poller tells its drive (and raises a counted inconsistency). */
  changed(): void;
  /** The Poller, as observability payloads name it (one per poller, so no per-descriptor cost). */
  readonly owner: object;
  /** On the 'uring' path the batcher that makes a woken operation's attempt before waking it (wake-ahead.ts); null on the 'syscall' path. */
  readonly ahead: WakeAhead | null;
}

export interface WaitOptions extends TimeoutOption {
  signal?: AbortSignal;
}

function waitMode(mode: unknown): WaitMode {
  if (mode === 'r') return Mode.R;
  if (mode === 'w') return Mode.W;
  throw new MisuseError('bad-argument', `wait mode must be 'r' or 'w', got ${JSON.stringify(mode)}`);
}

function deadlineMode(mode: unknown): DeadlineMode {
  if (mode === 'r') return Mode.R;
  if (mode === 'w') return Mode.W;
  if (mode === 'rw' || mode === undefined) return Mode.RW;
  throw new MisuseError('bad-argument', `deadline mode must be 'r', 'w' or 'rw', got ${JSON.stringify(mode)}`);
}

/**
 * A descriptor's life: open → unblocked (Go's fd is "closing": waiters woken,
 * SetDeadline answers ErrFileClosing) → closed (freed in the core). One field,
 * not two flags: a PollDesc is per fd, and each field costs every descriptor.
 */
const OPEN = 0, UNBLOCKED = 1, CLOSED = 2;

export class PollDesc {
  private phase: typeof OPEN | typeof UNBLOCKED | typeof CLOSED = OPEN;

  private get closed(): boolean {
    return this.phase === CLOSED;
  }

  /** @internal The Poller this descriptor belongs to (observe/channels.ts names it in payloads). */
  get owner(): object {
    return this.site.owner;
  }

  /** @internal */
  constructor(
    private readonly site: PollSite,
    readonly fd: number,
    /** @internal */ readonly index: number,
    /** @internal */ readonly seq: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The error for a core code, with "closed" for a handle this PollDesc already closed; `m`, the direction, explains a timeout. */
  private fail(code: number, m = 0): Error {
    if (code === Misuse.STALE_HANDLE || this.closed) return new ClosedError(`use of closed poll descriptor (fd ${this.fd})`);
    const note = code === Code.TIMEOUT ? farPastNote(this, m) : '';
    return errorForCode(code, note ? `fd ${this.fd}; ${note}` : `fd ${this.fd}`) ?? new Error(`netpoll: unexpected core code ${code}`);
  }

  /**
   * Resolves when the fd is ready in `mode`; rejects with the deadline /
   * close / EPOLLERR error. A wait that is ready at once counts against the
   * poller's fairness slice, as an operation's first attempt does.
   */
  async wait(mode: WaitModeName, opts?: WaitOptions): Promise<void> {
    checkOpOptions(opts, 'wait');
    if (opts?.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'wait', (signal) => this.wait(mode, { signal }));
    const signal = opts?.signal;
    if (waitChannel.hasSubscribers) return traceWait(this.site.owner, this, mode, () => this.waitBody(mode, signal)); // observe/channels.ts
    return this.waitBody(mode, signal);
  }

  private async waitBody(mode: WaitModeName, signal: AbortSignal | undefined): Promise<void> {
    const m = waitMode(mode);
    if (signal?.aborted) throw new AbortError(signal.reason);
    const turn = this.spend();
    if (turn) {
      await turn;
      if (signal?.aborted) throw new AbortError(signal.reason);
    }
    let code = this.waitRound(m, signal);
    if (typeof code !== 'number') code = await code;
    if (!this.wakeDone(code)) await this.waitLoop(m, signal);
  }

  /**
   * @internal One round of Go's pollWait, for the operation runner: a wake
   * code now, or the park's promise of one; `wakeDone(code)` then says
   * whether it was readiness (attempt the I/O) or a wake without it (call
   * again). Throws or rejects with the pending error. The runner awaits the
   * park's own promise: no promise is derived from it, so a parked
   * operation costs one promise and one microtask hop, not two (measured:
   * the derived one added ≈ 0.5 µs of user CPU per echoed message).
   * Under the 'netpoll:wait' channel, when it has subscribers, the whole
   * traced wait runs here and resolves ready (observe/channels.ts decorates
   * it; nothing is built otherwise). `next`, on the 'uring' path: the
   * attempt the operation makes when woken ready, which the waking batch
   * may make for it (wake-ahead.ts).
   */
  waitOnce(mode: WaitModeName, signal: AbortSignal | undefined, next?: RingAttempt): number | Promise<number> {
    const m = mode === 'r' ? Mode.R : Mode.W;
    if (waitChannel.hasSubscribers) return traceWait(this.site.owner, this, mode, () => this.waitLoop(m, signal)).then(() => Code.OK);
    return this.waitRound(m, signal, next);
  }

  /** The rest of a wait, round after round, until ready or an error. */
  private async waitLoop(m: WaitMode, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      let code = this.waitRound(m, signal);
      if (typeof code !== 'number') code = await code;
      if (this.wakeDone(code)) return;
    }
  }

  /**
   * One round of pollWait, without an async frame: Code.OK when ready now, else the wake-code
   * promise of the park (see wakeDone). Throws the pending error (closing,
   * timeout, EPOLLERR — an error wins over readiness) and AbortError when
   * aborted between a wake and the resume.
   */
  private waitRound(m: WaitMode, signal: AbortSignal | undefined, next?: RingAttempt): number | Promise<number> {
    if (this.closed) throw this.fail(Misuse.STALE_HANDLE);
    const core = this.site.engine.core;
    const code = core.prepareWait(this.index, this.seq, m);
    if (code === Code.PREPARED) {
      if (signal?.aborted) {
        // Aborted while woken but not yet resumed: an error or readiness (checked above) wins; parking again does not.
        core.cancelWait(this.index, this.seq, m, 0);
        throw new AbortError(signal.reason);
      }
      return this.park(m, signal, next);
    }
    if (code === Code.OK) return Code.OK;
    throw this.fail(code, m);
  }

  /** @internal After a park: true when ready (OK); false = woken without I/O, go round (prepareWait re-checks the error first). An abort already rejected the park's promise. */
  wakeDone(code: number): boolean {
    if (code === Code.OK) return true;
    if (code === Code.PARKED) throw new Error('netpoll: park returned PARKED');
    return false;
  }

  /** commitWait, then the promise the ready list settles. Returns the wake code (or an immediate result); an abort rejects. */
  private park(m: WaitMode, signal: AbortSignal | undefined, next: RingAttempt | undefined): Promise<number> | number {
    const engine = this.site.engine;
    let wake!: (code: number) => void;
    let withdraw!: (err: AbortError) => void;
    const woken = new Promise<number>((resolve, reject) => ((wake = resolve), (withdraw = reject)));
    const ahead = next ? this.site.ahead : null;
    const token = engine.register(ahead ? (code) => ahead.wake(next!, wake, code) : wake);
    const code = engine.core.commitWait(this.index, this.seq, m, token);
    if (code !== Code.PARKED) {
      engine.forget(token);
      // OK (consumed a notification that arrived between the halves) or an error: return it as a wake code.
      return code === Code.OK ? Code.OK : code < 0 ? Promise.reject(this.fail(code, m)) : code;
    }
    this.site.changed();
    if (!signal) return woken;
    const onAbort = (): void => {
      if (engine.core.cancelWait(this.index, this.seq, m, token) !== Code.OK) return; // already woken
      engine.forget(token);
      withdraw(new AbortError(signal.reason));
      this.site.changed();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return woken.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * @internal Before an operation's first attempt: null to go on, or a
   * promise for the event-loop turn to wait for first (fairness.ts).
   */
  spend(): Promise<void> | null {
    return this.site.fairness.spend();
  }


  /** pollReset: throws the pending error (closed, timeout, not pollable); drops a stale readiness notification. */
  reset(mode: WaitModeName): void {
    const m = waitMode(mode);
    const code = this.site.engine.core.reset(this.index, this.seq, m);
    if (code !== Code.OK) throw this.fail(code, m);
  }

  /** Go's SetDeadline / SetReadDeadline / SetWriteDeadline: a Date, epoch ms, or null for none. */
  setDeadline(deadline: Deadline, mode: DeadlineModeName = 'rw'): void {
    const m = deadlineMode(mode);
    const clock = this.site.clock;
    const nowMs = clockEpochMs(clock);
    const d = relativeNs(deadline, nowMs);
    if (this.phase !== OPEN) throw new ClosedError(`use of closed poll descriptor (fd ${this.fd})`);
    const engine = this.site.engine;
    const n = engine.core.setDeadline(this.index, this.seq, m, d, clock.now());
    if (n < 0) {
      // OUT_OF_MEMORY leaves the deadline stored and may have re-armed the other timer: tell the drive.
      if (n === Misuse.OUT_OF_MEMORY) this.site.changed();
      throw this.fail(n);
    }
    noteDeadline(this, m, deadline, nowMs);
    engine.dispatch(n);
    this.site.changed();
  }

  /** pollUnblock: mark closing, wake every waiter with ClosedError, stop timers. MisuseError if already unblocked. */
  unblock(): void {
    if (this.closed) throw this.fail(Misuse.STALE_HANDLE);
    if (!this.unblockOnce()) throw this.fail(Misuse.ALREADY_CLOSING);
  }

  /** @internal pollUnblock unless it already happened; false if it had. */
  unblockOnce(): boolean {
    if (this.closed) return false;
    const engine = this.site.engine;
    const n = engine.core.unblock(this.index, this.seq);
    if (n === Misuse.ALREADY_CLOSING) return false;
    if (n < 0) throw this.fail(n);
    this.phase = UNBLOCKED;
    engine.dispatch(n);
    this.site.changed();
    return true;
  }

  /**
   * pollClose: unblock if that has not happened, EPOLL_CTL_DEL, free the
   * descriptor (its fdseq moves on, so late events are dropped). The fd stays
   * open: it belongs to the caller. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    const engine = this.site.engine;
    this.unblockOnce();
    try {
      this.site.registry.release(this);
    } catch (err) {
      // The caller closed the fd first (EBADF) or it left the set already (ENOENT): nothing to remove.
      if (!isSyscallError(err, 'EBADF') && !isSyscallError(err, 'ENOENT')) throw err;
    } finally {
      this.phase = CLOSED;
      const code = engine.core.close(this.index, this.seq);
      if (code !== Code.OK) throw errorForCode(code, `close fd ${this.fd}`)!;
      this.site.changed();
    }
  }

  // ── Node conventions ──────────────────────────────────────────────

  /** `using pd = poller.open(fd)`: close() when the scope ends (the fd stays open, as with close()). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal What util.inspect shows, read from the core's memory (no core call): null once closed. */
  live(): LiveDescriptor | null {
    if (this.closed) return null;
    return readLiveDescriptor(this.site.engine.core, this.index, this.seq, this.site.clock.now(), clockEpochMs(this.site.clock));
  }

  /** util.inspect: fd, state, deadlines, the directions with a parked wait. */
  [inspect.custom](depth: number, options: InspectOptions, inspectFn: typeof inspect = inspect): string {
    return `PollDesc ${inspectFn(liveView(this.fd, this.live()), { ...options, depth: 1 })}`;
  }
}

/** The plain object util.inspect shows for a descriptor (deadlines as Dates). */
export function liveView(fd: number, live: LiveDescriptor | null): Record<string, unknown> {
  if (!live || live.state === 'free') return { fd, state: 'closed' };
  const when = (d: number | 'expired' | null): Date | 'expired' | null => (typeof d === 'number' ? new Date(d) : d);
  return {
    fd,
    state: live.state,
    readDeadline: when(live.readDeadline),
    writeDeadline: when(live.writeDeadline),
    waiting: live.waiting,
    ready: live.ready,
  };
}
