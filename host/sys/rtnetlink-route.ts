/**
 * NETLINK_ROUTE route messages: RTM_NEWROUTE / RTM_DELROUTE as events
 * (RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_ROUTE) and as answers to an RTM_GETROUTE
 * dump, and the requests that add and remove a route (<linux/rtnetlink.h>).
 *
 *   struct rtmsg (12): +0 rtm_family u8  +1 rtm_dst_len u8  +2 rtm_src_len u8
 *                      +3 rtm_tos u8     +4 rtm_table u8    +5 rtm_protocol u8
 *                      +6 rtm_scope u8   +7 rtm_type u8     +8 rtm_flags u32
 *
 * followed by rtattrs: RTA_DST, RTA_GATEWAY, RTA_OIF (u32), RTA_PRIORITY
 * (u32), RTA_PREFSRC, RTA_TABLE (u32, supersedes rtm_table), …
 */
import {
  type NetlinkMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, encodeNetlinkMessage, netlinkAttributes,
} from './netlink.js';
import { type FamilyName, familyDumpRequest, attrIp, attrU32, concatBytes, rtattr, rtattrU32, familyName } from './rtnetlink-attrs.js';
import { InvalidArgValueError, checkInteger } from '../os/args.js';
import { ipBytes } from './ip-address.js';
import { AF_INET, AF_INET6 } from '../os/socket-abi.js';
import { TruncatedRecordError } from '../os/truncated.js';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;

const RTMSG_SIZE = 12;

export interface RouteMessage {
  event: 'new' | 'del';
  family: FamilyName | number;
  /** RTA_DST ('0.0.0.0' / '::' for a default route, which has none). */
  destination?: string;
  prefixLength: number;
  gateway?: string;
  /** RTA_OIF: the outgoing interface index. */
  index?: number;
  /** RTA_PREFSRC: the source address preferred for this route. */
  preferredSource?: string;
  priority?: number;
  /** RTA_TABLE, else rtm_table. */
  table: number;
  protocol: number;
  scope: number;
  /** RTN_* (RTN_UNICAST, RTN_LOCAL, …). */
  type: number;
}

/** The route a RTM_NEWROUTE / RTM_DELROUTE message describes; null for any other message type. */
export function parseRouteMessage(msg: NetlinkMessage): RouteMessage | null {
  if (msg.type !== RTM_NEWROUTE && msg.type !== RTM_DELROUTE) return null;
  const p = msg.payload;
  if (p.byteLength < RTMSG_SIZE) throw new TruncatedRecordError('rtmsg', 0, RTMSG_SIZE, p.byteLength);
  const af = p[0]!;
  const out: RouteMessage = {
    event: msg.type === RTM_NEWROUTE ? 'new' : 'del',
    family: familyName(af),
    prefixLength: p[1]!,
    table: p[4]!,
    protocol: p[5]!,
    scope: p[6]!,
    type: p[7]!,
  };
  for (const attr of netlinkAttributes(p.subarray(RTMSG_SIZE))) {
    const d = attr.data;
    if (attr.type === RTA_DST) out.destination = attrIp(d);
    else if (attr.type === RTA_GATEWAY) out.gateway = attrIp(d);
    else if (attr.type === RTA_PREFSRC) out.preferredSource = attrIp(d);
    else if (attr.type === RTA_OIF) out.index = attrU32(d);
    else if (attr.type === RTA_PRIORITY) out.priority = attrU32(d);
    else if (attr.type === RTA_TABLE) out.table = attrU32(d) ?? out.table;
  }
  if (out.destination === undefined && out.prefixLength === 0) out.destination = af === AF_INET6 ? '::' : af === AF_INET ? '0.0.0.0' : undefined;
  if (out.destination === undefined) delete out.destination;
  return out;
}

/** An RTM_GETROUTE dump: every route of every table ('inet' or 'inet6' for one family only). */
export function routeDumpRequest(seq = 1, family?: FamilyName): Uint8Array {
  return familyDumpRequest(RTM_GETROUTE, RTMSG_SIZE, seq, family);
}

export interface RouteSpec {
  /** The destination network, e.g. '10.1.0.0' with prefixLength 16. */
  destination: string;
  prefixLength: number;
  /** Next hop; without one the route is on-link (scope link) through `index`. */
  gateway?: string;
  /** Outgoing interface index. */
  index?: number;
  /** Default RT_TABLE_MAIN. */
  table?: number;
  priority?: number;
}

function routePayload(spec: RouteSpec, forDelete: boolean): Uint8Array {
  const dst = ipBytes(spec.destination, 'destination');
  checkInteger(spec.prefixLength, 'prefixLength', 0, dst.family === AF_INET ? 32 : 128);
  const gw = spec.gateway === undefined ? undefined : ipBytes(spec.gateway, 'gateway');
  if (gw && gw.family !== dst.family) throw new InvalidArgValueError('gateway', spec.gateway, 'must be of the same family as destination');
  if (spec.index !== undefined) checkInteger(spec.index, 'index', 1, 0x7fff_ffff);
  if (!forDelete && gw === undefined && spec.index === undefined) throw new InvalidArgValueError('gateway', spec.gateway, 'or an interface index is needed for a route');
  const table = spec.table ?? RT_TABLE_MAIN;
  checkInteger(table, 'table', 0, 0xffff_ffff);
  const head = new Uint8Array(RTMSG_SIZE);
  head[0] = dst.family;
  head[1] = spec.prefixLength;
  head[4] = table < 256 ? table : 0; // RT_TABLE_UNSPEC: the table is in RTA_TABLE
  head[5] = RTPROT_STATIC;
  head[6] = gw === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  head[7] = RTN_UNICAST;
  const attrs = [head, rtattr(RTA_DST, dst.bytes), rtattrU32(RTA_TABLE, table)];
  if (gw) attrs.push(rtattr(RTA_GATEWAY, gw.bytes));
  if (spec.index !== undefined) attrs.push(rtattrU32(RTA_OIF, spec.index));
  if (spec.priority !== undefined) attrs.push(rtattrU32(RTA_PRIORITY, spec.priority));
  return concatBytes(attrs);
}

/** RTM_NEWROUTE with NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK (EEXIST if the route is there). */
export function newRouteRequest(spec: RouteSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_NEWROUTE, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, payload: routePayload(spec, false) });
}

/** RTM_DELROUTE with NLM_F_ACK (ESRCH if there is no such route). */
export function deleteRouteRequest(spec: RouteSpec, seq = 1): Uint8Array {
  return encodeNetlinkMessage({ type: RTM_DELROUTE, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: routePayload(spec, true) });
}
