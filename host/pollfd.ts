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
import { readFd, writeFd, closeFd, setNonBlocking, WOULD_BLOCK } from './sys/fd.js';
import { acceptFd } from './sys/socket.js';
import { checkOpOptions } from './validate.js';

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

/** Clear the O_NONBLOCK this PollFD set. A failure (EBADF: the caller closed the fd under us) is close(2)'s to report. */
function restoreBlocking(fd: number): void {
  try {
    setNonBlocking(fd, false);
  } catch {
    // closeFd below reports what is wrong with the fd
  }
}

function notBuffer(buf: unknown, what: string): Promise<never> | null {
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
   * inherited fd (stdin!) shares with other processes: open() set it, so
   * close() clears it again, before close(2), while the fd still names it.
   */
  private constructor(readonly fd: number, private readonly pd: PollDesc, private readonly setNonBlock: boolean) {}

  /** Take ownership of fd: register it, set O_NONBLOCK. NotPollableError for regular files (the fd is left as it was). */
  static async open(fd: number, opts: PollFDOptions = {}): Promise<PollFD> {
    if (opts === null || typeof opts !== 'object' || (opts.poller !== undefined && !(opts.poller instanceof Poller))) {
      throw new MisuseError('bad-argument', `PollFD.open: options must be an object whose poller, if given, is a Poller`);
    }
    const poller = opts.poller ?? (await defaultPoller());
    const pd = poller.open(fd);
    let changed: boolean;
    try {
      changed = setNonBlocking(fd);
    } catch (err) {
      pd.close();
      throw err;
    }
    return new PollFD(fd, pd, changed);
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
  read(buf: Uint8Array, opts: IoOptions = {}): Promise<number> {
    try {
      checkOpOptions(opts, 'read');
    } catch (err) {
      return Promise.reject(err);
    }
    const bad = notBuffer(buf, 'read');
    if (bad) return bad;
    if (buf.byteLength === 0 && !this.closing) return Promise.resolve(0); // Go issue 15735: never wait for nothing
    return this.readLoop(buf, opts);
  }

  private async readLoop(buf: Uint8Array, opts: IoOptions): Promise<number> {
    const lock = this.readLock;
    const queued = this.enter(lock, opts.signal);
    if (queued) await queued;
    try {
      this.pd.reset('r');
      for (;;) {
        const n = readFd(this.fd, buf);
        if (n !== WOULD_BLOCK) return n;
        await this.pd.wait('r', opts);
      }
    } finally {
      this.leave(lock);
    }
  }

  /**
   * Write all of buf. On an error after a partial write, the error carries
   * `bytesWritten` (Go returns the count together with the error).
   */
  write(buf: Uint8Array, opts: IoOptions = {}): Promise<number> {
    try {
      checkOpOptions(opts, 'write');
    } catch (err) {
      return Promise.reject(err);
    }
    const bad = notBuffer(buf, 'write');
    if (bad) return bad;
    return this.writeLoop(buf, opts);
  }

  private async writeLoop(buf: Uint8Array, opts: IoOptions): Promise<number> {
    const lock = this.writeLock;
    const queued = this.enter(lock, opts.signal);
    if (queued) await queued;
    let done = 0;
    try {
      this.pd.reset('w');
      // At least one write(2), as Go does: an empty buffer is an empty datagram on a message socket.
      do {
        const n = writeFd(this.fd, done === 0 ? buf : buf.subarray(done));
        if (n === WOULD_BLOCK) await this.pd.wait('w', opts);
        else if (n === 0 && buf.byteLength > 0) throw new Error(`write made no progress on fd ${this.fd} (unexpected EOF)`);
        else done += n;
      } while (done < buf.byteLength);
      return done;
    } catch (err) {
      if (err && typeof err === 'object') (err as { bytesWritten?: number }).bytesWritten = done;
      throw err;
    } finally {
      this.leave(lock);
    }
  }

  /** Accept a connection on a listening socket: the new fd (non-blocking, close-on-exec). */
  async accept(opts: IoOptions = {}): Promise<number> {
    checkOpOptions(opts, 'accept');
    const lock = this.readLock;
    const queued = this.enter(lock, opts.signal);
    if (queued) await queued;
    try {
      this.pd.reset('r');
      for (;;) {
        const fd = acceptFd(this.fd);
        if (fd !== WOULD_BLOCK) return fd;
        await this.pd.wait('r', opts);
      }
    } finally {
      this.leave(lock);
    }
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

  /** Close: blocked operations fail with ClosedError; resolves once the fd is closed. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.closed = new Promise<void>((resolve, reject) => {
      this.finish = () => {
        this.finish = null;
        try {
          this.pd.close();
          if (this.setNonBlock) restoreBlocking(this.fd);
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
   * iteration: use read() there if empty messages matter.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const buf = Buffer.allocUnsafe(65536);
    for (;;) {
      const n = await this.read(buf);
      if (n === 0) return;
      yield Buffer.from(buf.subarray(0, n));
    }
  }
}

export { DeadlineExceededError, MisuseError };
