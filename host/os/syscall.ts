/**
 * The one syscall wrapper (after mio's `syscall!` macro): every binding in
 * host/os and host/sys passes libc's raw result through here, so the errno
 * rules are written once:
 *
 *   result >= 0   returned as is
 *   EINTR         EINTR_RETRY: the caller makes the same call again
 *                 (`retrying` below); never returned to users
 *   EAGAIN        WOULD_BLOCK, for the non-blocking I/O calls (ioResult) that
 *                 Go's internal/poll loops wait on; an error otherwise
 *   anything else SyscallError with the errno, the call's name and its fd
 *
 * Each classifier must run before anything else touches libc after the call,
 * since it reads errno.
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError, type SyscallDetail } from './errors.js';

/** The only negative count a wrapper returns: the call would block (EAGAIN). */
export const WOULD_BLOCK = -1;

/** The classifiers' answer for EINTR, so the caller loops. Never returned to users. */
export const EINTR_RETRY = -2;

/**
 * A plain call: its result, EINTR_RETRY, or throws. `retryAlso` names one
 * more errno that means "call again" (accept4's ECONNABORTED).
 */
export function sysResult(n: number, syscall: string, detail?: SyscallDetail, retryAlso?: number): number {
  if (n >= 0) return n;
  const errno = libc.errno();
  if (errno === ERRNO.EINTR || errno === retryAlso) return EINTR_RETRY;
  throw new SyscallError(syscall, errno, detail);
}

/** A non-blocking I/O call: its count, WOULD_BLOCK, EINTR_RETRY, or throws. */
export function ioResult(n: number, syscall: string, fd: number, retryAlso?: number): number {
  if (n >= 0) return n;
  return ioErrno(libc.errno(), syscall, fd, retryAlso);
}

/**
 * The same rules for a result that carries its errno, negated (an io_uring
 * completion's `res`): the count, WOULD_BLOCK, EINTR_RETRY, or throws.
 */
export function ioRes(res: number, syscall: string, fd: number, retryAlso?: number): number {
  return res >= 0 ? res : ioErrno(-res, syscall, fd, retryAlso);
}

function ioErrno(errno: number, syscall: string, fd: number, retryAlso?: number): number {
  if (errno === ERRNO.EINTR || errno === retryAlso) return EINTR_RETRY;
  if (errno === ERRNO.EAGAIN) return WOULD_BLOCK; // EWOULDBLOCK has the same value on Linux
  throw new SyscallError(syscall, errno, { fd });
}

/** Runs `attempt` (a call classified by the functions above) until it is not EINTR_RETRY. */
export function retrying(attempt: () => number): number {
  let n: number;
  do n = attempt();
  while (n === EINTR_RETRY);
  return n;
}

/**
 * Guards every buffer handed to koffi: koffi would take a number as a raw
 * address, which must never happen by accident.
 */
export function assertBytes(buf: unknown, what: string): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array, got ${typeof buf}`);
}
