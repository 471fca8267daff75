/**
 * The two socket calls the library classes make on an fd they were given:
 * accept4 (PollFD.accept) and shutdown (the Duplex's end()). Creating and
 * connecting sockets is the Linux toolkit's (host/sys/socket.ts).
 */
import * as libc from './libc.js';
import { ERRNO, throwErrno } from './errors.js';
import { EINTR_RETRY, ioResult } from './syscall.js';

/** 'r' = SHUT_RD, 'w' = SHUT_WR, 'rw' = SHUT_RDWR. */
export type ShutdownHow = 'r' | 'w' | 'rw';
const SHUT: Record<ShutdownHow, number> = { r: 0, w: 1, rw: 2 };

/**
 * accept4(SOCK_NONBLOCK | SOCK_CLOEXEC): the new fd, or WOULD_BLOCK.
 * EINTR and ECONNABORTED (the peer gave up while queued) are retried, as in
 * Go's internal/poll accept loop.
 */
export function acceptFd(listenFd: number): number {
  for (;;) {
    const fd = ioResult(libc.accept4(listenFd, null, null, libc.O_NONBLOCK | libc.O_CLOEXEC), 'accept4', listenFd, ERRNO.ECONNABORTED);
    if (fd !== EINTR_RETRY) return fd;
  }
}

export function shutdownFd(fd: number, how: ShutdownHow = 'rw'): void {
  const h = SHUT[how];
  if (h === undefined) throw new TypeError(`shutdownFd: how must be 'r', 'w' or 'rw', got ${JSON.stringify(how)}`);
  if (libc.shutdown(fd, h) < 0) throwErrno('shutdown', { fd });
}
