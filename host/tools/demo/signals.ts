// The eventfd half of the demo: a worker thread signals, the main thread
// waits with the low-level API — PollDesc.wait('r') under a read deadline —
// and drains the counter with read(2). Node has no way to wait on an eventfd
// without a native addon; here it is one more descriptor in the same epoll
// set as the sockets.

import { Worker } from 'node:worker_threads';
import type { Poller } from '../../poller.js';
import type { PollDesc } from '../../polldesc.js';
import { ClosedError, DeadlineExceededError } from '../../errors.js';
import { eventFd, eventFdRead } from '../../os/event.js';
import { closeFd } from '../../os/fd.js';
import type { DemoStats } from './stats.js';
import type { WorkerInput, WorkerReport } from './worker.js';

export const SIGNAL_TUNING = {
  /** The reader's deadline for each wait: longer than any ordinary gap between signals… */
  deadlineMs: 300,
  /** …shorter than the worker's deliberate quiet gaps, so each gap costs exactly one timeout. */
  gapMs: 450,
  gapEveryMs: 2000,
};

export class EventFdSignals {
  readonly fd: number;
  private readonly pd: PollDesc;
  private readonly shared = new SharedArrayBuffer(16);
  private readonly lastWrite = new BigInt64Array(this.shared, 8, 1);
  private worker: Worker | null = null;
  private reading: Promise<void> = Promise.resolve();
  private stopping = false;
  private closed = false;
  private terminating = false;
  report: WorkerReport | null = null;
  private workerDone: Promise<void> = Promise.resolve();

  constructor(poller: Poller, private readonly stats: DemoStats) {
    this.fd = eventFd();
    try {
      this.pd = poller.open(this.fd);
    } catch (err) {
      closeFd(this.fd);
      throw err;
    }
  }

  /** Start the worker (its quiet gaps all end within gapsUntilMs; it signals until stop()) and the reader. */
  start(gapsUntilMs: number): void {
    const input: WorkerInput = { fd: this.fd, shared: this.shared, gapsUntilMs, gapMs: SIGNAL_TUNING.gapMs, gapEveryMs: SIGNAL_TUNING.gapEveryMs };
    // execArgv: [] — the worker is plain JS and must not inherit flags such as --input-type or --eval.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, execArgv: [] });
    this.worker = worker;
    this.workerDone = new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerReport) => (this.report = m));
      worker.on('error', (err) => this.stats.problem(`eventfd worker: ${err.message}`));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.terminating) this.stats.problem(`eventfd worker exited with code ${code}`);
        resolve();
      });
    });
    // Deadlines start once the worker runs: its start-up time is not a quiet gap.
    worker.once('online', () => {
      if (this.stopping) return;
      this.reading = this.read().catch((err) => this.stats.problem(`eventfd reader: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  private take(): void {
    const v = eventFdRead(this.fd); // the summed increments, and the counter is 0 again
    if (v === null) return; // a readiness notification with nothing left (already drained)
    this.stats.efdReads++;
    this.stats.efdSum += v;
    this.stats.efdWake.add(Number(process.hrtime.bigint() - this.lastWrite[0]) / 1e6);
  }

  /** Go's pollDesc loop, by hand: set the deadline, try the syscall, wait for readiness, repeat. */
  private async read(): Promise<void> {
    for (;;) {
      if (!this.stopping) this.pd.setDeadline(Date.now() + SIGNAL_TUNING.deadlineMs, 'r');
      this.take();
      try {
        await this.pd.wait('r');
        this.stats.efdWaits++;
      } catch (err) {
        if (err instanceof ClosedError && this.terminating) return; // dispose() after a failure
        if (!(err instanceof DeadlineExceededError)) throw err;
        if (this.stopping) return;
        this.stats.efdTimeouts++;
      }
    }
  }

  /** Stop the worker, then the reader; drain what is left; close. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.stopping = true; // from here on a timeout ends the reader instead of counting
    const ctl = new Int32Array(this.shared, 0, 1);
    Atomics.store(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    await this.workerDone;
    this.worker = null;
    // A deadline in the past wakes the blocked wait at once with a timeout: Go's way to interrupt a read.
    this.pd.setDeadline(Date.now() - 1, 'r');
    await this.reading;
    this.take(); // whatever the last write left in the counter
    this.close();
  }

  /** After a failure: end the worker at once and close, without the orderly drain. Idempotent. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    this.terminating = true;
    if (this.worker) await this.worker.terminate();
    this.worker = null;
    this.close();
  }

  private close(): void {
    this.closed = true;
    this.pd.close(); // a reader still parked fails with ClosedError
    closeFd(this.fd); // the worker is gone, so nothing can write to a reused fd number
  }
}
