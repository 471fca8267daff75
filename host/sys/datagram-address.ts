/**
 * Go's PacketConn.ReadFrom / WriteTo on a datagram PollFD, with addresses as
 * text: "1.2.3.4:53", "[::1]:53", or a unix path. writeTo takes IP literals
 * only (no lookup on the send path); on a dual-stack AF_INET6 socket an IPv4
 * destination is sent as ::ffff:a.b.c.d, as Go does.
 */
import { isIP } from 'node:net';
import type { IoOptions, PollFD } from '../pollfd.js';
import { InvalidArgValueError } from '../os/args.js';
import { formatAddress, localAddress } from './conn-address.js';
import { splitHostPort } from './net-address.js';
import { decodeSockaddr, sockaddrInet, sockaddrInet6, sockaddrUnix, type SockAddr } from './sockaddr.js';

/** One datagram into `buf`: its length, the sender decoded and as text ('' for an unnamed unix sender). */
export async function readFrom(pfd: PollFD, buf: Uint8Array, opts?: IoOptions): Promise<{ n: number; from: SockAddr; address: string }> {
  const { n, addr } = await pfd.recvFrom(buf, opts);
  const from: SockAddr = addr ? decodeSockaddr(addr) : { family: 'unix', path: '' };
  return { n, from, address: formatAddress(from) };
}

/** The sockaddr bytes for a text destination, shaped for the socket's own family. */
export function destinationFor(pfd: PollFD | number, address: string): Uint8Array {
  const mine = localAddress(pfd).family;
  if (mine === 'unix') return sockaddrUnix(address);
  const [host, port] = splitHostPort(address);
  const v = isIP(host);
  if (v === 0) throw new InvalidArgValueError('address', address, 'must be an IP literal with a port ("1.2.3.4:53", "[::1]:53")');
  if (mine === 'inet') {
    if (v !== 4) throw new InvalidArgValueError('address', address, 'is IPv6, and the socket is IPv4');
    return sockaddrInet(host, port);
  }
  return sockaddrInet6(v === 4 ? `::ffff:${host}` : host, port);
}

/** Sends `buf` as one datagram to `address` (text, see destinationFor): the count sent. */
export function writeTo(pfd: PollFD, buf: Uint8Array, address: string, opts?: IoOptions): Promise<number> {
  return pfd.sendTo(buf, destinationFor(pfd, address), opts);
}
