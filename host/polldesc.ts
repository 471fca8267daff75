// PollDesc: the runtime_poll* surface for one registered fd.
//
// wait() is Go's poll_runtime_pollWait: an error (closing, expired deadline,
// EPOLLERR) wins over readiness; a waiter woken without I/O goes round the
// loop again, so if its deadline was moved to the future before it resumed, it
// waits again instead of timing out. The two halves of the park (prepareWait,
// commitWait) run back to back here; the core keeps them apart for tests.

import type { Engine } from './core/engine.js';
import { Code, Misuse, Mode } from './core/abi.js';
import { AbortError, ClosedError, MisuseError, errorForCode } from './errors.js';
import { relativeNs, type Deadline } from './deadline.js';
import { isSyscallError } from './sys/errors.js';
import { waitChannel, traceWait, TRACED, type TracedWaitOptions } from './observe/channels.js';

export type WaitModeName = 'r' | 'w';
export type DeadlineModeName = 'r' | 'w' | 'rw';

/** The Poller's side, as a PollDesc sees it. */
export interface PollDescInternals {
  engine(): Engine;
  now(): bigint;
  /** Wall-clock epoch ms for converting absolute deadlines. */
  epochNowMs(): number;
  /** Tell the drive about waiters / the earliest deadline after a change. */
  settle(): void;
  /** EPOLL_CTL_DEL and forget the descriptor. */
  deregister(pd: PollDesc): void;
}

export interface WaitOptions {
  signal?: AbortSignal;
}

/** Not a core code: the wait was withdrawn through its AbortSignal. */
const ABORTED = -1000;

function waitMode(mode: unknown): 1 | 2 {
  if (mode === 'r') return Mode.R;
  if (mode === 'w') return Mode.W;
  throw new MisuseError('bad-argument', `wait mode must be 'r' or 'w', got ${JSON.stringify(mode)}`);
}

function deadlineMode(mode: unknown): 1 | 2 | 3 {
  if (mode === 'r') return Mode.R;
  if (mode === 'w') return Mode.W;
  if (mode === 'rw' || mode === undefined) return Mode.RW;
  throw new MisuseError('bad-argument', `deadline mode must be 'r', 'w' or 'rw', got ${JSON.stringify(mode)}`);
}

export class PollDesc {
  private closed = false;

  /** @internal */
  constructor(
    private readonly host: PollDescInternals,
    readonly fd: number,
    /** @internal */ readonly index: number,
    /** @internal */ readonly seq: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The error for a core code, with "closed" for a handle this PollDesc already closed. */
  private fail(code: number): Error {
    if (code === Misuse.STALE_HANDLE || this.closed) return new ClosedError(`use of closed poll descriptor (fd ${this.fd})`);
    return errorForCode(code, `fd ${this.fd}`) ?? new Error(`netpoll: unexpected core code ${code}`);
  }

  /** Resolves when the fd is ready in `mode`; rejects with the deadline / close / EPOLLERR error. */
  async wait(mode: WaitModeName, opts: WaitOptions = {}): Promise<void> {
    if (waitChannel.hasSubscribers && !(opts as TracedWaitOptions)[TRACED]) return traceWait(this, mode, opts); // observe/channels.ts
    const m = waitMode(mode);
    const signal = opts.signal;
    if (signal?.aborted) throw new AbortError(signal.reason);
    for (;;) {
      if (this.closed) throw this.fail(Misuse.STALE_HANDLE);
      const core = this.host.engine().core;
      let code = core.prepareWait(this.index, this.seq, m);
      if (code === Code.PREPARED && signal?.aborted) {
        // Aborted while woken but not yet resumed: an error or readiness (checked above) wins; parking again does not.
        core.cancelWait(this.index, this.seq, m, 0);
        throw new AbortError(signal.reason);
      }
      if (code === Code.PREPARED) {
        code = await this.park(m, signal);
        if (code === Code.OK) return;
        if (code === ABORTED) throw new AbortError(signal?.reason);
        if (code === Code.PARKED) throw new Error('netpoll: park returned PARKED');
        continue; // woken without I/O: go round, prepareWait re-checks the error first
      }
      if (code === Code.OK) return;
      throw this.fail(code);
    }
  }

  /** commitWait, then the promise the ready list settles. Returns the wake code (or an immediate result). */
  private park(m: 1 | 2, signal: AbortSignal | undefined): Promise<number> | number {
    const engine = this.host.engine();
    let wake!: (code: number) => void;
    const woken = new Promise<number>((resolve) => (wake = resolve));
    const token = engine.register(wake);
    const code = engine.core.commitWait(this.index, this.seq, m, token);
    if (code !== Code.PARKED) {
      engine.forget(token);
      // OK (consumed a notification that arrived between the halves) or an error: return it as a wake code.
      return code === Code.OK ? Code.OK : code < 0 ? Promise.reject(this.fail(code)) : code;
    }
    this.host.settle();
    if (!signal) return woken;
    const onAbort = (): void => {
      if (engine.core.cancelWait(this.index, this.seq, m, token) !== Code.OK) return; // already woken
      engine.forget(token);
      wake(ABORTED);
      this.host.settle();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return woken.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** pollReset: throws the pending error (closed, timeout, not pollable); drops a stale readiness notification. */
  reset(mode: WaitModeName): void {
    const code = this.host.engine().core.reset(this.index, this.seq, waitMode(mode));
    if (code !== Code.OK) throw this.fail(code);
  }

  /** Go's SetDeadline / SetReadDeadline / SetWriteDeadline: a Date, epoch ms, or null for none. */
  setDeadline(deadline: Deadline, mode: DeadlineModeName = 'rw'): void {
    const m = deadlineMode(mode);
    const d = relativeNs(deadline, this.host.epochNowMs());
    if (this.closed) throw this.fail(Misuse.STALE_HANDLE);
    const engine = this.host.engine();
    const n = engine.core.setDeadline(this.index, this.seq, m, d, this.host.now());
    if (n < 0) {
      // OUT_OF_MEMORY leaves the deadline stored and may have re-armed the other timer: tell the drive.
      if (n === Misuse.OUT_OF_MEMORY) this.host.settle();
      throw this.fail(n);
    }
    engine.dispatch(n);
    this.host.settle();
  }

  /** pollUnblock: mark closing, wake every waiter with ClosedError, stop timers. MisuseError if already unblocked. */
  unblock(): void {
    if (this.closed) throw this.fail(Misuse.STALE_HANDLE);
    if (!this.unblockOnce()) throw this.fail(Misuse.ALREADY_CLOSING);
  }

  /** @internal pollUnblock unless it already happened; false if it had. */
  unblockOnce(): boolean {
    if (this.closed) return false;
    const engine = this.host.engine();
    const n = engine.core.unblock(this.index, this.seq);
    if (n === Misuse.ALREADY_CLOSING) return false;
    if (n < 0) throw this.fail(n);
    engine.dispatch(n);
    this.host.settle();
    return true;
  }

  /**
   * pollClose: unblock if that has not happened, EPOLL_CTL_DEL, free the
   * descriptor (its fdseq moves on, so late events are dropped). The fd stays
   * open: it belongs to the caller. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    const engine = this.host.engine();
    this.unblockOnce();
    try {
      this.host.deregister(this);
    } catch (err) {
      // The caller closed the fd first (EBADF) or it left the set already (ENOENT): nothing to remove.
      if (!isSyscallError(err, 'EBADF') && !isSyscallError(err, 'ENOENT')) throw err;
    } finally {
      this.closed = true;
      const code = engine.core.close(this.index, this.seq);
      if (code !== Code.OK) throw errorForCode(code, `close fd ${this.fd}`)!;
      this.host.settle();
    }
  }
}
