// The threadpool wait inside a worker: how worker pollers waited before the
// process-wide waiter (waiter-protocol.ts), and still do where no waiter can
// be had, or with NETPOLL_WORKER_WAIT=pool. Each wait is a poll(2) or
// epoll_wait on libuv's threadpool, cut at WORKER_WAIT_CAP_MS and made again:
// Node waits for a worker's in-flight threadpool calls before terminate()
// resolves, so the cap is what bounds terminate(). Each waiting poller holds
// one of the pool's threads meanwhile (UV_THREADPOOL_SIZE, default 4, shared
// with fs, dns, crypto and zlib).

import { isMainThread } from 'node:worker_threads';
import { pollReadableAsync } from '../os/poll.js';

/** The longest a blocking wait lasts inside a worker (ms): terminate() waits for the one in flight. */
export const WORKER_WAIT_CAP_MS = 100;

/** A wait timeout as a drive computed it (ms, -1 = none), cut at WORKER_WAIT_CAP_MS inside a worker. */
export function boundedWait(ms: number): number {
  if (isMainThread) return ms;
  return ms < 0 || ms > WORKER_WAIT_CAP_MS ? WORKER_WAIT_CAP_MS : ms;
}

/** Calls `onReady` while the watched fd is readable, as long as the watch is referenced. */
export interface ReadyWatch {
  /** Watch and keep the loop alive (something waits). */
  ref(): void;
  /** Nothing waits, or the user unref'd the poller: do not keep the loop alive. */
  unref(): void;
  /** Stop for good; `released` runs once nothing uses the fd any more. */
  close(released: () => void): void;
}

/**
 * A worker's watch: poll(2) on the threadpool, at most WORKER_WAIT_CAP_MS at a
 * time, only while referenced (an in-flight call keeps the loop alive, so an
 * unreferenced watch does not poll: its events wait for the next ref, or for
 * the uv drive's drain at a deadline, uv.ts).
 */
export class PoolPollWatch implements ReadyWatch {
  private wanted = false;
  private inFlight = false;
  private closed = false;
  private released: (() => void) | null = null;

  constructor(private readonly fd: number, private readonly onReady: () => void) {}

  ref(): void {
    this.wanted = true;
    if (!this.inFlight && !this.closed) this.start();
  }

  unref(): void {
    this.wanted = false; // the call in flight returns within the cap
  }

  close(released: () => void): void {
    this.closed = true;
    this.wanted = false;
    if (this.inFlight) this.released = released;
    else released();
  }

  /** As the thread drive's loop: a failure must not end the watch quietly (every wait would hang). */
  private start(): void {
    this.loop().catch((err: unknown) => {
      this.wanted = false;
      setImmediate(() => {
        throw err;
      });
    });
  }

  private async loop(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.wanted && !this.closed) {
        const ready = await pollReadableAsync(this.fd, WORKER_WAIT_CAP_MS);
        if (ready && !this.closed) this.onReady();
      }
    } finally {
      this.inFlight = false;
      const released = this.released;
      this.released = null;
      released?.();
    }
  }
}

