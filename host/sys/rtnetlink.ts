/**
 * NETLINK_ROUTE link messages: RTM_NEWLINK / RTM_DELLINK as they arrive on
 * an RTMGRP_LINK socket or answer an RTM_GETLINK dump (<linux/rtnetlink.h>,
 * <linux/if_link.h>).
 *
 *   struct ifinfomsg (16): +0 ifi_family u8  +1 pad u8  +2 ifi_type u16
 *                          +4 ifi_index i32  +8 ifi_flags u32  +12 ifi_change u32
 *
 * followed by rtattrs: IFLA_IFNAME (a NUL-terminated name), IFLA_OPERSTATE
 * (u8, RFC 2863), IFLA_MTU (u32), …
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { type NetlinkMessage, netlinkAttributes } from './netlink.js';
import { attrString, attrU8, attrU32, familyDumpRequest } from './rtnetlink-attrs.js';
import { TruncatedRecordError } from '../os/truncated.js';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const IFLA_MTU = 4;
export const IFLA_IFNAME = 3;
export const IFLA_OPERSTATE = 16;
export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

/** sizeof(struct ifinfomsg). */
export const IFINFOMSG_SIZE = 16;
/** IF_OPER_* by value (RFC 2863 operational states). */
const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPERSTATES)[number];

export interface LinkMessage {
  event: 'new' | 'del';
  index: number;
  /** ifi_type, an ARPHRD_* number: 1 Ethernet (veth, TAP), 772 loopback, 65534 none (TUN). */
  type: number;
  /** IFF_* bits. */
  flags: number;
  /** Administratively up (IFF_UP): what `ip link set … up` sets. */
  up: boolean;
  /** The carrier is there (IFF_LOWER_UP). */
  lowerUp: boolean;
  /** IFLA_IFNAME; '' if the message had none. */
  name: string;
  /** IFLA_OPERSTATE; undefined if the message had none. */
  operstate?: OperState;
  mtu?: number;
}

/** The link a RTM_NEWLINK / RTM_DELLINK message describes; null for any other message type. */
export function parseLinkMessage(msg: NetlinkMessage): LinkMessage | null {
  if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) return null;
  const p = msg.payload;
  if (p.byteLength < IFINFOMSG_SIZE) throw new TruncatedRecordError('ifinfomsg', 0, IFINFOMSG_SIZE, p.byteLength);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flags = view.getUint32(8, LITTLE_ENDIAN);
  const link: LinkMessage = {
    event: msg.type === RTM_NEWLINK ? 'new' : 'del',
    index: view.getInt32(4, LITTLE_ENDIAN),
    type: view.getUint16(2, LITTLE_ENDIAN),
    flags,
    up: (flags & IFF_UP) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    name: '',
  };
  for (const attr of netlinkAttributes(p.subarray(IFINFOMSG_SIZE))) {
    const d = attr.data;
    if (attr.type === IFLA_IFNAME) {
      link.name = attrString(d);
    } else if (attr.type === IFLA_OPERSTATE) {
      const v = attrU8(d);
      if (v !== undefined) link.operstate = OPERSTATES[v] ?? 'unknown';
    } else if (attr.type === IFLA_MTU) {
      const mtu = attrU32(d);
      if (mtu !== undefined) link.mtu = mtu;
    }
  }
  return link;
}

/** An RTM_GETLINK dump request (every link, answered with RTM_NEWLINK messages and NLMSG_DONE). Write it to a NETLINK_ROUTE socket. */
export function linkDumpRequest(seq = 1): Uint8Array {
  return familyDumpRequest(RTM_GETLINK, IFINFOMSG_SIZE, seq);
}
