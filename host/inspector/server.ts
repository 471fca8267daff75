// The inspector endpoint: a unix socket, served through this library's own
// PollFD on a poller of its own, answering the protocol in protocol.ts.
//
// Why its own poller: it is unref'd, so the inspector never keeps the
// process alive, and its descriptors (listener, clients) never appear in the
// figures of the pollers it serves (they are listed in the frame's
// `inspector.ownFds` instead).
//
// Inside a worker an unref'd poller serves no waits until ref() (its drive
// waits on the threadpool, and a call in flight would keep the worker alive:
// drive/worker-safe.ts). The inspector's poller stays unref'd there and is
// polled instead: an unref'd interval takes a non-blocking batch every
// WORKER_POLL_MS (one epoll_wait that returns at once, and one core call: a
// few µs, 20 times a second per inspector, measured in the README). So in a
// worker each accept, read or blocked write of a client waits up to that
// long; nothing else changes.
//
// What a client can cost the served process, and why it is bounded:
//   - memory: one read buffer of MAX_REQUEST_BYTES and one response in
//     flight per client, at most `maxClients` clients (more are closed at
//     accept); a client that reads nothing of its response for
//     `writeTimeoutMs` (each 64 KiB chunk has its own write deadline) is
//     closed;
//   - time: a client idle for `idleMs` is closed; after every request and
//     every accept the server yields to the event loop (setImmediate), so a
//     client that keeps data flowing cannot starve the served process; frames
//     are shared and recomputed at most every max(FRAME_CACHE_MS, min(2 s, 10 × the
//     time the last one took)), so inspection takes at most ~10% of the
//     process's time (for frames built in under 200 ms) however many clients
//     ask how often.

import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import diagnostics_channel from 'node:diagnostics_channel';
import { isMainThread } from 'node:worker_threads';
import { Poller, type InspectorOptions } from '../poller.js';
import { PollFD } from '../pollfd.js';
import { MisuseError, ClosedError } from '../errors.js';
import { closeFd, writeFd } from '../os/fd.js';
import { unixListenOwnerOnly } from '../sys/private-listen.js';
import { unixConnect } from '../sys/socket.js';
import { isSyscallError } from '../os/errors.js';
import { CHANNEL_POLLER_CLOSE, type PollerCloseMessage } from '../observe/channels.js';
import { watch, unwatch, type PollerFigures } from './figures.js';
import { pollerFrame, type SeenAt } from './frame.js';
import { ensurePrivateDir, inspectorDir, socketPathForPid } from './paths.js';
import {
  PROTOCOL_VERSION, MAX_REQUEST_BYTES, FRAME_CACHE_MS, MAX_SNAPSHOT_BYTES,
  type ErrorResponse, type Frame, type InspectorFrame,
} from './protocol.js';

export type { InspectorOptions };

const MAX_CLIENTS_LIMIT = 1024;
/** Responses are written in chunks of this size, each under its own write deadline. */
const WRITE_CHUNK = 64 << 10;
/** However slow a frame was to build, a newer one is built after this long. */
const MAX_FRAME_REUSE_MS = 2000;
/** Inside a worker: how often the inspector's own (unref'd) poller is polled without blocking. */
export const WORKER_POLL_MS = 50;

function positiveInt(v: unknown, name: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new MisuseError('bad-argument', `${name} must be an integer in 1 … ${max}, got ${String(v)}`);
  return v;
}

/** True while the server builds its own poller: the NETPOLL_INSPECT hook must not inspect it. */
let buildingOwnPoller = false;
export const isBuildingOwnPoller = (): boolean => buildingOwnPoller;

export class InspectorServer {
  readonly path: string;
  private readonly pollers = new Map<Poller, PollerFigures>();
  private readonly seen = new Map<Poller, SeenAt>();
  private readonly clients = new Set<PollFD>();
  private readonly stats: Omit<InspectorFrame, 'path' | 'clients' | 'maxClients' | 'ownFds'> = {
    accepted: 0, refused: 0, closedIdle: 0, closedSlow: 0, closedTooLarge: 0, requests: 0, badRequests: 0, framesBuilt: 0,
  };
  private cached: { at: number; text: string; costMs: number } | null = null;
  private closing: Promise<void> | null = null;
  private readonly onPollerClose = (m: unknown): void => this.remove((m as PollerCloseMessage<Poller>).poller);
  private readonly onExit = (): void => this.unlinkSocket();
  /** Inside a worker: the interval that polls the own poller (see the header). */
  private readonly workerPoll: NodeJS.Timeout | null;
  /** Close when the last served poller closes. */
  stopWhenEmpty = true;

  private constructor(
    private readonly own: Poller,
    private readonly listener: PollFD,
    path: string,
    private readonly maxClients: number,
    private readonly idleMs: number,
    private readonly writeTimeoutMs: number,
  ) {
    this.path = path;
    diagnostics_channel.subscribe(CHANNEL_POLLER_CLOSE, this.onPollerClose);
    process.on('exit', this.onExit);
    this.workerPoll = isMainThread ? null : setInterval(() => own.drive.pollNow?.(), WORKER_POLL_MS).unref();
    void this.acceptLoop().catch(() => {});
  }

  /** Listen on the socket and serve `pollers`. */
  static async start(pollers: Poller[], opts: InspectorOptions = {}): Promise<InspectorServer> {
    const maxClients = positiveInt(opts.maxClients, 'maxClients', 8, MAX_CLIENTS_LIMIT);
    const idleMs = positiveInt(opts.idleMs, 'idleMs', 60_000, 86_400_000);
    const writeTimeoutMs = positiveInt(opts.writeTimeoutMs, 'writeTimeoutMs', 2_000, 86_400_000);
    if (opts.path !== undefined && (typeof opts.path !== 'string' || opts.path === '')) throw new MisuseError('bad-argument', 'path must be a non-empty string');
    const path = opts.path ?? socketPathForPid(process.pid);
    if (opts.path === undefined) {
      ensurePrivateDir(inspectorDir());
      removeStaleSocket(path); // same pid: a dead process's, or a crashed earlier server's
    } else if (existsSync(path)) {
      throw new MisuseError('bad-argument', `inspector socket path ${path} already exists (remove it, or choose another path)`);
    }
    buildingOwnPoller = true;
    let own: Poller;
    try {
      own = Poller.createSync();
    } finally {
      buildingOwnPoller = false;
    }
    own.unref();
    let fd = -1;
    try {
      fd = unixListenOwnerOnly(path);
      const listener = await PollFD.open(fd, { poller: own });
      const server = new InspectorServer(own, listener, path, maxClients, idleMs, writeTimeoutMs);
      for (const p of pollers) server.add(p);
      return server;
    } catch (err) {
      if (fd >= 0) {
        closeFd(fd);
        try {
          unlinkSync(path);
        } catch {
          // not created
        }
      }
      await own.close();
      throw err;
    }
  }

  /** Serve one more poller. */
  add(poller: Poller): void {
    if (this.closing || this.pollers.has(poller) || poller.isClosed) return;
    this.pollers.set(poller, watch(poller));
    this.seen.set(poller, new Map());
  }

  private remove(poller: Poller): void {
    if (!this.pollers.delete(poller)) return;
    this.seen.delete(poller);
    unwatch(poller);
    if (this.pollers.size === 0 && this.stopWhenEmpty) void this.close();
  }

  get isClosed(): boolean {
    return this.closing !== null;
  }

  /** Stop listening, disconnect every client, remove the socket file. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      diagnostics_channel.unsubscribe(CHANNEL_POLLER_CLOSE, this.onPollerClose);
      process.off('exit', this.onExit);
      for (const p of [...this.pollers.keys()]) {
        this.pollers.delete(p);
        unwatch(p);
      }
      this.unlinkSocket();
      await Promise.allSettled([this.listener.close(), ...[...this.clients].map((c) => c.close())]);
      if (this.workerPoll) clearInterval(this.workerPoll);
      await this.own.close();
    })();
    return this.closing;
  }

  private unlinkSocket(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already removed
    }
  }

  private async acceptLoop(): Promise<void> {
    while (!this.closing) {
      let fd: number;
      try {
        fd = await this.listener.accept();
      } catch (err) {
        if (this.closing || err instanceof ClosedError) return;
        await sleep(100, undefined, { ref: false }); // EMFILE and the like: back off instead of spinning
        continue;
      }
      if (this.closing) {
        closeFd(fd);
        return;
      }
      this.admit(fd);
      await yieldToLoop(undefined, { ref: false });
    }
  }

  /** Serve an accepted fd, or refuse it at the cap. Never throws: the accept loop must not die. */
  private admit(fd: number): void {
    try {
      if (this.clients.size >= this.maxClients) {
        this.stats.refused++;
        try {
          writeFd(fd, Buffer.from(`${JSON.stringify(errorResponse('too-many-clients', `at most ${this.maxClients} clients at once`))}\n`)); // best effort, never waits
        } catch {
          // the client is gone already
        }
        closeFd(fd);
      } else {
        this.stats.accepted++;
        void this.serve(fd).catch(() => {});
      }
    } catch {
      // closing a refused fd failed: nothing more to do for it
    }
  }

  private async serve(fd: number): Promise<void> {
    let c: PollFD;
    try {
      c = await PollFD.open(fd, { poller: this.own });
    } catch {
      closeFd(fd);
      return;
    }
    this.clients.add(c);
    const buf = Buffer.allocUnsafe(MAX_REQUEST_BYTES);
    let len = 0;
    try {
      while (!this.closing) {
        const nl = buf.subarray(0, len).indexOf(10);
        if (nl < 0) {
          if (len >= MAX_REQUEST_BYTES) {
            this.stats.closedTooLarge++;
            await this.respond(c, JSON.stringify(errorResponse('too-large', `a request is at most ${MAX_REQUEST_BYTES} bytes, newline included`)));
            return;
          }
          c.setReadDeadline(Date.now() + this.idleMs);
          let n: number;
          try {
            n = await c.read(buf.subarray(len));
          } catch (err) {
            if ((err as { code?: string }).code === 'ETIMEDOUT') this.stats.closedIdle++;
            return;
          }
          if (n === 0) return;
          len += n;
          continue;
        }
        const line = buf.toString('utf8', 0, nl);
        buf.copyWithin(0, nl + 1, len);
        len -= nl + 1;
        this.stats.requests++;
        if (!(await this.respond(c, this.answer(line)))) return;
        await yieldToLoop(undefined, { ref: false });
      }
    } finally {
      this.clients.delete(c);
      await c.close().catch(() => {});
    }
  }

  /** Write one response line under the write deadline; false (client to be closed) if it could not be written. */
  private async respond(c: PollFD, text: string): Promise<boolean> {
    try {
      // The deadline is per chunk: a client is disconnected when it stops reading for writeTimeoutMs,
      // not for being slower than the whole of a large response (a snapshot is megabytes).
      const bytes = Buffer.from(`${text}\n`);
      for (let at = 0; at < bytes.length; at += WRITE_CHUNK) {
        c.setWriteDeadline(Date.now() + this.writeTimeoutMs);
        await c.write(bytes.subarray(at, at + WRITE_CHUNK));
      }
      c.setWriteDeadline(null);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ETIMEDOUT') this.stats.closedSlow++;
      return false;
    }
  }

  /** The response to one request line (never throws). */
  private answer(line: string): string {
    let req: unknown;
    try {
      req = JSON.parse(line);
    } catch {
      this.stats.badRequests++;
      return JSON.stringify(errorResponse('bad-json', 'a request is one JSON object per line, e.g. {"op":"frame"}'));
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      this.stats.badRequests++;
      return JSON.stringify(errorResponse('bad-request', 'a request is a JSON object with an "op" field'));
    }
    const r = req as { op?: unknown; poller?: unknown };
    try {
      switch (r.op) {
        case 'hello':
          return JSON.stringify({
            ok: true, op: 'hello', protocol: PROTOCOL_VERSION, pid: process.pid,
            pollers: [...this.pollers.values()].map((f) => f.id),
            limits: { maxRequestBytes: MAX_REQUEST_BYTES, maxClients: this.maxClients, idleMs: this.idleMs, writeTimeoutMs: this.writeTimeoutMs },
          });
        case 'frame':
          return this.frameText();
        case 'snapshot': {
          const f = [...this.pollers.values()].find((x) => x.id === r.poller) ?? (r.poller === undefined && this.pollers.size === 1 ? [...this.pollers.values()][0] : undefined);
          if (!f) {
            this.stats.badRequests++;
            return JSON.stringify(errorResponse('no-such-poller', `no poller ${JSON.stringify(r.poller ?? null)} here (see "pollers" in hello)`));
          }
          const bytes = f.poller.snapshot();
          if (bytes.byteLength > MAX_SNAPSHOT_BYTES) return JSON.stringify(errorResponse('too-large', `the snapshot is ${bytes.byteLength} bytes, over the ${MAX_SNAPSHOT_BYTES} the inspector sends`));
          return JSON.stringify({ ok: true, op: 'snapshot', poller: f.id, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') });
        }
        default:
          this.stats.badRequests++;
          return JSON.stringify(errorResponse('unknown-op', `unknown op ${JSON.stringify(r.op ?? null).slice(0, 64)} (hello, frame, snapshot)`));
      }
    } catch (err) {
      return JSON.stringify(errorResponse('internal', (err as Error)?.message ?? String(err)));
    }
  }

  private frameText(): string {
    const now = performance.now();
    // Shared, and at most ~10% of the process's time however often clients ask: a frame that took
    // c ms to build is reused for max(FRAME_CACHE_MS, min(10·c, MAX_FRAME_REUSE_MS)) ms (decoding a huge poller is slow).
    if (this.cached && now - this.cached.at < Math.max(FRAME_CACHE_MS, Math.min(10 * this.cached.costMs, MAX_FRAME_REUSE_MS))) return this.cached.text;
    this.stats.framesBuilt++;
    const mem = process.memoryUsage();
    const frame: Frame = {
      ok: true,
      op: 'frame',
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      timeMs: Date.now(),
      process: { rss: mem.rss, heapUsed: mem.heapUsed },
      pollers: [...this.pollers].filter(([p]) => !p.isClosed).map(([p, f]) => pollerFrame(p, f, this.seen.get(p)!)),
      inspector: {
        path: this.path,
        clients: this.clients.size,
        maxClients: this.maxClients,
        ...this.stats,
        ownFds: [this.listener.fd, ...[...this.clients].map((c) => c.fd)],
      },
    };
    const text = JSON.stringify(frame);
    this.cached = { at: now, text, costMs: performance.now() - now };
    return text;
  }
}

function errorResponse(error: ErrorResponse['error'], message: string): ErrorResponse {
  return { ok: false, error, message };
}

/**
 * Remove a socket file nobody listens on (a process that died without
 * cleaning up). One that accepts a connection belongs to a live server (a
 * child process that inherited NETPOLL_INSPECT, say): refuse rather than
 * steal it.
 */
export function removeStaleSocket(path: string): void {
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // missing: fine
  }
  if (!isSocket) return; // bind reports EADDRINUSE with the path
  let probe: number;
  try {
    probe = unixConnect(path).fd;
  } catch (err) {
    if (isSyscallError(err, 'ECONNREFUSED')) unlinkSync(path);
    return;
  }
  closeFd(probe);
  throw new MisuseError('bad-argument', `inspector socket ${path} is in use by a live process; choose another path`);
}

