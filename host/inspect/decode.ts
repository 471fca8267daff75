// decodeSnapshot: core memory → Inspection, driven only by the layout stored
// in the snapshot (see host/core/layout.ts), followed by the structural checks of
// invariants.ts. Unreadable input throws SnapshotError; readable input with
// broken invariants comes back with `violations` filled in.

import { Reader, LayoutTable, SnapshotError, readCoreLayout, HEADER_ANCHOR, SNAPSHOT_HEADER_BASE, SNAPSHOT_MAGIC, SUPPORTED_VERSIONS } from '../core/layout.js';
import type { Inspection, DescriptorView, TimerView, SemaState, Counters, LayoutView, TimerKindName, FreeListWalk } from './types.js';
import { checkInvariants } from './invariants.js';
import { ownView } from './own-view.js';

export { SnapshotError } from '../core/layout.js';

/** Bytes checkSnapshotHeader reads: everything before the header, then magic, version, size, table address. */
export const SNAPSHOT_HEADER_END = SNAPSHOT_HEADER_BASE + HEADER_ANCHOR.size;

/**
 * The largest snapshot that can be real: a core's memory is its fixed regions
 * (under 256 KiB above the header) plus, at most, MAX_DESCRIPTORS 64-byte
 * descriptors and MAX_TIMERS 16-byte heap entries: about 96.3 MiB. A reader
 * may refuse anything longer unread (test/cli holds this bound against a live
 * core's own layout).
 */
export const MAX_SNAPSHOT_BYTES = 128 << 20;

/** The start of a snapshot (at least SNAPSHOT_HEADER_END bytes): magic and version, or SnapshotError. */
export function checkSnapshotHeader(bytes: Uint8Array): void {
  const r = new Reader(bytes);
  const h = SNAPSHOT_HEADER_BASE;
  if (bytes.byteLength < SNAPSHOT_HEADER_END) {
    throw new SnapshotError(`not a netpoll snapshot: ${bytes.byteLength} bytes is too short (the header starts at byte ${h})`);
  }
  const magic = r.u32(h + HEADER_ANCHOR.magic, 'header magic');
  if (magic !== SNAPSHOT_MAGIC) {
    throw new SnapshotError(`not a netpoll snapshot: magic 0x${magic.toString(16).padStart(8, '0')} at byte ${h}, expected 0x${SNAPSHOT_MAGIC.toString(16)} ("NPWM")`);
  }
  const version = r.u32(h + HEADER_ANCHOR.version, 'header version');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new SnapshotError(`snapshot layout version ${version} is not supported (this decoder reads ${SUPPORTED_VERSIONS.join(', ')})`);
  }
}

export function decodeSnapshot(input: Uint8Array): Inspection {
  const bytes = ownView(input);
  if (!bytes) throw new SnapshotError('a snapshot must be a Uint8Array over readable memory (not a Proxy, another view, or a detached buffer)');
  checkSnapshotHeader(bytes);
  const r = new Reader(bytes);
  const h = SNAPSHOT_HEADER_BASE;
  const magic = r.u32(h + HEADER_ANCHOR.magic, 'header magic');
  const version = r.u32(h + HEADER_ANCHOR.version, 'header version');
  const table = readCoreLayout(bytes, h);
  const hdr = (name: string): number => r.u32(h + table.get('header', name), `header.${name}`);
  const hdr64 = (name: string): bigint => r.i64(h + table.get('header', name), `header.${name}`);

  const geo = geometry(r, table, hdr);
  const counters: Counters = {
    inUse: hdr('inUse'),
    waiters: hdr('waiters'),
    timers: hdr('timers'),
    staleEvents: hdr('staleEvents'),
    eventsSeen: hdr('eventsSeen'),
    wakeups: hdr('wakeups'),
    timersFired: hdr('timersFired'),
    inconsistent: hdr('inconsistent'),
    readyLength: hdr('readyLength'),
    descBlocks: geo.descBlocks,
    timerBlocks: geo.timerBlocks,
    nextWhen: hdr64('nextWhen').toString(),
  };
  const consts = constants(table);
  // Every check that can refuse the snapshot runs before the bulk decoding: a refused input costs no records.
  const descOff = descOffsets(table, geo);
  const timerOff = timerOffsets(table, geo, counters.timers);
  const descriptors = decodeDescriptors(r, descOff, geo, consts);
  const timers = decodeTimers(r, timerOff, geo, consts, counters.timers);
  const reservedDirty = dirtyReserved(r, table, geo);
  const vacatedDirty = dirtyVacated(r, geo, counters.timers);
  const freeList = walkFreeList(descriptors, hdr('freeHead'));
  const layout: LayoutView = {
    magic,
    version,
    headerBase: h,
    descSize: geo.descSize,
    descPerBlock: geo.descPerBlock,
    timerSize: geo.timerSize,
    timerPerBlock: geo.timerPerBlock,
    table: table.groups,
  };
  const inspection: Inspection = {
    layout,
    counters,
    descriptors,
    freeList: freeList.order,
    timers,
    waiters: counters.waiters,
    violations: [],
  };
  inspection.violations = checkInvariants(inspection, { walk: freeList, reservedDirty, vacatedDirty });
  return inspection;
}

interface Geometry {
  descSize: number;
  descPerBlock: number;
  descBlocks: number;
  descDir: number;
  timerSize: number;
  timerPerBlock: number;
  timerBlocks: number;
  timerDir: number;
  /** Block addresses, read and checked (in range, disjoint) by geometry(). */
  descBase: number[];
  timerBase: number[];
}

/**
 * Region geometry, checked so that decoding is bounded by the snapshot's
 * size: every directory entry read must lie inside it and the number of
 * records cannot exceed what the bytes could hold.
 */
function geometry(r: Reader, table: LayoutTable, hdr: (name: string) => number): Geometry {
  const g: Geometry = {
    descSize: hdr('descSize'),
    descPerBlock: hdr('descPerBlock'),
    descBlocks: hdr('descBlocks'),
    descDir: hdr('descDirOffset'),
    timerSize: hdr('timerSize'),
    timerPerBlock: hdr('timerPerBlock'),
    timerBlocks: hdr('timerBlocks'),
    timerDir: hdr('timerDirOffset'),
    descBase: [],
    timerBase: [],
  };
  for (const [name, v] of [['descSize', g.descSize], ['timerSize', g.timerSize]] as const) {
    if (v < 16 || v > 4096) throw new SnapshotError(`header.${name} = ${v} is not a plausible record size`);
  }
  for (const [name, v] of [['descPerBlock', g.descPerBlock], ['timerPerBlock', g.timerPerBlock]] as const) {
    if (v < 1 || v > 65536) throw new SnapshotError(`header.${name} = ${v} is not a plausible block size`);
  }
  if (g.descBlocks > hdr('descDirCapacity')) throw new SnapshotError(`header.descBlocks ${g.descBlocks} exceeds the directory capacity`);
  if (g.timerBlocks > hdr('timerDirCapacity')) throw new SnapshotError(`header.timerBlocks ${g.timerBlocks} exceeds the directory capacity`);
  if (g.descBlocks * g.descPerBlock * g.descSize > r.length) throw new SnapshotError(`header claims ${g.descBlocks} descriptor blocks, more than the snapshot holds`);
  if (g.timerBlocks * g.timerPerBlock * g.timerSize > r.length) throw new SnapshotError(`header claims ${g.timerBlocks} timer blocks, more than the snapshot holds`);
  if (g.descBlocks * g.descPerBlock > MAX_DESCRIPTORS) throw new SnapshotError(`header claims ${g.descBlocks * g.descPerBlock} descriptors; this decoder reads at most ${MAX_DESCRIPTORS}`);
  if (g.timerBlocks * g.timerPerBlock > MAX_TIMERS) throw new SnapshotError(`header claims ${g.timerBlocks * g.timerPerBlock} timer slots; this decoder reads at most ${MAX_TIMERS}`);
  r.check(g.descDir, g.descBlocks * 4, 'descriptor directory');
  r.check(g.timerDir, g.timerBlocks * 4, 'timer directory');
  g.descBase = blockAddresses(r, g.descDir, g.descBlocks, g.descPerBlock * g.descSize, 'descriptor');
  g.timerBase = blockAddresses(r, g.timerDir, g.timerBlocks, g.timerPerBlock * g.timerSize, 'timer');
  // The core carves every block from one bump area and never reuses one: blocks are disjoint. A forged
  // directory pointing many entries at one block would multiply the output without growing the input.
  const blocks = [
    ...g.descBase.map((at) => [at, g.descPerBlock * g.descSize] as const),
    ...g.timerBase.map((at) => [at, g.timerPerBlock * g.timerSize] as const),
  ].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < blocks.length; i++) {
    const [prevAt, prevLen] = blocks[i - 1]!;
    if (blocks[i]![0] < prevAt + prevLen) throw new SnapshotError(`blocks at ${prevAt} and ${blocks[i]![0]} overlap: the directories are corrupt`);
  }
  void table;
  return g;
}

/** The core's own limits (directory capacities × block sizes); a decoder reading more is being fed a forgery. */
const MAX_DESCRIPTORS = 1 << 20;
const MAX_TIMERS = 1 << 21;

function blockAddresses(r: Reader, dir: number, count: number, bytes: number, what: string): number[] {
  const out: number[] = [];
  for (let b = 0; b < count; b++) {
    const at = r.u32(dir + b * 4, `${what} directory entry ${b}`);
    r.check(at, bytes, `${what} block ${b}`);
    out.push(at);
  }
  return out;
}

interface Consts {
  infoClosing: number; infoEventErr: number; infoExpiredRead: number; infoExpiredWrite: number;
  infoSeqShift: number; infoSeqMask: number;
  flagAllocated: number; flagClosing: number; flagRrun: number; flagWrun: number;
  pdNil: number; pdReady: number; pdWait: number;
  timerKindBits: number; kindR: number; kindW: number; kindRW: number;
}

function constants(table: LayoutTable): Consts {
  const names: (keyof Consts)[] = [
    'infoClosing', 'infoEventErr', 'infoExpiredRead', 'infoExpiredWrite', 'infoSeqShift', 'infoSeqMask',
    'flagAllocated', 'flagClosing', 'flagRrun', 'flagWrun', 'pdNil', 'pdReady', 'pdWait',
    'timerKindBits', 'kindR', 'kindW', 'kindRW',
  ];
  const c = {} as Consts;
  for (const n of names) c[n] = table.get('const', n);
  if (c.infoSeqShift > 31 || c.timerKindBits > 31) throw new SnapshotError('layout constants out of range');
  return c;
}

function sema(v: number, c: Consts): SemaState {
  if (v === c.pdNil) return { state: 'nil' };
  if (v === c.pdReady) return { state: 'ready' };
  if (v === c.pdWait) return { state: 'wait' };
  return { state: 'waiter', token: v };
}

function descOffsets(t: LayoutTable, g: Geometry) {
  const size = g.descSize;
  const off = {
    link: t.field('desc', 'link', 4, size), fd: t.field('desc', 'fd', 4, size), fdseq: t.field('desc', 'fdseq', 4, size),
    info: t.field('desc', 'info', 4, size), rg: t.field('desc', 'rg', 4, size), wg: t.field('desc', 'wg', 4, size),
    rseq: t.field('desc', 'rseq', 4, size), wseq: t.field('desc', 'wseq', 4, size),
    rd: t.field('desc', 'rd', 8, size), wd: t.field('desc', 'wd', 8, size),
    rslot: t.field('desc', 'rslot', 4, size), wslot: t.field('desc', 'wslot', 4, size), flags: t.field('desc', 'flags', 4, size),
  };
  disjoint('desc', off, { rd: 8, wd: 8 });
  return off;
}

function decodeDescriptors(r: Reader, off: ReturnType<typeof descOffsets>, g: Geometry, c: Consts): DescriptorView[] {
  const size = g.descSize;
  const out: DescriptorView[] = [];
  for (let b = 0; b < g.descBlocks; b++) {
    const base = g.descBase[b]!;
    for (let k = 0; k < g.descPerBlock; k++) {
      const at = base + k * size;
      const flags = r.u32(at + off.flags, 'desc.flags');
      const info = r.u32(at + off.info, 'desc.info');
      const closing = (flags & c.flagClosing) !== 0;
      const allocated = (flags & c.flagAllocated) !== 0;
      out.push({
        index: b * g.descPerBlock + k,
        state: !allocated ? 'free' : closing ? 'closing' : 'open',
        fd: r.i32(at + off.fd, 'desc.fd'),
        fdseq: r.u32(at + off.fdseq, 'desc.fdseq'),
        closing,
        eventErr: (info & c.infoEventErr) !== 0,
        expiredRead: (info & c.infoExpiredRead) !== 0,
        expiredWrite: (info & c.infoExpiredWrite) !== 0,
        infoSeq: (info >>> c.infoSeqShift) & c.infoSeqMask,
        infoClosing: (info & c.infoClosing) !== 0,
        rg: sema(r.u32(at + off.rg, 'desc.rg'), c),
        wg: sema(r.u32(at + off.wg, 'desc.wg'), c),
        rseq: r.u32(at + off.rseq, 'desc.rseq'),
        wseq: r.u32(at + off.wseq, 'desc.wseq'),
        rd: r.i64(at + off.rd, 'desc.rd').toString(),
        wd: r.i64(at + off.wd, 'desc.wd').toString(),
        rrun: (flags & c.flagRrun) !== 0,
        wrun: (flags & c.flagWrun) !== 0,
        rslot: r.u32(at + off.rslot, 'desc.rslot'),
        wslot: r.u32(at + off.wslot, 'desc.wslot'),
        link: r.u32(at + off.link, 'desc.link'),
      });
    }
  }
  return out;
}

/**
 * The fields of a record must not overlap. Besides catching a forged layout
 * table, this bounds the decoder's output by its input: a record is at least
 * as large as its fields, so a snapshot of n bytes yields at most n / 60
 * descriptors (n / 16 heap entries), whatever the header claims.
 */
function disjoint(group: string, off: Record<string, number>, wide: Record<string, number>): void {
  const spans = Object.entries(off).map(([name, at]) => ({ name, at, end: at + (wide[name] ?? 4) })).sort((a, b) => a.at - b.at);
  for (let i = 1; i < spans.length; i++) {
    const a = spans[i - 1]!, b = spans[i]!;
    if (b.at < a.end) throw new SnapshotError(`layout fields ${group}.${a.name} (+${a.at}) and ${group}.${b.name} (+${b.at}) overlap`);
  }
}

function kindName(kind: number, c: Consts): TimerKindName | null {
  if (kind === c.kindR) return 'r';
  if (kind === c.kindW) return 'w';
  if (kind === c.kindRW) return 'rw';
  return null;
}

function timerOffsets(t: LayoutTable, g: Geometry, length: number) {
  const size = g.timerSize;
  const capacity = g.timerBlocks * g.timerPerBlock;
  if (length > capacity) throw new SnapshotError(`header.timers ${length} exceeds the heap capacity ${capacity}`);
  const off = { when: t.field('timer', 'when', 8, size), ref: t.field('timer', 'ref', 4, size), seq: t.field('timer', 'seq', 4, size) };
  disjoint('timer', off, { when: 8 });
  return off;
}

function decodeTimers(r: Reader, off: ReturnType<typeof timerOffsets>, g: Geometry, c: Consts, length: number): TimerView[] {
  const size = g.timerSize;
  const mask = (1 << c.timerKindBits) - 1;
  const out: TimerView[] = [];
  const blockBase = g.timerBase;
  for (let j = 0; j < length; j++) {
    const at = blockBase[Math.floor(j / g.timerPerBlock)]! + (j % g.timerPerBlock) * size;
    const ref = r.u32(at + off.ref, 'timer.ref');
    out.push({
      slot: j,
      when: r.i64(at + off.when, 'timer.when').toString(),
      desc: ref >>> c.timerKindBits,
      kind: kindName(ref & mask, c) ?? (`?${ref & mask}` as TimerKindName),
      seq: r.u32(at + off.seq, 'timer.seq'),
    });
  }
  return out;
}

/** Reports are capped per rule; the scans stop a little past the cap. */
const DIRTY_CAP = 32;

/**
 * Descriptors whose bytes outside every named field (the record's reserved
 * word) are not zero. The named spans come from the layout table, so the
 * reserved bytes are whatever the table does not describe.
 */
function dirtyReserved(r: Reader, t: LayoutTable, g: Geometry): number[] {
  const named = new Uint8Array(g.descSize);
  for (const [name, e] of Object.entries(t.groups['desc'] ?? {})) {
    t.field('desc', name, e.size, g.descSize);
    named.fill(1, e.value, e.value + e.size);
  }
  const gaps: number[] = [];
  for (let i = 0; i < g.descSize; i++) if (!named[i]) gaps.push(i);
  const out: number[] = [];
  if (gaps.length === 0) return out;
  for (let b = 0; b < g.descBlocks && out.length < DIRTY_CAP; b++) {
    for (let k = 0; k < g.descPerBlock; k++) {
      const at = g.descBase[b]! + k * g.descSize; // inside a block geometry() checked
      if (gaps.some((i) => r.bytes[at + i] !== 0)) out.push(b * g.descPerBlock + k);
    }
  }
  return out;
}

/** Heap slots in [length, capacity) whose record is not all zero (the core clears a slot it vacates). */
function dirtyVacated(r: Reader, g: Geometry, length: number): number[] {
  const out: number[] = [];
  const capacity = g.timerBlocks * g.timerPerBlock;
  for (let j = length; j < capacity && out.length < DIRTY_CAP; j++) {
    const at = g.timerBase[Math.floor(j / g.timerPerBlock)]! + (j % g.timerPerBlock) * g.timerSize;
    for (let i = 0; i < g.timerSize; i++) {
      if (r.bytes[at + i] !== 0) {
        out.push(j);
        break;
      }
    }
  }
  return out;
}

/** Follow link from the head; bounded by the descriptor count, so a forged cycle cannot hang it. */
function walkFreeList(descs: DescriptorView[], head: number): FreeListWalk {
  const seen = new Uint8Array(descs.length);
  const order: number[] = [];
  let next = head;
  while (next !== 0) {
    const index = next - 1;
    if (index >= descs.length) return { order, problem: { rule: 'free-list-range', at: index } };
    if (seen[index]) return { order, problem: { rule: 'free-list-cycle', at: index } };
    seen[index] = 1;
    order.push(index);
    next = descs[index]!.link;
  }
  return { order, problem: null };
}
