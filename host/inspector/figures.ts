// Host-side figures the core cannot know, gathered from the observability
// channels for the pollers an inspector watches: how long each descriptor's
// current wait has lasted, wait outcomes, batch counts and a wake-latency
// histogram. The channels are subscribed only while some poller is watched,
// so an unwatched process pays nothing.

import diagnostics_channel from 'node:diagnostics_channel';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { Poller } from '../poller.js';
import type { PollDesc } from '../polldesc.js';
import { waitChannel, CHANNEL_BATCH, WAIT_OUTCOMES, type WaitContext, type BatchMessage, type WaitOutcome } from '../observe/channels.js';
import type { LatencySummary, OutcomeCounts } from './protocol.js';

export function zeroOutcomes(): OutcomeCounts {
  return Object.fromEntries(WAIT_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}

export interface DescFigures {
  pd: PollDesc;
  parkedSince: { r: number | null; w: number | null };
  parkedTotalMs: number;
  waits: OutcomeCounts;
}

/** Entries of closed descriptors are swept after this many new entries (the map stays bounded by live descriptors + this). */
const SWEEP_EVERY = 1024;

export class PollerFigures {
  readonly outcomes = zeroOutcomes();
  readonly latency: RecordableHistogram = createHistogram();
  batches = 0;
  coreMs = 0;
  /** performance.now() at the start of the last batch, -1 before any. */
  lastBatchStartMs = -1;
  private readonly byDesc = new Map<PollDesc, DescFigures>();
  private added = 0;
  /** Servers watching this poller. */
  refs = 0;
  /** performance.now() when watching began: waits that started earlier were not seen starting. */
  readonly startedMs = performance.now();
  /** Whether a frame was computed yet (the first one dates every descriptor to startedMs). */
  framed = false;

  constructor(readonly id: number, readonly poller: Poller) {}

  desc(pd: PollDesc): DescFigures {
    let d = this.byDesc.get(pd);
    if (!d) {
      if (++this.added % SWEEP_EVERY === 0) this.sweep();
      d = { pd, parkedSince: { r: null, w: null }, parkedTotalMs: 0, waits: zeroOutcomes() };
      this.byDesc.set(pd, d);
    }
    return d;
  }

  /** The figures of descriptor (index, seq), if it was waited on. */
  byIndex(): Map<string, DescFigures> {
    this.sweep();
    const m = new Map<string, DescFigures>();
    for (const d of this.byDesc.values()) m.set(`${d.pd.index}:${d.pd.seq}`, d);
    return m;
  }

  private sweep(): void {
    for (const [pd, d] of this.byDesc) if (pd.isClosed && d.parkedSince.r === null && d.parkedSince.w === null) this.byDesc.delete(pd);
  }

  latencySummary(): LatencySummary {
    const h = this.latency;
    const n = h.count;
    const v = (x: number): number => (n === 0 || !Number.isFinite(x) ? 0 : x);
    return { count: n, minNs: v(h.min), meanNs: v(h.mean), p50Ns: v(h.percentile(50)), p90Ns: v(h.percentile(90)), p99Ns: v(h.percentile(99)), maxNs: v(h.max) };
  }
}

const watched = new Map<Poller, PollerFigures>();

// One waiter per direction can be parked: a second wait() in the same direction is a
// misuse that fails at once, so it must neither restart nor end the parked one's clock.
const onStart = (ctx: WaitContext<Poller, PollDesc>): void => {
  const f = watched.get(ctx.poller);
  if (!f) return;
  const since = f.desc(ctx.pollDesc).parkedSince;
  if (since[ctx.mode] === null) since[ctx.mode] = ctx.startMs;
};

const onAsyncEnd = (ctx: WaitContext<Poller, PollDesc>): void => {
  const f = watched.get(ctx.poller);
  if (!f) return;
  const d = f.desc(ctx.pollDesc);
  const outcome: WaitOutcome = ctx.outcome ?? 'error';
  if (d.parkedSince[ctx.mode] === ctx.startMs) d.parkedSince[ctx.mode] = null;
  d.parkedTotalMs += ctx.parkedMs ?? 0;
  d.waits[outcome]++;
  f.outcomes[outcome]++;
  // Woken by a batch that began after the wait did: the time from that batch to here is the wake latency.
  if ((outcome === 'ready' || outcome === 'timeout') && f.lastBatchStartMs >= ctx.startMs) {
    f.latency.record(Math.max(1, Math.round((performance.now() - f.lastBatchStartMs) * 1e6)));
  }
};

const onBatch = (message: unknown): void => {
  const m = message as BatchMessage<Poller>;
  const f = watched.get(m.poller);
  if (!f) return;
  f.batches++;
  f.coreMs += m.coreMs;
  f.lastBatchStartMs = m.startMs;
};

const waitHandlers = { start: onStart, asyncEnd: onAsyncEnd } as Parameters<typeof waitChannel.subscribe>[0];
let nextId = 1;

/** Start gathering figures for `poller` (idempotent); the channels are subscribed while anything is watched. */
export function watch(poller: Poller): PollerFigures {
  let f = watched.get(poller);
  if (f) {
    f.refs++;
    return f;
  }
  if (watched.size === 0) {
    waitChannel.subscribe(waitHandlers);
    diagnostics_channel.subscribe(CHANNEL_BATCH, onBatch);
  }
  f = new PollerFigures(nextId++, poller);
  f.refs = 1;
  watched.set(poller, f);
  return f;
}

export function unwatch(poller: Poller): void {
  const f = watched.get(poller);
  if (!f || --f.refs > 0) return;
  watched.delete(poller);
  if (watched.size === 0) {
    waitChannel.unsubscribe(waitHandlers);
    diagnostics_channel.unsubscribe(CHANNEL_BATCH, onBatch);
  }
}

