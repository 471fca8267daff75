// Reading one message without losing its tail silently.
//
// On a message socket (SOCK_SEQPACKET, SOCK_DGRAM, raw, netlink) read(2)
// takes one message per call and drops whatever did not fit in the buffer,
// with nothing to show for it (Go's Read behaves the same). recv(2) with
// MSG_TRUNC instead returns the message's full length, so the caller can
// tell. On a byte stream MSG_TRUNC means "discard" (TCP), so it is used only
// where SO_TYPE says the socket keeps message boundaries.

import { socketKind } from './os/describe.js';
import { recvFd } from './os/socket-io.js';
import { MSG_TRUNC } from './os/socket-abi.js';
import { WOULD_BLOCK } from './os/syscall.js';

/** Per owner (a PollFD): whether its fd keeps message boundaries. SO_TYPE never changes, so one getsockopt each. */
const messageSockets = new WeakMap<object, boolean>();

/** `fd` (owned by `owner`) is a socket that keeps message boundaries: anything but a byte stream or a non-socket. */
export function isMessageSocket(owner: object, fd: number): boolean {
  let known = messageSockets.get(owner);
  if (known === undefined) {
    const kind = socketKind(fd);
    known = kind !== null && kind !== 'stream';
    messageSockets.set(owner, known);
  }
  return known;
}

/** One recv(MSG_TRUNC) on a message socket: the message's FULL length (more than buf holds when it was cut), or WOULD_BLOCK. */
export function recvMessageLength(fd: number, buf: Uint8Array): number | typeof WOULD_BLOCK {
  return recvFd(fd, buf, MSG_TRUNC);
}
