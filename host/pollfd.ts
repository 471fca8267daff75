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
import { AbortError, ClosedError, DeadlineExceededError, MisuseError } from './errors.js';
import { readFd, writeFd, closeFd, WOULD_BLOCK } from './os/fd.js';
import { acceptFd } from './os/socket-io.js';
import { inspect, type InspectOptions } from 'node:util';
import { PollFDStream, type PollFDStreamOptions } from './stream.js';
import { liveView } from './polldesc.js';
import { isPtyHangup } from './os/pty-master.js';
import { type RecvMsgOptions, type RecvMsgResult, type SendMsgOptions, recvMsgFd, sendMsgFd } from './os/msg.js';
import { assertBytes } from './os/syscall.js';
import { untilDone } from './io-loop.js';
import { Mode } from './core/abi.js';
import { waitChannel } from './observe/channels.js';
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

/**
 * A FIFO lock: one operation at a time in one direction (Go's fdMutex read or
 * write lock). Taking a free lock is synchronous, so an uncontended operation
 * costs no extra promise; waiters queue in arrival order and may leave the
 * queue through their AbortSignal.
 */
class OpLock {
  private held = false;
  private readonly queue: { grant: () => void }[] = [];

  /** True when the lock was taken at once. */
  tryTake(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  /** Resolves when the lock is handed over; rejects with AbortError (leaving the queue) if `signal` fires first. */
  queued(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new AbortError(signal!.reason));
      };
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  /** Hand the lock to the next in line, or free it. */
  release(): void {
    const next = this.queue.shift();
    if (next) next.grant();
    else this.held = false;
  }
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
  private readonly readLock = new OpLock();
  private readonly writeLock = new OpLock();
  private inflight = 0;
  private closing = false;
  private closed: Promise<void> | null = null;
  private finish: (() => void) | null = null;

  /**
   * O_NONBLOCK is a property of the open file description, which a dup'd or
   * inherited fd (stdin!) shares with other processes: open() set it, and
   * close() clears it again unless another PollFD still uses the file
   * (nonblock.ts holds the rule); `nonBlockKey` is this PollFD's claim.
   */
  private constructor(readonly fd: number, private readonly pd: PollDesc, private readonly nonBlockKey: string) {}

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
    return new ClosedError(`use of closed file (fd ${this.fd})`);
  }

  /**
   * Enter an operation: count it in flight and take the direction's lock.
   * Returns null when that happened at once (no promise), else a promise for
   * the queued wait. Throws ClosedError when the fd is closing.
   */
  private enter(lock: OpLock, signal: AbortSignal | undefined): Promise<void> | null {
    if (this.closing) throw this.closedError();
    if (signal?.aborted) throw new AbortError(signal.reason);
    this.inflight++;
    if (lock.tryTake()) return null;
    return lock.queued(signal).then(
      () => {
        if (!this.closing) return;
        this.leave(lock);
        throw this.closedError();
      },
      (err: unknown) => {
        this.inflight--; // never held the lock
        if (this.inflight === 0 && this.closing) this.finish?.();
        throw err;
      },
    );
  }

  /** Leave an operation; the last one out finishes a pending close. */
  private leave(lock: OpLock): void {
    lock.release();
    if (--this.inflight === 0 && this.closing) this.finish?.();
  }

  /** Read into buf: the byte count, 0 at EOF (and at once for an empty buf). */
  read(buf: Uint8Array, opts?: IoOptions): Promise<number> {
    const bad = refused(buf, opts, 'read');
    if (bad) return bad;
    if (buf.byteLength === 0 && !this.closing) return Promise.resolve(0); // Go issue 15735: never wait for nothing
    const signal = opts?.signal;
    let queued: Promise<void> | null;
    try {
      queued = this.enter(this.readLock, signal);
    } catch (err) {
      return Promise.reject(err);
    }
    if (queued) return queued.then(() => this.readHeld(buf, signal));
    return this.readHeld(buf, signal);
  }

  /**
   * The read with its lock held. The ready path — reset, read(2) succeeds —
   * is synchronous and costs one promise; only EAGAIN enters the async loop.
   * A used-up slice first lets the event loop turn (fairness.ts).
   */
  private readHeld(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const turn = this.pd.spend();
    if (turn) return turn.then(() => this.readFirst(buf, signal, true));
    return this.readFirst(buf, signal, false);
  }

  /** The first read(2) of a read, its lock held; `afterTurn`: an abort during the event-loop turn wins. */
  private readFirst(buf: Uint8Array, signal: AbortSignal | undefined, afterTurn: boolean): Promise<number> {
    let n: number;
    try {
      if (afterTurn && signal?.aborted) throw new AbortError(signal.reason);
      this.pd.reset('r');
      n = readFd(this.fd, buf);
    } catch (err) {
      this.leave(this.readLock);
      if (isPtyHangup(err, this.fd)) return Promise.resolve(0); // a pty master whose slave closed: EOF, as serialport and node-pty report it
      return Promise.reject(err);
    }
    if (n === WOULD_BLOCK) return this.readParked(buf, signal);
    this.leave(this.readLock);
    return Promise.resolve(n);
  }

  /** pollWait → read(2) until it does not return EAGAIN (Go's read loop after the first try). */
  private async readParked(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    try {
      const pd = this.pd;
      if (signal?.aborted) throw new AbortError(signal.reason);
      for (;;) {
        if (waitChannel.hasSubscribers) {
          await pd.wait('r', signal && { signal }); // traced: observe/channels.ts
        } else {
          let code = pd.waitRound(Mode.R, signal);
          if (typeof code !== 'number') code = await code;
          if (!pd.wakeDone(code)) continue; // woken without I/O: wait again
        }
        // The retry after a wake: on the 'uring' path it joins the wave of every retry this wake's batch set off (io-wave.ts).
        const wave = pd.wave;
        const n = wave ? await wave.read(this.fd, buf) : readFd(this.fd, buf);
        if (n !== WOULD_BLOCK) return n;
        if (signal?.aborted) throw new AbortError(signal.reason);
      }
    } catch (err) {
      if (isPtyHangup(err, this.fd)) return 0; // a pty master whose slave closed: EOF, as serialport and node-pty report it
      throw err;
    } finally {
      this.leave(this.readLock);
    }
  }

  /**
   * Write all of buf. On an error after a partial write, the error carries
   * `bytesWritten` (Go returns the count together with the error).
   */
  write(buf: Uint8Array, opts?: IoOptions): Promise<number> {
    const bad = refused(buf, opts, 'write');
    if (bad) return bad;
    const signal = opts?.signal;
    let queued: Promise<void> | null;
    try {
      queued = this.enter(this.writeLock, signal);
    } catch (err) {
      return Promise.reject(err);
    }
    if (queued) return queued.then(() => this.writeHeld(buf, signal));
    return this.writeHeld(buf, signal);
  }

  /**
   * The write with its lock held: one write(2) that takes everything resolves
   * at once; the rest goes to writeParked. A used-up slice first lets the
   * event loop turn (fairness.ts).
   */
  private writeHeld(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const turn = this.pd.spend();
    if (turn) return turn.then(() => this.writeFirst(buf, signal, true));
    return this.writeFirst(buf, signal, false);
  }

  /** The first write(2) of a write, its lock held; `afterTurn`: an abort during the event-loop turn wins. */
  private writeFirst(buf: Uint8Array, signal: AbortSignal | undefined, afterTurn: boolean): Promise<number> {
    let n: number;
    try {
      if (afterTurn && signal?.aborted) throw new AbortError(signal.reason);
      this.pd.reset('w');
      // At least one write(2), as Go does: an empty buffer is an empty datagram on a message socket.
      n = writeFd(this.fd, buf);
    } catch (err) {
      this.leave(this.writeLock);
      return Promise.reject(withCount(err, 0));
    }
    if (n === buf.byteLength) {
      this.leave(this.writeLock);
      return Promise.resolve(n);
    }
    return this.writeParked(buf, n === WOULD_BLOCK ? 0 : n, n === WOULD_BLOCK, signal);
  }

  /** The rest of a write after a partial first write(2) or EAGAIN: pollWait → write(2) until everything went. */
  private async writeParked(buf: Uint8Array, done: number, blocked: boolean, signal: AbortSignal | undefined): Promise<number> {
    const pd = this.pd;
    try {
      if (!blocked && done === 0) throw new Error(`write made no progress on fd ${this.fd} (unexpected EOF)`);
      for (;;) {
        if (blocked && waitChannel.hasSubscribers) {
          await pd.wait('w', signal && { signal }); // traced: observe/channels.ts
        } else if (blocked) {
          if (signal?.aborted) throw new AbortError(signal.reason);
          let code: number | Promise<number>;
          do {
            code = pd.waitRound(Mode.W, signal);
            if (typeof code !== 'number') code = await code;
          } while (!pd.wakeDone(code));
        }
        if (done >= buf.byteLength) return done;
        const wave = pd.wave; // as in readParked
        const n = wave ? await wave.write(this.fd, buf.subarray(done)) : writeFd(this.fd, buf.subarray(done));
        blocked = n === WOULD_BLOCK;
        if (blocked) continue;
        if (n === 0) throw new Error(`write made no progress on fd ${this.fd} (unexpected EOF)`);
        done += n;
        if (done >= buf.byteLength) return done;
      }
    } catch (err) {
      throw withCount(err, done);
    } finally {
      this.leave(this.writeLock);
    }
  }

  /** Accept a connection on a listening socket: the new fd (non-blocking, close-on-exec). */
  async accept(opts?: IoOptions): Promise<number> {
    checkOpOptions(opts, 'accept');
    return this.lockedOp('r', opts?.signal, () => acceptFd(this.fd)); // Go's accept loop is its read loop
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
    if (this.closing) throw new ClosedError(`use of closed file (fd ${this.fd})`);
    this.pd.setDeadline(d, mode);
  }

  // --- Messages: datagrams with their addresses, ancillary data (sys/msg.ts). ---
  // Same locks and deadlines as read/write; the loop is io-loop.ts/untilDone (lockedOp).

  /**
   * Receive one message into buf: `n` bytes (a longer datagram is cut to
   * buf, with MSG_TRUNC in `flags`), the sender's address bytes
   * (decodeSockaddr), descriptors passed with SCM_RIGHTS (now ours to close)
   * and any other control messages.
   */
  async recvMsg(buf: Uint8Array, opts: IoOptions & RecvMsgOptions = {}): Promise<RecvMsgResult> {
    checkOpOptions(opts, 'recvMsg');
    assertBytes(buf, 'recvMsg');
    return this.lockedOp('r', opts.signal, () => recvMsgFd(this.fd, buf, opts));
  }

  /**
   * Send buf as one message with sendmsg(2), optionally to an address and
   * with descriptors or control messages: the count sent. A datagram goes
   * whole or fails (EMSGSIZE); on a stream socket the count may be short.
   */
  async sendMsg(buf: Uint8Array, opts: IoOptions & SendMsgOptions = {}): Promise<number> {
    checkOpOptions(opts, 'sendMsg');
    assertBytes(buf, 'sendMsg');
    return this.lockedOp('w', opts.signal, () => sendMsgFd(this.fd, buf, opts));
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

  /** An operation other than read/write's fast paths (accept, the message calls): the direction's lock, then io-loop.ts's loop. */
  private async lockedOp<T>(mode: 'r' | 'w', signal: AbortSignal | undefined, attempt: () => T | typeof WOULD_BLOCK): Promise<T> {
    const lock = mode === 'r' ? this.readLock : this.writeLock;
    const queued = this.enter(lock, signal);
    if (queued) await queued;
    try {
      return await untilDone(this.pd, mode, signal && { signal }, attempt);
    } finally {
      this.leave(lock);
    }
  }


  /** Close: blocked operations fail with ClosedError; resolves once the fd is closed. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.closed = new Promise<void>((resolve, reject) => {
      this.finish = () => {
        this.finish = null;
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
    if (this.inflight === 0) this.finish!();
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
    const view = liveView(this.fd, this.closed && this.inflight === 0 ? null : this.pd.live());
    if (this.closing && view.state !== 'closed') view.state = 'closing';
    view.operations = this.inflight;
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
