// The 'thread' drive: a blocking epoll_wait off the main thread.
//
// The wait runs on a libuv threadpool thread (koffi `.async`) into a private
// buffer — never into core memory, which memory.grow may detach while the
// kernel writes — and its events are copied into the core when it returns.
// Its timeout is the delay to the earliest deadline (Go's netpoll delay
// rules, drive.ts), so no timerfd is needed. It polls only while someone
// waits on a ref'd poller; deadlines alone (or on an unref'd poller) get an
// unref'd Node timer instead (idleTimers).
//
// netpollBreak: a level-triggered eventfd in the set, written when the poll
// must return early (an earlier deadline, new activity after idling, close).
// The wake flag de-duplicates breaks: only the write that moves it 0 → 1
// touches the eventfd, and only the returning blocking poll drains the eventfd
// and clears the flag (Go issue 65443).
//
// Cost: the blocked call holds one of libuv's UV_THREADPOOL_SIZE threads
// (default 4, shared with fs, dns, crypto, zlib) for as long as it blocks,
// and an in-flight call keeps the process alive until it returns; unref()
// takes effect at the next return, which the break forces. Inside a worker
// each wait is cut short (worker-safe.ts) so that terminate() can finish.

import { epollWaitAsync, epollWaitInto, EPOLL_EVENT_SIZE, EPOLLIN } from '../os/epoll.js';
import { eventFd, eventFdWrite, eventFdRead } from '../os/event.js';
import { type Drive, type Pump, HOST_BREAK, IdleDeadline, afterBatch, nextLoopTurn, waitMs } from './drive.js';
import { EpollDrive } from './epoll-drive.js';
import { boundedWait } from './worker-safe.js';

export class ThreadDrive extends EpollDrive implements Drive {
  readonly kind = 'thread' as const;
  private readonly buf: Buffer;
  private when = 0n; // earliest deadline, 0n none
  private waitingUntil = -1n; // deadline the in-flight blocking wait times out at (-1n: blocks indefinitely)
  private polling = false; // the loop runs (blocked in the threadpool, or busy polling on this thread)
  /** A blocking epoll_wait is in flight: only then does a change need the break (busy polls re-read `when` and `wantPoll` each turn). */
  private blocked = false;
  private wantPoll = false;
  private wakeSent = false; // Go's netpollWakeSig
  private closed = false;
  /** While no poll runs but a deadline is armed: an unref'd timer that fires due deadlines (see idleTimers). */
  private readonly idle = new IdleDeadline(
    () => this.now(),
    () => {
      if (!this.polling && !this.closed) afterBatch(this, this.pumpTo.pump(0, EPOLL_EVENT_SIZE, this.now())); // re-arms through deadline()
    },
  );
  /** Breaks written to the eventfd (the de-duplication is visible here). */
  breaks = 0;

  constructor(private readonly pumpTo: Pump, private readonly maxEvents: number) {
    super(eventFd, EPOLLIN, HOST_BREAK); // the break eventfd: level-triggered
    this.buf = Buffer.alloc(maxEvents * EPOLL_EVENT_SIZE);
  }

  deadline(when: bigint): void {
    this.when = when;
    // A poll blocked past the new deadline must come back and re-time itself.
    if (this.blocked && when !== 0n && (this.waitingUntil < 0n || when < this.waitingUntil)) this.wake();
    this.idleTimers();
  }

  /**
   * Deadlines with nobody waiting (or on an unref'd poller) are not worth a
   * blocked threadpool thread, which would also hold the process. They still
   * fire on time, so a later operation sees the expiry as Go's would: an unref'd
   * Node timer runs the core on no events at the earliest deadline.
   */
  private idleTimers(): void {
    this.idle.set(this.polling || this.closed ? 0n : this.when);
  }

  activity(active: boolean, ref: boolean): void {
    // An unreferenced poller never blocks the thread pool: the in-flight call would keep the process alive.
    const want = active && ref && !this.closed;
    if (want === this.wantPoll) return;
    this.wantPoll = want;
    if (want && !this.polling) this.startLoop();
    else if (!want && this.blocked) this.wake();
    this.idleTimers();
  }

  /** netpollBreak. */
  wake(): void {
    if (this.wakeSent || this.closed) return;
    this.wakeSent = true;
    this.breaks++;
    eventFdWrite(this.hostFd, 1); // false = EAGAIN: already readable, which is all we need
  }

  /**
   * The loop must never die quietly: every wait would then hang. A failure
   * (an epoll_wait error, koffi refusing the async call, an inconsistency the
   * core reported while settling the batch) is rethrown as an uncaught
   * exception, as the same failure in the uv drive's callback would be.
   */
  private startLoop(): void {
    this.loop().catch((err: unknown) => {
      this.wantPoll = false;
      setImmediate(() => {
        throw err;
      });
    });
  }

  private async loop(): Promise<void> {
    this.polling = true;
    try {
      while (this.wantPoll && !this.closed) {
        const now = this.now();
        const delay = this.when === 0n ? -1n : this.when > now ? this.when - now : 0n;
        this.waitingUntil = delay < 0n ? -1n : now + delay;
        this.blocked = true;
        let n: number;
        try {
          n = await epollWaitAsync(this.epfd, this.buf, this.maxEvents, boundedWait(waitMs(delay)));
        } finally {
          this.blocked = false;
        }
        if (this.closed) break;
        this.pumpTo.writeEvents(this.buf.subarray(0, n * EPOLL_EVENT_SIZE));
        afterBatch(this, this.pumpTo.pump(n, EPOLL_EVENT_SIZE, this.now()), this.drainBreak);
        // Busy: while batches keep coming, poll without blocking on this thread after each
        // event-loop turn (Go's scheduler polls the netpoller non-blockingly while it has
        // work, and blocks in it only when idle): no threadpool round trip per batch. The
        // wait is synchronous, so it may write straight into core memory.
        let more = n > 0;
        while (more && this.wantPoll && !this.closed) {
          await nextLoopTurn();
          if (this.closed || !this.wantPoll) break;
          const m = epollWaitInto(this.epfd, this.pumpTo.eventsView(this.maxEvents, EPOLL_EVENT_SIZE), this.maxEvents, 0);
          afterBatch(this, this.pumpTo.pump(m, EPOLL_EVENT_SIZE, this.now()), this.drainBreak);
          more = m > 0;
        }
      }
    } finally {
      this.polling = false;
      if (this.closed) this.releaseFds();
      else this.idleTimers();
    }
  }

  /** A host-fd event in the batch: the break eventfd was written; drain it (only the poll loop clears the flag). */
  private readonly drainBreak = (hostBits: number): void => {
    if (hostBits & (1 << HOST_BREAK)) {
      eventFdRead(this.hostFd);
      this.wakeSent = false;
    }
  };

  close(): void {
    if (this.closed) return;
    this.untrack();
    this.wantPoll = false;
    this.idle.clear();
    if (this.polling) {
      // The in-flight wait still uses epfd: break it, and close the fds when it returns.
      this.wakeSent = false;
      this.wake();
      this.closed = true;
    } else {
      this.closed = true;
      this.releaseFds();
    }
  }
}
