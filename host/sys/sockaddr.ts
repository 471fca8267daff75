/**
 * Socket addresses as the bytes the kernel takes and gives back: builders for
 * the families users name most (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK) and a
 * decoder for them. Any other family (AF_PACKET's sockaddr_ll, SocketCAN's
 * sockaddr_can, …) is passed as bytes the caller lays out. Each builder
 * returns exactly the bytes to pass: the address length is the array's length.
 *
 * Byte order: sa_family and the netlink/scope fields are host-endian; ports,
 * IPv4 addresses and the IPv6 flow label are network (big-endian) order.
 *
 *   sockaddr_in  (16): +0 family u16  +2 port u16 BE  +4 addr[4]   +8 zero[8]
 *   sockaddr_in6 (28): +0 family u16  +2 port u16 BE  +4 flowinfo u32 BE
 *                      +8 addr[16]    +24 scope_id u32
 *   sockaddr_nl  (12): +0 family u16  +2 pad u16      +4 pid u32   +8 groups u32
 *   sockaddr_un (≤110): +0 family u16 +2 path (see socket.ts/sockaddrUn)
 */
import * as libc from './libc-fds.js';
import { LITTLE_ENDIAN } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { sockaddrUn } from './socket.js';
import { AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, AF_UNSPEC, SUN_PATH_OFFSET } from '../os/socket-abi.js';

const SIZE_IN = 16;
const SIZE_IN6 = 28;
const SIZE_NL = 12;

export type SockAddr =
  | { family: 'unix'; /** '' for an unnamed socket; a leading '\0' marks the abstract namespace. */ path: string }
  | { family: 'inet'; address: string; port: number }
  | { family: 'inet6'; address: string; port: number; flowinfo: number; scopeId: number }
  | { family: 'netlink'; pid: number; groups: number }
  | { family: number; bytes: Uint8Array };

function header(size: number, family: number): [Uint8Array, DataView] {
  const addr = new Uint8Array(size);
  const view = new DataView(addr.buffer);
  view.setUint16(0, family, LITTLE_ENDIAN);
  return [addr, view];
}

function checkU(value: number, bits: 16 | 32, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new RangeError(`${what} must be a u${bits}, got ${value}`);
}

function pton(af: number, text: string, dst: Uint8Array): void {
  if (text.includes('\0') || libc.inet_pton(af, text, dst) !== 1) {
    throw new TypeError(`not an ${af === AF_INET ? 'IPv4' : 'IPv6'} address: ${JSON.stringify(text)}`);
  }
}

/** struct sockaddr_un for a path (a leading '\0' = abstract namespace), exactly as long as it needs. */
export function sockaddrUnix(path: string): Uint8Array {
  const { addr, len } = sockaddrUn(path);
  return addr.subarray(0, len);
}

/** struct sockaddr_in, e.g. sockaddrInet('127.0.0.1', 8080). */
export function sockaddrInet(address: string, port: number): Uint8Array {
  checkU(port, 16, 'port');
  const [addr, view] = header(SIZE_IN, AF_INET);
  view.setUint16(2, port, false);
  pton(AF_INET, address, addr.subarray(4, 8));
  return addr;
}

/** struct sockaddr_in6, e.g. sockaddrInet6('::1', 8080); scopeId is the interface index for link-local addresses. */
export function sockaddrInet6(address: string, port: number, opts: { flowinfo?: number; scopeId?: number } = {}): Uint8Array {
  const { flowinfo = 0, scopeId = 0 } = opts;
  checkU(port, 16, 'port');
  checkU(flowinfo, 32, 'flowinfo');
  checkU(scopeId, 32, 'scopeId');
  const [addr, view] = header(SIZE_IN6, AF_INET6);
  view.setUint16(2, port, false);
  view.setUint32(4, flowinfo, false);
  pton(AF_INET6, address, addr.subarray(8, 24));
  view.setUint32(24, scopeId, LITTLE_ENDIAN);
  return addr;
}

/** struct sockaddr_nl: pid 0 lets the kernel choose (on bind) or means the kernel (as a destination). */
export function sockaddrNetlink(pid = 0, groups = 0): Uint8Array {
  checkU(pid, 32, 'netlink pid');
  checkU(groups, 32, 'netlink groups');
  const [addr, view] = header(SIZE_NL, AF_NETLINK);
  view.setUint32(4, pid, LITTLE_ENDIAN);
  view.setUint32(8, groups, LITTLE_ENDIAN);
  return addr;
}

const ntopBuf = new Uint8Array(64); // INET6_ADDRSTRLEN is 46

function ntop(af: number, src: Uint8Array): string {
  if (libc.inet_ntop(af, src, ntopBuf, ntopBuf.byteLength) === null) throwErrno('inet_ntop');
  return Buffer.from(ntopBuf.subarray(0, ntopBuf.indexOf(0))).toString('latin1');
}

/**
 * Decodes address bytes (e.g. from recvFrom or getSockName). A family it
 * does not know, or bytes too short for their family, come back as
 * `{ family: number, bytes }` — never read past `addr`.
 */
export function decodeSockaddr(addr: Uint8Array): SockAddr {
  if (addr.byteLength < 2) return { family: AF_UNSPEC, bytes: addr };
  const view = new DataView(addr.buffer, addr.byteOffset, addr.byteLength);
  const family = view.getUint16(0, LITTLE_ENDIAN);
  if (family === AF_UNIX) {
    const path = addr.subarray(SUN_PATH_OFFSET);
    if (path.byteLength > 0 && path[0] === 0) return { family: 'unix', path: Buffer.from(path).toString('utf8') }; // abstract: length-delimited
    const nul = path.indexOf(0);
    return { family: 'unix', path: Buffer.from(nul < 0 ? path : path.subarray(0, nul)).toString('utf8') };
  }
  if (family === AF_INET && addr.byteLength >= SIZE_IN) {
    return { family: 'inet', address: ntop(AF_INET, addr.subarray(4, 8)), port: view.getUint16(2, false) };
  }
  if (family === AF_INET6 && addr.byteLength >= SIZE_IN6) {
    return {
      family: 'inet6',
      address: ntop(AF_INET6, addr.subarray(8, 24)),
      port: view.getUint16(2, false),
      flowinfo: view.getUint32(4, false),
      scopeId: view.getUint32(24, LITTLE_ENDIAN),
    };
  }
  if (family === AF_NETLINK && addr.byteLength >= SIZE_NL) {
    return { family: 'netlink', pid: view.getUint32(4, LITTLE_ENDIAN), groups: view.getUint32(8, LITTLE_ENDIAN) };
  }
  return { family, bytes: addr };
}
