// The gate an operation passes before it touches its fd: the direction's FIFO
// lock (Go's fdMutex read or write lock) and the fd's count of operations in
// flight, which a pending close waits on.
//
// An operation queued behind another fails with ClosedError if the fd is
// closed meanwhile; the last operation out finishes a pending close, so the
// fd number cannot be reused under a syscall.

import { AbortError, ClosedError } from './errors.js';

/** What the two directions of one fd share: whether it is closing, and how many operations are in it. */
export class FdUse {
  inflight = 0;
  closing = false;
  /** Set by close(): runs once the last operation has left. */
  finish: (() => void) | null = null;

  constructor(readonly fd: number) {}

  closedError(): ClosedError {
    return new ClosedError(`use of closed file (fd ${this.fd})`);
  }

  /** An operation left (or never got in): the last one out finishes a pending close. */
  left(): void {
    if (--this.inflight === 0 && this.closing) this.finish?.();
  }
}

/**
 * One direction's gate: a FIFO lock. Taking a free lock is synchronous, so
 * an uncontended operation costs no extra promise; waiters queue in arrival
 * order and may leave the queue through their AbortSignal.
 */
export class Gate {
  private held = false;
  private readonly queue: { grant: () => void }[] = [];

  constructor(private readonly use: FdUse) {}

  /**
   * Enter an operation: count it in flight and take the lock. null when that
   * happened at once (no promise), else a promise for the queued wait.
   * Throws ClosedError when the fd is closing, AbortError when aborted.
   */
  enter(signal: AbortSignal | undefined): Promise<void> | null {
    const use = this.use;
    if (use.closing) throw use.closedError();
    if (signal?.aborted) throw new AbortError(signal.reason);
    use.inflight++;
    if (!this.held) {
      this.held = true;
      return null;
    }
    return this.queued(signal).then(
      () => {
        if (!use.closing) return;
        this.leave();
        throw use.closedError();
      },
      (err: unknown) => {
        use.left(); // never held the lock
        throw err;
      },
    );
  }

  /** Leave an operation: hand the lock to the next in line (or free it); the last one out finishes a pending close. */
  leave(): void {
    const next = this.queue.shift();
    if (next) next.grant();
    else this.held = false;
    this.use.left();
  }

  /** Resolves when the lock is handed over; rejects with AbortError (leaving the queue) if `signal` fires first. */
  private queued(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new AbortError(signal!.reason));
      };
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }
}
