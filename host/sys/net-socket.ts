/**
 * A socket for a resolved Go network address, with Go's defaults (as its
 * net package sets them in sockopt_linux.go / tcpsock.go):
 *
 * - always SOCK_NONBLOCK | SOCK_CLOEXEC (generic-socket.ts);
 * - AF_INET6 (not raw): IPV6_V6ONLY on for tcp6/udp6, off otherwise;
 * - datagram IP sockets: SO_BROADCAST on;
 * - stream listeners on IP: SO_REUSEADDR on (a restarted server can bind
 *   while old connections sit in TIME_WAIT);
 * - TCP connections, dialed or accepted: TCP_NODELAY on (Go's NoDelay default).
 */
import { closingOnError } from '../os/fd.js';
import { setSockOpt, socket } from './generic-socket.js';
import type { ResolvedAddress } from './net-address.js';
import {
  AF_INET, AF_INET6, IPPROTO_IPV6, IPPROTO_TCP, IPV6_V6ONLY, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_BROADCAST, SO_REUSEADDR, TCP_NODELAY,
} from '../os/socket-abi.js';

const isIp = (family: number): boolean => family === AF_INET || family === AF_INET6;

/** TCP_NODELAY on: Go's default for every TCP connection. */
export function setNoDelay(fd: number): void {
  setSockOpt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

/** A new socket for `target` with Go's defaults for `role`; closed again if an option fails. */
export function netSocket(target: ResolvedAddress, role: 'dial' | 'listen'): number {
  const fd = socket(target.family, target.type, 0);
  return closingOnError(fd, () => {
    if (target.family === AF_INET6) setSockOpt(fd, IPPROTO_IPV6, IPV6_V6ONLY, target.v6only ? 1 : 0);
    if (isIp(target.family) && target.type === SOCK_DGRAM) setSockOpt(fd, SOL_SOCKET, SO_BROADCAST, 1);
    if (isIp(target.family) && target.type === SOCK_STREAM) {
      if (role === 'listen') setSockOpt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      else setNoDelay(fd);
    }
    return fd;
  });
}
