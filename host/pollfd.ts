// PollFD: Go's internal/poll.FD over one owned, non-blocking fd.
//
// Reads are serialised with reads, writes with writes (Go's fdMutex read and
// write locks); an operation queued behind another fails with ClosedError if
// the fd is closed meanwhile. Each operation: pollReset (surfaces closing /
// timeout / EPOLLERR before any syscall), then syscall; EAGAIN → wait → retry.
// close() marks the fd closed and unblocks the poll descriptor, which wakes
// blocked operations with ClosedError; only after the last in-flight
// operation has left does it deregister (EPOLL_CTL_DEL), free the descriptor
// and close(2) the fd — so the fd number cannot be reused under a syscall.

import { Poller } from './poller.js';
import type { PollDesc, WaitOptions } from './polldesc.js';
import type { Deadline } from './deadline.js';
import { type ClosedError, DeadlineExceededError, MisuseError } from './errors.js';
import { readFd, writeFd, closeFd, WOULD_BLOCK } from './os/fd.js';
import { acceptFd } from './os/socket-io.js';
import { inspect, type InspectOptions } from 'node:util';
import { PollFDStream, type PollFDStreamOptions } from './stream.js';
import { liveView } from './polldesc.js';
import { isPtyHangup } from './os/pty-master.js';
import { type RecvMsgOptions, type RecvMsgResult, type SendMsgOptions, recvMsgFd, sendMsgFd } from './os/msg.js';
import { assertBytes } from './os/syscall.js';
import { runOperation } from './operation.js';
import { FdUse, Gate } from './op-gate.js';
import { checkOpOptions } from './validate.js';
import { acquireNonBlocking, releaseNonBlocking } from './nonblock.js';

export interface PollFDOptions {
  /** The poller to register with; by default a shared one, created on first use. */
  poller?: Poller;
}

export type IoOptions = WaitOptions;

let sharedPoller: Promise<Poller> | null = null;

/** The process-wide default poller ('uv' drive), created on first use (again if it was closed). It keeps the process alive only while something waits. */
export async function defaultPoller(): Promise<Poller> {
  if (sharedPoller) {
    const p = await sharedPoller.catch(() => null);
    if (p && !p.isClosed) return p;
  }
  sharedPoller = Poller.create();
  return sharedPoller;
}

/** Go returns the count written together with the error: the error carries it as `bytesWritten`. */
function withCount(err: unknown, done: number): unknown {
  if (err && typeof err === 'object') (err as { bytesWritten?: number }).bytesWritten = done;
  return err;
}

/** read / write refuse bad options (MisuseError) and a non-buffer (TypeError) before anything happens: a rejected promise, or null to go on. */
function refused(buf: unknown, opts: unknown, what: string): Promise<never> | null {
  try {
    checkOpOptions(opts, what);
  } catch (err) {
    return Promise.reject(err);
  }
  return buf instanceof Uint8Array ? null : Promise.reject(new TypeError(`${what}: the buffer must be a Uint8Array (or Buffer)`));
}

export class PollFD {
  /** Whether the fd is closing and how many operations are in it (op-gate.ts). */
  private readonly use: FdUse;
  private readonly readGate: Gate;
  private readonly writeGate: Gate;
  private closed: Promise<void> | null = null;

  /**
   * O_NONBLOCK is a property of the open file description, which a dup'd or
   * inherited fd (stdin!) shares with other processes: open() set it, and
   * close() clears it again unless another PollFD still uses the file
   * (nonblock.ts holds the rule); `nonBlockKey` is this PollFD's claim.
   */
  private constructor(readonly fd: number, private readonly pd: PollDesc, private readonly nonBlockKey: string) {
    this.use = new FdUse(fd);
    this.readGate = new Gate(this.use);
    this.writeGate = new Gate(this.use);
  }

  private get closing(): boolean {
    return this.use.closing;
  }

  /** Take ownership of fd: register it, set O_NONBLOCK. NotPollableError for regular files (the fd is left as it was). */
  static async open(fd: number, opts: PollFDOptions = {}): Promise<PollFD> {
    if (opts === null || typeof opts !== 'object' || (opts.poller !== undefined && !(opts.poller instanceof Poller))) {
      throw new MisuseError('bad-argument', `PollFD.open: options must be an object whose poller, if given, is a Poller`);
    }
    const poller = opts.poller ?? (await defaultPoller());
    const pd = poller.open(fd);
    let key: string;
    try {
      key = acquireNonBlocking(fd);
    } catch (err) {
      pd.close();
      throw err;
    }
    return new PollFD(fd, pd, key);
  }

  /** The underlying poll descriptor (for its deadlines and waits). */
  get pollDesc(): PollDesc {
    return this.pd;
  }

  private closedError(): ClosedError {
    return this.use.closedError();
  }

  /** Read into buf: the byte count, 0 at EOF (and at once for an empty buf). */
  read(buf: Uint8Array, opts?: IoOptions): Promise<number> {
    const bad = refused(buf, opts, 'read');
    if (bad) return bad;
    if (buf.byteLength === 0 && !this.closing) return Promise.resolve(0); // Go issue 15735: never wait for nothing
    const fd = this.fd;
    return runOperation<number>(this.readGate, this.pd, 'r', opts?.signal, {
      attempt: () => readFd(fd, buf),
      attemptInWave: (wave) => wave.read(fd, buf),
      // A pty master whose slave closed: EOF, as serialport and node-pty report it.
      failure: (err) => (isPtyHangup(err, fd) ? { result: 0 } : { error: err }),
    });
  }

  /**
   * Write all of buf. On an error after a partial write, the error carries
   * `bytesWritten` (Go returns the count together with the error).
   */
  write(buf: Uint8Array, opts?: IoOptions): Promise<number> {
    const bad = refused(buf, opts, 'write');
    if (bad) return bad;
    const fd = this.fd;
    let done = 0;
    const rest = (): Uint8Array => (done === 0 ? buf : buf.subarray(done));
    /** One write(2)'s count taken: the total when all of buf went, WOULD_BLOCK, or null to write again. */
    const took = (n: number): number | typeof WOULD_BLOCK | null => {
      if (n === WOULD_BLOCK) return WOULD_BLOCK;
      if (n === 0 && buf.byteLength > 0) throw new Error(`write made no progress on fd ${fd} (unexpected EOF)`);
      done += n;
      return done >= buf.byteLength ? done : null;
    };
    // Go's write loop: write(2) until all of buf went; a partial write goes round at once, EAGAIN waits.
    // At least one write(2): an empty buffer is an empty datagram on a message socket.
    const attempt = (): number | typeof WOULD_BLOCK => {
      for (;;) {
        const r = took(writeFd(fd, rest()));
        if (r !== null) return r;
      }
    };
    return runOperation<number>(this.writeGate, this.pd, 'w', opts?.signal, {
      attempt,
      // After a wake: the first write(2) in the wave, the rest of a partial one at once.
      attemptInWave: async (wave) => took(await wave.write(fd, rest())) ?? attempt(),
      failure: (err) => ({ error: withCount(err, done) }),
    });
  }

  /** Accept a connection on a listening socket: the new fd (non-blocking, close-on-exec). */
  async accept(opts?: IoOptions): Promise<number> {
    checkOpOptions(opts, 'accept');
    return runOperation(this.readGate, this.pd, 'r', opts?.signal, { attempt: () => acceptFd(this.fd) }); // Go's accept loop is its read loop
  }

  /** Both deadlines: a Date, epoch ms, or null for none. */
  setDeadline(d: Deadline): void {
    this.deadline(d, 'rw');
  }
  setReadDeadline(d: Deadline): void {
    this.deadline(d, 'r');
  }
  setWriteDeadline(d: Deadline): void {
    this.deadline(d, 'w');
  }

  private deadline(d: Deadline, mode: 'r' | 'w' | 'rw'): void {
    if (this.closing) throw this.closedError();
    this.pd.setDeadline(d, mode);
  }

  // --- Messages: datagrams with their addresses, ancillary data (os/msg.ts). ---
  // Same gates, deadlines and loop as read/write (operation.ts).

  /**
   * Receive one message into buf: `n` bytes (a longer datagram is cut to
   * buf, with MSG_TRUNC in `flags`), the sender's address bytes
   * (decodeSockaddr), descriptors passed with SCM_RIGHTS (now ours to close)
   * and any other control messages.
   */
  async recvMsg(buf: Uint8Array, opts: IoOptions & RecvMsgOptions = {}): Promise<RecvMsgResult> {
    checkOpOptions(opts, 'recvMsg');
    assertBytes(buf, 'recvMsg');
    return runOperation(this.readGate, this.pd, 'r', opts.signal, { attempt: () => recvMsgFd(this.fd, buf, opts) });
  }

  /**
   * Send buf as one message with sendmsg(2), optionally to an address and
   * with descriptors or control messages: the count sent. A datagram goes
   * whole or fails (EMSGSIZE); on a stream socket the count may be short.
   */
  async sendMsg(buf: Uint8Array, opts: IoOptions & SendMsgOptions = {}): Promise<number> {
    checkOpOptions(opts, 'sendMsg');
    assertBytes(buf, 'sendMsg');
    return runOperation(this.writeGate, this.pd, 'w', opts.signal, { attempt: () => sendMsgFd(this.fd, buf, opts) });
  }

  /** Receive one datagram: its length in buf and the sender's address bytes (null if the socket gives none). */
  async recvFrom(buf: Uint8Array, opts: IoOptions = {}): Promise<{ n: number; addr: Uint8Array | null }> {
    checkOpOptions(opts, 'recvFrom');
    const { n, addr } = await this.recvMsg(buf, { signal: opts.signal, controlSize: 0 });
    return { n, addr };
  }

  /** Send buf as one datagram to `addr` (address bytes, e.g. sockaddrUnix(path)). */
  async sendTo(buf: Uint8Array, addr: Uint8Array, opts: IoOptions = {}): Promise<number> {
    checkOpOptions(opts, 'sendTo');
    return this.sendMsg(buf, { signal: opts.signal, to: addr });
  }

  /** Close: blocked operations fail with ClosedError; resolves once the fd is closed. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    const use = this.use;
    use.closing = true;
    this.closed = new Promise<void>((resolve, reject) => {
      use.finish = () => {
        use.finish = null;
        try {
          this.pd.close();
          releaseNonBlocking(this.fd, this.nonBlockKey);
          closeFd(this.fd);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
    });
    this.pd.unblockOnce(); // wakes blocked operations with ClosedError; a no-op if already unblocked
    if (use.inflight === 0) use.finish!();
    return this.closed;
  }

  /**
   * Chunks as they arrive, until a read returns 0 (EOF on a stream). Each
   * chunk is a Buffer of its own, sized to what was read. On a datagram or
   * SOCK_SEQPACKET socket an empty message also reads as 0 and ends the
   * iteration: use read() there if empty messages matter. Leaving the loop
   * early (break, return, throw) closes the PollFD, as with a Node Readable;
   * `chunks({ destroyOnReturn: false })` keeps it open.
   */
  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    return this.chunks();
  }

  // ── Node conventions: streams, disposal, inspection ───────────────

  /**
   * The chunks iterator with options: `signal` aborts a pending read (the
   * iterator throws AbortError and, being an early exit, closes the PollFD);
   * `destroyOnReturn: false` leaves the PollFD open after an early exit (Node's
   * `readable.iterator({ destroyOnReturn })`); `size` is the read size (default 65536).
   * Reaching EOF never closes it: the write direction may still be in use.
   */
  chunks(opts: ChunksOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    // Checked here, not by the first read: a misuse must not count as an early exit that closes the PollFD.
    checkOpOptions(opts, 'chunks');
    if (opts.destroyOnReturn !== undefined && typeof opts.destroyOnReturn !== 'boolean') throw new MisuseError('bad-argument', `chunks(): destroyOnReturn must be a boolean, got ${typeof opts.destroyOnReturn}`);
    const size = opts.size ?? 65536;
    if (!Number.isInteger(size) || size < 1 || size > 1 << 30) throw new MisuseError('bad-argument', `chunks(): size must be an integer in 1 … 2^30, got ${size}`);
    return this.chunkLoop(Buffer.allocUnsafe(size), opts.signal, opts.destroyOnReturn ?? true);
  }

  private async *chunkLoop(buf: Buffer, signal: AbortSignal | undefined, destroyOnReturn: boolean): AsyncGenerator<Buffer, void, undefined> {
    let ended = false;
    try {
      for (;;) {
        const n = await this.read(buf, { signal });
        if (n === 0) {
          ended = true;
          return;
        }
        yield Buffer.from(buf.subarray(0, n));
      }
    } finally {
      if (!ended && destroyOnReturn) await this.close();
    }
  }

  /** A stream.Duplex over this fd (see host/stream.ts): backpressure, 'drain', destroy() closes the PollFD. One per PollFD. */
  stream(opts?: PollFDStreamOptions): PollFDStream {
    if (this.closing) throw this.closedError();
    return new PollFDStream(this, opts);
  }

  /** `await using fd = await PollFD.open(n)`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** util.inspect: fd, state, deadlines, parked waits and operations in flight (no locks, closures or engine). */
  [inspect.custom](depth: number, options: InspectOptions, inspectFn: typeof inspect = inspect): string {
    const view = liveView(this.fd, this.closed && this.use.inflight === 0 ? null : this.pd.live());
    if (this.closing && view.state !== 'closed') view.state = 'closing';
    view.operations = this.use.inflight;
    return `PollFD ${inspectFn(view, { ...options, depth: 1 })}`;
  }
}

export interface ChunksOptions {
  signal?: AbortSignal;
  /** Close the PollFD when the loop is left before EOF (default true, like Node's readable.iterator()). */
  destroyOnReturn?: boolean;
  /** Bytes per read (default 65536). */
  size?: number;
}

export { DeadlineExceededError, MisuseError };
