/**
 * Building and reading rtattr values for NETLINK_ROUTE requests and replies
 * (framing in netlink.ts). An encoded attribute is its 4-byte header, its
 * data and zero padding to 4; a nested attribute's data is more attributes.
 *
 * The readers take an attribute's data as the kernel sent it and check its
 * length first: a value of the wrong size is `undefined`, never a read past
 * the data.
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { InvalidArgValueError, OutOfRangeError, checkInteger } from '../os/args.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../os/socket-abi.js';
import { ipText } from './ip-address.js';
import { NLM_F_DUMP, NLM_F_REQUEST, RTA_HDRLEN, encodeNetlinkMessage, nlmsgAlign } from './netlink.js';

const MAX_RTA_LEN = 0xffff; // rta_len is a u16

/** One attribute: header + data + padding. `data` is bytes, or attributes to nest. */
export function rtattr(type: number, data: Uint8Array | Uint8Array[]): Uint8Array {
  checkInteger(type, 'attribute type', 0, 0xffff);
  const body = Array.isArray(data) ? concatBytes(data) : data;
  const len = RTA_HDRLEN + body.byteLength;
  if (len > MAX_RTA_LEN) throw new OutOfRangeError('attribute data length', `at most ${MAX_RTA_LEN - RTA_HDRLEN} bytes`, body.byteLength);
  const out = new Uint8Array(nlmsgAlign(len));
  const view = new DataView(out.buffer);
  view.setUint16(0, len, LITTLE_ENDIAN);
  view.setUint16(2, type, LITTLE_ENDIAN);
  out.set(body, RTA_HDRLEN);
  return out;
}

export function rtattrU32(type: number, value: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, checkInteger(value, 'attribute value', 0, 0xffff_ffff), LITTLE_ENDIAN);
  return rtattr(type, data);
}

/** A NUL-terminated string attribute (IFLA_IFNAME, IFA_LABEL, IFLA_INFO_KIND, …). */
export function rtattrString(type: number, value: string): Uint8Array {
  return rtattr(type, Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

// --- readers (data as the kernel sent it) ---

export function attrU8(data: Uint8Array): number | undefined {
  return data.byteLength >= 1 ? data[0] : undefined;
}

export function attrU32(data: Uint8Array): number | undefined {
  return data.byteLength >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0, LITTLE_ENDIAN) : undefined;
}

/** Up to the first NUL (or the whole data if there is none). */
export function attrString(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return Buffer.from(nul < 0 ? data : data.subarray(0, nul)).toString('utf8');
}

/** An IPv4 or IPv6 address attribute; undefined when the data is neither 4 nor 16 bytes. */
export function attrIp(data: Uint8Array): string | undefined {
  return ipText(data) ?? undefined;
}

/** A hardware address as 'aa:bb:cc:…'. */
export function attrMac(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(':');
}

// --- address families as the rtnetlink records name them ---

export type FamilyName = 'inet' | 'inet6';

/** AF_INET / AF_INET6 for 'inet' / 'inet6', AF_UNSPEC (every family) for undefined; InvalidArgValueError otherwise. */
export function familyNumber(family: FamilyName | undefined): number {
  if (family === undefined) return AF_UNSPEC;
  if (family === 'inet') return AF_INET;
  if (family === 'inet6') return AF_INET6;
  throw new InvalidArgValueError('family', family, "must be 'inet' or 'inet6'");
}

/** 'inet' / 'inet6', or the number for any other family. */
export function familyName(af: number): FamilyName | number {
  return af === AF_INET ? 'inet' : af === AF_INET6 ? 'inet6' : af;
}

/**
 * An RTM_GET* dump whose request header (`headerSize` bytes: ifaddrmsg,
 * rtmsg, ndmsg) starts with the address family and is otherwise zero:
 * every entry, or one family's ('inet' / 'inet6').
 */
export function familyDumpRequest(type: number, headerSize: number, seq: number, family?: FamilyName): Uint8Array {
  const payload = new Uint8Array(headerSize);
  payload[0] = familyNumber(family);
  return encodeNetlinkMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload });
}
