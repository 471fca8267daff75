// Reading an untrusted trace: header, then records one at a time. Every read
// is bounds-checked (format.ts ByteReader), every count is capped by what the
// remaining bytes could hold, so a malformed file costs time and memory in
// proportion to its size and ends in a TraceError naming the byte.

import {
  ByteReader, TraceError, Op, OP_NAMES, THREW, I32_ARGS, TRACE_MAGIC, TRACE_VERSION, TRACE_HEADER_SIZE, HASH_BYTES,
  eventBytes, hex, type CallName, type TraceHeader,
} from './format.js';
import { ownView } from '../inspect/own-view.js';

/** A plain view of an untrusted trace argument (see own-view.ts), or TraceError. */
function traceBytes(input: Uint8Array): Uint8Array {
  const bytes = ownView(input);
  if (!bytes) throw new TraceError('a trace must be a Uint8Array over readable memory (not a Proxy, another view, or a detached buffer)');
  return bytes;
}

export type TraceRecord =
  | { kind: 'call'; n: number; at: number; call: CallName; threw: boolean; args: number[]; d?: bigint; now?: bigint; events?: Uint8Array; result?: number | bigint }
  | { kind: 'hash'; n: number; at: number; memoryBytes: number; hash: string }
  | { kind: 'end'; n: number; at: number; count: number };

/** Bytes checkTraceStart reads: magic, format version, header size. */
export const TRACE_START_BYTES = 8;

/** The first TRACE_START_BYTES of a trace: magic and format version, or TraceError. A reader can refuse a file from these alone. */
export function checkTraceStart(input: Uint8Array): void {
  const bytes = traceBytes(input);
  const r = new ByteReader(bytes);
  if (bytes.length < TRACE_START_BYTES) throw new TraceError(`not a netpoll trace: ${bytes.length} bytes is shorter than the header`);
  const magic = r.u32('magic');
  if (magic !== TRACE_MAGIC) {
    throw new TraceError(`not a netpoll trace: magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${TRACE_MAGIC.toString(16)} ("NPTR")`);
  }
  const version = r.u16('format version');
  if (version !== TRACE_VERSION) throw new TraceError(`trace format version ${version} is not supported (this reader reads ${TRACE_VERSION})`);
}

export function readTraceHeader(input: Uint8Array): TraceHeader {
  const bytes = traceBytes(input);
  checkTraceStart(bytes);
  const r = new ByteReader(bytes);
  r.pos = 6;
  const version = TRACE_VERSION;
  const headerSize = r.u16('header size');
  if (headerSize < TRACE_HEADER_SIZE) throw new TraceError(`trace header size ${headerSize} is below ${TRACE_HEADER_SIZE}`);
  if (headerSize > bytes.length) throw new TraceError(`the trace is truncated: its header needs ${headerSize} bytes, the file has ${bytes.length}`);
  const layoutVersion = r.u32('layout version');
  const stride = r.u8('stride');
  const flavorCode = r.u8('core flavor');
  if (flavorCode > 1) throw new TraceError(`unknown core flavor ${flavorCode} in the trace header (0 release, 1 debug)`);
  const eventCapacity = r.u16('event capacity');
  const initialMemoryBytes = r.u32('initial memory size');
  r.u32('reserved');
  const initialHash = hex(r.take(HASH_BYTES, 'initial memory hash'));
  return { version, headerSize, layoutVersion, stride, flavor: flavorCode === 1 ? 'debug' : 'release', eventCapacity, initialMemoryBytes, initialHash };
}

/**
 * The records of a trace, in order. Throws TraceError at the first malformed
 * byte (so a consumer has seen every record before it). After an end record
 * nothing may follow.
 */
export function* traceRecords(input: Uint8Array, header: TraceHeader = readTraceHeader(input)): Generator<TraceRecord> {
  const bytes = traceBytes(input);
  const r = new ByteReader(bytes);
  r.pos = header.headerSize;
  let lastNow = 0n;
  let n = 0;
  const now = (): bigint => (lastNow = BigInt.asIntN(64, lastNow + r.s64('now')));
  while (!r.done) {
    const at = r.pos;
    const byte = r.u8('record op');
    const threw = (byte & THREW) !== 0;
    const op = byte & ~THREW;
    const name = OP_NAMES[op];
    if (name === undefined) throw new TraceError(`unknown record op ${byte} at byte ${at} (record ${n})`);
    if (name === 'end') {
      if (threw) throw new TraceError(`malformed end record at byte ${at}`);
      const count = r.uvar('end record count', Number.MAX_SAFE_INTEGER);
      if (count !== n) throw new TraceError(`the end record at byte ${at} counts ${count} records, the trace has ${n}`);
      if (!r.done) throw new TraceError(`${bytes.length - r.pos} bytes follow the end record at byte ${at}`);
      yield { kind: 'end', n, at, count };
      return;
    }
    if (name === 'hash') {
      if (threw) throw new TraceError(`malformed hash record at byte ${at}`);
      const memoryBytes = r.uvar('hash memory size', 2 ** 32);
      const hash = hex(r.take(HASH_BYTES, 'hash'));
      yield { kind: 'hash', n: n++, at, memoryBytes, hash };
      continue;
    }
    const rec: TraceRecord & { kind: 'call' } = { kind: 'call', n, at, call: name, threw, args: [] };
    if (name === 'setDeadline') {
      for (const what of ['index', 'seq', 'mode']) rec.args.push(r.s32(`setDeadline ${what}`));
      rec.d = r.s64('setDeadline d');
      rec.now = now();
      if (!threw) rec.result = r.s32('setDeadline result');
    } else if (name === 'netpoll') {
      const count = r.uvar('netpoll count', 0xffffffff);
      const stride = r.uvar('netpoll stride', 0xffffffff);
      rec.args.push(count, stride);
      rec.now = now();
      const size = eventBytes(count, stride, header.eventCapacity);
      if (size > 0) rec.events = r.take(size, `netpoll events (${count} × ${stride} bytes)`);
      if (!threw) rec.result = r.s32('netpoll result');
    } else if (name === 'nextDeadline') {
      if (!threw) rec.result = r.s64('nextDeadline result');
    } else {
      const argc = I32_ARGS[name];
      for (let i = 0; i < argc; i++) rec.args.push(r.s32(`${name} argument ${i}`));
      if (!threw) rec.result = r.s32(`${name} result`);
    }
    n++;
    yield rec;
  }
}

export interface TraceSummary {
  header: TraceHeader;
  /** Records, hash records included, the end record not. */
  records: number;
  calls: Partial<Record<CallName, number>>;
  netpollEvents: number;
  hashes: number;
  /** An end record closes the trace (the recording finished). */
  ended: boolean;
}

/** Read the whole trace once, checking every record; throws TraceError for a malformed one. */
export function summarizeTrace(bytes: Uint8Array): TraceSummary {
  const header = readTraceHeader(bytes);
  const s: TraceSummary = { header, records: 0, calls: {}, netpollEvents: 0, hashes: 0, ended: false };
  for (const rec of traceRecords(bytes, header)) {
    if (rec.kind === 'end') {
      s.ended = true;
      break;
    }
    s.records++;
    if (rec.kind === 'hash') {
      s.hashes++;
      continue;
    }
    s.calls[rec.call] = (s.calls[rec.call] ?? 0) + 1;
    if (rec.call === 'netpoll' && rec.events) s.netpollEvents += rec.args[0]!;
  }
  return s;
}

export { Op };
