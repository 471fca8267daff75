/**
 * poll(2) for one descriptor's readability, on a libuv threadpool thread
 * (koffi `.async`). Polling an epoll fd reports whether its ready list is
 * non-empty without taking any event off it, so whoever then drains the set
 * (synchronously, into core memory) sees every event.
 *
 * struct pollfd { int fd; short events; short revents; } — 8 bytes on every
 * Linux arch.
 */
import * as libc from './libc.js';
import { blockingCall } from './blocking-call.js';
import { ERRNO, SyscallError } from './errors.js';
import { validateFd, validateInteger } from './args.js';

const POLLFD_SIZE = 8;
const POLLIN = 0x1;

/**
 * Resolves true when `fd` is readable (or in error: POLLERR/POLLHUP), false
 * when `timeoutMs` passed (or on EINTR). The call holds one threadpool thread
 * until it returns, and closing `fd` does not end it: keep `timeoutMs` short
 * where a prompt return matters.
 */
export function pollReadableAsync(fd: number, timeoutMs: number): Promise<boolean> {
  try {
    validateFd(fd);
    validateInteger(timeoutMs, 'timeoutMs', -1, 0x7fff_ffff);
  } catch (err) {
    return Promise.reject(err);
  }
  const pfd = Buffer.alloc(POLLFD_SIZE);
  const dv = new DataView(pfd.buffer, pfd.byteOffset, POLLFD_SIZE);
  dv.setInt32(0, fd, libc.LITTLE_ENDIAN);
  dv.setInt16(4, POLLIN, libc.LITTLE_ENDIAN);
  try {
    return blockingCall('poll', fd, pfd, 0, (done) => libc.poll_blocking.async(pfd, 1, timeoutMs, done)).then((n) => n > 0);
  } catch (err) {
    return Promise.reject(err);
  }
}

const nowPfd = Buffer.alloc(POLLFD_SIZE);
const nowView = new DataView(nowPfd.buffer, nowPfd.byteOffset, POLLFD_SIZE);

/** poll(2) with timeout 0, on this thread: whether `fd` is readable (or in error) right now. Takes nothing off an epoll fd. */
export function readableNow(fd: number): boolean {
  validateFd(fd);
  nowView.setInt32(0, fd, libc.LITTLE_ENDIAN);
  nowView.setInt16(4, POLLIN, libc.LITTLE_ENDIAN);
  nowView.setInt16(6, 0, libc.LITTLE_ENDIAN);
  const n = libc.poll_blocking(nowPfd, 1, 0);
  if (n >= 0) return n > 0;
  const errno = libc.errno();
  if (errno === ERRNO.EINTR) return true; // look again: a drain that finds nothing costs one epoll_wait
  throw new SyscallError('poll', errno, { fd });
}
