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
import { ERRNO, SyscallError } from './errors.js';

const POLLFD_SIZE = 8;
const POLLIN = 0x1;

/** pollfd structs the kernel may still write: koffi keeps no reference to an async call's arguments. */
const inFlight = new Set<Buffer>();

/**
 * Resolves true when `fd` is readable (or in error: POLLERR/POLLHUP), false
 * when `timeoutMs` passed (or on EINTR). The call holds one threadpool thread
 * until it returns, and closing `fd` does not end it: keep `timeoutMs` short
 * where a prompt return matters.
 */
export function pollReadableAsync(fd: number, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`pollReadableAsync: not a file descriptor: ${fd}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < -1 || timeoutMs > 0x7fff_ffff) {
      throw new RangeError(`pollReadableAsync: timeoutMs must be an integer in [-1, 2^31-1], got ${timeoutMs}`);
    }
    const pfd = Buffer.alloc(POLLFD_SIZE);
    const dv = new DataView(pfd.buffer, pfd.byteOffset, POLLFD_SIZE);
    dv.setInt32(0, fd, libc.LITTLE_ENDIAN);
    dv.setInt16(4, POLLIN, libc.LITTLE_ENDIAN);
    inFlight.add(pfd);
    try {
      libc.poll_blocking.async(pfd, 1, timeoutMs, (err: unknown, n: number) => {
        inFlight.delete(pfd);
        if (err) return reject(err);
        if (n >= 0) return resolve(n > 0);
        const errno = libc.errno(); // koffi restores the worker's errno around this callback
        if (errno === ERRNO.EINTR) return resolve(false);
        reject(new SyscallError('poll', errno, { fd }));
      });
    } catch (err) {
      inFlight.delete(pfd);
      throw err;
    }
  });
}
