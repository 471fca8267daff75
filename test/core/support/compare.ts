// Compare the Wasm core against the reference model after a command: every
// descriptor field, every header counter, the ready list, the armed timers,
// nextDeadline, seqOf and checkErr (both modes) of every allocated descriptor,
// plus the core's structural invariants, as the shipped checker
// (host/inspect/invariants.ts, run by decodeSnapshot) states them: its
// `violations` must be empty.

import { decodeSnapshot } from '../../../host/inspect/decode.js';
import type { ReferenceCore } from '../../model/reference.js';
import type { DescFields } from '../../model/types.js';
import type { WasmCore } from './wasm-core.js';

const DESC_KEYS: readonly (keyof DescFields)[] = [
  'allocated', 'link', 'fd', 'fdseq', 'info', 'closing', 'rg', 'wg', 'rseq', 'wseq', 'rd', 'wd',
  'rrun', 'wrun', 'rtimer', 'wtimer',
];

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

export function differences(model: ReferenceCore, core: WasmCore): string[] {
  const out: string[] = [];
  // Primitives compare with === (bigints too); structures by their printed form. Print only on mismatch.
  const same = (what: string, m: unknown, c: unknown): void => {
    if (m === c) return;
    const ms = show(m), cs = show(c);
    if (ms !== cs) out.push(`${what}: core ${cs}, model ${ms}`);
  };
  const r = core.reader;

  const mc = model.counters(), cc = r.counters();
  for (const k of Object.keys(mc) as (keyof typeof mc)[]) same(`counter ${k}`, mc[k], cc[k]);
  same('nextDeadline()', model.nextDeadline(), core.nextDeadline());
  same('ready list', model.readyList(), core.readyList());

  const heap = r.heap();
  const coreTimers = heap
    .map(({ when, ref, seq }) => ({ when, ref, seq }))
    .sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : a.ref - b.ref));
  same('timers (sorted)', model.timerEntries(), coreTimers);

  const descs = r.descs();
  same('descriptor count', model.descCount(), descs.length);
  for (let i = 0; i < Math.min(model.descCount(), descs.length); i++) {
    const m = model.descFields(i)!, c = descs[i];
    for (const k of DESC_KEYS) same(`desc ${i}.${k}`, m[k], c[k]);
    if (m.allocated) {
      same(`seqOf(${i})`, model.seqOf(i), core.seqOf(i));
      for (const mode of [1, 2]) {
        same(`checkErr(${i}, ${mode})`, model.checkErr(i, m.fdseq, mode), core.checkErr(i, c.fdseq, mode));
      }
    }
  }
  for (const v of decodeSnapshot(new Uint8Array(core.x.memory.buffer)).violations) {
    out.push(`inspector violation ${v.rule}: ${v.message}`);
  }
  return out;
}

/** Throws with every difference, labelled with the command that preceded the check. */
export function assertSame(model: ReferenceCore, core: WasmCore, after: string): void {
  const diffs = differences(model, core);
  if (diffs.length > 0) throw new Error(`after ${after}:\n  ${diffs.join('\n  ')}`);
}
