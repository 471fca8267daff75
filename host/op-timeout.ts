// Relative timeouts for one operation: `{ timeout: ms }`.
//
// Deadlines stay what they are in Go — absolute, per descriptor and
// direction, for every operation until changed (setReadDeadline and
// friends). A timeout is the relative, per-call form Node users know: this
// one operation fails with DeadlineExceededError (code ETIMEDOUT, timeout =
// true) if it has not finished `timeout` ms after it was called, time spent
// queued behind another operation in the same direction included. It does
// not touch the descriptor's deadlines, so it never changes what another
// operation sees.
//
// Built on the operation's AbortSignal path: the timer aborts a signal of its
// own (combined with the caller's), and the AbortError that produces is
// turned into the DeadlineExceededError the timer carried. So a timed-out
// operation leaves exactly as an aborted one does: a parked wait withdrawn,
// the lock released, a partial write's count kept (bytesWritten).

import { AbortError, DeadlineExceededError } from './errors.js';
import { InvalidArgTypeError, OutOfRangeError } from './os/args.js';

/** Node's timers take at most 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMEOUT_MS = 0x7fff_ffff;

export interface TimeoutOption {
  /**
   * Fail this operation with DeadlineExceededError if it has not finished
   * after this many milliseconds (0 … 2^31 - 1, fractions allowed). Relative
   * and per call; the descriptor's absolute deadlines apply as well.
   */
  timeout?: number;
}

/** `opts.timeout`, checked: undefined, or a number of ms in [0, 2^31 - 1]. */
export function checkTimeout(timeout: unknown, name = 'options.timeout'): asserts timeout is number | undefined {
  if (timeout === undefined) return;
  if (typeof timeout !== 'number') throw new InvalidArgTypeError(name, 'of type number', timeout);
  if (!(timeout >= 0 && timeout <= MAX_TIMEOUT_MS)) throw new OutOfRangeError(name, `>= 0 && <= ${MAX_TIMEOUT_MS}`, timeout);
}

/**
 * Runs `op` with a signal that also fires after `timeoutMs`; an abort caused
 * by that firing becomes DeadlineExceededError. `what` names the operation
 * in the message.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  what: string,
  op: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let expired: DeadlineExceededError | undefined; // made only when the timer fires: most operations finish first
  const timer = new AbortController();
  const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  // Unref'd: a parked operation keeps the process alive through its poller, not through this timer.
  const handle = setTimeout(() => {
    expired = new DeadlineExceededError(`i/o timeout (${what}: no result within its timeout of ${timeoutMs} ms)`);
    timer.abort(expired);
  }, timeoutMs);
  handle.unref();
  try {
    return await op(combined);
  } catch (err) {
    if (expired && err instanceof AbortError && err.cause === expired) {
      const written = (err as { bytesWritten?: number }).bytesWritten;
      if (written !== undefined) expired.bytesWritten = written;
      throw expired;
    }
    throw err;
  } finally {
    clearTimeout(handle);
  }
}
