// Poller: one core, one drive, the waiters' promises.
//
// Every core call that can wake waiters returns the ready-list length and is
// followed by exactly one dispatch, which settles the woken waiters' promises;
// then `settle()` tells the drive whether anything is left to wait for and
// where the earliest deadline is. Waiter promises resolve with the ready-list
// code; PollDesc.wait turns that into Go's pollWait loop.

import { Engine } from './core/engine.js';
import { Code, Misuse } from './core/abi.js';
import { loadCore, type CoreFlavor } from './core/load.js';
import type { CoreExports } from './core/abi.js';
import { type Drive, type Pump } from './drive/drive.js';
import { UvDrive } from './drive/uv.js';
import { ThreadDrive } from './drive/thread.js';
import { ClosedError, MisuseError, NotPollableError, errorForCode, CoreInconsistencyError } from './errors.js';
import { isSyscallError } from './sys/errors.js';
import { PollDesc, type PollDescInternals } from './polldesc.js';
import { decodeSnapshot } from './inspect/decode.js';
import type { Inspection } from './inspect/types.js';
import { writePostMortem } from './inspect/postmortem.js';
import { epochNowMs } from './deadline.js';
import { InspectorServer, type InspectorOptions } from './inspector/server.js';
import { autoInspect } from './inspector/auto.js';
import { ownerOf, batchObserved, markBatch, publishBatch, pollerCloseChannel } from './observe/channels.js';

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
}

export interface PollerStats {
  descriptors: number;
  waiters: number;
  timers: number;
  staleEvents: number;
}

/** A factory the simulator uses to put its own drive under a Poller. */
export type DriveFactory = (pump: Pump, maxEvents: number) => Drive;

export class Poller {
  /** @internal */ readonly engine: Engine;
  /** @internal */ readonly drive: Drive;
  /**
   * The open PollDesc of each fd number. epoll registrations belong to open
   * files but EPOLL_CTL_DEL names an fd number: when a caller closed an fd and
   * its number was reused and registered again, only the newer PollDesc may
   * remove the registration.
   */
  private readonly byFd = new Map<number, PollDesc>();
  /** Every open PollDesc, stale ones included: close() unblocks them all. */
  private readonly live = new Set<PollDesc>();
  private referenced = true;
  private closed = false;
  private closing: Promise<void> | null = null;
  private inconsistentSeen = 0;

  private constructor(engine: Engine, makeDrive: DriveFactory, maxEvents: number) {
    this.engine = engine;
    const pump: Pump = {
      pump: (count, stride) => this.pump(count, stride),
      eventsView: (max, stride) => engine.eventsView(max, stride),
      writeEvents: (src) => engine.writeEvents(src),
    };
    this.drive = makeDrive(pump, maxEvents);
  }

  static async create(opts: PollerOptions = {}): Promise<Poller> {
    return Poller.createSync(opts);
  }

  /** @internal The synchronous constructor behind create(); also used by the simulator. */
  static createSync(opts: PollerOptions = {}, makeDrive?: DriveFactory): Poller {
    const maxEvents = opts.maxEvents ?? 128;
    if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 1024) {
      throw new MisuseError('bad-argument', `maxEvents must be an integer in 1 … 1024, got ${maxEvents}`);
    }
    const mode = opts.drive ?? 'uv';
    if (!makeDrive) {
      if (mode === 'uv') makeDrive = (p, m) => new UvDrive(p, m);
      else if (mode === 'thread') makeDrive = (p, m) => new ThreadDrive(p, m);
      else throw new MisuseError('bad-argument', `unknown drive mode ${JSON.stringify(mode)} (use 'uv' or 'thread')`);
    }
    const core = loadCore(opts.core);
    const poller = new Poller(new Engine(opts.core, opts.instrument ? opts.instrument(core) : core), makeDrive, maxEvents);
    if (process.env.NETPOLL_INSPECT) autoInspect(poller); // inspector/paths.ts: the variable's values
    return poller;
  }

  get driveMode(): Drive['kind'] {
    return this.drive.kind;
  }

  /** Register fd (EPOLL_CTL_ADD, edge-triggered). The fd stays the caller's: PollDesc.close does not close it. */
  open(fd: number): PollDesc {
    this.assertOpen();
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new MisuseError('bad-argument', `not a file descriptor: ${fd}`);
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
      throw err;
    }
    const pd = new PollDesc(this.internals, fd, index, seq);
    // A PollDesc still mapped here belongs to an fd the caller closed before its number came back.
    this.byFd.set(fd, pd);
    this.live.add(pd);
    ownerOf.set(pd, this);
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
    return { descriptors: e.inUse, waiters: e.waiters, timers: e.timers, staleEvents: e.staleEvents };
  }

  /**
   * Serve live inspection on a unix socket (mode 0600) through this library's
   * own PollFD: `netpoll top SOCKET` reads it. Stops when this poller closes;
   * never keeps the process alive. See inspector/protocol.ts.
   */
  serveInspector(opts: InspectorOptions = {}): Promise<InspectorServer> {
    this.assertOpen();
    return InspectorServer.start([this], opts);
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
      for (const pd of [...this.live]) pd.close();
      this.closed = true;
      this.drive.close();
    })();
    return this.closing;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new ClosedError('use of closed poller');
  }

  /** Run the core on one epoll batch (and due timers), settle the woken. Returns the host-sentinel bits of the batch. */
  private pump(count: number, stride: number): number {
    const core = this.engine.core;
    const now = this.drive.now();
    const mark = batchObserved() ? markBatch(this.engine) : null; // observe/channels.ts
    let hostBits = 0;
    for (;;) {
      const n = core.netpoll(count, stride, now);
      if (n < 0) throw errorForCode(n, 'netpoll')!;
      if (count > 0) hostBits |= this.engine.hostEvents;
      this.engine.dispatch(n);
      // Timers still due at `now` when the ready list filled: fire the rest (no new events).
      const next = this.engine.nextWhen;
      if (next === 0n || next > now) break;
      count = 0;
    }
    if (mark) publishBatch(this, this.engine, mark);
    this.settle();
    return hostBits;
  }

  /** After anything that changed waiters or timers: tell the drive. */
  private settle(): void {
    if (this.closed) return;
    const e = this.engine;
    this.drive.deadline(e.nextWhen);
    this.drive.activity(e.waiters > 0 || e.timers > 0, this.referenced);
    if (e.inconsistent !== this.inconsistentSeen) {
      this.inconsistentSeen = e.inconsistent;
      const path = writePostMortem(e.snapshot(), 'inconsistent-deadline');
      throw new CoreInconsistencyError('the core counted an inconsistent deadline firing', path);
    }
  }

  /** What a PollDesc may touch. */
  private readonly internals: PollDescInternals = {
    engine: () => this.engine,
    now: () => this.drive.now(),
    epochNowMs: () => (this.drive.epochNowMs ? this.drive.epochNowMs() : epochNowMs()),
    settle: () => this.settle(),
    deregister: (pd: PollDesc) => {
      this.live.delete(pd);
      if (this.byFd.get(pd.fd) !== pd) return; // the number was reused and registered anew: not ours to remove
      this.byFd.delete(pd.fd);
      if (!this.closed) this.drive.del(pd.fd);
    },
  };
}

export { Code, Misuse };
