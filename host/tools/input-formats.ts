// The CLI's two input formats, as the bounded reader (read-input.ts) needs
// them: how large one can be, and how many leading bytes say whether it is
// one at all.

import { checkSnapshotHeader, MAX_SNAPSHOT_BYTES, SNAPSHOT_HEADER_END, SnapshotError } from '../inspect/decode.js';
import { checkTraceStart, TRACE_START_BYTES } from '../trace/reader.js';
import { TRACE_MAGIC } from '../trace/format.js';
import type { InputFormat } from './read-input.js';

/**
 * Traces have no natural size limit (a recording grows with the session), so
 * this one is a policy: large enough for a long session's recording, small
 * enough that a refused input, read up to the limit, stays far below 256 MB of
 * memory (the buffer, plus Node itself).
 */
export const MAX_TRACE_BYTES = 128 << 20;

/**
 * A trace given where a snapshot is expected (`netpoll inspect` on a
 * recording): a SnapshotError that names the command that reads it, instead
 * of "too short" or a wrong magic. A trace starts with its magic at byte 0.
 */
export function refuseTrace(prefix: Uint8Array): void {
  if (prefix.byteLength < 4) return;
  if (new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0, true) !== TRACE_MAGIC) return;
  throw new SnapshotError('this is a netpoll trace (it starts with "NPTR"), not a snapshot: replay it with `netpoll replay FILE`');
}

export const SNAPSHOT_INPUT: InputFormat = {
  what: 'snapshot',
  maxBytes: MAX_SNAPSHOT_BYTES,
  headerBytes: SNAPSHOT_HEADER_END,
  checkHeader: (prefix) => {
    refuseTrace(prefix);
    checkSnapshotHeader(prefix);
  },
};

export const TRACE_INPUT: InputFormat = {
  what: 'trace',
  maxBytes: MAX_TRACE_BYTES,
  headerBytes: TRACE_START_BYTES,
  checkHeader: checkTraceStart,
};
