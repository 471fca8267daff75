// read and write as the operation runner makes them (operation.ts), each one
// small object with its methods on the prototype: the hot path allocates
// this and nothing else per call, where closures cost three.
//
// On the 'uring' path the attempt after a ready wake may already have been
// made by the batch that woke it (wake-ahead.ts): `completed` stores the
// ring entry's result and the next attempt() takes it instead of making the
// call. The result goes through the same rules as the plain call's
// (os/syscall.ts): a count, WOULD_BLOCK for EAGAIN, or the SyscallError of
// the same syscall name. A result that is no answer (EINTR, ECANCELED, and
// EOPNOTSUPP from a file that refuses non-blocking ring I/O, after which its
// PollFD stops using the ring) leaves the plain call to be made.

import type { Attempt } from './operation.js';
import type { Uring } from './os/uring.js';
import { readFd, writeFd, WOULD_BLOCK } from './os/fd.js';
import { ioRes } from './os/syscall.js';
import { ERRNO } from './os/errors.js';
import { isPtyHangup } from './os/pty-master.js';

/** No ring result waiting: attempt() makes the call. (A real result is a count ≥ 0 or a -errno ≥ -4095.) */
const NO_RESULT = -0x7fff_ffff;

/** The PollFD's flag: whether its file refused a ring entry, after which its attempts are plain calls. */
export interface RingUse {
  ringRefused: boolean;
}

/** A ring entry's result as the attempt keeps it: NO_RESULT where the kernel gave no answer. */
function kept(res: number, use: RingUse): number {
  if (res === -ERRNO.EINTR || res === -ERRNO.ECANCELED) return NO_RESULT;
  if (res === -ERRNO.EOPNOTSUPP) {
    use.ringRefused = true;
    return NO_RESULT;
  }
  return res;
}

/** Go returns the count written together with the error: the error carries it as `bytesWritten`. */
export function withCount(err: unknown, done: number): unknown {
  if (err && typeof err === 'object') (err as { bytesWritten?: number }).bytesWritten = done;
  return err;
}

/** read(2) into buf: the count, 0 at EOF, WOULD_BLOCK. */
export class ReadAttempt implements Attempt<number> {
  private res = NO_RESULT;

  constructor(private readonly fd: number, private readonly buf: Uint8Array, private readonly use: RingUse) {}

  attempt(): number {
    const res = this.res;
    if (res !== NO_RESULT) {
      this.res = NO_RESULT;
      return ioRes(res, 'read', this.fd); // kept() left no EINTR to retry
    }
    return readFd(this.fd, this.buf);
  }

  queueIn(ring: Uring): number {
    // An empty (shrunk, detached) view is the plain call's to answer, as it would be on the syscall path.
    return this.use.ringRefused || this.buf.byteLength === 0 ? -1 : ring.read(this.fd, this.buf);
  }

  completed(res: number): void {
    this.res = kept(res, this.use);
  }

  /** A pty master whose slave closed: EOF, as serialport and node-pty report it. */
  failure(err: unknown): { result: number } | { error: unknown } {
    return isPtyHangup(err, this.fd) ? { result: 0 } : { error: err };
  }
}

/**
 * Go's write loop: write(2) until all of buf went; a partial write goes round
 * at once, EAGAIN waits. At least one write(2): an empty buffer is an empty
 * datagram on a message socket. An error carries what went out (bytesWritten).
 */
export class WriteAttempt implements Attempt<number> {
  private done = 0;
  private res = NO_RESULT;

  constructor(private readonly fd: number, private readonly buf: Uint8Array, private readonly use: RingUse) {}

  private rest(): Uint8Array {
    return this.done === 0 ? this.buf : this.buf.subarray(this.done);
  }

  /** One write(2): the ring's result when the waking batch made it, else the call. */
  private writeOnce(): number {
    const res = this.res;
    if (res !== NO_RESULT) {
      this.res = NO_RESULT;
      return ioRes(res, 'write', this.fd); // kept() left no EINTR to retry
    }
    return writeFd(this.fd, this.rest());
  }

  attempt(): number {
    const buf = this.buf;
    for (;;) {
      const n = this.writeOnce();
      if (n === WOULD_BLOCK) return WOULD_BLOCK;
      if (n === 0 && buf.byteLength > 0) throw new Error(`write made no progress on fd ${this.fd} (unexpected EOF)`);
      this.done += n;
      if (this.done >= buf.byteLength) return this.done;
    }
  }

  queueIn(ring: Uring): number {
    // A view shrunk or detached while parked is the plain call's to answer, before subarray() (which throws
    // on a detached buffer); an empty datagram stays a plain call too.
    if (this.use.ringRefused || this.buf.byteLength <= this.done) return -1;
    return ring.write(this.fd, this.rest());
  }

  completed(res: number): void {
    this.res = kept(res, this.use);
  }

  failure(err: unknown): { error: unknown } {
    return { error: withCount(err, this.done) };
  }
}
