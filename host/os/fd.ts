/**
 * Plain descriptors: read/write/close, O_NONBLOCK, pipes.
 *
 * Every I/O wrapper has the same three-way result, which is what Go's
 * internal/poll loops need (try the I/O; on EAGAIN wait for readiness and retry):
 *   n >= 0        bytes transferred (0 from read = EOF on a stream)
 *   WOULD_BLOCK   EAGAIN/EWOULDBLOCK: wait for readiness, then retry
 *   throws        SyscallError for anything else
 * EINTR never escapes: the call is simply made again.
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError, throwErrno } from './errors.js';
import { EINTR_RETRY, WOULD_BLOCK, ioResult } from './syscall.js';
import { validateBytes, validateFd } from './args.js';

export { WOULD_BLOCK };

const F_GETFD = 1;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;

/** read(2) into all of `buf`. Count, WOULD_BLOCK, or throws. */
export function readFd(fd: number, buf: Uint8Array): number {
  validateFd(fd);
  validateBytes(buf, 'buf');
  let n: number;
  do n = ioResult(libc.read(fd, buf, buf.byteLength), 'read', fd);
  while (n === EINTR_RETRY);
  return n;
}

/** write(2) from all of `buf`; may be partial. Count, WOULD_BLOCK, or throws (EPIPE included). */
export function writeFd(fd: number, buf: Uint8Array): number {
  validateFd(fd);
  validateBytes(buf, 'buf');
  let n: number;
  do n = ioResult(libc.write(fd, buf, buf.byteLength), 'write', fd);
  while (n === EINTR_RETRY);
  return n;
}

/**
 * close(2). Linux releases the descriptor even when close fails with EINTR,
 * so EINTR counts as success and is never retried: a retry could close an fd
 * number that was already handed out again. Other errors (EBADF, EIO) throw.
 */
export function closeFd(fd: number): void {
  validateFd(fd);
  if (libc.close(fd) === 0) return;
  const errno = libc.errno();
  if (errno === ERRNO.EINTR) return;
  throw new SyscallError('close', errno, { fd });
}

/** Runs `setup()` for a descriptor just made; if it throws, closes `fd` first so no descriptor leaks. */
export function closingOnError<T>(fd: number, setup: () => T): T {
  try {
    return setup();
  } catch (err) {
    closeFd(fd);
    throw err;
  }
}

/** fcntl(F_GETFL): the open file description's status flags and access mode. */
export function getFl(fd: number): number {
  validateFd(fd);
  const flags = libc.fcntl(fd, F_GETFL);
  if (flags < 0) throwErrno('fcntl', { fd, info: 'F_GETFL' });
  return flags;
}

/** Sets (default) or clears O_NONBLOCK. True if the flag changed (it was not already so). */
export function setNonBlocking(fd: number, nonBlocking = true): boolean {
  validateFd(fd);
  const flags = getFl(fd);
  const next = nonBlocking ? flags | libc.O_NONBLOCK : flags & ~libc.O_NONBLOCK;
  if (next === flags) return false;
  if (libc.fcntl(fd, F_SETFL, 'int', next) < 0) throwErrno('fcntl', { fd, info: 'F_SETFL' });
  return true;
}

export function isNonBlocking(fd: number): boolean {
  return (getFl(fd) & libc.O_NONBLOCK) !== 0;
}

export function isCloseOnExec(fd: number): boolean {
  validateFd(fd);
  const flags = libc.fcntl(fd, F_GETFD);
  if (flags < 0) throwErrno('fcntl', { fd, info: 'F_GETFD' });
  return (flags & FD_CLOEXEC) !== 0;
}

const pair = new Int32Array(2);

/** pipe2(O_NONBLOCK | O_CLOEXEC): [read end, write end]. */
export function pipe(): [number, number] {
  if (libc.pipe2(pair, libc.O_NONBLOCK | libc.O_CLOEXEC) < 0) throwErrno('pipe2');
  return [pair[0], pair[1]];
}
