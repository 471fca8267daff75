// Post-mortem snapshots: when the core reports an inconsistency it should
// never reach, the host keeps the evidence — the whole memory — in a file
// `netpoll inspect` can read, and names it in the error.

import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Write the snapshot; returns its path, or null if it could not be written (the error still reaches the user). */
export function writePostMortem(snapshot: Uint8Array, reason: string): string | null {
  try {
    const dir = process.env.NETPOLL_POSTMORTEM_DIR ?? mkdtempSync(join(tmpdir(), 'netpoll-'));
    const path = join(dir, `netpoll-${reason}-${process.pid}-${Date.now()}.snapshot`);
    writeFileSync(path, snapshot);
    return path;
  } catch {
    return null;
  }
}
