// A worker poller's link to the process-wide waiter (waiter-protocol.ts,
// waiter-thread.ts): the connection that delivers a WAKE when the poller's
// epoll set has events, and takes a REARM once the set was drained.
//
// The connection is a net.Socket, so the only thing of ours a worker's event
// loop watches is a handle Node owns: worker.terminate() closes it like any
// other (no koffi poll handle, no threadpool call in flight), and the waiter
// sees the end of the connection and drops the registration.
//
// Who hosts the waiter (a Worker, unref'd): the main thread if the package is
// loaded there (asked over a BroadcastChannel, it starts one that lives as
// long as the process); otherwise the first worker poller to find none starts
// one from its own thread. If that thread ends, the waiter ends with it; every
// other link then sees its connection close and registers again, starting a
// new waiter if none listens. Two threads starting one at once: the second's
// finds the name taken and exits, and its spawner connects to the first.

import { Socket } from 'node:net';
import { BroadcastChannel, Worker, isMainThread } from 'node:worker_threads';
import { unixSocket, connectFd, sendFd } from '../os/socket.js';
import { sendMsgFd } from '../os/msg.js';
import { closeFd } from '../os/fd.js';
import { eventFd, eventFdWrite } from '../os/event.js';
import { adoptFd, closeAdoptedFd } from '../os/env-fd.js';
import { isSyscallError } from '../os/errors.js';
import { peerCred } from '../os/peer-cred.js';
import { REARM, waiterName, type WaiterStartMessage } from './waiter-protocol.js';

const REARM_BYTE = new Uint8Array([REARM]);
/** Retry delay when the waiter's backlog is full (EAGAIN on an AF_UNIX connect queues nothing). */
const BUSY_RETRY_MS = 5;

/** The waiter this thread hosts (started, or starting): resolves once one listens, its or another thread's. */
let hosted: Promise<void> | null = null;

/**
 * Start the waiter on this thread (once; again after it ended). It is unref'd:
 * it never keeps this thread or the process alive; and when this thread exits
 * normally it is told to stop at once (a stop eventfd in its set), rather
 * than being joined at the end of its capped wait.
 */
function hostWaiter(): Promise<void> {
  hosted ??= new Promise<void>((resolve, reject) => {
    const stopFd = adoptFd(eventFd()); // closed by this thread's teardown if it is terminated
    const w = new Worker(new URL('./waiter-thread.js', import.meta.url), { workerData: { name: waiterName(), stopFd }, execArgv: [] });
    w.unref();
    const stop = (): void => void eventFdWrite(stopFd, 1);
    process.once('exit', stop);
    w.once('message', (_m: WaiterStartMessage) => resolve()); // 'ready' or 'taken': either way a waiter listens
    w.once('error', reject);
    w.once('exit', () => {
      process.off('exit', stop);
      closeAdoptedFd(stopFd);
      hosted = null;
      reject(new Error('netpoll-wasm: the waiter thread exited before it listened'));
    });
  });
  return hosted;
}

// The main thread hosts the waiter when it has loaded the package: it lives as long as the process,
// so worker churn never restarts it. A worker without a waiter asks here first (findWaiter).
const HOST_CHANNEL = 'netpoll-wasm/waiter-host';
/** How long a worker waits for the main thread's answer before it starts the waiter itself (ms). */
const HOST_ANSWER_MS = 100;
if (isMainThread) {
  const channel = new BroadcastChannel(HOST_CHANNEL);
  channel.unref();
  channel.onmessage = (e) => {
    if ((e as { data?: unknown }).data !== 'start') return;
    channel.postMessage('hosting'); // at once: starting a waiter takes longer than the asker waits for an answer
    hostWaiter().then(
      () => channel.postMessage('ready'),
      () => channel.postMessage('failed'), // the askers start one themselves
    );
  };
}

/** This worker's search for a waiter: the main thread's if it answers in time, else one started here. */
let finding: Promise<void> | null = null;

function findWaiter(): Promise<void> {
  finding ??= new Promise<void>((resolve, reject) => {
    const channel = new BroadcastChannel(HOST_CHANNEL);
    const timer = setTimeout(() => {
      channel.close();
      hostWaiter().then(resolve, reject);
    }, HOST_ANSWER_MS);
    channel.onmessage = (e) => {
      const answer = (e as { data?: unknown }).data;
      if (answer === 'hosting') clearTimeout(timer); // the main thread starts it: wait for its 'ready'
      if (answer !== 'ready' && answer !== 'failed') return;
      clearTimeout(timer);
      channel.close();
      if (answer === 'ready') resolve();
      else hostWaiter().then(resolve, reject);
    };
    channel.postMessage('start');
  }).finally(() => {
    finding = null;
  });
  return finding;
}

/** One attempt to register `epfd`: the connected socket, or why not ('absent': no waiter listens; 'busy': its backlog is full). */
function register(epfd: number): number | 'absent' | 'busy' {
  const fd = unixSocket('stream');
  try {
    if (!connectFd(fd, waiterName())) {
      closeFd(fd);
      return 'busy';
    }
    const holder = peerCred(fd).pid;
    if (holder !== process.pid) throw new Error(`netpoll-wasm: the waiter's socket name is held by another process (pid ${holder})`);
    sendMsgFd(fd, REARM_BYTE, { fds: [epfd] }); // a fresh socket's buffer is empty: the one byte goes
    return fd;
  } catch (err) {
    closeFd(fd);
    if (isSyscallError(err, 'ECONNREFUSED') || isSyscallError(err, 'ENOENT')) return 'absent';
    throw err;
  }
}

export class WaiterLink {
  private socket: Socket | null = null;
  /** The socket's fd while `socket` is set. */
  private connFd = -1;
  private referenced = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  /**
   * `onWake` runs on this thread when the set has events; `onFail` if no
   * waiter can be had (another process holds the name, no Worker can start).
   */
  constructor(private readonly epfd: number, private readonly onWake: () => void, private readonly onFail: (err: unknown) => void) {
    this.connect();
  }

  /** The set was drained: report its next readiness. */
  arm(): void {
    // Straight to the socket's fd, not through the stream (a wake cycle's cost). The fd is open until
    // Node destroys the socket, which marks it destroyed first and closes the fd in the same call;
    // its 'close' event comes later, so `destroyed`, not `socket`, says whether the number is still
    // ours (after the close it may already name someone else's file).
    if (!this.socket || this.socket.destroyed) return;
    try {
      sendFd(this.connFd, REARM_BYTE); // WOULD_BLOCK: REARMs unread already, which is all it needs
    } catch {
      // EPIPE: the waiter ended; 'close' follows and registers again
    }
  }

  /** Keep this thread's loop alive while linked (someone waits). */
  ref(): void {
    this.referenced = true;
    this.socket?.ref();
    this.retry?.ref();
  }

  unref(): void {
    this.referenced = false;
    this.socket?.unref();
    this.retry?.unref();
  }

  /** Ends the registration (the waiter drops its duplicate of the set when it sees the end). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): void {
    if (this.closed) return;
    let got: number | 'absent' | 'busy';
    try {
      got = register(this.epfd);
    } catch (err) {
      return this.onFail(err);
    }
    if (got === 'absent') {
      findWaiter().then(() => this.connect(), (err) => this.closed || this.onFail(err));
      return;
    }
    if (got === 'busy') {
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, BUSY_RETRY_MS);
      if (!this.referenced) this.retry.unref();
      return;
    }
    const socket = new Socket({ fd: got, readable: true, writable: false });
    this.socket = socket;
    this.connFd = got;
    if (!this.referenced) socket.unref();
    socket.on('data', () => this.onWake()); // several WAKE bytes in one read: one drain serves them all
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // The waiter ended (its thread did): register with the next one. The set's events meanwhile
      // are not lost: the new registration reports a set that is already readable.
      if (!this.closed) setImmediate(() => this.connect());
    });
  }
}
