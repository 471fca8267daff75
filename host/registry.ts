// Which PollDesc owns which fd's epoll registration. Owned by a Poller and
// shared with its PollDescs, so that PollDesc.close releases its registration
// here instead of calling back into the Poller.
//
// epoll registrations belong to open files but EPOLL_CTL_DEL names an fd
// number: when a caller closed an fd and its number was reused and registered
// again, only the newer PollDesc may remove the registration.

import type { Drive } from './drive/drive.js';

interface Registered {
  readonly fd: number;
}

export class Registry<P extends Registered = Registered> {
  /** The open PollDesc of each fd number. */
  private readonly byFd = new Map<number, P>();
  /** Every open PollDesc, stale ones included: Poller.close() unblocks them all. */
  readonly live = new Set<P>();
  /** Set once the Poller is closed: its drive (and epoll set) is gone, so nothing is deregistered. */
  closed = false;

  constructor(private readonly drive: Pick<Drive, 'del'>) {}

  /** A descriptor the drive has just registered. A PollDesc still mapped here belongs to an fd the caller closed before its number came back. */
  add(pd: P): void {
    this.byFd.set(pd.fd, pd);
    this.live.add(pd);
  }

  /** Forget the descriptor, and EPOLL_CTL_DEL its fd if the registration is still its own. */
  release(pd: P): void {
    this.live.delete(pd);
    if (this.byFd.get(pd.fd) !== pd) return; // the number was reused and registered anew: not ours to remove
    this.byFd.delete(pd.fd);
    if (!this.closed) this.drive.del(pd.fd);
  }
}
