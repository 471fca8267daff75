// What keeps a drive safe under `worker.terminate()`, and off the threadpool.
//
// terminate() stops the worker's JavaScript and tears its environment down
// without running any more of it (no 'exit' event, no finally). Two things
// in a drive cannot survive that (koffi 3.3.4, Node 20):
//
// - A live koffi.node.poll handle. Node runs the worker's loop once more
//   while it closes its own handles; if the polled fd is readable then, koffi
//   calls back into JavaScript, which is refused, and koffi aborts the process
//   (FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw). If it is
//   not, the handle is closed by koffi's finalizer, whose close callback
//   runs after the worker unloaded koffi.node: SIGSEGV when no other thread
//   has koffi loaded. Closing the handle from JavaScript first avoids both,
//   but no JavaScript runs. So inside a worker no drive holds one.
// - A threadpool call that does not return. Node waits for the worker's
//   in-flight threadpool work before it finishes the teardown, so a blocked
//   epoll_wait(-1) makes terminate() never resolve.
//
// Inside a worker both drives therefore learn that their epoll set is ready
// from the process-wide waiter (waiter-protocol.ts): one thread for the whole
// process blocks on a set holding every worker poller's epoll set and writes
// a byte to the owning worker's connection, a net.Socket that Node itself
// owns and closes on termination. Nothing of ours is then in flight in the
// worker, and a waiting worker poller holds no threadpool thread (with one
// poll(2) or epoll_wait each, 4 waiting workers took all of libuv's default
// 4 threads and stalled every fs call in the process). The waiter's own wait
// is cut at WORKER_WAIT_CAP_MS, since it is a Worker too.
//
// The threadpool wait remains as the fallback where no waiter can be had
// (the waiter's name held by another process, a Worker that cannot start),
// and with NETPOLL_WORKER_WAIT=pool (the benchmark's baseline): a poll(2) or
// epoll_wait on the threadpool cut at WORKER_WAIT_CAP_MS and made again.
//
// The drive's own fds are put where Node's teardown closes them
// (sys/env-fd.ts). The completion of a cut wait during teardown is harmless:
// koffi's call into JavaScript is refused quietly and nothing re-arms.

import { isMainThread } from 'node:worker_threads';
import { pollReadable, type PollHandle } from '../sys/uv-poll.js';
import { pollReadableAsync } from '../sys/poll.js';
import { epollWaitAsync, epollWaitInto } from '../sys/epoll.js';
import { WaiterLink } from './waiter-link.js';

/** True inside a worker_threads Worker. */
export const IN_WORKER = !isMainThread;

/** The longest a blocking wait lasts inside a worker (ms): terminate() waits for the one in flight. */
export const WORKER_WAIT_CAP_MS = 100;

/** Inside a worker: wait through the process-wide waiter (the default), or on the threadpool (NETPOLL_WORKER_WAIT=pool). */
const USE_WAITER = IN_WORKER && process.env.NETPOLL_WORKER_WAIT !== 'pool';

/** A wait timeout as a drive computed it (ms, -1 = none), cut at WORKER_WAIT_CAP_MS inside a worker. */
export function boundedWait(ms: number): number {
  if (!IN_WORKER) return ms;
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

/** The main thread's watch: a koffi (libuv) poll handle, started at once and never stopped until close. */
class UvPollWatch implements ReadyWatch {
  private readonly handle: PollHandle;

  constructor(fd: number, onReady: () => void) {
    this.handle = pollReadable(fd, onReady);
    this.handle.unref();
  }

  ref(): void {
    this.handle.ref();
  }

  unref(): void {
    this.handle.unref();
  }

  close(released: () => void): void {
    this.handle.close();
    released();
  }
}

/**
 * A worker's watch: poll(2) on the threadpool, at most WORKER_WAIT_CAP_MS at a
 * time, only while referenced (an in-flight call keeps the loop alive, so an
 * unreferenced watch does not poll: its events wait for the next ref, or for
 * the uv drive's drain at a deadline, uv.ts).
 */
class PoolPollWatch implements ReadyWatch {
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

/**
 * A worker's watch: the process-wide waiter's wake-ups (waiter-link.ts).
 * Like the main thread's handle it delivers while unreferenced too, as long
 * as something else keeps the worker's loop running. Falls back to a
 * PoolPollWatch if no waiter can be had.
 */
class WaiterWatch implements ReadyWatch {
  private readonly link: WaiterLink;
  private fallback: PoolPollWatch | null = null;
  private referenced = false;

  constructor(private readonly fd: number, private readonly onReady: () => void) {
    this.link = new WaiterLink(
      fd,
      () => {
        this.onReady(); // drains the set (uv.ts), synchronously
        this.link.arm();
      },
      () => {
        this.fallback = new PoolPollWatch(this.fd, this.onReady);
        if (this.referenced) this.fallback.ref();
      },
    );
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
    this.link.close(); // the waiter holds its own duplicate of the set: ours may close at once
    if (this.fallback) this.fallback.close(released);
    else released();
  }
}

/** The watch a uv drive uses for its epoll fd on this thread. */
export function watchReadable(fd: number, onReady: () => void): ReadyWatch {
  if (!IN_WORKER) return new UvPollWatch(fd, onReady);
  return USE_WAITER ? new WaiterWatch(fd, onReady) : new PoolPollWatch(fd, onReady);
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

/** The thread drive's worker wait on this thread, or null where its blocking epoll_wait runs on the threadpool (the main thread; NETPOLL_WORKER_WAIT=pool). */
export function workerEventWait(epfd: number): WorkerEventWait | null {
  return USE_WAITER ? new WorkerEventWait(epfd) : null;
}
