/**
 * NETLINK_ROUTE neighbour messages (the ARP / NDP cache): RTM_NEWNEIGH /
 * RTM_DELNEIGH as events (RTMGRP_NEIGH) and as answers to an RTM_GETNEIGH
 * dump, and the requests that add and remove an entry (<linux/neighbour.h>).
 *
 *   struct ndmsg (12): +0 ndm_family u8  +1 pad u8  +2 pad u16  +4 ndm_ifindex i32
 *                      +8 ndm_state u16  +10 ndm_flags u8  +11 ndm_type u8
 *
 * followed by rtattrs: NDA_DST (the IP address), NDA_LLADDR (the hardware
 * address), …
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import {
  type NetlinkMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE, NLM_F_REQUEST, encodeNetlinkMessage, netlinkAttributes,
} from './netlink.js';
import { type FamilyName, familyDumpRequest, attrIp, attrMac, concatBytes, rtattr, familyName } from './rtnetlink-attrs.js';
import { InvalidArgValueError, checkInteger } from '../os/args.js';
import { ipBytes } from './ip-address.js';
import { TruncatedRecordError } from '../os/truncated.js';

export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
// ndm_state bits (NUD_*).
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

const NDMSG_SIZE = 12;

export interface NeighbourMessage {
  event: 'new' | 'del';
  family: FamilyName | number;
  index: number;
  /** NUD_* bits. */
  state: number;
  flags: number;
  /** NDA_DST. */
  address?: string;
  /** NDA_LLADDR as 'aa:bb:cc:dd:ee:ff'. */
  mac?: string;
}

/** The neighbour a RTM_NEWNEIGH / RTM_DELNEIGH message describes; null for any other message type. */
export function parseNeighbourMessage(msg: NetlinkMessage): NeighbourMessage | null {
  if (msg.type !== RTM_NEWNEIGH && msg.type !== RTM_DELNEIGH) return null;
  const p = msg.payload;
  if (p.byteLength < NDMSG_SIZE) throw new TruncatedRecordError('ndmsg', 0, NDMSG_SIZE, p.byteLength);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const af = p[0]!;
  const out: NeighbourMessage = {
    event: msg.type === RTM_NEWNEIGH ? 'new' : 'del',
    family: familyName(af),
    index: view.getInt32(4, LITTLE_ENDIAN),
    state: view.getUint16(8, LITTLE_ENDIAN),
    flags: p[10]!,
  };
  for (const attr of netlinkAttributes(p.subarray(NDMSG_SIZE))) {
    if (attr.type === NDA_DST) out.address = attrIp(attr.data);
    else if (attr.type === NDA_LLADDR) out.mac = attrMac(attr.data);
  }
  if (out.address === undefined) delete out.address;
  return out;
}

/** An RTM_GETNEIGH dump ('inet' or 'inet6' for one family only). */
export function neighbourDumpRequest(seq = 1, family?: FamilyName): Uint8Array {
  return familyDumpRequest(RTM_GETNEIGH, NDMSG_SIZE, seq, family);
}

export interface NeighbourSpec {
  index: number;
  address: string;
  /** 'aa:bb:cc:dd:ee:ff' (needed to add; ignored on delete). */
  mac?: string;
  /** NUD_* (default NUD_PERMANENT). */
  state?: number;
}

function macBytes(mac: string): Uint8Array {
  if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new InvalidArgValueError('mac', mac, "must be six hex bytes like 'aa:bb:cc:dd:ee:ff'");
  return Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16));
}

function neighbourPayload(spec: NeighbourSpec, withMac: boolean): Uint8Array {
  const ip = ipBytes(spec.address, 'address');
  checkInteger(spec.index, 'index', 1, 0x7fff_ffff);
  const state = checkInteger(spec.state ?? NUD_PERMANENT, 'state', 0, 0xffff);
  const head = new Uint8Array(NDMSG_SIZE);
  const view = new DataView(head.buffer);
  head[0] = ip.family;
  view.setInt32(4, spec.index, LITTLE_ENDIAN);
  view.setUint16(8, state, LITTLE_ENDIAN);
  const parts = [head, rtattr(NDA_DST, ip.bytes)];
  if (withMac) {
    if (spec.mac === undefined) throw new InvalidArgValueError('mac', spec.mac, 'is needed to add a neighbour');
    parts.push(rtattr(NDA_LLADDR, macBytes(spec.mac)));
  }
  return concatBytes(parts);
}

/** RTM_NEWNEIGH with NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK: set an entry (`ip neigh replace`). */
export function newNeighbourRequest(spec: NeighbourSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_NEWNEIGH, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, seq, payload: neighbourPayload(spec, true) });
}

/** RTM_DELNEIGH with NLM_F_ACK (ENOENT if there is no such entry). */
export function deleteNeighbourRequest(spec: NeighbourSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_DELNEIGH, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: neighbourPayload(spec, false) });
}
