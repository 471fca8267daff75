// The default drive: Node's own event loop watches the epoll fd.
//
// koffi.node.poll puts the epoll fd in libuv's loop; when it is readable we
// drain it with non-blocking epoll_wait straight into the core's event region
// (synchronous, so memory.grow cannot detach the view under the syscall) and
// run the core once per batch. Deadlines: one timerfd in CLOCK_MONOTONIC
// absolute time, registered in the same epoll set (edge-triggered, so it is
// never read: re-arming resets it), re-armed only when the earliest deadline
// changes. The libuv handle is referenced only while there is something to
// wait for and the user has not unref'd the poller.

import koffi from 'koffi';
import { epollCreate, epollAdd, epollDel, epollWaitInto, EPOLL_EVENT_SIZE, EPOLLIN, EPOLLET } from '../sys/epoll.js';
import { timerFd, timerFdSetAbsolute } from '../sys/event.js';
import { closeFd } from '../sys/fd.js';
import { monotonicNs } from '../sys/time.js';
import { type Drive, type Pump, REGISTER_EVENTS, HOST_SENTINEL, HOST_TIMERFD } from './drive.js';

// koffi (3.3.4) calls a poll handle's JS callback from the uv_run that Node's
// environment teardown performs (Environment::CleanupHandles) whenever the fd
// is readable at that moment — any unconsumed event in an unreferenced epoll
// set — and calling into JS there is fatal ("napi_throw", SIGABRT, exit code
// 134). So every live handle is closed when the process exits.
const live = new Set<UvDrive>();
let exitHook = false;
function closeAtExit(): void {
  for (const d of live) d.close();
}

export class UvDrive implements Drive {
  readonly kind = 'uv' as const;
  private readonly epfd: number;
  private readonly tfd: number;
  private readonly handle: ReturnType<typeof koffi.node.poll>;
  private armed = 0n;
  private referenced = true;
  private closed = false;

  constructor(private readonly pumpTo: Pump, private readonly maxEvents: number) {
    this.epfd = epollCreate();
    try {
      this.tfd = timerFd();
      epollAdd(this.epfd, this.tfd, (EPOLLIN | EPOLLET) >>> 0, HOST_SENTINEL, HOST_TIMERFD);
    } catch (err) {
      closeFd(this.epfd);
      throw err;
    }
    this.handle = koffi.node.poll(this.epfd, { readable: true }, () => this.drain());
    this.handle.unref();
    this.referenced = false;
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', closeAtExit);
    }
  }

  now(): bigint {
    return monotonicNs();
  }

  add(fd: number, index: number, seq: number): void {
    epollAdd(this.epfd, fd, REGISTER_EVENTS, index, seq);
  }

  del(fd: number): void {
    epollDel(this.epfd, fd);
  }

  /** Drain the epoll set: a full batch means there may be more. */
  private drain(): void {
    if (this.closed) return;
    for (;;) {
      const n = epollWaitInto(this.epfd, this.pumpTo.eventsView(this.maxEvents, EPOLL_EVENT_SIZE), this.maxEvents, 0);
      this.pumpTo.pump(n, EPOLL_EVENT_SIZE);
      if (n < this.maxEvents || this.closed) break;
    }
  }

  deadline(when: bigint): void {
    if (when === this.armed || this.closed) return;
    this.armed = when;
    timerFdSetAbsolute(this.tfd, when); // 0n disarms
  }

  activity(active: boolean, ref: boolean): void {
    const want = active && ref;
    if (want === this.referenced || this.closed) return;
    this.referenced = want;
    if (want) this.handle.ref();
    else this.handle.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    this.handle.close();
    closeFd(this.tfd);
    closeFd(this.epfd);
  }
}
