// One poller's part of an inspector frame: the decoded snapshot joined with
// the host-side figures. Pure apart from reading the poller.

import type { Poller } from '../poller.js';
import type { IoStats } from '../io-path.js';
import type { PollerFigures } from './figures.js';
import { zeroOutcomes } from './figures.js';
import { MAX_FRAME_DESCRIPTORS, MAX_FRAME_TIMERS, type DescriptorFrame, type PollerFrame, type TimerFrame } from './protocol.js';

const msUntil = (when: string, now: bigint): number | null => {
  const w = BigInt(when);
  if (w === 0n) return null;
  if (w < 0n) return 0; // the core marked it expired: the deadline has fired
  return Number(w - now) / 1e6;
};

/** When each (index:seq) was first seen in a frame, so "never waited on" can be told from "just opened". */
export type SeenAt = Map<string, number>;

export function pollerFrame(poller: Poller, figures: PollerFigures, seenAt: SeenAt): PollerFrame {
  const x = poller.inspect();
  const now = poller.drive.now();
  const nowMs = performance.now();
  const figs = figures.byIndex();
  const open = x.descriptors.filter((d) => d.state !== 'free');
  const keep = new Set<string>();
  const all: DescriptorFrame[] = open.map((d) => {
    const key = `${d.index}:${d.fdseq}`;
    keep.add(key);
    let seen = seenAt.get(key);
    if (seen === undefined) seenAt.set(key, (seen = figures.framed ? nowMs : figures.startedMs));
    const f = figs.get(key);
    const parked = { r: d.rg.state === 'waiter', w: d.wg.state === 'waiter' };
    const earlier = { r: parked.r && f?.parkedSince.r == null, w: parked.w && f?.parkedSince.w == null };
    // A waiter the core holds whose start the inspector did not see began before watching did: at least that long.
    const since = (m: 'r' | 'w'): number | null => {
      const t = f?.parkedSince[m];
      if (t !== null && t !== undefined) return nowMs - t;
      return earlier[m] ? nowMs - figures.startedMs : null;
    };
    return {
      index: d.index,
      fd: d.fd,
      fdseq: d.fdseq,
      state: d.state,
      closing: d.closing,
      rd: d.rd,
      wd: d.wd,
      rInMs: msUntil(d.rd, now),
      wInMs: msUntil(d.wd, now),
      parked,
      parkedMs: { r: since('r'), w: since('w') },
      parkedAtLeast: earlier,
      parkedTotalMs: f?.parkedTotalMs ?? 0,
      waits: f ? { ...f.waits } : zeroOutcomes(),
      waited: f !== undefined || parked.r || parked.w,
      ageMs: nowMs - seen,
    };
  });
  for (const k of seenAt.keys()) if (!keep.has(k)) seenAt.delete(k);
  figures.framed = true;
  const parkedFor = (d: DescriptorFrame): number => Math.max(d.parkedMs.r ?? -1, d.parkedMs.w ?? -1);
  all.sort((a, b) => parkedFor(b) - parkedFor(a) || a.fd - b.fd);
  const fdOf = new Map(open.map((d) => [d.index, d.fd]));
  const timers: TimerFrame[] = x.timers
    .map((t) => ({ fd: fdOf.get(t.desc) ?? -1, index: t.desc, kind: t.kind, when: t.when, inMs: Number(BigInt(t.when) - now) / 1e6 }))
    .sort((a, b) => a.inMs - b.inMs)
    .slice(0, MAX_FRAME_TIMERS);
  return {
    id: figures.id,
    drive: poller.driveMode,
    io: ioLine(poller.stats.io),
    nowNs: now.toString(),
    counters: x.counters,
    outcomes: { ...figures.outcomes },
    latency: figures.latencySummary(),
    batches: figures.batches,
    coreMs: figures.coreMs,
    descriptorsTotal: all.length,
    descriptors: all.slice(0, MAX_FRAME_DESCRIPTORS),
    timers,
    violations: x.violations,
  };
}

/** 'uring', 'syscall', or 'syscall (uring unavailable: <reason>)'. */
function ioLine(io: IoStats): string {
  return io.fallback === null ? io.live : `${io.live} (uring unavailable: ${io.fallback})`;
}
