// What the demo counts, and the few numbers it derives from the counts.

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Round-trip or wake-up latencies, in milliseconds, kept in perf_hooks
 * histograms (recorded as integer nanoseconds, 3 significant figures): one
 * over the whole run and one over the window since the last takeRecent().
 */
export class Latencies {
  private readonly all: RecordableHistogram = createHistogram();
  private readonly window: RecordableHistogram = createHistogram();

  add(ms: number): void {
    const ns = Math.max(1, Math.round(ms * 1e6)); // a histogram records integers ≥ 1
    this.all.record(ns);
    this.window.record(ns);
  }

  get count(): number {
    return this.all.count;
  }

  /** Percentiles (p in 0 … 100; 100 is the maximum) over the whole run, in ms; NaN when there are no samples. */
  percentiles(ps: readonly number[]): number[] {
    return ps.map((p) => pick(this.all, p));
  }

  /** The p-th percentile since the last call (NaN when nothing arrived meanwhile), then start a new window. */
  takeRecent(p: number): number {
    const v = pick(this.window, p);
    this.window.reset();
    return v;
  }
}

function pick(h: RecordableHistogram, p: number): number {
  if (h.count === 0) return NaN;
  return (p >= 100 ? h.max : p <= 0 ? h.min : h.percentile(p)) / 1e6;
}

/** Everything the summary reports. Plain counters, written by the server, clients and eventfd reader. */
export class DemoStats {
  // seqpacket echo
  echoed = 0; // replies that came back byte-for-byte
  bytesEchoed = 0;
  mismatches = 0;
  rtt = new Latencies();
  bursts = 0; // back-to-back sends read back one message per read
  burstMessages = 0;
  slowRequests = 0; // each one must time out once: the expected timeouts
  slowTimeouts = 0; // …and these are the ones that did
  lateReplies = 0; // the slow reply, read after extending the deadline
  unexpectedTimeouts = 0; // a normal echo that missed its (generous) deadline
  reconnects = 0;
  accepted = 0;
  serverClosedOnEof = 0;
  /** One example burst, for the summary: sizes sent and sizes each read returned. */
  burstExample: { sent: number[]; read: number[] } | null = null;

  // eventfd
  efdWaits = 0; // PollDesc.wait('r') calls that returned ready
  efdReads = 0; // eventfd reads that returned a counter (> 0)
  efdSum = 0n; // the sum of those counters
  efdTimeouts = 0;
  efdWake = new Latencies(); // worker's write → main thread has the counter

  /** Anything that should not have happened; non-empty → the demo fails. */
  readonly problems: string[] = [];
  /** Worth saying, not worth failing for (timing under heavy load). */
  readonly notes: string[] = [];

  problem(msg: string): void {
    if (this.problems.length < 50) this.problems.push(msg);
  }
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(0)}ms`;
}

export function fmtCount(n: number | bigint): string {
  return n.toLocaleString('en-US');
}
