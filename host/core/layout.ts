// The core's memory layout as the host reads it: bounds-checked reads of
// core memory (live, or an untrusted snapshot) and the layout table.
//
// Only four facts are fixed (HEADER_BASE and the anchor words at its start:
// magic, version, header size, layout-table address; assembly/layout.ts
// H_MAGIC … H_LAYOUT_OFF). Every other header offset, region address, record
// size and field offset is read by name from the layout table the core
// writes into its own memory (assembly/layout_table.ts), so the engine, the
// decoder, the trace tools and the tests never restate one. Every read is
// checked against the memory's length, so a truncated or forged snapshot
// yields a SnapshotError, never a RangeError.

import type { WasmMemory } from './wasm.js';

export const SNAPSHOT_HEADER_BASE = 0x10000;
export const SNAPSHOT_MAGIC = 0x4d57504e; // "NPWM"
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Offsets of the anchor words from the header's start: all a reader needs before it has the layout table. */
export const HEADER_ANCHOR = {
  magic: 0,
  version: 4,
  headerSize: 8,
  layoutOffset: 12,
  /** Bytes of the anchor: a memory shorter than header + this cannot hold a header. */
  size: 16,
} as const;

/** The layout version word of a live core (its `header.version`). */
export function layoutVersionOf(memory: WasmMemory, header: number): number {
  return new DataView(memory.buffer).getUint32(header + HEADER_ANCHOR.version, true);
}

/** The layout table of memory whose header starts at `header` (a live core's headerOffset(), or SNAPSHOT_HEADER_BASE). */
export function readCoreLayout(bytes: Uint8Array, header: number): LayoutTable {
  const r = new Reader(bytes);
  return readLayoutTable(r, r.u32(header + HEADER_ANCHOR.layoutOffset, 'layout table address'));
}

export class SnapshotError extends Error {
  readonly code = 'ERR_NETPOLL_SNAPSHOT';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  check(at: number, size: number, what: string): void {
    if (!Number.isInteger(at) || at < 0 || at + size > this.bytes.byteLength) {
      throw new SnapshotError(`${what} at byte ${at} (+${size}) lies outside the ${this.bytes.byteLength}-byte snapshot`);
    }
  }

  u32(at: number, what: string): number {
    this.check(at, 4, what);
    return this.view.getUint32(at, true);
  }

  i32(at: number, what: string): number {
    this.check(at, 4, what);
    return this.view.getInt32(at, true);
  }

  i64(at: number, what: string): bigint {
    this.check(at, 8, what);
    return this.view.getBigInt64(at, true);
  }

  ascii(at: number, width: number, what: string): string {
    this.check(at, width, what);
    let s = '';
    for (let i = 0; i < width; i++) {
      const c = this.bytes[at + i]!;
      if (c === 0) break;
      if (c < 0x20 || c > 0x7e) throw new SnapshotError(`${what}: non-ASCII byte 0x${c.toString(16)} in a layout name`);
      s += String.fromCharCode(c);
    }
    return s;
  }
}

export interface LayoutEntry {
  value: number;
  size: number;
}

/** The layout table: group → name → entry. */
export class LayoutTable {
  constructor(readonly groups: Record<string, Record<string, LayoutEntry>>) {}

  /** The entry's value, or a SnapshotError naming what is missing. */
  get(group: string, name: string): number {
    const entry = this.groups[group]?.[name];
    if (!entry) throw new SnapshotError(`the snapshot's layout table has no ${group}.${name}`);
    return entry.value;
  }

  /** A field offset that must leave `size` bytes inside a record of `recordSize`. */
  field(group: string, name: string, size: number, recordSize: number): number {
    const offset = this.get(group, name);
    if (offset + size > recordSize) {
      throw new SnapshotError(`layout field ${group}.${name} at +${offset} overruns its ${recordSize}-byte record`);
    }
    return offset;
  }
}

const MAX_LAYOUT_ENTRIES = 4096;

export function readLayoutTable(r: Reader, at: number): LayoutTable {
  const count = r.u32(at, 'layout table count');
  const entrySize = r.u32(at + 4, 'layout table entry size');
  if (entrySize < 32) throw new SnapshotError(`layout table entry size ${entrySize} is below 32`);
  if (count > MAX_LAYOUT_ENTRIES) throw new SnapshotError(`layout table claims ${count} entries`);
  r.check(at + 8, count * entrySize, 'layout table');
  const groups = Object.create(null) as Record<string, Record<string, LayoutEntry>>;
  for (let i = 0; i < count; i++) {
    const e = at + 8 + i * entrySize;
    const group = r.ascii(e, 8, `layout entry ${i} group`);
    const name = r.ascii(e + 8, 16, `layout entry ${i} name`);
    // Object.create(null) keeps names like "__proto__" from touching prototypes.
    const g = (groups[group] ??= Object.create(null) as Record<string, LayoutEntry>);
    g[name] = { value: r.u32(e + 24, 'layout value'), size: r.u32(e + 28, 'layout size') };
  }
  return new LayoutTable(groups);
}
