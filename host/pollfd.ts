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
import { ClosedError, DeadlineExceededError, MisuseError } from './errors.js';
import { readFd, writeFd, closeFd, setNonBlocking, WOULD_BLOCK } from './sys/fd.js';
import { acceptFd } from './sys/socket.js';

export interface PollFDOptions {
  /** The poller to register with; by default a shared one, created on first use. */
  poller?: Poller;
}

export type IoOptions = WaitOptions;

let sharedPoller: Promise<Poller> | null = null;

/** The process-wide default poller ('uv' drive). It keeps the process alive only while something waits. */
export function defaultPoller(): Promise<Poller> {
  sharedPoller ??= Poller.create();
  return sharedPoller;
}

/** A FIFO lock: one operation at a time in one direction. */
class OpLock {
  private tail: Promise<void> = Promise.resolve();
  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
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

  private constructor(readonly fd: number, private readonly pd: PollDesc) {}

  /** Take ownership of fd: register it, set O_NONBLOCK. NotPollableError for regular files (the fd is left as it was). */
  static async open(fd: number, opts: PollFDOptions = {}): Promise<PollFD> {
    const poller = opts.poller ?? (await defaultPoller());
    const pd = poller.open(fd);
    try {
      setNonBlocking(fd);
    } catch (err) {
      pd.close();
      throw err;
    }
    return new PollFD(fd, pd);
  }

  /** The underlying poll descriptor (for its deadlines and waits). */
  get pollDesc(): PollDesc {
    return this.pd;
  }

  /** One in-flight operation; the last one out finishes a pending close. */
  private async op<T>(lock: OpLock, body: () => Promise<T>): Promise<T> {
    if (this.closing) throw new ClosedError(`use of closed file (fd ${this.fd})`);
    this.inflight++;
    try {
      return await lock.run(() => {
        if (this.closing) throw new ClosedError(`use of closed file (fd ${this.fd})`);
        return body();
      });
    } finally {
      if (--this.inflight === 0 && this.closing) this.finish?.();
    }
  }

  /** Read into buf: the byte count, 0 at EOF (and at once for an empty buf). */
  read(buf: Uint8Array, opts: IoOptions = {}): Promise<number> {
    const bad = notBuffer(buf, 'read');
    if (bad) return bad;
    if (buf.byteLength === 0 && !this.closing) return Promise.resolve(0); // Go issue 15735: never wait for nothing
    return this.op(this.readLock, async () => {
      this.pd.reset('r');
      for (;;) {
        const n = readFd(this.fd, buf);
        if (n !== WOULD_BLOCK) return n;
        await this.pd.wait('r', opts);
      }
    });
  }

  /**
   * Write all of buf. On an error after a partial write, the error carries
   * `bytesWritten` (Go returns the count together with the error).
   */
  write(buf: Uint8Array, opts: IoOptions = {}): Promise<number> {
    const bad = notBuffer(buf, 'write');
    if (bad) return bad;
    return this.op(this.writeLock, async () => {
      let done = 0;
      try {
        this.pd.reset('w');
        // At least one write(2), as Go does: an empty buffer is an empty datagram on a message socket.
        do {
          const n = writeFd(this.fd, buf.subarray(done));
          if (n === WOULD_BLOCK) await this.pd.wait('w', opts);
          else done += n;
        } while (done < buf.byteLength);
        return done;
      } catch (err) {
        if (err && typeof err === 'object') (err as { bytesWritten?: number }).bytesWritten = done;
        throw err;
      }
    });
  }

  /** Accept a connection on a listening socket: the new fd (non-blocking, close-on-exec). */
  accept(opts: IoOptions = {}): Promise<number> {
    return this.op(this.readLock, async () => {
      this.pd.reset('r');
      for (;;) {
        const fd = acceptFd(this.fd);
        if (fd !== WOULD_BLOCK) return fd;
        await this.pd.wait('r', opts);
      }
    });
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
          closeFd(this.fd);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
    });
    if (!this.pd.isClosed) this.pd.unblock();
    if (this.inflight === 0) this.finish!();
    return this.closed;
  }

  /** Chunks as they arrive, until EOF. Each chunk is a fresh Buffer of up to 64 KiB. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const buf = Buffer.allocUnsafe(65536);
      const n = await this.read(buf);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  }
}

export { DeadlineExceededError, MisuseError };
