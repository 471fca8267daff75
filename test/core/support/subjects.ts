// Unit tests run the same scenario on two subjects: the Wasm core (read back
// from its memory) and the reference model. A few helpers keep scenarios short.

import { Code } from '../../../host/core/abi.js';
import { loadCore } from '../../../host/core/load.js';
import { ReferenceCore } from '../../model/reference.js';
import type { Counters, DescFields, PollEvent, RawPollerCore, TimerEntry } from '../../model/types.js';
import { decodeSnapshot } from '../../../host/inspect/decode.js';
import { WasmCore } from './wasm-core.js';

export interface Subject {
  api: RawPollerCore;
  desc(index: number): DescFields;
  counters(): Counters;
  /** Armed timers in (when, ref) order. */
  timers(): TimerEntry[];
  /** Everything observable, to show a refused call changed nothing (the core: all of its memory). */
  snapshot(): Uint8Array | string;
  /** Force a descriptor's fdseq (and its published copy), to reach the 2^32 wrap without 2^32 opens. */
  forceFdseq(index: number, fdseq: number): void;
  /** Structural invariants (the core only; the model has no heap to break). */
  violations(): string[];
}

function wasmSubject(): Subject {
  const core = new WasmCore(loadCore());
  const r = core.reader;
  return {
    api: core,
    desc: (i) => r.desc(i),
    counters: () => r.counters(),
    timers: () => r.heap().map(({ when, ref, seq }) => ({ when, ref, seq }))
      .sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : a.ref - b.ref)),
    snapshot: () => core.memory(),
    forceFdseq(i, fdseq) {
      const dv = new DataView(core.x.memory.buffer), a = r.descAddr(i);
      const { infoSeqShift: shift, infoSeqMask: mask } = r.k;
      dv.setUint32(a + r.descField('fdseq'), fdseq, true);
      const at = a + r.descField('info');
      const flags = dv.getUint32(at, true) & ((1 << shift) - 1); // keep the flag bits, replace the seq bits
      dv.setUint32(at, (flags | ((fdseq & mask) << shift)) >>> 0, true);
    },
    violations: () => decodeSnapshot(new Uint8Array(core.x.memory.buffer)).violations.map((v) => `${v.rule}: ${v.message}`),
  };
}

function modelSubject(): Subject {
  const m = new ReferenceCore();
  const show = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return {
    api: m,
    desc: (i) => m.descFields(i)!,
    counters: () => m.counters(),
    timers: () => m.timerEntries(),
    snapshot: () => show([m.counters(), m.readyList(), m.timerEntries(), m.descs.map((d) => m.descFields(d.index))]),
    forceFdseq(i, fdseq) {
      m.descs[i].fdseq = fdseq;
      m.descs[i].published.seqBits = fdseq & 0xfffff;
    },
    violations: () => [],
  };
}

export const SUBJECTS: Array<[string, () => Subject]> = [['wasm core', wasmSubject], ['model', modelSubject]];

export const sameBytes = (a: Uint8Array | string, b: Uint8Array | string): boolean =>
  typeof a === 'string' ? a === b : typeof b !== 'string' && Buffer.compare(a, b) === 0;

// ── scenario helpers ────────────────────────────────────────────────────────

export interface H {
  index: number;
  seq: number;
}

export function openH(s: Subject, fd = 7): H {
  const index = s.api.open(fd);
  if (index < 0) throw new Error(`open failed: ${index}`);
  return { index, seq: s.api.seqOf(index) >>> 0 };
}

/** prepareWait + commitWait; the result of commitWait (PARKED normally). */
export function park(s: Subject, h: H, mode: number, token: number): number {
  const p = s.api.prepareWait(h.index, h.seq, mode);
  if (p !== Code.PREPARED) return p;
  return s.api.commitWait(h.index, h.seq, mode, token);
}

/** An event for h's current incarnation (or, with `tag`, for another one). */
export const ev = (h: H, events: number, tag = h.seq): PollEvent => ({ events, index: h.index, tag });

/** unblock then close. */
export function closeH(s: Subject, h: H): void {
  const u = s.api.unblock(h.index, h.seq);
  const c = s.api.close(h.index, h.seq);
  if (u < 0 || c !== Code.OK) throw new Error(`close failed: unblock ${u}, close ${c}`);
}
