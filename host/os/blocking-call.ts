/**
 * A blocking libc call on a libuv threadpool thread (koffi `.async`),
 * written once for epoll_wait and poll:
 *
 * - Koffi keeps no reference to an async call's arguments: `inFlight` keeps
 *   the buffer the kernel writes alive (not garbage-collected) until the
 *   call has returned.
 * - In the callback koffi restores the worker thread's errno, so it is read
 *   there. EINTR resolves with `onEintr` (the caller recomputes its timeout);
 *   any other failure rejects with SyscallError.
 * - Koffi may refuse the call at once (e.g. "Too many asynchronous calls",
 *   max_async_calls): the buffer is released and the error thrown.
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError } from './errors.js';

/** Buffers the kernel may still write. */
const inFlight = new Set<Buffer>();

/** Whether a blocking call is still writing `buf`. */
export function writing(buf: Buffer): boolean {
  return inFlight.has(buf);
}

/**
 * Runs `start(done)` (a koffi `.async` call that writes `buf`) and resolves
 * with its result (>= 0), or `onEintr` when interrupted; rejects otherwise.
 */
export function blockingCall(
  syscall: string,
  fd: number,
  buf: Buffer,
  onEintr: number,
  start: (done: (err: unknown, n: number) => void) => void,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    inFlight.add(buf);
    try {
      start((err, n) => {
        inFlight.delete(buf);
        if (err) return reject(err);
        if (n >= 0) return resolve(n);
        const errno = libc.errno();
        if (errno === ERRNO.EINTR) return resolve(onEintr);
        reject(new SyscallError(syscall, errno, { fd }));
      });
    } catch (err) {
      inFlight.delete(buf);
      throw err;
    }
  });
}
