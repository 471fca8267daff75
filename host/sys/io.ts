/**
 * Internal to host/sys (not re-exported): the classification every I/O
 * wrapper applies to a raw ssize_t result. See fd.ts for the contract.
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError } from './errors.js';

/** The only negative count a wrapper returns: the call would block (EAGAIN). */
export const WOULD_BLOCK = -1;

/** Internal: ioResult's answer for EINTR, so the caller loops. Never returned to users. */
export const EINTR_RETRY = -2;

/**
 * Classifies a raw ssize_t result. Must be called before anything else runs
 * after the syscall, since it reads errno.
 */
export function ioResult(n: number, syscall: string, fd: number): number {
  if (n >= 0) return n;
  const errno = libc.errno();
  if (errno === ERRNO.EINTR) return EINTR_RETRY;
  if (errno === ERRNO.EAGAIN) return WOULD_BLOCK; // EWOULDBLOCK has the same value on Linux
  throw new SyscallError(syscall, errno, { fd });
}
