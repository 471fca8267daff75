/**
 * NETLINK_ROUTE address messages: RTM_NEWADDR / RTM_DELADDR as events (groups
 * RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) and as answers to an RTM_GETADDR
 * dump, and the requests that add and remove an address
 * (<linux/if_addr.h>).
 *
 *   struct ifaddrmsg (8): +0 ifa_family u8  +1 ifa_prefixlen u8  +2 ifa_flags u8
 *                         +3 ifa_scope u8   +4 ifa_index u32
 *
 * followed by rtattrs: IFA_ADDRESS (the peer on a point-to-point link, else
 * the address itself), IFA_LOCAL (the local address), IFA_LABEL, IFA_FLAGS
 * (u32, supersedes ifa_flags), …
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import {
  type NetlinkMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, encodeNetlinkMessage, netlinkAttributes,
} from './netlink.js';
import { type FamilyName, familyDumpRequest, attrIp, attrString, attrU32, concatBytes, rtattr, familyName } from './rtnetlink-attrs.js';
import { InvalidArgValueError, checkInteger } from '../os/args.js';
import { ipBytes } from './ip-address.js';
import { AF_INET } from '../os/socket-abi.js';
import { TruncatedRecordError } from '../os/truncated.js';

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;

const IFADDRMSG_SIZE = 8;

export interface AddressMessage {
  event: 'new' | 'del';
  family: FamilyName | number;
  /** The interface index. */
  index: number;
  prefixLength: number;
  scope: number;
  /** IFA_F_* bits (IFA_FLAGS when present: it holds all 32). */
  flags: number;
  /** IFA_LOCAL when present (IPv4), else IFA_ADDRESS; undefined if neither is a 4 or 16 byte address. */
  address?: string;
  /** IFA_ADDRESS when it differs from IFA_LOCAL: the peer of a point-to-point link. */
  peer?: string;
  /** IFA_LABEL (IPv4 only), e.g. 'eth0:1'. */
  label?: string;
}

/** The address a RTM_NEWADDR / RTM_DELADDR message describes; null for any other message type. */
export function parseAddressMessage(msg: NetlinkMessage): AddressMessage | null {
  if (msg.type !== RTM_NEWADDR && msg.type !== RTM_DELADDR) return null;
  const p = msg.payload;
  if (p.byteLength < IFADDRMSG_SIZE) throw new TruncatedRecordError('ifaddrmsg', 0, IFADDRMSG_SIZE, p.byteLength);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const out: AddressMessage = {
    event: msg.type === RTM_NEWADDR ? 'new' : 'del',
    family: familyName(p[0]!),
    prefixLength: p[1]!,
    flags: p[2]!,
    scope: p[3]!,
    index: view.getUint32(4, LITTLE_ENDIAN),
  };
  let local: string | undefined;
  let address: string | undefined;
  for (const attr of netlinkAttributes(p.subarray(IFADDRMSG_SIZE))) {
    if (attr.type === IFA_LOCAL) local = attrIp(attr.data);
    else if (attr.type === IFA_ADDRESS) address = attrIp(attr.data);
    else if (attr.type === IFA_LABEL) out.label = attrString(attr.data);
    else if (attr.type === IFA_FLAGS) out.flags = attrU32(attr.data) ?? out.flags;
  }
  const mine = local ?? address;
  if (mine !== undefined) out.address = mine;
  if (local !== undefined && address !== undefined && address !== local) out.peer = address;
  return out;
}

function ifaddrmsg(family: number, prefixLength: number, index: number): Uint8Array {
  const out = new Uint8Array(IFADDRMSG_SIZE);
  out[0] = family;
  out[1] = prefixLength;
  new DataView(out.buffer).setUint32(4, index, LITTLE_ENDIAN);
  return out;
}

/** An RTM_GETADDR dump: every address ('inet' or 'inet6' for one family only). */
export function addressDumpRequest(seq = 1, family?: FamilyName): Uint8Array {
  return familyDumpRequest(RTM_GETADDR, IFADDRMSG_SIZE, seq, family);
}

export interface AddressSpec {
  /** Interface index (interfaceIndex(name) in interface-name.ts, or getLink in netlink-call.ts). */
  index: number;
  /** '10.0.0.1' or 'fd00::1'. */
  address: string;
  /** 0 … 32 (IPv4) or 0 … 128 (IPv6). */
  prefixLength: number;
  /** For a point-to-point link: the other end. */
  peer?: string;
}

function addressPayload(spec: AddressSpec): Uint8Array {
  const ip = ipBytes(spec.address, 'address');
  checkInteger(spec.index, 'index', 1, 0x7fff_ffff);
  checkInteger(spec.prefixLength, 'prefixLength', 0, ip.family === AF_INET ? 32 : 128);
  const peer = spec.peer === undefined ? ip : ipBytes(spec.peer, 'peer');
  if (peer.family !== ip.family) throw new InvalidArgValueError('peer', spec.peer, 'must be of the same family as address');
  // IFA_LOCAL is the address; IFA_ADDRESS the peer (the address itself when there is none), as iproute2 sends them.
  return concatBytes([ifaddrmsg(ip.family, spec.prefixLength, spec.index), rtattr(IFA_LOCAL, ip.bytes), rtattr(IFA_ADDRESS, peer.bytes)]);
}

/** RTM_NEWADDR with NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK: add an address (EEXIST if it is there). */
export function newAddressRequest(spec: AddressSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_NEWADDR, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, payload: addressPayload(spec) });
}

/** RTM_DELADDR with NLM_F_ACK: remove an address (EADDRNOTAVAIL if it is not there). */
export function deleteAddressRequest(spec: AddressSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_DELADDR, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: addressPayload(spec) });
}
