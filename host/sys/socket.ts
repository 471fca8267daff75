/**
 * AF_UNIX sockets: pairs, listeners on a path, non-blocking connect and
 * accept, and the MSG_* flavours of read/write. Every socket is created with
 * SOCK_NONBLOCK | SOCK_CLOEXEC; results follow fd.ts (count, WOULD_BLOCK, or
 * SyscallError).
 */
import * as libc from '../os/libc.js';
import { ERRNO, SyscallError, throwErrno } from '../os/errors.js';
import { closeFd } from '../os/fd.js';
import { getSockOptInt } from '../os/sockopt.js';
import { EINTR_RETRY, assertBytes, ioResult } from '../os/syscall.js';
import {
  AF_UNIX, MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SUN_PATH_OFFSET,
} from '../os/socket-abi.js';


export type SocketType = 'stream' | 'dgram' | 'seqpacket';
const SOCK_TYPE: Record<SocketType, number> = { stream: SOCK_STREAM, dgram: SOCK_DGRAM, seqpacket: SOCK_SEQPACKET };

export { type ShutdownHow, acceptFd, shutdownFd } from '../os/socket-io.js';

function sockType(type: SocketType): number {
  const t = SOCK_TYPE[type];
  if (t === undefined) throw new TypeError(`unknown socket type ${JSON.stringify(type)}`);
  return t | libc.O_NONBLOCK | libc.O_CLOEXEC; // SOCK_NONBLOCK | SOCK_CLOEXEC
}

const pair = new Int32Array(2);

/** socketpair(AF_UNIX): two connected, non-blocking ends. */
export function socketPair(type: SocketType = 'stream'): [number, number] {
  if (libc.socketpair(AF_UNIX, sockType(type), 0, pair) < 0) throwErrno('socketpair', { info: type });
  return [pair[0], pair[1]];
}

/** recv(2) with MSG_DONTWAIT added to `flags`. Count, WOULD_BLOCK, or throws. */
export function recvFd(fd: number, buf: Uint8Array, flags = 0): number {
  assertBytes(buf, 'recvFd');
  let n: number;
  do n = ioResult(libc.recv(fd, buf, buf.byteLength, flags | MSG_DONTWAIT), 'recv', fd);
  while (n === EINTR_RETRY);
  return n;
}

/** send(2) with MSG_DONTWAIT | MSG_NOSIGNAL added. Count, WOULD_BLOCK, or throws (EPIPE included). */
export function sendFd(fd: number, buf: Uint8Array, flags = 0): number {
  assertBytes(buf, 'sendFd');
  let n: number;
  do n = ioResult(libc.send(fd, buf, buf.byteLength, flags | MSG_DONTWAIT | MSG_NOSIGNAL), 'send', fd);
  while (n === EINTR_RETRY);
  return n;
}

/**
 * struct sockaddr_un { u16 sun_family; char sun_path[108]; }
 *
 * A filesystem path needs its NUL terminator inside sun_path, so it may be at
 * most 107 bytes (UTF-8). A path starting with '\0' is Linux's abstract
 * namespace: no terminator, up to 108 bytes, nothing on disk to clean up.
 */
const SUN_PATH_SIZE = 108;

export interface SockaddrUn {
  addr: Uint8Array;
  /** The socklen_t to pass: offset of sun_path + bytes used. */
  len: number;
}

export function sockaddrUn(path: string): SockaddrUn {
  const bytes = Buffer.from(path, 'utf8');
  const abstract = bytes.length > 0 && bytes[0] === 0;
  if (bytes.length === 0) throw new TypeError('unix socket path is empty');
  if (!abstract && bytes.includes(0)) throw new TypeError(`unix socket path contains a NUL byte: ${JSON.stringify(path)}`);
  const max = abstract ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1;
  if (bytes.length > max) {
    throw new RangeError(`unix socket path is ${bytes.length} bytes, the limit is ${max}: ${JSON.stringify(path)}`);
  }
  const addr = new Uint8Array(SUN_PATH_OFFSET + SUN_PATH_SIZE); // zeroed, so the NUL is there
  new DataView(addr.buffer).setUint16(0, AF_UNIX, libc.LITTLE_ENDIAN);
  addr.set(bytes, SUN_PATH_OFFSET);
  return { addr, len: SUN_PATH_OFFSET + bytes.length + (abstract ? 0 : 1) };
}

/** A non-blocking, close-on-exec AF_UNIX socket of `type`. */
export function unixSocket(type: SocketType): number {
  const fd = libc.socket(AF_UNIX, sockType(type), 0);
  if (fd < 0) throwErrno('socket', { info: `AF_UNIX ${type}` });
  return fd;
}

/** Runs `setup(fd)`; if it throws, closes `fd` first so no descriptor leaks. */
function closingOnError<T>(fd: number, setup: () => T): T {
  try {
    return setup();
  } catch (err) {
    closeFd(fd);
    throw err;
  }
}

/**
 * A listening socket bound to `path` (for 'dgram': bound only). The path must
 * not exist yet (EADDRINUSE otherwise); unlinking it afterwards is the
 * caller's business, as with Node's net.Server.
 */
export function unixListen(path: string, type: SocketType = 'stream', backlog = 511): number {
  const { addr, len } = sockaddrUn(path);
  const fd = unixSocket(type);
  return closingOnError(fd, () => {
    if (libc.bind(fd, addr, len) < 0) throwErrno('bind', { fd, path });
    if (type !== 'dgram' && libc.listen(fd, backlog) < 0) throwErrno('listen', { fd, path });
    return fd;
  });
}

export interface ConnectResult {
  fd: number;
  /** The connection is not established yet: see connectFd. */
  pending: boolean;
}

/**
 * What a failed non-blocking connect(2)'s errno means: true = connected
 * already (EISCONN), false = under way (EINPROGRESS, EALREADY, EINTR, EAGAIN:
 * wait for writability), null = a real error to throw.
 */
export function connectDone(errno: number): boolean | null {
  switch (errno) {
    case ERRNO.EISCONN:
      return true;
    case ERRNO.EINPROGRESS:
    case ERRNO.EALREADY:
    case ERRNO.EINTR:
    case ERRNO.EAGAIN:
      return false;
    default:
      return null;
  }
}

/**
 * One non-blocking connect(2) attempt: true when connected (EISCONN counts),
 * false when pending, SyscallError otherwise (ECONNREFUSED, ENOENT, …).
 *
 * Pending covers EINPROGRESS/EALREADY/EINTR (the kernel keeps going; wait for
 * EPOLLOUT, then call again or read socketError) and EAGAIN. For AF_UNIX only
 * EAGAIN happens: the listener's backlog is full and NOTHING was queued, and
 * epoll reports such an unconnected socket writable (and HUP) at once — so
 * retry after a delay, or treat it as an error as Go does.
 */
export function connectFd(fd: number, path: string): boolean {
  const { addr, len } = sockaddrUn(path);
  if (libc.connect(fd, addr, len) === 0) return true;
  const errno = libc.errno();
  const done = connectDone(errno);
  if (done === null) throw new SyscallError('connect', errno, { fd, path });
  return done;
}

/** A new non-blocking socket connecting to `path`; closed again if connect fails. */
export function unixConnect(path: string, type: SocketType = 'stream'): ConnectResult {
  sockaddrUn(path); // validate before creating anything
  const fd = unixSocket(type);
  return closingOnError(fd, () => ({ fd, pending: !connectFd(fd, path) }));
}

/** getsockopt(SO_ERROR): the pending socket error (0 = none), which reading clears. */
export function socketError(fd: number): number {
  return getSockOptInt(fd, SOL_SOCKET, SO_ERROR, 'SO_ERROR');
}
