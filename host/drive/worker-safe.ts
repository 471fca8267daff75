// What keeps a drive safe under `worker.terminate()`.
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
//   but no JavaScript runs. So inside a worker no drive holds one: the uv
//   drive learns that its epoll set is ready from a poll(2) on the threadpool
//   instead (sys/poll.ts), and drains it as on the main thread while the
//   watch is referenced. Unreferenced, the watch does not poll (see
//   PoolPollWatch); the uv drive then reaches its deadlines through an unref'd
//   Node timer that drains the set (uv.ts); other events wait for the next
//   ref or that drain.
// - A threadpool call that does not return. Node waits for the worker's
//   in-flight threadpool work before it finishes the teardown, so a blocked
//   epoll_wait(-1) makes terminate() never resolve. Inside a worker every
//   blocking wait is therefore cut at WORKER_WAIT_CAP_MS and simply made
//   again; it is what bounds terminate().
//
// The drive's own fds are put where Node's teardown closes them
// (sys/env-fd.ts). The completion of a cut wait during teardown is harmless:
// koffi's call into JavaScript is refused quietly and nothing re-arms.

import { isMainThread } from 'node:worker_threads';
import { pollReadable, type PollHandle } from '../os/uv-poll.js';
import { pollReadableAsync } from '../os/poll.js';

/** True inside a worker_threads Worker. */
export const IN_WORKER = !isMainThread;

/** The longest a blocking wait lasts inside a worker (ms): terminate() waits for the one in flight. */
export const WORKER_WAIT_CAP_MS = 100;

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

/** The watch a uv drive uses for its epoll fd on this thread. */
export function watchReadable(fd: number, onReady: () => void): ReadyWatch {
  return IN_WORKER ? new PoolPollWatch(fd, onReady) : new UvPollWatch(fd, onReady);
}
