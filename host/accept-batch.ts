// Accepting a batch of connections in one operation (PollFD.acceptMany).
//
// Why it exists: every `await` of a settled promise puts the awaiting code at
// the back of the microtask queue. A server loop `for (;;) serve(await
// listener.accept())` under load therefore accepts one connection per round
// of every busy connection's continuation: measured with 1,000 clients
// connecting at once to a busy echo server (bench/echo, "ramp"), the last one
// got its first reply after 1.8–2.8 s, against 34 ms for Go's net and 7 ms
// for a C epoll server, which accept until EAGAIN in one go (libuv's
// uv__server_io does the same for node:net). One readiness, up to `max`
// accept4 calls, one settled promise: the caller starts every connection
// before it awaits again.

import { acceptFd } from './os/socket-io.js';
import { WOULD_BLOCK } from './os/syscall.js';
import type { Attempt } from './operation.js';

/** Connections one acceptMany takes by default: bounds the time one call holds the thread (about 1.5 µs of accept4 each). */
export const DEFAULT_ACCEPT_BATCH = 64;
/** The largest batch a caller may ask for. */
export const MAX_ACCEPT_BATCH = 4096;

/**
 * accept4 until EAGAIN or `max`. An error after some were accepted ends the
 * batch with those (they are open fds the caller must own); the error comes
 * back on the next call, as it would have on the next accept. An error with
 * none accepted is the operation's error.
 */
export class AcceptBatchAttempt implements Attempt<number[]> {
  constructor(private readonly fd: number, private readonly max: number) {}

  attempt(): number[] | typeof WOULD_BLOCK {
    const first = acceptFd(this.fd); // with none accepted yet, an error is the operation's
    if (first === WOULD_BLOCK) return WOULD_BLOCK; // nothing allocated for a wake that finds the queue empty
    const fds = [first];
    try {
      while (fds.length < this.max) {
        const fd = acceptFd(this.fd);
        if (fd === WOULD_BLOCK) break;
        fds.push(fd);
      }
    } catch {
      // Some were accepted: return those; the error comes back on the next call.
    }
    return fds;
  }
}
