// The core writes a machine-readable copy of assembly/layout.ts into memory at
// start-up (assembly/layout_table.ts). The tests find every offset by name
// there, through the same reader the host ships (host/core/layout.ts), so
// they never hard-code the descriptor or header layout.

import type { CoreExports } from '../../../host/core/abi.js';
import { LayoutTable as Table, readCoreLayout } from '../../../host/core/layout.js';

export type LayoutTable = Table['groups'];

export function readLayoutTable(core: CoreExports): LayoutTable {
  return readCoreLayout(new Uint8Array(core.memory.buffer), core.headerOffset()).groups;
}

/** One entry's value; throws if the table lacks it (a renamed field should fail loudly). */
export function entry(table: LayoutTable, group: string, name: string): number {
  return new Table(table).get(group, name);
}
