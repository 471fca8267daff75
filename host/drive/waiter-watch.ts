// A worker poller's waits through the process-wide waiter (waiter-link.ts):
// the uv drive's watch, and the thread drive's blocking wait. Each falls back
// to the threadpool wait (pool-wait.ts) if no waiter can be had.

import { epollWaitAsync, epollWaitInto } from '../os/epoll.js';
import { readableNow } from '../os/poll.js';
import { WaiterLink } from './waiter-link.js';
import { PoolPollWatch, boundedWait, type ReadyWatch } from './pool-wait.js';

/**
 * A worker's watch: the process-wide waiter's wake-ups (waiter-link.ts).
 * Like the main thread's handle it delivers while unreferenced too, as long
 * as something else keeps the worker's loop running. Falls back to a
 * PoolPollWatch if no waiter can be had.
 */
export class WaiterWatch implements ReadyWatch {
  private readonly link: WaiterLink;
  private fallback: PoolPollWatch | null = null;
  private referenced = false;
  private closed = false;
  private polling = false;

  constructor(private readonly fd: number, private readonly onReady: () => void) {
    this.link = new WaiterLink(
      fd,
      () => {
        if (this.polling) return; // already draining every loop turn
        this.onReady(); // drains the set (uv.ts), synchronously
        this.pollWhileBusy();
      },
      () => {
        this.fallback = new PoolPollWatch(this.fd, this.onReady);
        if (this.referenced) this.fallback.ref();
      },
    );
  }

  /**
   * While events keep coming, look again after each event-loop turn (a
   * poll(2) that takes nothing off the set) and drain here, without the
   * waiter: a wake-up through it costs a round trip through its thread. Only
   * when a turn finds the set empty is the waiter re-armed (and a readiness
   * that arrives meanwhile is reported by the re-arm itself).
   */
  private pollWhileBusy(): void {
    this.polling = true;
    setImmediate(() => {
      if (this.closed) return;
      if (readableNow(this.fd)) {
        this.onReady();
        return this.pollWhileBusy();
      }
      this.polling = false;
      this.link.arm();
    });
  }

  ref(): void {
    this.referenced = true;
    this.link.ref();
    this.fallback?.ref();
  }

  unref(): void {
    this.referenced = false;
    this.link.unref();
    this.fallback?.unref();
  }

  close(released: () => void): void {
    this.closed = true;
    this.link.close(); // the waiter holds its own duplicate of the set: ours may close at once
    if (this.fallback) this.fallback.close(released);
    else released();
  }
}

/**
 * The thread drive's blocking wait inside a worker: until the waiter's wake
 * or the timeout (a Node timer, referenced: the drive waits only while someone
 * waits on a ref'd poller), then a non-blocking epoll_wait into `buf`. Same
 * results as epollWaitAsync. Falls back to a capped epollWaitAsync if no
 * waiter can be had.
 */
export class WorkerEventWait {
  private readonly link: WaiterLink;
  private failed = false;
  /** A wake arrived while nobody waited: the next wait returns at once (and the waiter stays disarmed until then). */
  private pending = false;
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly epfd: number) {
    this.link = new WaiterLink(epfd, () => this.wake(), () => {
      this.failed = true;
      this.wake();
    });
  }

  async events(buf: Buffer, maxEvents: number, timeoutMs: number): Promise<number> {
    if (this.failed) return epollWaitAsync(this.epfd, buf, maxEvents, boundedWait(timeoutMs));
    if (this.pending || timeoutMs === 0) this.pending = false;
    else await this.until(timeoutMs);
    return epollWaitInto(this.epfd, buf, maxEvents, 0);
  }

  /** Ends the link; a wait in progress returns (with whatever the set holds). */
  close(): void {
    this.link.close();
    this.wake();
  }

  private until(timeoutMs: number): Promise<void> {
    this.link.arm(); // the caller drained the set before waiting again
    this.link.ref();
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      if (timeoutMs > 0) this.timer = setTimeout(() => this.wake(), timeoutMs);
    });
  }

  private wake(): void {
    const resolve = this.resolve;
    if (!resolve) {
      this.pending = true;
      return;
    }
    this.resolve = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.link.unref();
    resolve();
  }
}

