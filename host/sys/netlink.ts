/**
 * Netlink sockets and their message framing (RFC 3549; <linux/netlink.h>).
 *
 * A read returns one or more messages back to back, each a header and a
 * payload, each starting 4-aligned (NLMSG_ALIGN):
 *
 *   struct nlmsghdr (16): +0 nlmsg_len u32 (header + payload, unpadded)
 *                         +4 nlmsg_type u16  +6 nlmsg_flags u16
 *                         +8 nlmsg_seq u32   +12 nlmsg_pid u32
 *
 * Many payloads end in attributes, each 4-aligned (RTA_ALIGN / NLA_ALIGN):
 *
 *   struct rtattr (4): +0 rta_len u16 (header + data, unpadded)  +2 rta_type u16
 *
 * All fields are host-endian. The parsers read only inside the buffer they
 * are given: a length below its header size or past the end throws
 * TruncatedRecordError; the final record's padding may be missing.
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { closingOnError } from '../os/fd.js';
import { bind, socket } from './generic-socket.js';
import { sockaddrNetlink } from './sockaddr.js';
import { AF_NETLINK, SOCK_RAW } from '../os/socket-abi.js';
import { TruncatedRecordError, alignUp } from '../os/truncated.js';
import { InvalidArgValueError } from '../os/args.js';

// Protocols (the third argument of socket(AF_NETLINK, …)).
export const NETLINK_ROUTE = 0;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NETFILTER = 12;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;

// NETLINK_ROUTE multicast groups, as a bind(2) bit mask (RTMGRP_*).
export const RTMGRP_LINK = 0x1;
export const RTMGRP_NEIGH = 0x4;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV6_ROUTE = 0x400;

// Message types every protocol shares, and header flags.
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
// Modifiers of NEW requests: replace an existing object, fail if it exists, create it if it does not.
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

export const NLMSG_HDRLEN = 16;
/** struct rtattr's header (rta_len u16, rta_type u16). */
export const RTA_HDRLEN = 4;
/** NLMSG_ALIGN / RTA_ALIGN: netlink messages and attributes are padded to 4 bytes. */
export const nlmsgAlign = (n: number): number => alignUp(n, 4);

/**
 * socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol), bound
 * with the kernel choosing the port id and joined to the `groups` bit mask
 * (e.g. RTMGRP_LINK for link changes). Joining groups usually needs no
 * privilege for NETLINK_ROUTE.
 */
export function netlinkSocket(protocol: number, groups = 0): number {
  const addr = sockaddrNetlink(0, groups); // validate before creating anything
  const fd = socket(AF_NETLINK, SOCK_RAW, protocol);
  closingOnError(fd, () => bind(fd, addr));
  return fd;
}

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** The bytes after the header (a view into the buffer parsed). */
  payload: Uint8Array;
}

function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The messages in `buf` (the bytes one read returned), in order. */
export function* netlinkMessages(buf: Uint8Array): Generator<NetlinkMessage> {
  const view = viewOf(buf);
  let off = 0;
  while (off < buf.byteLength) {
    const have = buf.byteLength - off;
    if (have < NLMSG_HDRLEN) throw new TruncatedRecordError('nlmsghdr', off, NLMSG_HDRLEN, have);
    const len = view.getUint32(off, LITTLE_ENDIAN);
    if (len < NLMSG_HDRLEN || len > have) throw new TruncatedRecordError('nlmsghdr', off, Math.max(len, NLMSG_HDRLEN), have);
    yield {
      type: view.getUint16(off + 4, LITTLE_ENDIAN),
      flags: view.getUint16(off + 6, LITTLE_ENDIAN),
      seq: view.getUint32(off + 8, LITTLE_ENDIAN),
      pid: view.getUint32(off + 12, LITTLE_ENDIAN),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    };
    off += nlmsgAlign(len);
  }
}

export interface NetlinkAttribute {
  type: number;
  /** The attribute's data (a view into the buffer parsed). */
  data: Uint8Array;
}

/** The attributes in `buf` (e.g. a payload after its fixed header, or a nested attribute's data), in order. */
export function* netlinkAttributes(buf: Uint8Array): Generator<NetlinkAttribute> {
  const view = viewOf(buf);
  let off = 0;
  while (off < buf.byteLength) {
    const have = buf.byteLength - off;
    if (have < RTA_HDRLEN) throw new TruncatedRecordError('rtattr', off, RTA_HDRLEN, have);
    const len = view.getUint16(off, LITTLE_ENDIAN);
    if (len < RTA_HDRLEN || len > have) throw new TruncatedRecordError('rtattr', off, Math.max(len, RTA_HDRLEN), have);
    yield { type: view.getUint16(off + 2, LITTLE_ENDIAN), data: buf.subarray(off + RTA_HDRLEN, off + len) };
    off += nlmsgAlign(len);
  }
}

/** One message's bytes: header (length filled in) + payload + padding to 4. For requests to the kernel. */
export function encodeNetlinkMessage(msg: { type: number; flags?: number; seq?: number; pid?: number; payload?: Uint8Array }): Uint8Array {
  const payload = msg.payload ?? new Uint8Array(0);
  const out = new Uint8Array(nlmsgAlign(NLMSG_HDRLEN + payload.byteLength));
  const view = viewOf(out);
  view.setUint32(0, NLMSG_HDRLEN + payload.byteLength, LITTLE_ENDIAN);
  view.setUint16(4, msg.type, LITTLE_ENDIAN);
  view.setUint16(6, msg.flags ?? NLM_F_REQUEST, LITTLE_ENDIAN);
  view.setUint32(8, msg.seq ?? 0, LITTLE_ENDIAN);
  view.setUint32(12, msg.pid ?? 0, LITTLE_ENDIAN);
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/**
 * For an NLMSG_ERROR message: the positive errno it reports, 0 for an ACK.
 * Its payload is `int error` (negated errno) and the request's header.
 */
export function netlinkErrno(msg: NetlinkMessage): number {
  if (msg.type !== NLMSG_ERROR) throw new InvalidArgValueError('msg.type', msg.type, `must be NLMSG_ERROR (${NLMSG_ERROR})`);
  if (msg.payload.byteLength < 4) throw new TruncatedRecordError('nlmsgerr', 0, 4, msg.payload.byteLength);
  return -viewOf(msg.payload).getInt32(0, LITTLE_ENDIAN);
}
