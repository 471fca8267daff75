// The state a command sequence runs against: the reference model plus the
// test's own bookkeeping (the clock, every handle ever opened, the next waiter
// token). Commands carry only abstract choices (which handle, which mode, which
// kind of deadline); they resolve them against the World when they run, so any
// subsequence that fast-check shrinks to still runs.

import type * as fc from 'fast-check';
import { I64_MAX } from '../../model/constants.js';
import { ReferenceCore } from '../../model/reference.js';
import type { RawPollerCore } from '../../model/types.js';
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
  /** Compare the core with the model after every command (false: only return codes are compared). */
  verify: boolean;
}

export function newWorld(t0: bigint, model = new ReferenceCore()): World {
  return { model, now: t0, handles: [], nextToken: 3, verify: true };
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

/** A copy of the bytes the core may write (CoreReader.mutableRanges), kept in one reused buffer. */
class Watch {
  private saved = new Uint8Array(1 << 16);
  private ranges: Array<[number, number]> = [];

  take(core: WasmCore): void {
    this.ranges = core.reader.mutableRanges();
    const total = this.ranges.reduce((n, [a, b]) => n + b - a, 0);
    if (this.saved.length < total) this.saved = new Uint8Array(total);
    const mem = new Uint8Array(core.x.memory.buffer);
    let at = 0;
    for (const [a, b] of this.ranges) {
      this.saved.set(mem.subarray(a, b), at);
      at += b - a;
    }
  }

  unchanged(core: WasmCore): boolean {
    const mem = new Uint8Array(core.x.memory.buffer);
    let at = 0;
    for (const [a, b] of this.ranges) {
      if (Buffer.compare(this.saved.subarray(at, at + b - a), mem.subarray(a, b)) !== 0) return false;
      at += b - a;
    }
    return true;
  }
}

const watch = new Watch();

/**
 * A call made on both sides: the model first, then the core. The results must
 * agree, and when the model refuses (negative code) every byte the core may
 * write must be the same before and after its call ("the call changed nothing").
 */
export function both(w: World, core: WasmCore, what: string, call: (p: RawPollerCore) => number): number {
  const m = call(w.model);
  if (m < 0) watch.take(core);
  const c = call(core);
  if (m !== c) throw new Error(`${what}: core returned ${c}, model ${m}`);
  if (m < 0 && !watch.unchanged(core)) throw new Error(`${what}: refused with ${c} but changed core memory`);
  return c;
}

/**
 * `both` for a call that can wake waiters (netpoll, setDeadline, unblock): the
 * core's waiters counter must drop by exactly the number of ready entries the
 * call wrote — never a decrement without an entry (Go issue 61454).
 */
export function waking(w: World, core: WasmCore, what: string, call: (p: RawPollerCore) => number): number {
  const before = core.reader.counters().waiters;
  const n = both(w, core, what, call);
  const after = core.reader.counters().waiters;
  if (n >= 0 && before - after !== core.readyList().length) {
    throw new Error(`${what}: waiters ${before} → ${after} with ${core.readyList().length} ready entries`);
  }
  return n;
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
    if (w.verify) assertSame(w.model, core, this.label);
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
