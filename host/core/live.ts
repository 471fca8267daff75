// One live descriptor read straight from core memory, for util.inspect.
//
// Like decodeSnapshot it finds every offset through the layout table the core
// wrote, but it reads a view of the live memory (no copy) and only the one
// record asked for, so inspecting a PollDesc costs the same with 10 or 150,000
// descriptors open. Nothing here calls into the core (a trace recorder sees
// no extra calls).

import type { CoreExports } from './abi.js';
import { Reader, readCoreLayout } from './layout.js';

export interface LiveDescriptor {
  /** 'closing' once unblocked (close in progress), 'free' when the handle's descriptor was freed or reused. */
  state: 'open' | 'closing' | 'free';
  /** Absolute deadlines, as epoch ms (sub-ms fractions kept); null for none; 'expired' once passed. */
  readDeadline: number | 'expired' | null;
  writeDeadline: number | 'expired' | null;
  /** Directions with a waiter parked in the core. */
  waiting: ('r' | 'w')[];
  /** Directions holding an unconsumed readiness notification. */
  ready: ('r' | 'w')[];
}

export function readLiveDescriptor(core: CoreExports, index: number, seq: number, nowNs: bigint, epochNowMs: number): LiveDescriptor {
  const bytes = new Uint8Array(core.memory.buffer);
  const r = new Reader(bytes);
  const h = core.headerOffset();
  const t = readCoreLayout(bytes, h);
  const hdr = (name: string): number => r.u32(h + t.get('header', name), `header.${name}`);
  const perBlock = hdr('descPerBlock');
  const size = hdr('descSize');
  const block = Math.floor(index / perBlock);
  const base = r.u32(hdr('descDirOffset') + block * 4, 'descriptor directory') + (index % perBlock) * size;
  const u32 = (name: string): number => r.u32(base + t.field('desc', name, 4, size), `desc.${name}`);
  const i64 = (name: string): bigint => r.i64(base + t.field('desc', name, 8, size), `desc.${name}`);
  const c = (name: string): number => t.get('const', name);
  const flags = u32('flags');
  const allocated = (flags & c('flagAllocated')) !== 0 && u32('fdseq') === seq;
  const deadline = (name: 'rd' | 'wd'): number | 'expired' | null => {
    const d = i64(name);
    if (d === 0n) return null;
    if (d < 0n || d <= nowNs) return 'expired';
    return epochNowMs + Number(d - nowNs) / 1e6;
  };
  const sema = (name: 'rg' | 'wg'): 'nil' | 'ready' | 'waiter' => {
    const v = u32(name);
    return v === c('pdNil') ? 'nil' : v === c('pdReady') ? 'ready' : 'waiter'; // pdWait: a waiter between the park halves
  };
  const dirs = (want: string): ('r' | 'w')[] => (['r', 'w'] as const).filter((d) => sema(d === 'r' ? 'rg' : 'wg') === want);
  return {
    state: !allocated ? 'free' : (flags & c('flagClosing')) !== 0 ? 'closing' : 'open',
    readDeadline: allocated ? deadline('rd') : null,
    writeDeadline: allocated ? deadline('wd') : null,
    waiting: allocated ? dirs('waiter') : [],
    ready: allocated ? dirs('ready') : [],
  };
}
