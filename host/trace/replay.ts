// Replaying a trace on a fresh core: the same calls with the same arguments,
// the recorded epoll_event bytes written into the event region before each
// netpoll, so the memory ends up byte for byte as the recorder's did.
//
// The trace is read twice: once to check every record (a malformed file is
// refused before anything runs), then to replay. A replay stops at the first
// call whose result (or throw) differs from the recording: from there on the
// two cores no longer see the same state, and the record number says where to
// look.

import type { CoreExports } from '../core/abi.js';
import { loadCore, type CoreFlavor } from '../core/load.js';
import { decodeSnapshot } from '../inspect/decode.js';
import type { Inspection } from '../inspect/types.js';
import { TraceError, type CallName, type TraceHeader } from './format.js';
import { layoutVersionOf } from '../core/layout.js';
import { summarizeTrace, traceRecords, type TraceSummary } from './reader.js';
import { memoryHash } from './recorder.js';

export interface Checkpoint {
  /** Record number of the hash record. */
  record: number;
  expected: string;
  actual: string;
  expectedBytes: number;
  actualBytes: number;
  match: boolean;
}

export interface Divergence {
  record: number;
  /** Byte offset of the record in the trace. */
  at: number;
  call: CallName;
  args: string;
  expected: string;
  actual: string;
}

export interface ReplayResult {
  summary: TraceSummary;
  flavor: CoreFlavor;
  /** Records replayed (all of them unless the replay diverged). */
  replayed: number;
  checkpoints: Checkpoint[];
  divergence: Divergence | null;
  /** sha256 of the whole memory after the replay, hex. */
  hash: string;
  memoryBytes: number;
  /** The memory after the replay, decoded. */
  inspection: Inspection;
  /** The memory after the replay. */
  memory: Uint8Array;
}

export interface ReplayOptions {
  /** Run this build of the core instead of the one the header names. */
  core?: CoreFlavor;
}

function describe(v: { threw: boolean; result?: number | bigint; error?: unknown }): string {
  if (v.threw) return v.error === undefined ? 'a throw' : `a throw (${v.error instanceof Error ? v.error.message : String(v.error)})`;
  return String(v.result);
}

/** Hash records verified as they come; later ones only when nothing follows them. */
export const MAX_CHECKPOINTS = 256;

/** Replay `bytes` (a trace). Throws TraceError for a malformed trace or a core that cannot replay it. */
export function replayTrace(bytes: Uint8Array, opts: ReplayOptions = {}): ReplayResult {
  const summary = summarizeTrace(bytes);
  const header = summary.header;
  const flavor = opts.core ?? header.flavor;
  const core = loadCore(flavor);
  checkCompatible(core, header, flavor, opts.core !== undefined);

  const fns = core as unknown as Record<string, (...a: unknown[]) => number | bigint>;
  const checkpoints: Checkpoint[] = [];
  let divergence: Divergence | null = null;
  let replayed = 0;
  // Each hash record hashes all of memory: without a cap, a trace of nothing but hash records
  // would cost time far out of proportion to its size. Past the cap a hash record is deferred,
  // and checked only if no call follows it, so the final hash is always verified.
  let deferred: { n: number; hash: string; memoryBytes: number } | null = null;
  const verify = (rec: { n: number; hash: string; memoryBytes: number }): void => {
    const mem = new Uint8Array(core.memory.buffer);
    const actual = memoryHash(mem);
    checkpoints.push({ record: rec.n, expected: rec.hash, actual, expectedBytes: rec.memoryBytes, actualBytes: mem.byteLength, match: actual === rec.hash && mem.byteLength === rec.memoryBytes });
  };
  for (const rec of traceRecords(bytes, header)) {
    if (rec.kind === 'end') break;
    if (rec.kind === 'hash') {
      if (checkpoints.length < MAX_CHECKPOINTS) verify(rec);
      else deferred = rec;
      replayed++;
      continue;
    }
    deferred = null;
    let args: unknown[];
    if (rec.call === 'setDeadline') args = [...rec.args, rec.d!, rec.now!];
    else if (rec.call === 'netpoll') {
      if (rec.events) new Uint8Array(core.memory.buffer, core.eventsOffset(), rec.events.length).set(rec.events);
      args = [rec.args[0], rec.args[1], rec.now!];
    } else args = rec.args;
    let got: { threw: boolean; result?: number | bigint; error?: unknown };
    try {
      got = { threw: false, result: fns[rec.call]!.apply(core, args) };
    } catch (error) {
      got = { threw: true, error };
    }
    replayed++;
    const same = got.threw === rec.threw && (rec.threw || got.result === rec.result);
    if (!same) {
      divergence = {
        record: rec.n,
        at: rec.at,
        call: rec.call,
        args: args.map(String).join(', '),
        expected: describe({ threw: rec.threw, result: rec.result }),
        actual: describe(got),
      };
      break;
    }
  }
  if (deferred) verify(deferred);
  const memory = new Uint8Array(core.memory.buffer.slice(0));
  return {
    summary,
    flavor,
    replayed,
    checkpoints,
    divergence,
    hash: memoryHash(memory),
    memoryBytes: memory.byteLength,
    inspection: decodeSnapshot(memory),
    memory,
  };
}

function checkCompatible(core: CoreExports, header: TraceHeader, flavor: CoreFlavor, overridden: boolean): void {
  const layoutVersion = layoutVersionOf(core.memory, core.headerOffset());
  if (layoutVersion !== header.layoutVersion) {
    throw new TraceError(`the trace was recorded with core layout v${header.layoutVersion}; this core is v${layoutVersion}`);
  }
  if (core.eventCapacity() !== header.eventCapacity) {
    throw new TraceError(`the trace was recorded with an event capacity of ${header.eventCapacity}; this core has ${core.eventCapacity()}`);
  }
  if (!overridden) {
    const initial = memoryHash(core.memory);
    if (initial !== header.initialHash) {
      throw new TraceError(
        `this ${flavor} core starts from different memory than the one that recorded the trace ` +
          `(initial sha256 ${initial.slice(0, 16)}… ≠ ${header.initialHash.slice(0, 16)}…): it is a different build; rebuild the recording's version, or pass --core to replay anyway`,
      );
    }
  }
}
