// What both OS drives share: an epoll set holding the descriptors' edge-
// triggered registrations plus one fd of the drive's own (the uv drive's
// timerfd, the thread drive's break eventfd) under the host sentinel tag,
// the monotonic clock, and being closed when the process exits.
//
// Why close at exit: the uv drive's koffi poll handle may be called back
// during Node's environment teardown when the epoll fd is readable, which is
// fatal (koffi 3.3.4: "napi_throw", SIGABRT); the thread drive's blocked
// epoll_wait(-1) would make Node's join of its threadpool hang forever.

import { epollCreate, epollAdd, epollDel } from '../os/epoll.js';
import { adoptFd, closeAdoptedFd } from '../os/env-fd.js';
import { monotonicNs } from '../os/time.js';
import { REGISTER_EVENTS, HOST_SENTINEL } from './drive.js';

const live = new Set<EpollDrive>();
let exitHook = false;

function closeAtExit(): void {
  for (const d of live) d.close();
}

export abstract class EpollDrive {
  protected readonly epfd: number;
  /** The drive's own fd, registered with `hostEvents` and data (HOST_SENTINEL, hostTag). */
  protected readonly hostFd: number;

  constructor(makeHostFd: () => number, hostEvents: number, hostTag: number) {
    // Adopted: a terminated worker's teardown closes them (sys/env-fd.ts).
    this.epfd = adoptFd(epollCreate());
    let hostFd = -1;
    try {
      hostFd = adoptFd(makeHostFd());
      epollAdd(this.epfd, hostFd, hostEvents, HOST_SENTINEL, hostTag);
    } catch (err) {
      if (hostFd >= 0) closeAdoptedFd(hostFd);
      closeAdoptedFd(this.epfd);
      throw err;
    }
    this.hostFd = hostFd;
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

  ownsFd(fd: number): boolean {
    return fd === this.epfd || fd === this.hostFd;
  }

  del(fd: number): void {
    epollDel(this.epfd, fd);
  }

  abstract close(): void;

  /** Close the epoll set and the host fd; the subclass calls it once nothing uses them any more. */
  protected releaseFds(): void {
    live.delete(this);
    closeAdoptedFd(this.hostFd);
    closeAdoptedFd(this.epfd);
  }

  /** Stop being closed at exit (close has begun; releaseFds may come later). */
  protected untrack(): void {
    live.delete(this);
  }
}
