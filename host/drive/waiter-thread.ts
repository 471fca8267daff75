// The process-wide waiter's thread (a helper Worker; waiter-protocol.ts says
// what it is for and what it shares with the workers it wakes).
//
// It blocks in epoll_wait on its own set, which holds the listening socket,
// each worker's connection, and each worker's epoll set (EPOLLONESHOT). It
// never returns to its event loop, so it runs nothing of Node's: only the
// synchronous calls below. Each wait is cut at WORKER_WAIT_CAP_MS: this thread
// is itself a Worker, and when the thread that spawned it ends, Node joins it,
// which must not wait for an unbounded call (pool-wait.ts).
//
// It ends with its host thread: at once when the host exits normally (the
// host writes the stop eventfd), within the cap when it is terminated.
//
// Every fd here is adopted (sys/env-fd.ts): when this thread is torn down,
// Node closes them all, which frees the socket name and ends every connection,
// and the workers then register with a new waiter.

import { parentPort, workerData } from 'node:worker_threads';
import { epollCreate, epollAdd, epollMod, epollDel, epollWaitInto, decodeEpollEvent, EPOLL_EVENT_SIZE, EPOLLIN, EPOLLONESHOT, EPOLLRDHUP } from '../os/epoll.js';
import { unixListen, acceptFd, sendFd, recvFd } from '../os/socket.js';
import { recvMsgFd, cmsgSpace } from '../os/msg.js';
import { WOULD_BLOCK } from '../os/fd.js';
import { adoptFd, closeAdoptedFd } from '../os/env-fd.js';
import { isSyscallError } from '../os/errors.js';
import { peerCred } from '../os/peer-cred.js';
import { WORKER_WAIT_CAP_MS } from './pool-wait.js';
import { KIND_CONN, KIND_LISTEN, KIND_SET, KIND_STOP, REARM, WAKE, type WaiterStartMessage } from './waiter-protocol.js';

const MAX_EVENTS = 64;
/** Descriptors accepted in one registration message: one is expected; the rest of a bounded control buffer is closed. */
const MAX_FDS_PER_MESSAGE = 4;

interface Registration {
  conn: number;
  /** Our duplicate of the worker's epoll set; -1 until the registration message arrives. */
  set: number;
}

const start = (m: WaiterStartMessage): void => parentPort!.postMessage(m);
const name: string = workerData.name;
/** Written by the hosting thread when it exits normally: stop now instead of at the end of the capped wait. */
const stopFd: number = workerData.stopFd;
const epfd = adoptFd(epollCreate());
let listenFd: number;
try {
  listenFd = adoptFd(unixListen(name, 'stream', 512));
} catch (err) {
  closeAdoptedFd(epfd);
  if (!isSyscallError(err, 'EADDRINUSE')) throw err;
  start('taken'); // another thread's waiter serves this process: the spawner connects to it
  process.exit(0);
}
epollAdd(epfd, listenFd, EPOLLIN, KIND_LISTEN, 0);
epollAdd(epfd, stopFd, EPOLLIN, KIND_STOP, 0); // the host's fd: only ever watched here, never read, written or closed

const regs = new Map<number, Registration>();
let nextId = 1;
const scratch = new Uint8Array(64);
const wakeByte = new Uint8Array([WAKE]);
const events = new Uint8Array(MAX_EVENTS * EPOLL_EVENT_SIZE);
const controlSize = cmsgSpace(4 * MAX_FDS_PER_MESSAGE);

function acceptAll(): void {
  for (;;) {
    const fd = acceptFd(listenFd);
    if (fd === WOULD_BLOCK) return;
    // Abstract names are shared by every process in the network namespace: serve only this process's threads.
    if (peerCred(fd).pid !== process.pid) {
      closeAdoptedFd(fd);
      continue;
    }
    const conn = adoptFd(fd);
    const id = nextId;
    nextId = nextId === 0xffff_ffff ? 1 : nextId + 1; // the u32 of the epoll data; a wrapped id's old connection is long gone
    regs.set(id, { conn, set: -1 });
    epollAdd(epfd, conn, (EPOLLIN | EPOLLRDHUP) >>> 0, KIND_CONN, id);
  }
}

function drop(id: number): void {
  const r = regs.get(id);
  if (!r) return;
  regs.delete(id);
  if (r.set >= 0) {
    epollDel(epfd, r.set);
    closeAdoptedFd(r.set);
  }
  epollDel(epfd, r.conn);
  closeAdoptedFd(r.conn);
}

/** The worker's messages: the registration (its epoll set, SCM_RIGHTS), then one REARM byte per drain; EOF ends it. */
function serveConn(id: number): void {
  const r = regs.get(id);
  if (!r) return; // dropped earlier in this batch
  if (r.set < 0) return register(id, r);
  let n: number;
  try {
    n = recvFd(r.conn, scratch); // whatever REARMs are queued, at once; more left: the conn stays readable
  } catch {
    return drop(id); // ECONNRESET and the like: the worker is gone
  }
  if (n === WOULD_BLOCK) return;
  if (n === 0) return drop(id);
  if (scratch.subarray(0, n).includes(REARM)) epollMod(epfd, r.set, (EPOLLIN | EPOLLONESHOT) >>> 0, KIND_SET, id);
}

/** The first message: one epoll set with SCM_RIGHTS (any further descriptor is closed). */
function register(id: number, r: Registration): void {
  let m;
  try {
    m = recvMsgFd(r.conn, scratch, { controlSize });
  } catch {
    return drop(id);
  }
  if (m === WOULD_BLOCK) return;
  for (const fd of m.fds) {
    if (r.set >= 0) {
      closeAdoptedFd(fd); // one set per connection
      continue;
    }
    r.set = adoptFd(fd);
    try {
      epollAdd(epfd, r.set, (EPOLLIN | EPOLLONESHOT) >>> 0, KIND_SET, id); // armed: reports a set already ready
    } catch {
      return drop(id); // not pollable, or a loop (ELOOP): refuse the registration
    }
  }
  if (m.n === 0 || r.set < 0) drop(id); // closed, or a first message without a set
}

function wake(id: number): void {
  const r = regs.get(id);
  if (!r) return;
  try {
    sendFd(r.conn, wakeByte); // WOULD_BLOCK: wakes are unread already, which is all a wake needs
  } catch {
    drop(id); // EPIPE: the worker is gone
  }
}

start('ready');
for (;;) {
  const n = epollWaitInto(epfd, events, MAX_EVENTS, WORKER_WAIT_CAP_MS);
  for (let i = 0; i < n; i++) {
    const e = decodeEpollEvent(events, i);
    if (e.dataHi === KIND_LISTEN) acceptAll();
    else if (e.dataHi === KIND_CONN) serveConn(e.dataLo);
    else if (e.dataHi === KIND_SET) wake(e.dataLo);
    else if (e.dataHi === KIND_STOP) process.exit(0); // ends this thread; Node closes its adopted fds
  }
}
