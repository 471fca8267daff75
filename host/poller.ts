// Poller: one core, one drive, the waiters' promises.
//
// Every core call that can wake waiters returns the ready-list length and is
// followed by exactly one dispatch, which settles the woken waiters' promises.
// A batch (pump) returns to the drive what it needs next: the host bits, the
// earliest deadline, whether anything is left to wait for. Outside a batch,
// a change to waiters or timers (a PollDesc calls its site's `changed`) makes
// `settle()` tell the drive the same. Nothing below the Poller calls up into it. Waiter promises resolve with the ready-list code;
// PollDesc.wait turns that into Go's pollWait loop.

import { Engine } from './core/engine.js';
import { Code, Misuse } from './core/abi.js';
import { loadCore, type CoreFlavor } from './core/load.js';
import type { CoreExports } from './core/abi.js';
import { type BatchResult, type Drive, type Pump, afterBatch } from './drive/drive.js';
import { UvDrive } from './drive/uv.js';
import { ThreadDrive } from './drive/thread.js';
import { ClosedError, MisuseError, NotPollableError, errorForCode, CoreInconsistencyError } from './errors.js';
import { isSyscallError } from './os/errors.js';
import { PollDesc, type PollSite } from './polldesc.js';
import { Registry } from './registry.js';
import { Fairness } from './fairness.js';
import { IoPath, requestedIoMode, type IoMode, type IoStats } from './io-path.js';
import { installedTooling, type PostMortemWriter, type InspectorOptions, type InspectorHandle } from './tooling.js';
import { decodeSnapshot } from './inspect/decode.js';
import type { Inspection } from './inspect/types.js';
import { validateFd } from './os/args.js';
import { clockEpochMs } from './deadline.js';
import { inspect as nodeInspect, type InspectOptions } from 'node:util';
import { batchObserved, markBatch, publishBatch, pollerCloseChannel } from './observe/channels.js';

export type DriveMode = 'uv' | 'thread';

export interface PollerOptions {
  /** 'uv' (default): Node's loop watches the epoll fd. 'thread': a blocking epoll_wait on the threadpool. */
  drive?: DriveMode;
  /** Events read per epoll_wait (1 … 1024; default 128, as Go). */
  maxEvents?: number;
  /** 'debug' runs the core built with its internal asserts. */
  core?: CoreFlavor;
  /**
   * Wrap the core's exports before the poller uses them: every input the host
   * gives the core passes through the wrapper (trace recording uses this).
   */
  instrument?: (core: CoreExports) => CoreExports;
  /**
   * Keeps the evidence when the core counts an inconsistency it should never
   * reach: gets a copy of the core's memory, returns where it kept it (or
   * null). Default: the writer the package's entry points install
   * (tooling.ts: a writer of `netpoll inspect` files, host/inspect/postmortem.ts).
   */
  postMortem?: PostMortemWriter | null;
  /**
   * 'syscall' (default): one call per read or write. 'uring': the reads
   * and writes an epoll batch wakes are made by that batch in one
   * io_uring_enter (io-path.ts, wake-ahead.ts), falling back to 'syscall' where no ring can be set up (stats.io says
   * which is live and why). Without the option, NETPOLL_IO picks it.
   */
  io?: IoMode;
}

export interface PollerStats {
  descriptors: number;
  waiters: number;
  timers: number;
  staleEvents: number;
  /** The I/O path: asked for, live, why it fell back, and what the ring carried. */
  io: IoStats;
}

/** A factory the simulator uses to put its own drive under a Poller. */
export type DriveFactory = (pump: Pump, maxEvents: number) => Drive;

export class Poller {
  /** @internal */ readonly engine: Engine;
  /** @internal */ readonly drive: Drive;
  /** Which PollDesc owns each fd's registration (shared with the PollDescs). */
  private readonly registry: Registry<PollDesc>;
  /** What a PollDesc may touch: the engine, the drive's clock, the registry, the fairness slice. */
  private readonly site: PollSite;
  private referenced = true;
  private closed = false;
  private closing: Promise<void> | null = null;
  private inconsistentSeen = 0;
  private readonly postMortem: PostMortemWriter | null;
  private readonly io: IoPath;

  private constructor(engine: Engine, makeDrive: DriveFactory, maxEvents: number, postMortem: PostMortemWriter | null, io: IoMode) {
    this.engine = engine;
    this.postMortem = postMortem;
    const pump: Pump = {
      pump: (count, stride, now) => this.pump(count, stride, now),
      eventsView: (max, stride) => engine.eventsView(max, stride),
      writeEvents: (src) => engine.writeEvents(src),
    };
    this.drive = makeDrive(pump, maxEvents);
    this.registry = new Registry<PollDesc>(this.drive);
    try {
      this.io = new IoPath(io);
    } catch (err) {
      this.drive.close();
      throw err;
    }
    this.site = { engine, clock: this.drive, registry: this.registry, fairness: new Fairness(), changed: () => this.settle(), owner: this, ahead: this.io.ahead };
  }

  static async create(opts: PollerOptions = {}): Promise<Poller> {
    return Poller.createSync(opts);
  }

  /** @internal The synchronous constructor behind create(); also used by the simulator. */
  static createSync(opts: PollerOptions = {}, makeDrive?: DriveFactory): Poller {
    if (opts === null || typeof opts !== 'object') throw new MisuseError('bad-argument', `Poller.create: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    const maxEvents = opts.maxEvents ?? 128;
    if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 1024) {
      throw new MisuseError('bad-argument', `maxEvents must be an integer in 1 … 1024, got ${maxEvents}`);
    }
    const io = requestedIoMode(opts.io);
    const mode = opts.drive ?? 'uv';
    if (!makeDrive) {
      if (mode === 'uv') makeDrive = (p, m) => new UvDrive(p, m);
      else if (mode === 'thread') makeDrive = (p, m) => new ThreadDrive(p, m);
      else throw new MisuseError('bad-argument', `unknown drive mode ${JSON.stringify(mode)} (use 'uv' or 'thread')`);
    }
    const core = loadCore(opts.core);
    const postMortem = opts.postMortem === undefined ? installedTooling().postMortem : opts.postMortem;
    const poller = new Poller(new Engine(opts.instrument ? opts.instrument(core) : core), makeDrive, maxEvents, postMortem, io);
    installedTooling().inspector?.onCreate(poller); // NETPOLL_INSPECT (host/inspector/auto.ts)
    return poller;
  }

  get driveMode(): Drive['kind'] {
    return this.drive.kind;
  }

  /** Register fd (EPOLL_CTL_ADD, edge-triggered). The fd stays the caller's: PollDesc.close does not close it. */
  open(fd: number): PollDesc {
    this.assertOpen();
    validateFd(fd);
    if (this.drive.ownsFd?.(fd)) throw new MisuseError('bad-argument', `fd ${fd} is this poller's own epoll set or wake-up fd; it cannot watch itself`);
    const core = this.engine.core;
    const index = core.open(fd);
    if (index < 0) throw errorForCode(index, `open fd ${fd}`)!;
    const seq = core.seqOf(index) >>> 0; // u32 crosses the boundary as i32
    try {
      this.drive.add(fd, index, seq);
    } catch (err) {
      core.abandon(index, seq); // Go issue 44552: free at once, nothing else happened
      if (isSyscallError(err, 'EPERM')) throw new NotPollableError(`fd ${fd} is not pollable (epoll_ctl: EPERM; a regular file or directory?)`);
      if (isSyscallError(err, 'EEXIST')) throw new MisuseError('bad-argument', `fd ${fd} is already registered with this poller`);
      if (isSyscallError(err, 'EBADF')) throw new MisuseError('bad-argument', `fd ${fd} is not an open file descriptor (EBADF)`);
      if (isSyscallError(err, 'ELOOP')) throw new MisuseError('bad-argument', `fd ${fd} is an epoll set that (through others) watches this poller: a loop (ELOOP)`);
      throw err;
    }
    const pd = new PollDesc(this.site, fd, index, seq);
    this.registry.add(pd);
    return pd;
  }

  /** A copy of the core's memory. */
  snapshot(): Uint8Array {
    return this.engine.snapshot();
  }

  /** decodeSnapshot(snapshot()). */
  inspect(): Inspection {
    return decodeSnapshot(this.snapshot());
  }

  get stats(): PollerStats {
    const e = this.engine;
    return { descriptors: e.inUse, waiters: e.waiters, timers: e.timers, staleEvents: e.staleEvents, io: this.io.stats };
  }

  /**
   * Serve live inspection on a unix socket (mode 0600) through this library's
   * own PollFD: `netpoll top SOCKET` reads it. Stops when this poller closes;
   * never keeps the process alive. See inspector/protocol.ts.
   */
  serveInspector(opts: InspectorOptions = {}): Promise<InspectorHandle> {
    this.assertOpen();
    if (opts === null || typeof opts !== 'object') return Promise.reject(new MisuseError('bad-argument', 'serveInspector: options must be an object'));
    const inspector = installedTooling().inspector;
    if (!inspector) return Promise.reject(new MisuseError('bad-argument', 'serveInspector: no inspector is installed (import the package entry, netpoll-wasm)'));
    return inspector.serve([this], opts);
  }

  /** Keep the process alive while something waits (the default). */
  ref(): this {
    this.referenced = true;
    this.settle();
    return this;
  }

  /** Let the process exit even while operations wait, like an unref'd Node handle. */
  unref(): this {
    this.referenced = false;
    this.settle();
    return this;
  }

  /** Unblock every descriptor (their waiters reject with ClosedError), deregister them, stop the drive. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (pollerCloseChannel.hasSubscribers) pollerCloseChannel.publish({ poller: this });
    this.closing = (async () => {
      try {
        for (const pd of [...this.registry.live]) pd.close();
      } finally {
        // Whatever a descriptor's close threw, the drive and its fds go: a half-closed poller helps nobody.
        this.closed = true;
        this.registry.closed = true;
        try {
          this.drive.close();
        } finally {
          this.io.close();
        }
      }
    })();
    return this.closing;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new ClosedError('use of closed poller');
  }

  /** Run the core on one epoll batch (and the timers due at `now`), settle the woken; tell the drive what is left. */
  private pump(count: number, stride: number, now: bigint): BatchResult {
    const core = this.engine.core;
    const mark = batchObserved() ? markBatch(this.engine) : null; // observe/channels.ts
    let hostBits = 0;
    // Epoll batches reach pump from the drive's event-loop callbacks: timers and I/O just had their turn (fairness.ts).
    if (count > 0) this.site.fairness.loopTurned();
    for (;;) {
      const n = core.netpoll(count, stride, now);
      if (n < 0) throw errorForCode(n, 'netpoll')!;
      if (count > 0) hostBits |= this.engine.hostEvents;
      this.dispatchBatch(n);
      // Timers still due at `now` when the ready list filled: fire the rest (no new events).
      const next = this.engine.nextWhen;
      if (next === 0n || next > now) break;
      count = 0;
    }
    if (mark) publishBatch(this, this.engine, mark);
    return this.driveState(hostBits); // an inconsistency is the drive's to raise, after it acted (afterBatch)
  }

  /** Settle the batch's woken; on the 'uring' path the reads and writes they resume with are made first, in one io_uring_enter (wake-ahead.ts). */
  private dispatchBatch(n: number): void {
    const ahead = this.io.ahead;
    if (!ahead || n <= 0) return this.engine.dispatch(n);
    ahead.begin();
    try {
      this.engine.dispatch(n);
    } finally {
      ahead.finish();
    }
  }

  /**
   * What the drive acts on after a batch or any other change: the earliest
   * deadline, whether anything is armed, and whether that holds the process.
   * A deadline alone wakes nobody: it is served (the timer fires and its
   * expiry is recorded for later operations) but never holds the process;
   * only a waiter on a ref'd poller does, like a pending read on a socket.
   */
  private driveState(hostBits: number): BatchResult {
    const e = this.engine;
    return { hostBits, nextDeadline: e.nextWhen, active: e.waiters > 0 || e.timers > 0, ref: this.referenced && e.waiters > 0, failure: this.inconsistency() };
  }

  /** A new inconsistency the core counted: its error, with the post-mortem written (each one reported once); else null. */
  private inconsistency(): CoreInconsistencyError | null {
    const e = this.engine;
    if (e.inconsistent === this.inconsistentSeen) return null;
    this.inconsistentSeen = e.inconsistent;
    const path = this.postMortem ? this.postMortem(e.snapshot(), 'inconsistent-deadline') : null;
    return new CoreInconsistencyError('the core counted an inconsistent deadline firing', path);
  }

  // ── Node conventions ──────────────────────────────────────────────

  /** `await using poller = await Poller.create()`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** util.inspect: drive, state, counters, the open descriptors' fds (no engine internals). */
  [nodeInspect.custom](depth: number, options: InspectOptions, inspectFn: typeof nodeInspect = nodeInspect): string {
    const state = this.closed ? 'closed' : this.closing ? 'closing' : 'open';
    const view = this.closed
      ? { drive: this.drive.kind, state }
      : { drive: this.drive.kind, state, ref: this.referenced, ...this.stats, nextDeadline: this.nextDeadlineDate(), fds: this.someFds(100) };
    return `Poller ${inspectFn(view, { ...options, depth: 1 })}`;
  }

  /** The first `max` registered fd numbers (util.inspect shows no more). */
  private someFds(max: number): number[] {
    const out: number[] = [];
    for (const pd of this.registry.live) if (out.push(pd.fd) >= max) break;
    return out;
  }

  /** The earliest armed deadline as a wall-clock Date, or null. */
  private nextDeadlineDate(): Date | null {
    const next = this.engine.nextWhen;
    if (next === 0n) return null;
    return new Date(clockEpochMs(this.drive) + Number(next - this.drive.now()) / 1e6);
  }

  /** After anything outside a batch that changed waiters or timers (the site's `changed`): tell the drive. */
  private settle(): void {
    if (this.closed) return;
    afterBatch(this.drive, this.driveState(0));
  }
}

export { Code, Misuse };
export type { PostMortemWriter, InspectorOptions, InspectorHandle };
