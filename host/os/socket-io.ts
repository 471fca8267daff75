/**
 * The socket calls the library classes make on an fd they were given:
 * accept4 (PollFD.accept), shutdown (the Duplex's end()), and recv / send
 * (a message's full length with MSG_TRUNC: message-read.ts). Creating and
 * connecting sockets is the Linux toolkit's (host/sys/socket.ts).
 */
import * as libc from './libc.js';
import { ERRNO, throwErrno } from './errors.js';
import { EINTR_RETRY, ioResult } from './syscall.js';
import { validateBytes, validateFd, validateOneOf } from './args.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL } from './socket-abi.js';

/** 'r' = SHUT_RD, 'w' = SHUT_WR, 'rw' = SHUT_RDWR. */
export type ShutdownHow = 'r' | 'w' | 'rw';
const SHUT: Record<ShutdownHow, number> = { r: 0, w: 1, rw: 2 };

/**
 * accept4(SOCK_NONBLOCK | SOCK_CLOEXEC): the new fd, or WOULD_BLOCK.
 * EINTR and ECONNABORTED (the peer gave up while queued) are retried, as in
 * Go's internal/poll accept loop.
 */
export function acceptFd(listenFd: number): number {
  validateFd(listenFd, 'listenFd');
  for (;;) {
    const fd = ioResult(libc.accept4(listenFd, null, null, libc.O_NONBLOCK | libc.O_CLOEXEC), 'accept4', listenFd, ERRNO.ECONNABORTED);
    if (fd !== EINTR_RETRY) return fd;
  }
}

export function shutdownFd(fd: number, how: ShutdownHow = 'rw'): void {
  validateFd(fd);
  validateOneOf(how, 'how', Object.keys(SHUT));
  const h = SHUT[how];
  if (libc.shutdown(fd, h) < 0) throwErrno('shutdown', { fd });
}

/** recv(2) with MSG_DONTWAIT added to `flags`. Count, WOULD_BLOCK, or throws. */
export function recvFd(fd: number, buf: Uint8Array, flags = 0): number {
  validateFd(fd);
  validateBytes(buf, 'buf');
  let n: number;
  do n = ioResult(libc.recv(fd, buf, buf.byteLength, flags | MSG_DONTWAIT), 'recv', fd);
  while (n === EINTR_RETRY);
  return n;
}

/** send(2) with MSG_DONTWAIT | MSG_NOSIGNAL added. Count, WOULD_BLOCK, or throws (EPIPE included). */
export function sendFd(fd: number, buf: Uint8Array, flags = 0): number {
  validateFd(fd);
  validateBytes(buf, 'buf');
  let n: number;
  do n = ioResult(libc.send(fd, buf, buf.byteLength, flags | MSG_DONTWAIT | MSG_NOSIGNAL), 'send', fd);
  while (n === EINTR_RETRY);
  return n;
}
