// The state a command sequence runs against: the reference model plus the
// test's own bookkeeping (the clock, every handle ever opened, the next waiter
// token). Commands carry only abstract choices (which handle, which mode, which
// kind of deadline); they resolve them against the World when they run, so any
// subsequence that fast-check shrinks to still runs.

import type * as fc from 'fast-check';
import { ReferenceCore, I64_MAX } from '../../../host/model/reference.js';
import type { PollerCore } from '../../../host/model/types.js';
import { assertSame } from './compare.js';
import type { WasmCore } from './wasm-core.js';

export interface Handle {
  index: number;
  seq: number;
}

export interface World {
  model: ReferenceCore;
  /** Monotonic ns; only moves forward. */
  now: bigint;
  /** Every handle open() ever returned, live or not, in order. */
  handles: Handle[];
  /** Unique per park: every commitWait with a fresh token uses the next one. */
  nextToken: number;
}

export function newWorld(t0: bigint, model = new ReferenceCore()): World {
  return { model, now: t0, handles: [], nextToken: 3 };
}

/** Which handle a command addresses: a live one, any ever opened (maybe stale), or a forged one. */
export interface Sel {
  from: 'live' | 'any' | 'forged';
  n: number;
}

export const showSel = (s: Sel): string => `${s.from}#${s.n}`;

export function pick(w: World, s: Sel): Handle {
  if (s.from === 'forged') return { index: s.n % 4 === 0 ? 0xffffffff : s.n % 70, seq: (s.n >> 2) % 3 };
  const live = s.from === 'live' ? w.handles.filter((h) => w.model.seqOf(h.index) >>> 0 === h.seq) : [];
  const pool = live.length > 0 ? live : w.handles;
  return pool.length > 0 ? pool[s.n % pool.length] : { index: 0, seq: 1 };
}

export const clampTime = (t: bigint): bigint => (t > I64_MAX ? I64_MAX : t);

/**
 * A call made on both sides: the model first, then the core. The results must
 * agree, and when the model refuses (negative code) the core's whole memory
 * must be byte-identical before and after its call ("the call changed nothing").
 */
export function both(w: World, core: WasmCore, what: string, call: (p: PollerCore) => number): number {
  const m = call(w.model);
  const before = m < 0 ? core.memory() : undefined;
  const c = call(core);
  if (m !== c) throw new Error(`${what}: core returned ${c}, model ${m}`);
  if (before && Buffer.compare(before, core.memory()) !== 0) {
    throw new Error(`${what}: refused with ${c} but changed core memory`);
  }
  return c;
}

/** One command: do something on both sides, then compare everything. */
export class Cmd implements fc.Command<World, WasmCore> {
  constructor(
    readonly label: string,
    private readonly apply: (w: World, core: WasmCore) => void,
  ) {}

  check(): boolean {
    return true;
  }

  run(w: World, core: WasmCore): void {
    this.apply(w, core);
    assertSame(w.model, core, this.label);
  }

  toString(): string {
    return this.label;
  }
}

/** Several commands run as one (e.g. prepareWait; events; commitWait), compared after each. */
export function chain(cmds: readonly Cmd[]): Cmd {
  return new Cmd(`[${cmds.map(String).join(' ; ')}]`, (w, core) => {
    for (const c of cmds) c.run(w, core);
  });
}
