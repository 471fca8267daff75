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
import { type ClosedError, DeadlineExceededError, MessageTooLongError, MisuseError } from './errors.js';
import { closeFd } from './os/fd.js';
import { acceptFd } from './os/socket-io.js';
import { inspect, type InspectOptions } from 'node:util';
import { PollFDStream, type PollFDStreamOptions } from './stream.js';
import { liveView } from './polldesc.js';
import { ReadAttempt, WriteAttempt } from './rw-attempts.js';
import { type RecvMsgOptions, type RecvMsgResult, type SendMsgOptions, checkRecvMsgOptions, checkSendMsgOptions, recvMsgFd, sendMsgFd } from './os/msg.js';
import { validateBytes, validateFd, validateInteger } from './os/args.js';
import { AcceptBatchAttempt, DEFAULT_ACCEPT_BATCH, MAX_ACCEPT_BATCH } from './accept-batch.js';
import { runOperation } from './operation.js';
import { FdUse, Gate } from './op-gate.js';
import { checkOpOptions } from './validate.js';
import { acquireNonBlocking, releaseNonBlocking } from './nonblock.js';
import { withTimeout } from './op-timeout.js';
import { isMessageSocket, recvMessageLength } from './message-read.js';

export interface PollFDOptions {
  /** The poller to register with; by default a shared one, created on first use. */
  poller?: Poller;
}

/** Options of every PollFD operation: an AbortSignal, a relative `timeout` (op-timeout.ts). */
export type IoOptions = WaitOptions;

export interface ReadOptions extends IoOptions {
  /**
   * On a message socket (SOCK_SEQPACKET, SOCK_DGRAM): reject with
   * MessageTooLongError (its `length` the message's full size) when the
   * message was longer than buf, instead of resolving with the part that fit
   * (Go's Read, and the default). The part that fit is in buf either way.
   * Ignored on byte streams, where nothing is ever dropped.
   */
  rejectTruncated?: boolean;
}

export interface AcceptManyOptions extends IoOptions {
  /** The most connections one call accepts (1 … 4096; default 64). */
  max?: number;
}

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

/** read / write refuse bad options (MisuseError) and a non-buffer (TypeError) before anything happens: a rejected promise, or null to go on. */
function refused(buf: unknown, opts: unknown, what: string): Promise<never> | null {
  try {
    checkOpOptions(opts, what);
    validateBytes(buf, 'buf');
  } catch (err) {
    return Promise.reject(err);
  }
  return null;
}

export class PollFD {
  /** Whether the fd is closing and how many operations are in it (op-gate.ts). */
  private readonly use: FdUse;
  private readonly readGate: Gate;
  private readonly writeGate: Gate;
  private closed: Promise<void> | null = null;
  /** @internal On the 'uring' path: whether this fd's file refused a ring entry (rw-attempts.ts); a field, not an object, so a PollFD costs no more. */
  ringRefused = false;

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
    validateFd(fd);
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

  /**
   * Read into buf: the byte count, 0 at EOF (and at once for an empty buf).
   * On a message socket one read is one message, cut to buf as Go's Read
   * does; `rejectTruncated` makes a cut an error.
   */
  read(buf: Uint8Array, opts?: ReadOptions): Promise<number> {
    const bad = refused(buf, opts, 'read');
    if (bad) return bad;
    if (buf.byteLength === 0 && !this.closing) return Promise.resolve(0); // Go issue 15735: never wait for nothing
    if (opts?.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'read', (signal) => this.read(buf, { ...opts, timeout: undefined, signal }));
    // Not on a closed PollFD: its fd number may be closed or someone else's; runOperation rejects with ClosedError.
    if (opts?.rejectTruncated && !this.closing && isMessageSocket(this, this.fd)) return this.readWholeMessage(buf, opts.signal);
    return runOperation<number>(this.readGate, this.pd, 'r', opts?.signal, new ReadAttempt(this.fd, buf, this));
  }

  /** One message with recv(MSG_TRUNC), which reports its full length: MessageTooLongError when buf could not hold it. */
  private async readWholeMessage(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const length = await runOperation(this.readGate, this.pd, 'r', signal, { attempt: () => recvMessageLength(this.fd, buf) });
    if (length > buf.byteLength) throw new MessageTooLongError(buf.byteLength, 'buffer', length);
    return length;
  }

  /**
   * Write all of buf. On an error after a partial write, the error carries
   * `bytesWritten` (Go returns the count together with the error).
   */
  write(buf: Uint8Array, opts?: IoOptions): Promise<number> {
    const bad = refused(buf, opts, 'write');
    if (bad) return bad;
    if (opts?.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'write', (signal) => this.write(buf, { signal }));
    return runOperation<number>(this.writeGate, this.pd, 'w', opts?.signal, new WriteAttempt(this.fd, buf, this));
  }

  /** Accept a connection on a listening socket: the new fd (non-blocking, close-on-exec). */
  async accept(opts?: IoOptions): Promise<number> {
    checkOpOptions(opts, 'accept');
    if (opts?.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'accept', (signal) => this.accept({ signal }));
    return runOperation(this.readGate, this.pd, 'r', opts?.signal, { attempt: () => acceptFd(this.fd) }); // Go's accept loop is its read loop
  }

  /**
   * Accept every connection waiting on a listening socket, up to `max`
   * (default 64): an array of at least one new fd (non-blocking,
   * close-on-exec); waits like accept() while none is waiting. Start them
   * all before awaiting again: under load, a loop over accept() takes one
   * connection per round of the other connections' continuations
   * (accept-batch.ts).
   */
  async acceptMany(opts?: AcceptManyOptions): Promise<number[]> {
    checkOpOptions(opts, 'acceptMany');
    const max = opts?.max ?? DEFAULT_ACCEPT_BATCH;
    validateInteger(max, 'options.max', 1, MAX_ACCEPT_BATCH);
    if (opts?.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'acceptMany', (signal) => this.acceptMany({ max, signal }));
    return runOperation(this.readGate, this.pd, 'r', opts?.signal, new AcceptBatchAttempt(this.fd, max));
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
    validateBytes(buf, 'buf');
    checkRecvMsgOptions(opts);
    if (opts.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'recvMsg', (signal) => this.recvMsg(buf, { ...opts, timeout: undefined, signal }));
    return runOperation(this.readGate, this.pd, 'r', opts.signal, { attempt: () => recvMsgFd(this.fd, buf, opts) });
  }

  /**
   * Send buf as one message with sendmsg(2), optionally to an address and
   * with descriptors or control messages: the count sent. A datagram goes
   * whole or fails (EMSGSIZE); on a stream socket the count may be short.
   */
  async sendMsg(buf: Uint8Array, opts: IoOptions & SendMsgOptions = {}): Promise<number> {
    checkOpOptions(opts, 'sendMsg');
    validateBytes(buf, 'buf');
    checkSendMsgOptions(opts);
    if (opts.timeout !== undefined) return withTimeout(opts.timeout, opts.signal, 'sendMsg', (signal) => this.sendMsg(buf, { ...opts, timeout: undefined, signal }));
    return runOperation(this.writeGate, this.pd, 'w', opts.signal, { attempt: () => sendMsgFd(this.fd, buf, opts) });
  }

  /** Receive one datagram: its length in buf and the sender's address bytes (null if the socket gives none). */
  async recvFrom(buf: Uint8Array, opts: IoOptions = {}): Promise<{ n: number; addr: Uint8Array | null }> {
    checkOpOptions(opts, 'recvFrom');
    const { n, addr } = await this.recvMsg(buf, { signal: opts.signal, timeout: opts.timeout, controlSize: 0 });
    return { n, addr };
  }

  /** Send buf as one datagram to `addr` (address bytes, e.g. sockaddrUnix(path)). */
  async sendTo(buf: Uint8Array, addr: Uint8Array, opts: IoOptions = {}): Promise<number> {
    checkOpOptions(opts, 'sendTo');
    return this.sendMsg(buf, { signal: opts.signal, timeout: opts.timeout, to: addr });
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
   * iteration: use read() there if empty messages matter; and a message
   * longer than the chunk size throws MessageTooLongError, never yields a
   * cut chunk (read(buf, { rejectTruncated: true }) underneath). Leaving the loop
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
        let n: number;
        try {
          n = await this.read(buf, { signal, rejectTruncated: true }); // never drop a message's tail silently
        } catch (err) {
          if (err instanceof MessageTooLongError) throw new MessageTooLongError(err.limit, 'chunks() size', err.length);
          throw err;
        }
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
