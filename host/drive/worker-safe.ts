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
// owns and closes on termination (waiter-watch.ts). Nothing of ours is then in flight in the
// worker, and a waiting worker poller holds no threadpool thread (with one
// poll(2) or epoll_wait each, 4 waiting workers took all of libuv's default
// 4 threads and stalled every fs call in the process). The waiter's own wait
// is cut at WORKER_WAIT_CAP_MS, since it is a Worker too.
//
// The threadpool wait (pool-wait.ts) remains as the fallback where no waiter
// can be had (the waiter's name held by another process, a Worker that
// cannot start), and with NETPOLL_WORKER_WAIT=pool (the benchmark's baseline).
//
// The drive's own fds are put where Node's teardown closes them
// (sys/env-fd.ts). The completion of a cut wait during teardown is harmless:
// koffi's call into JavaScript is refused quietly and nothing re-arms.

import { isMainThread } from 'node:worker_threads';
import { pollReadable, type PollHandle } from '../os/uv-poll.js';
import { PoolPollWatch, type ReadyWatch } from './pool-wait.js';
import { WaiterWatch, WorkerEventWait } from './waiter-watch.js';

export { boundedWait, type ReadyWatch } from './pool-wait.js';

/** True inside a worker_threads Worker. */
export const IN_WORKER = !isMainThread;

/** Inside a worker: wait through the process-wide waiter (the default), or on the threadpool (NETPOLL_WORKER_WAIT=pool). */
const USE_WAITER = IN_WORKER && process.env.NETPOLL_WORKER_WAIT !== 'pool';

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

/** The watch a uv drive uses for its epoll fd on this thread. */
export function watchReadable(fd: number, onReady: () => void): ReadyWatch {
  if (!IN_WORKER) return new UvPollWatch(fd, onReady);
  return USE_WAITER ? new WaiterWatch(fd, onReady) : new PoolPollWatch(fd, onReady);
}

/** The thread drive's worker wait on this thread, or null where its blocking epoll_wait runs on the threadpool (the main thread; NETPOLL_WORKER_WAIT=pool). */
export function workerEventWait(epfd: number): WorkerEventWait | null {
  return USE_WAITER ? new WorkerEventWait(epfd) : null;
}
