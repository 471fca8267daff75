// What `netpoll top` shows, computed from successive inspector frames: rates
// between two frames and the warnings, each with a one-line reason. Pure: no
// I/O, so tests feed it frames.

import type { Frame, PollerFrame, DescriptorFrame } from '../../inspector/protocol.js';
import { formatDuration } from '../../inspect/format.js';

export interface Thresholds {
  /** A waiter parked longer than this with no deadline is reported (ms). */
  parkedAfterMs: number;
  /** A descriptor registered this long and never waited on is reported (ms). */
  idleAfterMs: number;
  /** A deadline passed by more than this while its waiter is still parked is an inconsistency (ms). */
  lateAfterMs: number;
  /** Stale events per second from which a rise is reported. */
  staleRate: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { parkedAfterMs: 10_000, idleAfterMs: 30_000, lateAfterMs: 1_000, staleRate: 1 };

export interface Rates {
  eventsPerS: number;
  wakeupsPerS: number;
  timersPerS: number;
  stalePerS: number;
}

export type WarningKind = 'parked-no-deadline' | 'never-waited' | 'stale-rising' | 'deadline-past-parked';

export interface Warning {
  kind: WarningKind;
  poller: number;
  fd?: number;
  index?: number;
  fdseq?: number;
  message: string;
}

export interface PollerView {
  frame: PollerFrame;
  /** null for the first frame of a poller (no interval to measure over). */
  rates: Rates | null;
}

export interface View {
  frame: Frame;
  pollers: PollerView[];
  totals: Rates | null;
  warnings: Warning[];
}

function addRates(sum: Rates | null, r: Rates): Rates {
  const t = sum ?? { eventsPerS: 0, wakeupsPerS: 0, timersPerS: 0, stalePerS: 0 };
  return { eventsPerS: t.eventsPerS + r.eventsPerS, wakeupsPerS: t.wakeupsPerS + r.wakeupsPerS, timersPerS: t.timersPerS + r.timersPerS, stalePerS: t.stalePerS + r.stalePerS };
}

const ms = (v: number): string => formatDuration(BigInt(Math.round(v * 1e6)));
const dir = (m: 'r' | 'w'): string => (m === 'r' ? 'read' : 'write');

export class TopModel {
  private readonly last = new Map<number, { nowNs: bigint; c: PollerFrame['counters']; stalePerS: number | null; rates: Rates | null }>();

  constructor(readonly thresholds: Thresholds = DEFAULT_THRESHOLDS) {}

  update(frame: Frame): View {
    const warnings: Warning[] = [];
    const pollers: PollerView[] = [];
    let totals: Rates | null = null;
    for (const p of frame.pollers) {
      const now = BigInt(p.nowNs);
      const prev = this.last.get(p.id);
      if (prev && now === prev.nowNs) {
        // The server answered from its shared frame (see FRAME_CACHE_MS): nothing new, keep the last rates.
        pollers.push({ frame: p, rates: prev.rates });
        if (prev.rates) totals = addRates(totals, prev.rates);
        for (const d of p.descriptors) this.descriptorWarnings(p, d, now, warnings);
        continue;
      }
      let rates: Rates | null = null;
      if (prev && now > prev.nowNs) {
        const s = Number(now - prev.nowNs) / 1e9;
        const d = (a: number, b: number): number => ((b - a) >>> 0) / s;
        rates = {
          eventsPerS: d(prev.c.eventsSeen, p.counters.eventsSeen),
          wakeupsPerS: d(prev.c.wakeups, p.counters.wakeups),
          timersPerS: d(prev.c.timersFired, p.counters.timersFired),
          stalePerS: d(prev.c.staleEvents, p.counters.staleEvents),
        };
        totals = addRates(totals, rates);
        const before = prev.stalePerS ?? 0;
        if (rates.stalePerS >= this.thresholds.staleRate && rates.stalePerS > before) {
          warnings.push({
            kind: 'stale-rising',
            poller: p.id,
            message: `poller ${p.id}: stale events rising, ${before.toFixed(1)}/s → ${rates.stalePerS.toFixed(1)}/s (fd churn: descriptors closed or reused with events in flight)`,
          });
        }
      }
      this.last.set(p.id, { nowNs: now, c: p.counters, stalePerS: rates?.stalePerS ?? prev?.stalePerS ?? null, rates });
      pollers.push({ frame: p, rates });
      for (const d of p.descriptors) this.descriptorWarnings(p, d, now, warnings);
    }
    for (const id of this.last.keys()) if (!frame.pollers.some((p) => p.id === id)) this.last.delete(id);
    return { frame, pollers, totals, warnings };
  }

  private descriptorWarnings(p: PollerFrame, d: DescriptorFrame, now: bigint, out: Warning[]): void {
    const t = this.thresholds;
    const base = { poller: p.id, fd: d.fd, index: d.index, fdseq: d.fdseq };
    for (const m of ['r', 'w'] as const) {
      const when = BigInt(m === 'r' ? d.rd : d.wd);
      const parkedMs = d.parkedMs[m];
      if (d.parked[m] && when > 0n && now - when > BigInt(Math.round(t.lateAfterMs * 1e6))) {
        out.push({
          ...base,
          kind: 'deadline-past-parked',
          message: `fd ${d.fd}: ${dir(m)} deadline passed ${ms(Number(now - when) / 1e6)} ago and its waiter is still parked (inconsistent: the timer should have woken it)`,
        });
      } else if (d.parked[m] && when === 0n && parkedMs !== null && parkedMs > t.parkedAfterMs) {
        out.push({ ...base, kind: 'parked-no-deadline', message: `fd ${d.fd}: ${dir(m)} waiter parked ${ms(parkedMs)} with no deadline` });
      }
    }
    if (!d.waited && !d.closing && d.ageMs > t.idleAfterMs) {
      out.push({ ...base, kind: 'never-waited', message: `fd ${d.fd}: registered ${ms(d.ageMs)} ago (as far as the inspector saw) and never waited on` });
    }
  }
}
