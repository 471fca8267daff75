// The default drive: Node's own event loop watches the epoll fd.
//
// koffi.node.poll (host/sys/uv-poll.ts) puts the epoll fd in libuv's loop; when it is readable we
// drain it with non-blocking epoll_wait straight into the core's event region
// (synchronous, so memory.grow cannot detach the view under the syscall) and
// run the core once per batch. Deadlines: one timerfd in CLOCK_MONOTONIC
// absolute time, registered in the same epoll set (edge-triggered, so it is
// never read: re-arming resets it), re-armed only when the earliest deadline
// changes. The libuv handle is referenced only while there is something to
// wait for and the user has not unref'd the poller; unreferenced, it still
// delivers. Inside a worker the libuv handle is replaced by a poll(2) on the
// threadpool (worker-safe.ts), which stops while unreferenced: then an
// unref'd Node timer at the earliest deadline drains the set instead (the
// thread drive's idle timer, IdleDeadline in drive.ts), so a deadline with
// no waiter still fires on time.

import { epollWaitInto, EPOLL_EVENT_SIZE, EPOLLIN, EPOLLET } from '../os/epoll.js';
import { timerFd, timerFdSetAbsolute } from '../os/event.js';
import { type Drive, type Pump, HOST_TIMERFD, IdleDeadline, afterBatch } from './drive.js';
import { EpollDrive } from './epoll-drive.js';
import { type ReadyWatch, IN_WORKER, watchReadable } from './worker-safe.js';

/**
 * Full batches taken in one callback before the event loop gets its turn
 * back: libuv's own bound, which its authors measured ("Benchmarks suggest this
 * gives the best throughput": uv__io_poll re-polls a full batch at most 48
 * times). At the default 128 events per batch that is 6,144 events, far past
 * anything the benchmarks reach (bench/results/echo.md: 1,000 connections),
 * so it changes nothing there and only stops a flood from holding the loop.
 */
const MAX_DRAIN_BATCHES = 48;

export class UvDrive extends EpollDrive implements Drive {
  readonly kind = 'uv' as const;
  private readonly watch: ReadyWatch;
  private armed = 0n;
  private referenced = true;
  private closed = false;
  /** Inside a worker, while the watch is unreferenced (it does not poll then): drains the set at the earliest deadline. */
  private readonly idle: IdleDeadline | null = IN_WORKER
    ? new IdleDeadline(
        () => this.now(),
        () => {
          this.drain();
          this.idleTimer(); // fired early, or nothing changed: still due
        },
      )
    : null;

  constructor(private readonly pumpTo: Pump, private readonly maxEvents: number) {
    // Edge-triggered and never read: re-arming a timerfd resets it.
    super(timerFd, (EPOLLIN | EPOLLET) >>> 0, HOST_TIMERFD);
    this.watch = watchReadable(this.epfd, () => this.drain());
    this.referenced = false;
  }

  /** Take the batch now instead of when the event loop gets here (the inspector's poller inside a worker). */
  pollNow(): void {
    this.drain();
  }

  /**
   * Drain the epoll set: a full batch means there may be more, so poll again,
   * at most MAX_DRAIN_BATCHES times (libuv bounds its own re-polls the same
   * way). What is left keeps the epoll fd readable, and libuv calls back on
   * its next turn, after the timers and the other handles had theirs.
   */
  private drain(): void {
    if (this.closed) return;
    for (let round = 1; ; round++) {
      const n = epollWaitInto(this.epfd, this.pumpTo.eventsView(this.maxEvents, EPOLL_EVENT_SIZE), this.maxEvents, 0);
      afterBatch(this, this.pumpTo.pump(n, EPOLL_EVENT_SIZE, this.now()));
      if (n < this.maxEvents || this.closed || round === MAX_DRAIN_BATCHES) break;
    }
  }

  deadline(when: bigint): void {
    if (when === this.armed || this.closed) return;
    this.armed = when;
    timerFdSetAbsolute(this.hostFd, when); // 0n disarms
    this.idleTimer();
  }

  activity(active: boolean, ref: boolean): void {
    const want = active && ref;
    if (want === this.referenced || this.closed) return;
    this.referenced = want;
    if (want) this.watch.ref();
    else this.watch.unref();
    this.idleTimer();
  }

  /** Inside a worker: the timer runs exactly while the watch is unreferenced and a deadline is armed. */
  private idleTimer(): void {
    this.idle?.set(this.referenced || this.closed ? 0n : this.armed);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle?.clear();
    this.untrack();
    this.watch.close(() => this.releaseFds());
  }
}
