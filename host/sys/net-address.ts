/**
 * Go's network names and address strings (net.Dial / net.Listen) turned into
 * what socket(2) and connect(2)/bind(2) take.
 *
 *   tcp, tcp4, tcp6        SOCK_STREAM   "host:port", "[v6]:port", ":port"
 *   udp, udp4, udp6        SOCK_DGRAM    the same
 *   unix                   SOCK_STREAM   a path ('\0…' = abstract)
 *   unixpacket             SOCK_SEQPACKET
 *   unixgram               SOCK_DGRAM
 *
 * The port is a number (Go also takes service names; this does not). A host
 * that is not an IP literal is looked up with Node's dns.lookup (the system
 * resolver, like Go's cgo resolver), or the caller's `lookup`, restricted to
 * the network's family; the first answer is used, and it must be an IP
 * address of that family. An empty host means "all addresses" to listen and
 * the local system (127.0.0.1) to dial, as in Go; to listen with 'tcp' or
 * 'udp' it is a dual-stack [::] socket.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InvalidArgValueError, InvalidArgTypeError } from '../os/args.js';
import { sockaddrInet, sockaddrInet6, sockaddrUnix } from './sockaddr.js';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM } from '../os/socket-abi.js';

export type Network = 'tcp' | 'tcp4' | 'tcp6' | 'udp' | 'udp4' | 'udp6' | 'unix' | 'unixpacket' | 'unixgram';

interface NetworkFacts {
  type: number;
  /** 4 or 6 for a fixed IP family, 0 for either, 'unix' for paths. */
  ip: 0 | 4 | 6 | 'unix';
}

const NETWORKS: Record<Network, NetworkFacts> = {
  tcp: { type: SOCK_STREAM, ip: 0 },
  tcp4: { type: SOCK_STREAM, ip: 4 },
  tcp6: { type: SOCK_STREAM, ip: 6 },
  udp: { type: SOCK_DGRAM, ip: 0 },
  udp4: { type: SOCK_DGRAM, ip: 4 },
  udp6: { type: SOCK_DGRAM, ip: 6 },
  unix: { type: SOCK_STREAM, ip: 'unix' },
  unixpacket: { type: SOCK_SEQPACKET, ip: 'unix' },
  unixgram: { type: SOCK_DGRAM, ip: 'unix' },
};

export interface ResolvedAddress {
  network: Network;
  family: number;
  type: number;
  /** sockaddr bytes for connect/bind. */
  addr: Uint8Array;
  /** For AF_INET6: IPV6_V6ONLY, on for tcp6/udp6 only (Go's rule), so 'tcp' on [::] takes IPv4 too. */
  v6only: boolean;
}

/** The facts for a network name; InvalidArgValueError for an unknown one. */
export function networkFacts(network: unknown): NetworkFacts & { network: Network } {
  if (typeof network !== 'string') throw new InvalidArgTypeError('network', 'of type string', network);
  if (!Object.hasOwn(NETWORKS, network)) throw new InvalidArgValueError('network', network, `must be one of ${Object.keys(NETWORKS).join(', ')}`);
  return { ...NETWORKS[network as Network], network: network as Network };
}

/** Go's net.SplitHostPort: "host:port" or "[host]:port" → [host, port]. */
export function splitHostPort(address: string): [string, number] {
  const bad = (why: string): never => {
    throw new InvalidArgValueError('address', address, why);
  };
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0 || address[end + 1] !== ':') bad('must be "[host]:port"');
    host = address.slice(1, end);
    portText = address.slice(end + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) bad('must be "host:port" (missing port)');
    host = address.slice(0, colon);
    if (host.includes(':')) bad('has too many colons: put an IPv6 address in brackets, "[::1]:80"');
    portText = address.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) bad('must end in a port number 0 … 65535');
  return [host, Number(portText)];
}

/**
 * A host name lookup, shaped as `dns.promises.lookup` (the default): the
 * first address for `hostname` in `options.family` (0 = either).
 */
export type LookupFunction = (hostname: string, options: { family: 0 | 4 | 6; verbatim: true }) => Promise<{ address: string; family: number }>;

/**
 * Resolves `address` for `network`. `passive` is for listen/bind: an empty
 * host is then the wildcard; for dial it is the loopback address. A name goes
 * through `lookupFn`, whose answer is checked before it is used.
 */
export async function resolveAddress(network: unknown, address: unknown, passive: boolean, lookupFn: LookupFunction = lookup): Promise<ResolvedAddress> {
  const facts = networkFacts(network);
  if (typeof address !== 'string') throw new InvalidArgTypeError('address', 'of type string', address);
  if (facts.ip === 'unix') return { network: facts.network, family: AF_UNIX, type: facts.type, addr: sockaddrUnix(address), v6only: false };
  const [host, port] = splitHostPort(address);
  const want = facts.ip;
  const inet = (ip: string, v: 4 | 6): ResolvedAddress => ({
    network: facts.network,
    family: v === 4 ? AF_INET : AF_INET6,
    type: facts.type,
    addr: v === 4 ? sockaddrInet(ip, port) : sockaddrInet6(ip, port),
    v6only: want === 6,
  });
  if (host === '') {
    if (want === 4) return inet(passive ? '0.0.0.0' : '127.0.0.1', 4);
    if (want === 6) return inet(passive ? '::' : '::1', 6);
    return passive ? inet('::', 6) : inet('127.0.0.1', 4);
  }
  const literal = isIP(host); // no IPv6 zones ('%eth0'): sockaddrInet6 takes a scopeId
  if (literal !== 0) {
    if (want !== 0 && literal !== want) throw new InvalidArgValueError('address', address, `is not an IPv${want} address (network ${facts.network})`);
    return inet(host, literal as 4 | 6);
  }
  const found: unknown = await lookupFn(host, { family: want, verbatim: true });
  const ip = found !== null && typeof found === 'object' ? (found as { address?: unknown }).address : undefined;
  const v = typeof ip === 'string' ? isIP(ip) : 0;
  if (v === 0 || (want !== 0 && v !== want)) {
    throw new InvalidArgValueError('lookup', found, `must resolve ${JSON.stringify(host)} to { address } holding an IPv${want === 0 ? '4 or IPv6' : want} address`);
  }
  return inet(ip as string, v as 4 | 6);
}
