/**
 * Any socket the kernel offers: socket(domain, type, protocol) and
 * bind/connect/getsockname/getpeername with address bytes (see sockaddr.ts
 * for builders), plus getsockopt/setsockopt. This is how AF_PACKET,
 * SocketCAN, netlink and UDP sockets are reached. Every socket is created
 * SOCK_NONBLOCK | SOCK_CLOEXEC; for reading and writing see msg.ts and
 * PollFD.recvFrom/sendTo/recvMsg/sendMsg.
 */
import * as libc from '../os/libc.js';
import * as more from './libc-fds.js';
import { SyscallError, throwErrno } from '../os/errors.js';
import { assertBytes } from '../os/syscall.js';
import { SOCKADDR_STORAGE_SIZE } from '../os/socket-abi.js';
import { connectDone } from './socket.js';

function checkInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new RangeError(`${what} must be an int, got ${v}`);
}

/**
 * socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC added to `type`. `protocol` as
 * the family wants it: e.g. NETLINK_ROUTE, or htons(ETH_P_ALL) for AF_PACKET.
 */
export function socket(domain: number, type: number, protocol = 0): number {
  checkInt(domain, 'socket domain');
  checkInt(type, 'socket type');
  checkInt(protocol, 'socket protocol');
  const fd = libc.socket(domain, type | libc.O_NONBLOCK | libc.O_CLOEXEC, protocol);
  if (fd < 0) throwErrno('socket', { info: `domain ${domain} type ${type} protocol ${protocol}` });
  return fd;
}

/** bind(2) to `addr` (all of its bytes are the address). */
export function bind(fd: number, addr: Uint8Array): void {
  assertBytes(addr, 'bind');
  if (libc.bind(fd, addr, addr.byteLength) < 0) throwErrno('bind', { fd });
}

export function listen(fd: number, backlog = 511): void {
  if (libc.listen(fd, backlog) < 0) throwErrno('listen', { fd });
}

/**
 * One non-blocking connect(2) to `addr`: true when connected (EISCONN
 * counts), false when the connection is in progress (EINPROGRESS, EALREADY,
 * EINTR, EAGAIN) — wait for writability, then call socketError (socket.ts)
 * or connect again. Anything else throws (ECONNREFUSED, ENETUNREACH, …).
 */
export function connect(fd: number, addr: Uint8Array): boolean {
  assertBytes(addr, 'connect');
  if (libc.connect(fd, addr, addr.byteLength) === 0) return true;
  const errno = libc.errno();
  const done = connectDone(errno);
  if (done === null) throw new SyscallError('connect', errno, { fd });
  return done;
}

const nameBuf = new Uint8Array(SOCKADDR_STORAGE_SIZE);
const nameLen = new Uint32Array(1);

function name(fd: number, call: typeof more.getsockname, syscall: string): Uint8Array {
  nameLen[0] = nameBuf.byteLength;
  if (call(fd, nameBuf, nameLen) < 0) throwErrno(syscall, { fd });
  return nameBuf.slice(0, Math.min(nameLen[0], nameBuf.byteLength));
}

/** getsockname(2): the local address bytes (decode with decodeSockaddr). */
export function getSockName(fd: number): Uint8Array {
  return name(fd, more.getsockname, 'getsockname');
}

/** getpeername(2): the peer's address bytes; ENOTCONN if there is none. */
export function getPeerName(fd: number): Uint8Array {
  return name(fd, more.getpeername, 'getpeername');
}

const intOpt = new Int32Array(1);
const optLen = new Uint32Array(1);

/** setsockopt(2) with an int value, or with the option's bytes. */
export function setSockOpt(fd: number, level: number, option: number, value: number | Uint8Array): void {
  let bytes: Uint8Array;
  if (typeof value === 'number') {
    checkInt(value, 'setSockOpt value');
    intOpt[0] = value;
    bytes = new Uint8Array(intOpt.buffer);
  } else {
    assertBytes(value, 'setSockOpt');
    bytes = value;
  }
  if (more.setsockopt(fd, level, option, bytes, bytes.byteLength) < 0) throwErrno('setsockopt', { fd, info: `level ${level} option ${option}` });
}

/** getsockopt(2) of an int option (host/os/sockopt.ts). */
export { getSockOptInt } from '../os/sockopt.js';

/** getsockopt(2) into `size` bytes: the bytes the kernel filled in. */
export function getSockOptBytes(fd: number, level: number, option: number, size: number): Uint8Array {
  if (!Number.isInteger(size) || size < 0 || size > 65536) throw new RangeError(`getSockOptBytes: size must be in [0, 65536], got ${size}`);
  const out = new Uint8Array(size);
  optLen[0] = size;
  if (libc.getsockopt(fd, level, option, out, optLen) < 0) throwErrno('getsockopt', { fd, info: `level ${level} option ${option}` });
  return out.subarray(0, Math.min(optLen[0], size));
}
