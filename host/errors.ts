// The errors users see. Each has a stable `code`, in Node's style.
//
// The core's result codes map onto them (Go's internal/poll errors):
//   CLOSING      → ClosedError            "use of closed file"         (not a timeout)
//   TIMEOUT      → DeadlineExceededError  "i/o timeout"                 (timeout = true)
//   NOT_POLLABLE → NotPollableError       "not pollable"
//   misuse (< 0) → MisuseError with a reason; the poller stays usable.

import { Code, Misuse } from './core/abi.js';

export class DeadlineExceededError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly timeout = true;
  /** For writes: bytes written before the deadline passed (Go returns n together with the error). */
  bytesWritten?: number;
  constructor(message = 'i/o timeout') {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

export class ClosedError extends Error {
  readonly code = 'ERR_NETPOLL_CLOSED';
  readonly timeout = false;
  bytesWritten?: number;
  constructor(message = 'use of closed file') {
    super(message);
    this.name = 'ClosedError';
  }
}

/**
 * A message (SOCK_SEQPACKET, SOCK_DGRAM) was longer than the buffer it was
 * read into, and the kernel dropped the rest. Raised where losing bytes must
 * not pass silently: the stream adapter, PollFD's async iteration, and
 * read(buf, { rejectTruncated: true }); the first `limit` bytes are in the buffer.
 */
export class MessageTooLongError extends Error {
  readonly code = 'ERR_NETPOLL_MESSAGE_TOO_LONG';
  constructor(
    /** The buffer size the message did not fit in. */
    readonly limit: number,
    /** What sets that size, for the message: 'readSize', 'size', 'the buffer'. */
    what: string,
    /** The message's full length, when the kernel reported it. */
    readonly length?: number,
  ) {
    super(
      `a message ${length === undefined ? 'was longer than' : `of ${length} bytes did not fit in`} ${what} (${limit} bytes) ` +
        `and the kernel dropped the rest; a larger ${what} would hold it`,
    );
    this.name = 'MessageTooLongError';
  }
}

export class NotPollableError extends Error {
  readonly code = 'ERR_NETPOLL_NOT_POLLABLE';
  constructor(message = 'not pollable') {
    super(message);
    this.name = 'NotPollableError';
  }
}

export type MisuseReason =
  | 'concurrent-wait'
  | 'stale-handle'
  | 'bad-argument'
  | 'bad-deadline'
  | 'already-closing'
  | 'not-closing'
  | 'waiter-present'
  | 'out-of-memory';

/** The API was used in a way Go would answer with a fatal throw. Nothing changed; the poller keeps working. */
export class MisuseError extends Error {
  readonly code = 'ERR_NETPOLL_MISUSE';
  constructor(readonly reason: MisuseReason, message: string) {
    super(message);
    this.name = 'MisuseError';
  }
}

/** An operation was withdrawn through its AbortSignal. Shaped like Node's own AbortError. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(cause?: unknown) {
    super('The operation was aborted', cause === undefined ? undefined : { cause });
    this.name = 'AbortError';
  }
}

/** The core reported an inconsistency it should never reach; a post-mortem snapshot was written. */
export class CoreInconsistencyError extends Error {
  readonly code = 'ERR_NETPOLL_INCONSISTENT';
  constructor(message: string, readonly snapshotPath: string | null) {
    super(snapshotPath ? `${message}; post-mortem snapshot written to ${snapshotPath}` : message);
    this.name = 'CoreInconsistencyError';
  }
}

const MISUSE: Record<number, [MisuseReason, string]> = {
  [Misuse.STALE_HANDLE]: ['stale-handle', 'the poll descriptor was closed (stale handle)'],
  [Misuse.DOUBLE_WAIT]: ['concurrent-wait', 'concurrent wait: another wait in this direction is already pending'],
  [Misuse.BAD_TOKEN]: ['bad-argument', 'invalid waiter token'],
  [Misuse.BAD_ARGUMENT]: ['bad-argument', 'invalid argument'],
  [Misuse.ALREADY_CLOSING]: ['already-closing', 'unblock on a descriptor that is already closing'],
  [Misuse.NOT_CLOSING]: ['not-closing', 'close without unblock'],
  [Misuse.WAITER_PRESENT]: ['waiter-present', 'an operation is still waiting on this descriptor'],
  [Misuse.OUT_OF_MEMORY]: ['out-of-memory', 'the poller core is out of memory'],
};

/** The error for a core result code, or null for a code that is not an error. */
export function errorForCode(code: number, what = ''): Error | null {
  const suffix = what ? ` (${what})` : '';
  switch (code) {
    case Code.CLOSING:
      return new ClosedError(`use of closed file${suffix}`);
    case Code.TIMEOUT:
      return new DeadlineExceededError(`i/o timeout${suffix}`);
    case Code.NOT_POLLABLE:
      return new NotPollableError(`not pollable: the kernel reported EPOLLERR${suffix}`);
  }
  const misuse = MISUSE[code];
  if (misuse) return new MisuseError(misuse[0], `${misuse[1]}${suffix}`);
  return null;
}

/** `err` is a timeout (DeadlineExceededError, or any error marked `timeout: true`); a type guard, so `err.code` reads after it. */
export function isTimeout(err: unknown): err is Error & { readonly timeout: true; readonly code?: string } {
  return (err as { timeout?: unknown } | null)?.timeout === true;
}
