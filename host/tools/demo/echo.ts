// The SOCK_SEQPACKET half of the demo: an echo server on a listening unix
// socket and clients that use Go-style read deadlines.
//
// Node's net module speaks SOCK_STREAM unix sockets only; a SEQPACKET socket
// keeps message boundaries (one send = one recv, whole) and here every byte
// of it goes through PollFD: accept, read, write, deadlines, close.
//
// Wire format of a request (the reply is the same bytes):
//   0      1      2            6
//   ┌──────┬──────┬────────────┬──────────────────────┐
//   │ kind │client│ seq (u32le)│ payload (random)     │
//   └──────┴──────┴────────────┴──────────────────────┘
// kind 'E' echo at once, 'S' the server's slow path (reply after SLOW_REPLY_MS).

import { PollFD } from '../../pollfd.js';
import type { Poller } from '../../poller.js';
import { ClosedError, DeadlineExceededError } from '../../errors.js';
import { unixListen, unixConnect } from '../../sys/socket.js';
import { closeFd } from '../../os/fd.js';
import type { DemoStats } from './stats.js';
import { epochNowMs } from '../../deadline.js';

export const TUNING = {
  /** Deadline for an ordinary echo: generous, so a miss means something is wrong. */
  echoDeadlineMs: 2000,
  /** The server's slow path holds a reply this long… */
  slowReplyMs: 400,
  /** …and the client waits only this long for it: a deliberate timeout. */
  slowDeadlineMs: 100,
  /** Server side: a connection idle this long is dropped (never happens in the demo; the timers are visible in the table). */
  idleMs: 5000,
  /** A client issues a slow request about every 1.5–2.5 s, reconnects about every 2–3.5 s, bursts 4% of the time. */
  slowEveryMs: [1500, 2500] as const,
  reconnectEveryMs: [2000, 3500] as const,
  burstChance: 0.04,
  /** Pause between a client's requests (ms). */
  thinkMs: [0, 3] as const,
};

const KIND_ECHO = 0x45; // 'E'
const KIND_SLOW = 0x53; // 'S'
const HEADER = 6;
const MAX_MESSAGE = 65536;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small deterministic PRNG (mulberry32): the same seed gives the same run of request kinds and sizes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function errText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

// ───────────────────────────── server ─────────────────────────────

export class EchoServer {
  private listener: PollFD | null = null;
  private acceptLoop: Promise<void> = Promise.resolve();
  private readonly conns = new Set<Promise<void>>();
  private readonly connFds = new Set<PollFD>();

  constructor(private readonly poller: Poller, private readonly stats: DemoStats) {}

  /** Bind and listen on `path` (SOCK_SEQPACKET), start accepting. */
  async listen(path: string): Promise<void> {
    const fd = unixListen(path, 'seqpacket');
    this.listener = await PollFD.open(fd, { poller: this.poller });
    this.acceptLoop = this.accepting(this.listener);
  }

  /** The listening socket's fd (-1 before listen). */
  get listenerFd(): number {
    return this.listener?.fd ?? -1;
  }

  /** The server side of the open connections, by fd. */
  get connectionFds(): number[] {
    return [...this.connFds].map((c) => c.fd);
  }

  private async accepting(listener: PollFD): Promise<void> {
    for (;;) {
      let fd: number;
      try {
        fd = await listener.accept(); // parks in PollDesc.wait('r') between connections
      } catch (err) {
        if (err instanceof ClosedError) return; // close() below: the Go way to stop an accept loop
        this.stats.problem(`server accept: ${errText(err)}`);
        return;
      }
      this.stats.accepted++;
      const p = this.serve(fd).catch((err) => this.stats.problem(`server conn: ${errText(err)}`));
      this.conns.add(p);
      void p.finally(() => this.conns.delete(p));
    }
  }

  private async serve(fd: number): Promise<void> {
    let conn: PollFD;
    try {
      conn = await PollFD.open(fd, { poller: this.poller });
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    this.connFds.add(conn);
    const buf = Buffer.allocUnsafe(MAX_MESSAGE);
    try {
      for (;;) {
        conn.setReadDeadline(Date.now() + TUNING.idleMs); // an idle connection is dropped, as a Go server would
        let n: number;
        try {
          n = await conn.read(buf);
        } catch (err) {
          if (err instanceof DeadlineExceededError) {
            this.stats.problem('server: a client connection sat idle past the idle deadline');
            return;
          }
          if (err instanceof ClosedError) return; // shutdown
          throw err;
        }
        if (n === 0) {
          this.stats.serverClosedOnEof++;
          return; // the client closed: EOF
        }
        const msg = Buffer.from(buf.subarray(0, n)); // one read = one whole message
        if (msg[0] === KIND_SLOW) await sleep(TUNING.slowReplyMs);
        await conn.write(msg);
      }
    } finally {
      this.connFds.delete(conn);
      await conn.close();
    }
  }

  /** Stop accepting (wakes the blocked accept with ClosedError) and wait for every connection to finish. */
  async close(): Promise<void> {
    if (this.listener) await this.listener.close();
    await this.acceptLoop;
    // The clients have closed, so every connection is about to read EOF; give them a moment to see it.
    const all = Promise.all([...this.conns]);
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 1000)))]);
    clearTimeout(timer);
    if (!drained) {
      this.stats.problem(`server: ${this.connFds.size} connection(s) saw no EOF within 1 s of their clients closing`);
      for (const c of this.connFds) void c.close(); // their blocked reads fail with ClosedError
      await all;
    }
  }
}

// ───────────────────────────── clients ─────────────────────────────

async function connect(path: string, poller: Poller): Promise<PollFD> {
  for (let attempt = 0; ; attempt++) {
    const { fd, pending } = unixConnect(path, 'seqpacket');
    if (!pending) return PollFD.open(fd, { poller });
    // AF_UNIX says "pending" only when the listener's backlog is full and nothing was queued: try again shortly.
    closeFd(fd);
    if (attempt >= 100) throw new Error(`connect ${path}: backlog full for 100 attempts`);
    await sleep(5);
  }
}

export interface ClientControl {
  /** Set when the run is over: clients finish the request in hand, close and return. */
  stop: boolean;
  /**
   * Set by whoever wants to see a client parked on a slow reply: the next
   * client to start a request makes it a slow one and calls this (once, then
   * clears it) while its read waits under the short deadline.
   */
  onSlowParked: ((fd: number) => void) | null;
}

export class EchoClient {
  private conn: PollFD | null = null;
  private seq = 0;
  private readonly random: () => number;
  private readonly buf = Buffer.allocUnsafe(MAX_MESSAGE);

  constructor(
    readonly id: number,
    private readonly path: string,
    private readonly poller: Poller,
    private readonly stats: DemoStats,
    private readonly control: ClientControl,
  ) {
    this.random = rng(0x5eed + id * 7919);
  }

  /** The connection's fd right now (-1 between connections). */
  get fd(): number {
    return this.conn?.fd ?? -1;
  }

  private between([lo, hi]: readonly [number, number]): number {
    return lo + this.random() * (hi - lo);
  }

  private message(kind: number, size: number): Buffer {
    const m = Buffer.allocUnsafe(Math.max(HEADER, size));
    m[0] = kind;
    m[1] = this.id & 0xff;
    m.writeUInt32LE(this.seq++ >>> 0, 2);
    for (let i = HEADER; i < m.length; i++) m[i] = (this.random() * 256) | 0;
    return m;
  }

  /** Read one reply and check it is `sent`, byte for byte. */
  private async expectReply(conn: PollFD, sent: Buffer, what: string): Promise<number> {
    const n = await conn.read(this.buf);
    if (n !== sent.length || !this.buf.subarray(0, n).equals(sent)) {
      this.stats.mismatches++;
      this.stats.problem(`client ${this.id}: ${what} reply mismatch (sent ${sent.length} B, got ${n} B)`);
    }
    return n;
  }

  async run(): Promise<void> {
    const start = performance.now();
    let nextSlow = start + 300 + this.random() * 1200;
    let nextReconnect = start + this.between(TUNING.reconnectEveryMs);
    try {
      this.conn = await connect(this.path, this.poller);
      while (!this.control.stop) {
        const now = performance.now();
        if (now >= nextReconnect) {
          // Close and dial again: the descriptor goes back on the core's free list and comes out with a new fdseq.
          await this.conn.close();
          this.conn = await connect(this.path, this.poller);
          this.stats.reconnects++;
          nextReconnect = now + this.between(TUNING.reconnectEveryMs);
        } else if (now >= nextSlow || this.control.onSlowParked) {
          const parked = this.control.onSlowParked;
          this.control.onSlowParked = null; // one client answers the call
          await this.slow(this.conn, parked);
          nextSlow = performance.now() + this.between(TUNING.slowEveryMs);
        } else if (this.random() < TUNING.burstChance) {
          await this.burst(this.conn);
        } else {
          await this.echo(this.conn);
        }
        const think = Math.round(this.between(TUNING.thinkMs));
        if (think > 0) await sleep(think);
      }
    } catch (err) {
      if (err instanceof DeadlineExceededError) {
        this.stats.unexpectedTimeouts++;
        this.stats.problem(`client ${this.id}: unexpected timeout (${err.message})`);
      } else {
        this.stats.problem(`client ${this.id}: ${errText(err)}`);
      }
    } finally {
      await this.conn?.close();
      this.conn = null;
    }
  }

  private async echo(conn: PollFD): Promise<void> {
    const sent = this.message(KIND_ECHO, HEADER + 10 + Math.floor(this.random() * 1400));
    conn.setReadDeadline(epochNowMs() + TUNING.echoDeadlineMs);
    const t0 = performance.now();
    await conn.write(sent);
    const n = await this.expectReply(conn, sent, 'echo');
    this.stats.rtt.add(performance.now() - t0);
    this.stats.echoed++;
    this.stats.bytesEchoed += n;
  }

  /**
   * The server holds this reply for slowReplyMs; we give it slowDeadlineMs.
   * The read fails with DeadlineExceededError (Go's os.ErrDeadlineExceeded);
   * as in Go, moving the deadline into the future makes the connection
   * usable again, and the late reply is read whole.
   */
  private async slow(conn: PollFD, parked: ((fd: number) => void) | null = null): Promise<void> {
    const sent = this.message(KIND_SLOW, HEADER + 32);
    this.stats.slowRequests++;
    conn.setReadDeadline(epochNowMs() + TUNING.slowDeadlineMs);
    await conn.write(sent);
    try {
      const reading = conn.read(this.buf);
      parked?.(conn.fd);
      await reading;
      this.stats.problem(`client ${this.id}: the slow reply beat a ${TUNING.slowDeadlineMs} ms deadline`);
    } catch (err) {
      if (!(err instanceof DeadlineExceededError)) throw err;
      this.stats.slowTimeouts++;
      conn.setReadDeadline(epochNowMs() + TUNING.echoDeadlineMs);
      await this.expectReply(conn, sent, 'late');
      this.stats.lateReplies++;
    }
  }

  /** Three sends back to back, then three reads: SEQPACKET hands each message back whole and separate. */
  private async burst(conn: PollFD): Promise<void> {
    const sizes = [HEADER + 1 + Math.floor(this.random() * 32), 200 + Math.floor(this.random() * 1300), 3000 + Math.floor(this.random() * 5000)];
    const sent = sizes.map((s) => this.message(KIND_ECHO, s));
    conn.setReadDeadline(epochNowMs() + TUNING.echoDeadlineMs);
    for (const m of sent) await conn.write(m);
    const got: number[] = [];
    for (const m of sent) got.push(await this.expectReply(conn, m, 'burst'));
    this.stats.bursts++;
    this.stats.burstMessages += sent.length;
    this.stats.echoed += sent.length;
    this.stats.bytesEchoed += got.reduce((a, b) => a + b, 0);
    this.stats.burstExample ??= { sent: sizes, read: got };
  }
}
