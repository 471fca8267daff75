// TopModel (host/tools/top/model.ts) on hand-made frames: rates across u32 counter
// wrap-around, and each warning's threshold, in both directions.

import { describe, it, expect } from 'vitest';
import { TopModel, DEFAULT_THRESHOLDS } from '../../host/tools/top/model.js';
import type { Frame, PollerFrame, DescriptorFrame } from '../../host/inspector/protocol.js';

const zero = { ready: 0, timeout: 0, closed: 0, aborted: 0, error: 0 };

function desc(over: Partial<DescriptorFrame>): DescriptorFrame {
  return {
    index: 0, fd: 10, fdseq: 1, state: 'open', closing: false, rd: '0', wd: '0', rInMs: null, wInMs: null,
    parked: { r: false, w: false }, parkedMs: { r: null, w: null }, parkedAtLeast: { r: false, w: false },
    parkedTotalMs: 0, waits: { ...zero }, waited: true, ageMs: 0, ...over,
  };
}

function frame(nowNs: bigint, counters: Partial<PollerFrame['counters']>, descriptors: DescriptorFrame[] = []): Frame {
  const p: PollerFrame = {
    id: 1, drive: 'uv', nowNs: nowNs.toString(),
    counters: { inUse: 1, waiters: 0, timers: 0, staleEvents: 0, eventsSeen: 0, wakeups: 0, timersFired: 0, inconsistent: 0, readyLength: 0, descBlocks: 1, timerBlocks: 1, nextWhen: '0', ...counters },
    outcomes: { ...zero }, latency: { count: 0, minNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, maxNs: 0 },
    batches: 0, coreMs: 0, descriptorsTotal: descriptors.length, descriptors, timers: [], violations: [],
  };
  return {
    ok: true, op: 'frame', protocol: 1, pid: 1, timeMs: 0, process: { rss: 0, heapUsed: 0 }, pollers: [p],
    inspector: { path: '', clients: 0, maxClients: 8, accepted: 0, refused: 0, closedIdle: 0, closedSlow: 0, closedTooLarge: 0, requests: 0, badRequests: 0, framesBuilt: 0, ownFds: [] },
  };
}

const S = 1_000_000_000n;

describe('TopModel', () => {
  it('rates need two frames, and survive a u32 counter wrapping', () => {
    const m = new TopModel();
    expect(m.update(frame(10n * S, { eventsSeen: 0xffffff00 })).totals).toBeNull();
    const v = m.update(frame(12n * S, { eventsSeen: 0x100, wakeups: 50, timersFired: 4 }));
    expect(v.totals).toEqual({ eventsPerS: 0x200 / 2, wakeupsPerS: 25, timersPerS: 2, stalePerS: 0 });
  });

  it('a frame the server answered from its shared one (same time) keeps the last rates', () => {
    const m = new TopModel();
    m.update(frame(1n * S, { eventsSeen: 0 }));
    const first = m.update(frame(2n * S, { eventsSeen: 10 })).totals;
    expect(first?.eventsPerS).toBe(10);
    expect(m.update(frame(2n * S, { eventsSeen: 10 })).totals).toEqual(first);
    expect(m.update(frame(3n * S, { eventsSeen: 40 })).totals?.eventsPerS).toBe(30);
  });

  it('parked with no deadline: warned past the threshold only, and not when a deadline is set', () => {
    const t = { ...DEFAULT_THRESHOLDS, parkedAfterMs: 1000 };
    const kinds = (d: DescriptorFrame): string[] => new TopModel(t).update(frame(5n * S, {}, [d])).warnings.map((w) => w.kind);
    expect(kinds(desc({ parked: { r: true, w: false }, parkedMs: { r: 1001, w: null } }))).toEqual(['parked-no-deadline']);
    expect(kinds(desc({ parked: { r: true, w: false }, parkedMs: { r: 999, w: null } }))).toEqual([]);
    expect(kinds(desc({ parked: { r: true, w: false }, parkedMs: { r: 5000, w: null }, rd: (6n * S).toString() }))).toEqual([]);
    expect(kinds(desc({ parked: { r: false, w: true }, parkedMs: { r: null, w: 2000 } }))[0]).toBe('parked-no-deadline');
  });

  it('a deadline passed by more than late-after with its waiter parked is an inconsistency', () => {
    const m = new TopModel({ ...DEFAULT_THRESHOLDS, lateAfterMs: 500 });
    const late = desc({ fd: 7, parked: { r: true, w: false }, parkedMs: { r: 3000, w: null }, rd: (4n * S).toString() });
    const w = m.update(frame(5n * S, {}, [late])).warnings;
    expect(w.map((x) => x.kind)).toEqual(['deadline-past-parked']);
    expect(w[0]!.message).toMatch(/^fd 7: read deadline passed 1 s ago and its waiter is still parked/);
    const notYet = desc({ parked: { r: true, w: false }, parkedMs: { r: 3000, w: null }, rd: (5n * S - 400_000_000n).toString() });
    expect(new TopModel({ ...DEFAULT_THRESHOLDS, lateAfterMs: 500 }).update(frame(5n * S, {}, [notYet])).warnings).toEqual([]);
  });

  it('never waited on: only past idle-after, not for a descriptor that was waited on or is closing', () => {
    const t = { ...DEFAULT_THRESHOLDS, idleAfterMs: 100 };
    const kinds = (d: DescriptorFrame): string[] => new TopModel(t).update(frame(S, {}, [d])).warnings.map((w) => w.kind);
    expect(kinds(desc({ waited: false, ageMs: 101 }))).toEqual(['never-waited']);
    expect(kinds(desc({ waited: false, ageMs: 99 }))).toEqual([]);
    expect(kinds(desc({ waited: true, ageMs: 1e6 }))).toEqual([]);
    expect(kinds(desc({ waited: false, ageMs: 1e6, closing: true }))).toEqual([]);
  });

  it('stale events: warned while the rate rises over the threshold, not while it holds or falls', () => {
    const m = new TopModel({ ...DEFAULT_THRESHOLDS, staleRate: 5 });
    const stale = (t: bigint, n: number): string[] => m.update(frame(t * S, { staleEvents: n })).warnings.map((w) => w.kind);
    expect(stale(1n, 0)).toEqual([]);
    expect(stale(2n, 3)).toEqual([]); // 3/s: under the threshold
    expect(stale(3n, 13)).toEqual(['stale-rising']); // 10/s, up from 3/s
    expect(stale(4n, 23)).toEqual([]); // 10/s: steady
    expect(stale(5n, 53)).toEqual(['stale-rising']); // 30/s
    expect(stale(6n, 60)).toEqual([]); // 7/s: falling
  });
});
