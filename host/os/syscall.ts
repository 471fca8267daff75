/**
 * The one syscall wrapper for I/O (after mio's `syscall!` macro): every
 * non-blocking I/O binding in host/os and host/sys (read, write, recv, send,
 * recvmsg, sendmsg, accept4) passes libc's raw result through ioResult, so
 * the errno rules are written once:
 *
 *   result >= 0   returned as is
 *   EINTR         EINTR_RETRY: the caller makes the same call again (a
 *                 do … while loop); never returned to users
 *   EAGAIN        WOULD_BLOCK, which Go's internal/poll loops wait on
 *   anything else SyscallError with the errno, the call's name and its fd
 *
 * Calls whose EINTR means something else keep their own rule beside the
 * call: close (EINTR is success: Linux released the fd), connect (in
 * progress), epoll_wait and poll (return early; the caller recomputes its
 * timeout). Other failing calls throw through throwErrno (errors.ts).
 *
 * ioResult must run before anything else touches libc after the call, since
 * it reads errno.
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError } from './errors.js';

/** The only negative count a wrapper returns: the call would block (EAGAIN). */
export const WOULD_BLOCK = -1;

/** The classifiers' answer for EINTR, so the caller loops. Never returned to users. */
export const EINTR_RETRY = -2;

/** A non-blocking I/O call: its count, WOULD_BLOCK, EINTR_RETRY, or throws. */
export function ioResult(n: number, syscall: string, fd: number, retryAlso?: number): number {
  if (n >= 0) return n;
  return ioErrno(libc.errno(), syscall, fd, retryAlso);
}

/**
 * The same rules for a result that carries its errno, negated (an io_uring
 * completion's `res`): the count, WOULD_BLOCK, EINTR_RETRY, or throws.
 */
export function ioRes(res: number, syscall: string, fd: number): number {
  return res >= 0 ? res : ioErrno(-res, syscall, fd);
}

function ioErrno(errno: number, syscall: string, fd: number, retryAlso?: number): number {
  if (errno === ERRNO.EINTR || errno === retryAlso) return EINTR_RETRY;
  if (errno === ERRNO.EAGAIN) return WOULD_BLOCK; // EWOULDBLOCK has the same value on Linux
  throw new SyscallError(syscall, errno, { fd });
}
