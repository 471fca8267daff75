/**
 * epoll as a minimal selector (after mio's sys/unix/selector/epoll.rs): create,
 * add/modify/delete an interest, wait into a caller-owned event buffer. What
 * the events mean is the core's business; this file only moves bytes.
 *
 * struct epoll_event { u32 events; u64 data; } — its per-arch layout (12
 * bytes packed on x86_64, 16 on aarch64) and the event bits are stated once
 * in host/core/epoll-abi.ts.
 *
 * The u64 `data` travels as two u32 halves so nobody needs a BigInt:
 * data = dataHi * 2^32 + dataLo, stored host-endian (lo word first on both
 * supported archs).
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError, throwErrno } from './errors.js';
import { blockingCall, writing } from './blocking-call.js';

import { epollEventLayout } from '../core/epoll-abi.js';

// The event bits and the per-arch layout are the core's ABI facts (host/core/epoll-abi.ts); re-exported for users of netpoll-wasm/sys.
export {
  EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLLONESHOT, EPOLLET,
  epollEventLayout, type EpollEventLayout,
} from '../core/epoll-abi.js';
export const EPOLL_CLOEXEC = libc.O_CLOEXEC;

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const CTL_NAMES = ['', 'EPOLL_CTL_ADD', 'EPOLL_CTL_DEL', 'EPOLL_CTL_MOD'];

const LAYOUT = epollEventLayout();
export const EPOLL_EVENT_SIZE = LAYOUT.size;
export const EPOLL_DATA_OFFSET = LAYOUT.dataOffset;
// Offsets of the two u32 halves of `data` within one event.
const LO = EPOLL_DATA_OFFSET + (libc.LITTLE_ENDIAN ? 0 : 4);
const HI = EPOLL_DATA_OFFSET + (libc.LITTLE_ENDIAN ? 4 : 0);

/** epoll_create1(EPOLL_CLOEXEC). */
export function epollCreate(): number {
  const epfd = libc.epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) throwErrno('epoll_create1');
  return epfd;
}

// Scratch event for epoll_ctl; every use is synchronous.
const ctlEvent = new Uint8Array(EPOLL_EVENT_SIZE);
const ctlView = new DataView(ctlEvent.buffer);

function assertU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${what} must be a u32, got ${v}`);
}

function ctl(op: number, epfd: number, fd: number, events: number, dataHi: number, dataLo: number): 0 {
  assertU32(dataHi, 'epoll dataHi');
  assertU32(dataLo, 'epoll dataLo');
  ctlView.setUint32(0, events >>> 0, libc.LITTLE_ENDIAN);
  ctlView.setUint32(LO, dataLo, libc.LITTLE_ENDIAN);
  ctlView.setUint32(HI, dataHi, libc.LITTLE_ENDIAN);
  if (libc.epoll_ctl(epfd, op, fd, ctlEvent) < 0) throwErrno('epoll_ctl', { fd, info: `${CTL_NAMES[op]} on epfd ${epfd}` });
  return 0;
}

/**
 * EPOLL_CTL_ADD. Throws SyscallError with the errno kept: EPERM means the fd
 * cannot be polled (a regular file or directory) — the caller maps that to
 * NotPollableError; EEXIST means it is already registered.
 */
export function epollAdd(epfd: number, fd: number, events: number, dataHi: number, dataLo: number): 0 {
  return ctl(EPOLL_CTL_ADD, epfd, fd, events, dataHi, dataLo);
}

/** EPOLL_CTL_MOD: replaces the events and data of a registered fd (ENOENT if not registered). */
export function epollMod(epfd: number, fd: number, events: number, dataHi: number, dataLo: number): 0 {
  return ctl(EPOLL_CTL_MOD, epfd, fd, events, dataHi, dataLo);
}

/**
 * EPOLL_CTL_DEL. Must happen before close(2) of `fd`: a registration belongs to
 * the open file, not to the number, so after close a dup of the fd would keep
 * it alive (and its events coming) with no way left to remove it.
 */
export function epollDel(epfd: number, fd: number): 0 {
  if (libc.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, null) < 0) throwErrno('epoll_ctl', { fd, info: `EPOLL_CTL_DEL on epfd ${epfd}` });
  return 0;
}

function checkWaitArgs(what: string, view: unknown, maxEvents: number, timeoutMs: number): void {
  if (!(view instanceof Uint8Array)) throw new TypeError(`${what}: the event buffer must be a Uint8Array`);
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new RangeError(`${what}: maxEvents must be an integer >= 1, got ${maxEvents}`);
  if (view.byteLength < maxEvents * EPOLL_EVENT_SIZE) {
    throw new RangeError(
      `${what}: buffer of ${view.byteLength} bytes cannot hold ${maxEvents} events of ${EPOLL_EVENT_SIZE} bytes`,
    );
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < -1 || timeoutMs > 0x7fff_ffff) {
    throw new RangeError(`${what}: timeoutMs must be an integer in [-1, 2^31-1], got ${timeoutMs}`);
  }
}

/**
 * Synchronous epoll_wait writing up to `maxEvents` events straight into
 * `view` (typically a subarray of WebAssembly memory: koffi passes its
 * address, byteOffset included, and the call returns before any JS — so
 * before any memory.grow — can run). Returns the count; 0 on timeout and on
 * EINTR (the caller recomputes its timeout and polls again); throws otherwise.
 */
export function epollWaitInto(epfd: number, view: Uint8Array, maxEvents: number, timeoutMs: number): number {
  checkWaitArgs('epollWaitInto', view, maxEvents, timeoutMs);
  const n = libc.epoll_wait(epfd, view, maxEvents, timeoutMs);
  if (n >= 0) return n;
  const errno = libc.errno();
  if (errno === ERRNO.EINTR) return 0;
  throw new SyscallError('epoll_wait', errno, { fd: epfd });
}

/**
 * epoll_wait on a libuv threadpool thread (koffi `.async`), for the 'thread'
 * drive mode. Same results as epollWaitInto.
 *
 * Hazards:
 * - `buf` must NOT be a view of WebAssembly memory (nor of anything else the
 *   main thread may touch meanwhile): the kernel writes into it from another
 *   thread while JS keeps running, and a memory.grow would detach the view
 *   under the syscall. Wait into a private Buffer, then copy into the core.
 * - Koffi keeps no reference to the arguments of an async call: blocking-call.ts
 *   keeps `buf` alive (not garbage-collected) until the kernel is done with it.
 * - The call occupies one libuv threadpool slot (UV_THREADPOOL_SIZE, default
 *   4, shared with fs, dns and crypto) for as long as it blocks — four waits
 *   with timeout -1 stall every fs.readFile — and keeps the event loop alive
 *   (not unref-able) until it returns. Closing `epfd` does not wake it (it
 *   runs to its timeout): write to an eventfd registered in the set instead
 *   (Go's netpollBreak).
 */
export function epollWaitAsync(epfd: number, buf: Buffer, maxEvents: number, timeoutMs: number): Promise<number> {
  try {
    checkWaitArgs('epollWaitAsync', buf, maxEvents, timeoutMs);
    if (writing(buf)) throw new Error('epollWaitAsync: this buffer is already being written by another wait');
    return blockingCall('epoll_wait', epfd, buf, 0, (done) => libc.epoll_wait_blocking.async(epfd, buf, maxEvents, timeoutMs, done));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** One decoded struct epoll_event. */
export interface EpollEvent {
  events: number;
  dataHi: number;
  dataLo: number;
}

/** Decodes event `index` of an epoll_wait result buffer, at this arch's stride. */
export function decodeEpollEvent(view: Uint8Array, index: number): EpollEvent {
  const base = index * EPOLL_EVENT_SIZE;
  if (!Number.isInteger(index) || index < 0 || base + EPOLL_EVENT_SIZE > view.byteLength) {
    throw new RangeError(`decodeEpollEvent: event ${index} is outside a ${view.byteLength}-byte buffer`);
  }
  const dv = new DataView(view.buffer, view.byteOffset + base, EPOLL_EVENT_SIZE);
  return {
    events: dv.getUint32(0, libc.LITTLE_ENDIAN),
    dataHi: dv.getUint32(HI, libc.LITTLE_ENDIAN),
    dataLo: dv.getUint32(LO, libc.LITTLE_ENDIAN),
  };
}

/** Decodes the first `count` events (count as returned by epoll_wait). */
export function decodeEpollEvents(view: Uint8Array, count: number): EpollEvent[] {
  const out: EpollEvent[] = [];
  for (let i = 0; i < count; i++) out.push(decodeEpollEvent(view, i));
  return out;
}
