// The core writes a machine-readable copy of assembly/layout.ts into memory at
// start-up (assembly/layout_table.ts). The test reader finds every offset by
// name there, so it never hard-codes the descriptor or header layout.

import type { CoreExports } from '../../../host/core/abi.js';

export type LayoutTable = Record<string, Record<string, { value: number; size: number }>>;

const H_LAYOUT_OFF = 12; // the one fixed offset: where the header says the table is

function text(bytes: Uint8Array, at: number, width: number): string {
  let s = '';
  for (let i = 0; i < width && bytes[at + i] !== 0; i++) s += String.fromCharCode(bytes[at + i]);
  return s;
}

export function readLayoutTable(core: CoreExports): LayoutTable {
  const bytes = new Uint8Array(core.memory.buffer);
  const dv = new DataView(core.memory.buffer);
  const base = dv.getUint32(core.headerOffset() + H_LAYOUT_OFF, true);
  const count = dv.getUint32(base, true);
  const size = dv.getUint32(base + 4, true);
  const table: LayoutTable = {};
  for (let i = 0; i < count; i++) {
    const at = base + 8 + i * size;
    const group = text(bytes, at, 8);
    (table[group] ??= {})[text(bytes, at + 8, 16)] = {
      value: dv.getUint32(at + 24, true),
      size: dv.getUint32(at + 28, true),
    };
  }
  return table;
}

/** One entry's value; throws if the table lacks it (a renamed field should fail loudly). */
export function entry(table: LayoutTable, group: string, name: string): number {
  const e = table[group]?.[name];
  if (e === undefined) throw new Error(`layout table has no ${group}.${name}`);
  return e.value;
}
