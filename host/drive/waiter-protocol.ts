// What the process-wide waiter (waiter-thread.ts) and the worker pollers it
// wakes (waiter-link.ts) agree on.
//
// The waiter is one thread per process: a helper Worker that blocks in
// epoll_wait on a set of its own holding every registered worker poller's
// epoll fd (an epoll fd is itself pollable: readable while its ready list is
// not empty). A worker poller reaches it by connecting to an abstract AF_UNIX
// socket named after the process, hands it a duplicate of its epoll fd with
// SCM_RIGHTS, and then keeps only the connected socket, as a net.Socket that
// Node owns (and closes when the worker is terminated). So:
//
// - no fd number crosses threads: the waiter watches and writes only fds it
//   holds itself (its own duplicate of the epoll set, its end of the
//   connection), and closes them itself, so it can never touch a number that
//   was closed and reused elsewhere;
// - the registration is EPOLLONESHOT: one WAKE byte per arming, and the
//   worker re-arms (REARM) only after draining its set, so the waiter never
//   spins on a set the worker has not drained yet; an event that arrives
//   between the drain and the re-arm is reported by the re-arm itself
//   (EPOLL_CTL_MOD checks readiness), so no wake-up is lost;
// - the end of the connection (the worker closed its poller, or was
//   terminated) is what removes the registration.

/** The abstract socket name (leading NUL: nothing on disk, gone when the socket closes). Scoped by pid; the peer's pid is checked too (SO_PEERCRED), since abstract names are per network namespace, not per process. */
export function waiterName(pid: number = process.pid): string {
  return `\0netpoll-wasm/waiter/${pid}`;
}

/** Waiter → worker: your epoll set has events (one per arming). */
export const WAKE = 0x57;
/** Worker → waiter: drained; report the set's next readiness. Also carries the registration's SCM_RIGHTS. */
export const REARM = 0x52;

/** epoll data (hi word) of the waiter's own registrations: what the lo word (a connection id) refers to. */
export const KIND_LISTEN = 1;
export const KIND_CONN = 2;
export const KIND_SET = 3;
export const KIND_STOP = 4;

/** Waiter → its spawner, once: listening ('ready'), or another thread's waiter already holds the name ('taken'). */
export type WaiterStartMessage = 'ready' | 'taken';
