// Submission waves: the operations attempted in one microtask wave share one
// io_uring_enter.
//
// When the drive settles the waiters of N ready descriptors, their
// continuations run one after another in the same microtask flush. The
// first attempt of a wave queues a flush microtask behind them; every
// attempt until it runs joins the wave; the flush makes them all and settles
// each with exactly what the plain call would have returned: a count,
// WOULD_BLOCK, or the SyscallError of the same name (the rules of
// os/syscall.ts).
//
// A wave of at least `minBatch` attempts goes through the ring, in one
// io_uring_enter (uring.ts: nothing is in flight when submit() returns). A
// smaller one is made as plain calls: one io_uring_enter costs more than one
// read(2) (bench/uring/micro.mjs), so the ring only pays off when it saves
// several crossings. An entry the kernel did not answer itself (cancelled,
// or EINTR) is made again as the plain call, so a readiness edge is never
// consumed by an attempt that did not happen.

import type { Uring } from './os/uring.js';
import { EINTR_RETRY, ioRes } from './os/syscall.js';
import { readFd, writeFd } from './os/fd.js';
import { ERRNO } from './os/errors.js';

type Syscall = 'read' | 'write';

/** One attempt of the wave and how to settle it. */
interface Attempt {
  syscall: Syscall;
  fd: number;
  buf: Uint8Array;
  resolve: (n: number) => void;
  reject: (err: unknown) => void;
}

/** The smallest wave sent through the ring by default (bench/uring/micro.mjs: below it plain calls cost less). */
export const DEFAULT_MIN_BATCH = 8;

export class SubmitWave {
  private queue: Attempt[] = [];
  private scheduled = false;
  /** Waves made through the ring, and the attempts in them (stats). */
  ringWaves = 0;
  ringAttempts = 0;
  /** Attempts made as plain calls (small waves, and entries the kernel did not answer). */
  plainAttempts = 0;

  constructor(
    private readonly ring: Uring,
    private readonly minBatch = DEFAULT_MIN_BATCH,
  ) {}

  /** read(2) of `buf`: count (0 = EOF), WOULD_BLOCK, or rejects with SyscallError. */
  read(fd: number, buf: Uint8Array): Promise<number> {
    return this.add('read', fd, buf);
  }

  /** write(2) of `buf`: count (maybe partial), WOULD_BLOCK, or rejects with SyscallError. */
  write(fd: number, buf: Uint8Array): Promise<number> {
    return this.add('write', fd, buf);
  }

  private add(syscall: Syscall, fd: number, buf: Uint8Array): Promise<number> {
    // A wave never outgrows the ring: a full one is made now, in order, before this attempt joins the next.
    if (this.queue.length === this.ring.entries) this.flush();
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ syscall, fd, buf, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(this.flush);
      }
    });
  }

  /** Closes the ring; later attempts are made as plain calls. */
  close(): void {
    this.ring.close();
  }

  /** Makes the wave's attempts and settles each, in the order they were made. */
  private readonly flush = (): void => {
    this.scheduled = false;
    const wave = this.queue;
    if (wave.length === 0) return; // already made by add()
    this.queue = [];
    if (wave.length < this.minBatch || !this.ring.open) {
      for (const a of wave) this.settle(a, () => this.plain(a));
      return;
    }
    const ring = this.ring;
    const slots = wave.map((a) => (a.syscall === 'read' ? ring.read(a.fd, a.buf) : ring.write(a.fd, a.buf)));
    ring.submit();
    this.ringWaves++;
    this.ringAttempts += wave.length;
    wave.forEach((a, i) => this.settle(a, () => this.fromRing(a, ring.result(slots[i]))));
  };

  private settle(a: Attempt, make: () => number): void {
    try {
      a.resolve(make());
    } catch (err) {
      a.reject(err);
    }
  }

  private fromRing(a: Attempt, res: number): number {
    if (res === -ERRNO.ECANCELED) return this.plain(a);
    const n = ioRes(res, a.syscall, a.fd);
    return n === EINTR_RETRY ? this.plain(a) : n;
  }

  /** The plain call (it retries EINTR itself). */
  private plain(a: Attempt): number {
    this.plainAttempts++;
    return a.syscall === 'read' ? readFd(a.fd, a.buf) : writeFd(a.fd, a.buf);
  }
}
