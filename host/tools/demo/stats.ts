// What the demo counts, and the few numbers it derives from the counts.

/** Round-trip or wake-up latencies, in milliseconds. */
export class Latencies {
  private samples = new Float64Array(4096);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  /** Nearest-rank percentiles (p in 0 … 100) over the samples from `from` on (default: all); NaN when none. */
  percentiles(ps: readonly number[], from = 0): number[] {
    const n = this.n - from;
    if (n <= 0) return ps.map(() => NaN);
    const sorted = this.samples.slice(from, this.n).sort();
    return ps.map((p) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  }
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
