// SimDrive: the Drive of a simulated host. No syscalls: the "epoll set" is a
// map of virtual fds to their registration (index, fdseq), the clock is a
// number the test moves, and epoll batches are whatever the test queues
// (SimPoller writes them into the core's event region through the Pump).
//
// Registration errors mirror epoll_ctl: EPERM for an fd marked not pollable
// (a regular file), EEXIST for an fd registered twice, EBADF / ENOENT for a
// removal of an fd that was closed or never added.

import { type Drive, type Pump } from '../drive/drive.js';
import { ERRNO, SyscallError } from '../os/errors.js';

export interface Registration {
  readonly fd: number;
  readonly index: number;
  readonly seq: number;
}

export interface SimClockOptions {
  /** The virtual monotonic clock at creation, ns (default 1 s; must be > 0). */
  startNs?: bigint;
  /** The virtual wall clock at creation, epoch ms (default 2024-01-01T00:00:00Z). */
  epochMs?: number;
}

export const DEFAULT_START_NS = 1_000_000_000n;
export const DEFAULT_EPOCH_MS = Date.UTC(2024, 0, 1);

export class SimDrive implements Drive {
  readonly kind = 'sim' as const;
  readonly startNs: bigint;
  readonly epochMs: number;
  private clock: bigint;
  private readonly regs = new Map<number, Registration>();
  private readonly notPollable = new Set<number>();
  private readonly closedFds = new Set<number>();
  /** The poller's earliest deadline (absolute ns, 0n none): what a real drive would arm its timer for. */
  armed = 0n;
  /** Last activity report: something to wait for, and whether the user wants the process kept alive for it. */
  active = false;
  referenced = true;
  closed = false;

  constructor(readonly pump: Pump, readonly maxEvents: number, opts: SimClockOptions = {}) {
    this.startNs = opts.startNs ?? DEFAULT_START_NS;
    if (this.startNs <= 0n) throw new RangeError('SimDrive: startNs must be > 0 (the core treats times ≤ 0 as "none")');
    this.epochMs = opts.epochMs ?? DEFAULT_EPOCH_MS;
    this.clock = this.startNs;
  }

  now(): bigint {
    return this.clock;
  }

  /**
   * The virtual wall clock, epoch ms: `epochMs` plus the virtual time elapsed.
   * Deadlines given as Date / epoch ms are measured against it (see
   * SimPoller.deadline). Exact for whole milliseconds.
   */
  epochNowMs(): number {
    return this.epochMs + Number(this.clock - this.startNs) / 1e6;
  }

  /** Move the clock (never backwards: it is monotonic). */
  setNow(ns: bigint): void {
    if (ns < this.clock) throw new RangeError(`SimDrive: the clock is monotonic (now ${this.clock}, asked for ${ns})`);
    this.clock = ns;
  }

  add(fd: number, index: number, seq: number): void {
    if (this.closed) throw new SyscallError('epoll_ctl', ERRNO.EBADF, { fd, info: 'EPOLL_CTL_ADD on a closed simulated epoll set' });
    if (this.notPollable.has(fd)) throw new SyscallError('epoll_ctl', ERRNO.EPERM, { fd, info: 'EPOLL_CTL_ADD' });
    if (this.regs.has(fd)) throw new SyscallError('epoll_ctl', ERRNO.EEXIST, { fd, info: 'EPOLL_CTL_ADD' });
    this.closedFds.delete(fd);
    this.regs.set(fd, { fd, index, seq });
  }

  del(fd: number): void {
    if (this.closedFds.has(fd)) throw new SyscallError('epoll_ctl', ERRNO.EBADF, { fd, info: 'EPOLL_CTL_DEL' });
    if (!this.regs.delete(fd)) throw new SyscallError('epoll_ctl', ERRNO.ENOENT, { fd, info: 'EPOLL_CTL_DEL' });
  }

  deadline(when: bigint): void {
    this.armed = when;
  }

  activity(active: boolean, ref: boolean): void {
    this.active = active;
    this.referenced = ref;
  }

  close(): void {
    this.closed = true;
    this.regs.clear();
  }

  // ── simulation controls ────────────────────────────────────────────────────

  registration(fd: number): Registration | undefined {
    return this.regs.get(fd);
  }

  get registered(): number {
    return this.regs.size;
  }

  /** epoll_ctl(ADD) of `fd` fails with EPERM, like a regular file (or stops failing). */
  setNotPollable(fd: number, notPollable = true): void {
    if (notPollable) this.notPollable.add(fd);
    else this.notPollable.delete(fd);
  }

  /** The user closed `fd` behind the poller's back: the kernel drops its registration; a later DEL fails with EBADF. */
  closeFd(fd: number): void {
    this.regs.delete(fd);
    this.closedFds.add(fd);
  }
}
