// Connections spread evenly over worker pollers: one thread accepts, and
// hands each accepted fd to the least-loaded worker (issue 16, point 6).
//
// With a listening socket shared by every worker, the kernel wakes all their
// pollers and whoever runs first accepts: the spread follows scheduling luck
// (17 against 47 over two workers was measured). Here the accepting thread
// keeps count instead. Fds belong to the process, so a hand-off is the fd
// number over a MessagePort dedicated to the spreader; the worker opens a
// PollFD on it.
//
// Load of a worker = connections it has open + hand-offs it has not yet taken.
// Backpressure: at most `maxInFlight` untaken hand-offs per worker; when every
// worker is at its bound (or none is attached) the spreader stops accepting,
// and new connections wait in the kernel's backlog.
//
// Ownership, the invariant that keeps fds from leaking or being closed twice:
// an fd handed out belongs to the spreader until the worker's 'taken' for it
// arrives, and to the worker from then on. The worker posts 'taken'
// synchronously on receipt, before it can close the fd, and messages on a
// port arrive in order, so when the port closes (the worker ended, or was
// terminated) the fds still untaken are exactly those the worker never
// touched: the spreader closes them. Those it took are its own (a terminated
// worker's open PollFDs stay open, as anywhere: see the README).

import { MessagePort } from 'node:worker_threads';
import { closeFd } from './os/fd.js';
import { MisuseError } from './errors.js';
import { PollFD, type PollFDOptions } from './pollfd.js';
import { MAX_ACCEPT_BATCH } from './accept-batch.js';

/** Spreader → worker. */
interface HandOff {
  netpollFd: number;
}
/** Worker → spreader: the fd is the worker's now / one of its connections ended. */
type WorkerReport = { netpollTaken: number } | { netpollDone: true };

const MAX_IN_FLIGHT_LIMIT = 1024;
/**
 * Per worker. A burst of connections (a load generator opening 64 at once) is
 * accepted faster than a busy worker takes them; a small bound then sends the
 * rest of the burst to the others (16 left 54 against 74 over two workers).
 */
const DEFAULT_MAX_IN_FLIGHT = 64;

export interface AcceptSpreaderOptions {
  /** Untaken hand-offs per worker before the spreader picks another, or stops accepting (1 … 1024, default 64). */
  maxInFlight?: number;
}

export interface WorkerLoad {
  /** Connections the worker has taken and not yet finished. */
  open: number;
  /** Handed over, not yet taken. */
  inFlight: number;
  /** All hand-offs to this worker. */
  handed: number;
}

interface Target extends Omit<WorkerLoad, 'inFlight'> {
  port: MessagePort;
  /** Handed over, not yet taken: its size is the worker's inFlight. */
  untaken: Set<number>;
  /** When it was last handed a connection: ties in load go to the one served longest ago. */
  lastTurn: number;
  onMessage: (m: unknown) => void;
  onClose: () => void;
}

/**
 * Accepts on `listener` (a PollFD on a listening socket; it stays the
 * caller's) and hands each connection to the least-loaded worker added with
 * `add(port)`; that worker serves them with `serveHandedConnections(port, …)`.
 */
export class AcceptSpreader {
  private readonly targets: Target[] = [];
  private readonly maxInFlight: number;
  private readonly abort = new AbortController();
  private room: (() => void) | null = null;
  private turn = 0;
  private stopped = false;
  /** Settles when the spreader stops: resolves after close(), rejects with an accept error. */
  readonly done: Promise<void>;

  constructor(private readonly listener: PollFD, opts: AcceptSpreaderOptions = {}) {
    if (!(listener instanceof PollFD)) throw new MisuseError('bad-argument', 'AcceptSpreader: listener must be a PollFD on a listening socket');
    if (opts === null || typeof opts !== 'object') throw new MisuseError('bad-argument', 'AcceptSpreader: options must be an object');
    const max = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(max) || max < 1 || max > MAX_IN_FLIGHT_LIMIT) {
      throw new MisuseError('bad-argument', `AcceptSpreader: maxInFlight must be an integer in 1 … ${MAX_IN_FLIGHT_LIMIT}, got ${max}`);
    }
    this.maxInFlight = max;
    this.done = this.run().finally(() => (this.stopped = true));
  }

  /** A worker's end of a channel dedicated to the spreader; the worker serves it with serveHandedConnections. */
  add(port: MessagePort): void {
    if (!(port instanceof MessagePort)) throw new MisuseError('bad-argument', 'AcceptSpreader.add: expected a MessagePort');
    if (this.targets.some((t) => t.port === port)) throw new MisuseError('bad-argument', 'AcceptSpreader.add: this port was added already');
    if (this.stopped || this.abort.signal.aborted) throw new MisuseError('bad-argument', 'AcceptSpreader.add: the spreader is closed'); // `stopped` is set only once run() has wound down
    const t: Target = {
      port, open: 0, handed: 0, untaken: new Set(), lastTurn: 0,
      onMessage: (m) => this.report(t, m),
      onClose: () => this.lose(t),
    };
    port.on('message', t.onMessage);
    port.on('close', t.onClose);
    this.targets.push(t);
    this.wakeRoom();
  }

  /** Each attached worker's load, in the order they were added. */
  get loads(): WorkerLoad[] {
    return this.targets.map(({ open, untaken, handed }) => ({ open, inFlight: untaken.size, handed }));
  }

  /** Stop accepting (the listener stays open). Hand-offs already made stay tracked, without keeping the process alive. */
  close(): Promise<void> {
    if (!this.abort.signal.aborted) {
      this.abort.abort();
      this.wakeRoom();
      for (const t of this.targets) t.port.unref();
    }
    return this.done.catch(() => {});
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await this.untilRoom();
      if (signal.aborted) return;
      let fds: number[];
      try {
        // As many as the workers have room for, in one go (accept-batch.ts: a burst is not taken one per event-loop round).
        fds = await this.listener.acceptMany({ signal, max: Math.min(this.roomLeft(), MAX_ACCEPT_BATCH) });
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      for (let i = 0; i < fds.length; i++) {
        // A worker may have gone while we waited: pick now, and hold the fd until one has room.
        let t = this.pick();
        while (!t) {
          await this.untilRoom();
          if (signal.aborted) {
            for (const fd of fds.slice(i)) closeFd(fd);
            return;
          }
          t = this.pick();
        }
        this.handTo(t, fds[i]);
      }
    }
  }

  /** Hand-offs the attached workers can still take before each reaches its bound (at least 1 once untilRoom passed). */
  private roomLeft(): number {
    let room = 0;
    for (const t of this.targets) room += Math.max(0, this.maxInFlight - t.untaken.size);
    return Math.max(1, room);
  }

  /** Least loaded among those with room; ties to the one served longest ago. */
  private pick(): Target | null {
    let best: Target | null = null;
    let bestLoad = 0;
    for (const t of this.targets) {
      const load = t.open + t.untaken.size;
      if (t.untaken.size >= this.maxInFlight) continue;
      if (!best || load < bestLoad || (load === bestLoad && t.lastTurn < best.lastTurn)) {
        best = t;
        bestLoad = load;
      }
    }
    return best;
  }

  private handTo(t: Target, fd: number): void {
    t.untaken.add(fd);
    t.handed++;
    t.lastTurn = ++this.turn;
    const msg: HandOff = { netpollFd: fd };
    t.port.postMessage(msg);
  }

  private report(t: Target, m: unknown): void {
    if (m === null || typeof m !== 'object') return;
    const r = m as { netpollTaken?: unknown; netpollDone?: unknown };
    if (typeof r.netpollTaken === 'number' && t.untaken.delete(r.netpollTaken)) {
      t.open++;
      this.wakeRoom();
    } else if (r.netpollDone === true && t.open > 0) {
      t.open--;
    }
  }

  /** The worker's end closed: what it never took is still ours to close. */
  private lose(t: Target): void {
    const i = this.targets.indexOf(t);
    if (i < 0) return;
    this.targets.splice(i, 1);
    t.port.off('message', t.onMessage);
    t.port.off('close', t.onClose);
    for (const fd of t.untaken) closeFd(fd);
    t.untaken.clear();
  }

  private untilRoom(): Promise<void> {
    if (this.pick() || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => (this.room = resolve));
  }

  private wakeRoom(): void {
    const room = this.room;
    this.room = null;
    room?.();
  }
}

export interface ServeHandedOptions extends PollFDOptions {
  /** A handler's failure; by default rethrown as an uncaught exception, as a failing 'connection' listener would be. */
  onError?: (err: unknown) => void;
}

/**
 * The worker's side of an AcceptSpreader: `handler(conn)` runs for each
 * connection handed over `port`; when it settles, the PollFD is closed (if
 * the handler did not) and the spreader is told. Returns a function that
 * stops receiving (closing the port; the spreader closes what it had still
 * in flight to this worker).
 */
export function serveHandedConnections(port: MessagePort, handler: (conn: PollFD) => unknown, opts: ServeHandedOptions = {}): () => void {
  if (!(port instanceof MessagePort)) throw new MisuseError('bad-argument', 'serveHandedConnections: expected a MessagePort');
  if (typeof handler !== 'function') throw new MisuseError('bad-argument', 'serveHandedConnections: handler must be a function');
  if (opts === null || typeof opts !== 'object') throw new MisuseError('bad-argument', 'serveHandedConnections: options must be an object');
  const onError = opts.onError ?? ((err: unknown) => setImmediate(() => { throw err; }));
  const report = (r: WorkerReport): void => port.postMessage(r);
  const serve = async (fd: number): Promise<void> => {
    let conn: PollFD;
    try {
      conn = await PollFD.open(fd, { poller: opts.poller });
    } catch (err) {
      try {
        closeFd(fd);
      } catch (closeErr) {
        onError(closeErr);
      }
      report({ netpollDone: true }); // the spreader's count goes down whatever happened to the fd
      return onError(err);
    }
    try {
      await handler(conn);
    } catch (err) {
      onError(err);
    } finally {
      try {
        await conn.close();
      } catch (err) {
        onError(err);
      }
      report({ netpollDone: true }); // even when close failed: else the spreader counts this worker busier for good
    }
  };
  port.on('message', (m: unknown) => {
    const fd = (m as Partial<HandOff> | null)?.netpollFd;
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return;
    report({ netpollTaken: fd }); // first: from here on the fd is ours (see the ownership rule above)
    void serve(fd);
  });
  return () => port.close();
}
