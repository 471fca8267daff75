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

const POLLFD_SIZE = 8;
const POLLIN = 0x1;

/**
 * Resolves true when `fd` is readable (or in error: POLLERR/POLLHUP), false
 * when `timeoutMs` passed (or on EINTR). The call holds one threadpool thread
 * until it returns, and closing `fd` does not end it: keep `timeoutMs` short
 * where a prompt return matters.
 */
export function pollReadableAsync(fd: number, timeoutMs: number): Promise<boolean> {
  if (!Number.isInteger(fd) || fd < 0) return Promise.reject(new RangeError(`pollReadableAsync: not a file descriptor: ${fd}`));
  if (!Number.isInteger(timeoutMs) || timeoutMs < -1 || timeoutMs > 0x7fff_ffff) {
    return Promise.reject(new RangeError(`pollReadableAsync: timeoutMs must be an integer in [-1, 2^31-1], got ${timeoutMs}`));
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
