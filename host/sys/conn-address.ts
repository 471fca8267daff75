/**
 * A connection's addresses, decoded, and in Go's text form ("1.2.3.4:80",
 * "[::1]:80", a unix path).
 */
import { getPeerName, getSockName } from './generic-socket.js';
import { type SockAddr, decodeSockaddr } from './sockaddr.js';
import { InvalidArgTypeError } from '../os/args.js';

/** Anything with an fd: a PollFD, or a raw descriptor. */
export type HasFd = { readonly fd: number } | number;
/** The fd of `s`; anything else is ERR_INVALID_ARG_TYPE (getsockname/getpeername then check the number itself). */
function fdOf(s: HasFd): number {
  if (typeof s === 'number') return s;
  if (typeof s !== 'object' || s === null) throw new InvalidArgTypeError('sock', 'a PollFD or a file descriptor', s);
  return s.fd;
}

/** getsockname(2), decoded. */
export function localAddress(sock: HasFd): SockAddr {
  return decodeSockaddr(getSockName(fdOf(sock)));
}

/** getpeername(2), decoded; SyscallError ENOTCONN on an unconnected socket. */
export function remoteAddress(sock: HasFd): SockAddr {
  return decodeSockaddr(getPeerName(fdOf(sock)));
}

/** Go's String() of an address: "host:port" ("[v6]:port"), the unix path ('@…' for an abstract one, as ss(8) shows it), else the family number. */
export function formatAddress(a: SockAddr): string {
  if (a.family === 'inet') return `${a.address}:${a.port}`;
  if (a.family === 'inet6') return `[${a.address}]:${a.port}`;
  if (a.family === 'unix') return a.path.startsWith('\0') ? `@${a.path.slice(1)}` : a.path;
  if (a.family === 'netlink') return `netlink:${a.pid}`;
  return `family ${a.family}`;
}
