/**
 * Just enough IPv4 and ICMP for the TUN test: parse a packet read from the
 * device, build an echo request/reply, and turn a request into the reply a
 * peer would send (addresses swapped, checksums recomputed).
 */
export interface Ipv4Packet {
  src: string;
  dst: string;
  protocol: number;
  ttl: number;
  /** After the IP header. */
  payload: Uint8Array;
}

const dotted = (b: Uint8Array): string => Array.from(b).join('.');

/** An IPv4 packet's fields, or null for anything else (IPv6, too short, bad lengths). */
export function ipv4Packet(b: Uint8Array): Ipv4Packet | null {
  if (b.byteLength < 20 || b[0]! >> 4 !== 4) return null;
  const ihl = (b[0]! & 0xf) * 4;
  const total = (b[2]! << 8) | b[3]!;
  if (ihl < 20 || total < ihl || total > b.byteLength) return null;
  return { src: dotted(b.subarray(12, 16)), dst: dotted(b.subarray(16, 20)), protocol: b[9]!, ttl: b[8]!, payload: b.subarray(ihl, total) };
}

/** The Internet checksum (RFC 1071) of `b`. */
export function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.byteLength; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP echo message: type 8 (request) or 0 (reply), with its checksum. */
export function icmpEcho(type: 0 | 8, id: number, seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.byteLength);
  const v = new DataView(m.buffer);
  m[0] = type;
  v.setUint16(4, id);
  v.setUint16(6, seq);
  m.set(data, 8);
  v.setUint16(2, checksum(m));
  return m;
}

/** An IPv4 packet from `to.dst` back to `to.src` carrying `payload` (protocol kept), header checksum set. */
export function ipv4Reply(to: Ipv4Packet, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + payload.byteLength);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.byteLength);
  p[8] = 64;
  p[9] = to.protocol;
  p.set(to.dst.split('.').map(Number), 12);
  p.set(to.src.split('.').map(Number), 16);
  v.setUint16(10, checksum(p.subarray(0, 20)));
  p.set(payload, 20);
  return p;
}
