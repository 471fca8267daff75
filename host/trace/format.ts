// The trace file format: every input a host gave the core, in order.
//
// The core is deterministic (same calls → same bytes of memory), so a list of
// its calls — with their arguments, the raw epoll_event bytes of each batch and
// the times the host passed in — is enough to rebuild its memory exactly on a
// fresh instance. Results are recorded too, so a replay can say where it
// diverged, and the recorder can append the sha256 of the memory it had
// ("hash" records) for the replay to compare against.
//
// All integers are little-endian. A file is a header then records:
//
//   header (HEADER_SIZE bytes, the size is stored so it can grow)
//   ├────────┬─────────┬──────────┬────────────────┬────────┬────────┬─────────────┬──────────────┬──────────┬────────────────────┤
//   │ magic  │ version │ hdr size │ layout version │ stride │ flavor │ event cap.  │ initial mem. │ reserved │ sha256 of the      │
//   │ "NPTR" │ u16     │ u16      │ u32 (core's)   │ u8     │ u8     │ u16         │ bytes, u32   │ u32 = 0  │ initial memory     │
//   └────────┴─────────┴──────────┴────────────────┴────────┴────────┴─────────────┴──────────────┴──────────┴────────────────────┘
//   +0       +4        +6         +8               +12      +13      +14           +16            +20        +24 … +56
//
//   stride: the epoll_event size of the recording machine (12 x86_64, 16
//   aarch64; each netpoll record also carries the stride it was called with).
//   flavor: 0 release, 1 debug build of the core. The initial-memory hash lets
//   a replay refuse a core build that starts from different bytes.
//
//   record: op u8, then its fields. Integers are LEB128 varints: "s32" is a
//   zigzag-encoded i32 (arguments are stored as the i32 the Wasm call
//   receives), "s64" a zigzag-encoded i64, "u" an unsigned varint. `now`
//   arguments are stored as the (wrapping) difference from the previous `now`
//   of any record, starting from 0. If bit 7 of op is set the call threw (a
//   core trap or a bad argument type) and no result follows.
//
//   op  call          fields
//    1  open          fd s32, result s32
//    2  seqOf         index s32, result s32
//    3  abandon       index s32, seq s32, result s32
//    4  checkErr      index s32, seq s32, mode s32, result s32
//    5  reset         index s32, seq s32, mode s32, result s32
//    6  prepareWait   index s32, seq s32, mode s32, result s32
//    7  commitWait    index s32, seq s32, mode s32, token s32, result s32
//    8  cancelWait    index s32, seq s32, mode s32, token s32, result s32
//    9  setDeadline   index s32, seq s32, mode s32, d s64, now Δs64, result s32
//   10  unblock       index s32, seq s32, result s32
//   11  close         index s32, seq s32, result s32
//   12  netpoll       count u, stride u, now Δs64, events (count × stride bytes when the core
//                     reads them: count ≤ event capacity and stride 12 or 16; else none), result s32
//   13  nextDeadline  result s64
//  112  hash          memory bytes u, sha256 (32 bytes) of the whole memory at this point
//  127  end           number of records before it, u. Written by finish(); a file without it
//                     was cut short (the recording did not finish).

import { CORE_CALLS, type CoreCall } from '../core/intercept.js';

export const TRACE_MAGIC = 0x5254504e; // "NPTR" little-endian
export const TRACE_VERSION = 1;
export const TRACE_HEADER_SIZE = 56;
export const HASH_BYTES = 32;

export const Op = {
  open: 1,
  seqOf: 2,
  abandon: 3,
  checkErr: 4,
  reset: 5,
  prepareWait: 6,
  commitWait: 7,
  cancelWait: 8,
  setDeadline: 9,
  unblock: 10,
  close: 11,
  netpoll: 12,
  nextDeadline: 13,
  hash: 112,
  end: 127,
} as const;

/** One op per core call (host/core/intercept.ts CORE_CALLS), plus the trace's own hash and end records. */
export type CallName = Exclude<keyof typeof Op, 'hash' | 'end'>;
export const THREW = 0x80;

type I32Call = Exclude<CallName, 'setDeadline' | 'netpoll' | 'nextDeadline'>;
/** Number of plain i32 arguments of each call (setDeadline and netpoll have their own encodings), from the core's export table. */
export const I32_ARGS = Object.fromEntries(
  (Object.keys(CORE_CALLS) as CoreCall[]).filter((c) => c !== 'setDeadline' && c !== 'netpoll' && c !== 'nextDeadline').map((c) => [c, CORE_CALLS[c].args.length]),
) as Record<I32Call, number>;
// The trace has an op for exactly the core's calls (checked by tsc).
const opPerCall: [Exclude<CoreCall, CallName>, Exclude<CallName, CoreCall>] extends [never, never] ? true : false = true;
void opPerCall;

export const OP_NAMES: Record<number, CallName | 'hash' | 'end'> = Object.fromEntries(
  Object.entries(Op).map(([k, v]) => [v, k as CallName | 'hash' | 'end']),
);

export type CoreFlavorCode = 0 | 1;

export interface TraceHeader {
  version: number;
  headerSize: number;
  layoutVersion: number;
  stride: number;
  flavor: 'release' | 'debug';
  eventCapacity: number;
  initialMemoryBytes: number;
  /** Hex sha256 of the core's memory before the first call. */
  initialHash: string;
}

/** How many event bytes the core reads for netpoll(count, stride) (mirrors the export's argument check). */
export { batchBytes as eventBytes } from '../core/epoll-abi.js';

export class TraceError extends Error {
  readonly code = 'ERR_NETPOLL_TRACE';
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

// ── varints ──────────────────────────────────────────────────────────────────

/** A growable byte buffer with the encodings above. */
export class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  uvar(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** Zigzag LEB128 of an i32. */
  s32(v: number): void {
    v |= 0;
    this.uvar(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zigzag LEB128 of an i64. */
  s64(v: bigint): void {
    let z = BigInt.asUintN(64, (BigInt.asIntN(64, v) << 1n) ^ (BigInt.asIntN(64, v) >> 63n));
    this.room(10);
    while (z >= 0x80n) {
      this.buf[this.length++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.length++] = Number(z);
  }

  /** The bytes written so far (a view; copy it if the writer goes on). */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Take the bytes written so far and start over (for streaming to a file). */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Bounds-checked reads of an untrusted trace; every failure is a TraceError naming the byte. */
export class ByteReader {
  private readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new TraceError(`the trace is truncated: ${what} at byte ${this.pos} needs ${n} byte${n === 1 ? '' : 's'}, ${this.bytes.length - this.pos} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An unsigned varint of at most 10 bytes, as a bigint below 2^64. */
  private varint(what: string): bigint {
    const start = this.pos;
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (shift >= 70n) throw new TraceError(`malformed varint for ${what} at byte ${start}: longer than 10 bytes`);
      const b = this.u8(what);
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    if (v >= 1n << 64n) throw new TraceError(`malformed varint for ${what} at byte ${start}: exceeds 64 bits`);
    return v;
  }

  /** An unsigned varint that must be ≤ max. */
  uvar(what: string, max: number): number {
    const at = this.pos;
    const v = this.varint(what);
    if (v > BigInt(max)) throw new TraceError(`${what} at byte ${at} is ${v}, more than ${max}`);
    return Number(v);
  }

  s32(what: string): number {
    const at = this.pos;
    const z = this.varint(what);
    if (z > 0xffffffffn) throw new TraceError(`${what} at byte ${at} does not fit in 32 bits`);
    const n = Number(z);
    return (n >>> 1) ^ -(n & 1);
  }

  s64(what: string): bigint {
    const z = this.varint(what);
    return BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
