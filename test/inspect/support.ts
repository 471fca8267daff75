// Real snapshots for the decoder tests, and helpers to forge broken ones.

import { loadCore } from '../../host/core/load.js';
import type { CoreExports } from '../../host/core/abi.js';
import { HEADER_ANCHOR, SNAPSHOT_HEADER_BASE } from '../../host/core/layout.js';

export const H = SNAPSHOT_HEADER_BASE;

function snap(core: CoreExports): Uint8Array {
  return new Uint8Array(core.memory.buffer.slice(0));
}

/** A few descriptors: a parked waiter, timers of every kind, a closed (freed) descriptor, a closing one. */
export function smallSnapshot(): Uint8Array {
  const core = loadCore();
  const a = core.open(10), sa = core.seqOf(a);
  const b = core.open(11), sb = core.seqOf(b);
  const c = core.open(12), sc = core.seqOf(c);
  const d = core.open(13), sd = core.seqOf(d);
  core.prepareWait(a, sa, 1);
  core.commitWait(a, sa, 1, 77);
  core.setDeadline(a, sa, 3, 1000n, 10n);
  core.setDeadline(b, sb, 1, 500n, 10n);
  core.setDeadline(b, sb, 2, 700n, 10n);
  core.unblock(c, sc);
  core.close(c, sc);
  core.unblock(d, sd);
  return snap(core);
}

/** Two descriptor blocks and two timer blocks. */
export function bigSnapshot(): Uint8Array {
  const core = loadCore();
  for (let k = 0; k < 140; k++) {
    const i = core.open(1000 + k), s = core.seqOf(i);
    core.setDeadline(i, s, 1, BigInt(100 + ((k * 37) % 500)), 5n);
    core.setDeadline(i, s, 2, BigInt(101 + ((k * 91) % 700)), 5n);
    if (k % 3 === 0) {
      core.prepareWait(i, s, 2);
      core.commitWait(i, s, 2, 1000 + k);
    }
    if (k % 5 === 0) {
      core.unblock(i, s);
      if (k % 3 !== 0) core.close(i, s);
    }
  }
  return snap(core);
}

export function freshSnapshot(): Uint8Array {
  return snap(loadCore());
}

/** Little-endian u32 access to a snapshot. */
export function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

export function setU32(bytes: Uint8Array, at: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, v >>> 0, true);
}

/** Where the layout table says things are: group.name → { value, size, at (address of the entry's value word) }. */
export function layoutEntries(bytes: Uint8Array): Map<string, { value: number; size: number; at: number }> {
  const table = u32(bytes, H + HEADER_ANCHOR.layoutOffset);
  const count = u32(bytes, table);
  const size = u32(bytes, table + 4);
  const out = new Map<string, { value: number; size: number; at: number }>();
  const text = (at: number, n: number): string => {
    let s = '';
    for (let i = 0; i < n && bytes[at + i] !== 0; i++) s += String.fromCharCode(bytes[at + i]!);
    return s;
  };
  for (let i = 0; i < count; i++) {
    const e = table + 8 + i * size;
    out.set(`${text(e, 8)}.${text(e + 8, 16)}`, { value: u32(bytes, e + 24), size: u32(bytes, e + 28), at: e + 24 });
  }
  return out;
}

/** Address of a header field, by name. */
export function headerField(bytes: Uint8Array, name: string): number {
  const e = layoutEntries(bytes).get(`header.${name}`);
  if (!e) throw new Error(`no header.${name}`);
  return H + e.value;
}

/** Address of descriptor `index`'s record. */
export function descAddr(bytes: Uint8Array, index: number): number {
  const perBlock = u32(bytes, headerField(bytes, 'descPerBlock'));
  const size = u32(bytes, headerField(bytes, 'descSize'));
  const dir = u32(bytes, headerField(bytes, 'descDirOffset'));
  return u32(bytes, dir + Math.floor(index / perBlock) * 4) + (index % perBlock) * size;
}

/** Address of heap slot `slot`'s record. */
export function timerAddr(bytes: Uint8Array, slot: number): number {
  const perBlock = u32(bytes, headerField(bytes, 'timerPerBlock'));
  const size = u32(bytes, headerField(bytes, 'timerSize'));
  const dir = u32(bytes, headerField(bytes, 'timerDirOffset'));
  return u32(bytes, dir + Math.floor(slot / perBlock) * 4) + (slot % perBlock) * size;
}

/** Byte ranges worth mutating: header, layout table, directories' first entries, the blocks in use. */
export function interestingRanges(bytes: Uint8Array): [number, number][] {
  const r: [number, number][] = [[H, H + u32(bytes, H + HEADER_ANCHOR.headerSize)]];
  const table = u32(bytes, H + HEADER_ANCHOR.layoutOffset);
  r.push([table, table + 8 + u32(bytes, table) * u32(bytes, table + 4)]);
  const descDir = u32(bytes, headerField(bytes, 'descDirOffset'));
  const timerDir = u32(bytes, headerField(bytes, 'timerDirOffset'));
  const descBlocks = u32(bytes, headerField(bytes, 'descBlocks'));
  const timerBlocks = u32(bytes, headerField(bytes, 'timerBlocks'));
  r.push([descDir, descDir + Math.max(4, descBlocks * 4)]);
  r.push([timerDir, timerDir + Math.max(4, timerBlocks * 4)]);
  for (let b = 0; b < descBlocks; b++) {
    const base = u32(bytes, descDir + b * 4);
    r.push([base, base + u32(bytes, headerField(bytes, 'descPerBlock')) * u32(bytes, headerField(bytes, 'descSize'))]);
  }
  for (let b = 0; b < timerBlocks; b++) {
    const base = u32(bytes, timerDir + b * 4);
    r.push([base, base + u32(bytes, headerField(bytes, 'timerPerBlock')) * u32(bytes, headerField(bytes, 'timerSize'))]);
  }
  return r;
}
