/**
 * eventfd (the poller's wake-up "break" fd) and timerfd (its single deadline
 * clock). Both are created non-blocking and close-on-exec, and both are read
 * and written as one host-endian u64 — hence the BigUint64Array scratch.
 */
import * as libc from './libc.js';
import { throwErrno } from './errors.js';
import { WOULD_BLOCK, readFd, writeFd } from './fd.js';
import { CLOCK_MONOTONIC } from './time.js';

const EFD_SEMAPHORE = 1;
const TFD_TIMER_ABSTIME = 1;
const U64_MAX = (1n << 64n) - 1n;

// Scratch for the 8-byte counter. Safe to share: every use is synchronous.
const counter = new BigUint64Array(1);
const counterBytes = new Uint8Array(counter.buffer);

/** eventfd(initval, EFD_NONBLOCK | EFD_CLOEXEC [| EFD_SEMAPHORE]). */
export function eventFd(initval = 0, opts: { semaphore?: boolean } = {}): number {
  if (!Number.isInteger(initval) || initval < 0 || initval > 0xffff_ffff) {
    throw new RangeError(`eventFd: initval must be a u32, got ${initval}`);
  }
  const flags = libc.O_NONBLOCK | libc.O_CLOEXEC | (opts.semaphore ? EFD_SEMAPHORE : 0);
  const fd = libc.eventfd(initval, flags);
  if (fd < 0) throwErrno('eventfd');
  return fd;
}

/**
 * Adds `value` to the counter. Returns false on EAGAIN: the counter would pass
 * 2^64-2, which for a wake-up fd means it is already readable (all a
 * netpollBreak-style wake-up needs). Throws on anything else (2^64-1 itself is EINVAL).
 */
export function eventFdWrite(fd: number, value: bigint | number = 1): boolean {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (v < 0n || v > U64_MAX) throw new RangeError(`eventFdWrite: value must be a u64, got ${value}`);
  counter[0] = v;
  return writeFd(fd, counterBytes) !== WOULD_BLOCK;
}

/** Reads and resets the counter (or takes 1 in semaphore mode); null if it is 0 (EAGAIN). */
export function eventFdRead(fd: number): bigint | null {
  return readFd(fd, counterBytes) === WOULD_BLOCK ? null : counter[0];
}

/** timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC). */
export function timerFd(): number {
  const fd = libc.timerfd_create(CLOCK_MONOTONIC, libc.O_NONBLOCK | libc.O_CLOEXEC);
  if (fd < 0) throwErrno('timerfd_create');
  return fd;
}

/** struct itimerspec: { it_interval: timespec, it_value: timespec }, timespec = { i64 sec, i64 nsec }. */
const itimerspec = new BigInt64Array(4);
const IT_VALUE_SEC = 2;
const IT_VALUE_NSEC = 3;

/**
 * Arms the timer, one-shot, at the absolute CLOCK_MONOTONIC time `whenNs`
 * (the clock of `monotonicNs()`); `0n` disarms. A time already past fires at
 * once.
 *
 * Invariant the drive loop can rely on: timerfd_settime resets the expiration
 * count, so re-arming (or disarming) a timer that fired clears its EPOLLIN —
 * there is no need to read it first.
 */
export function timerFdSetAbsolute(fd: number, whenNs: bigint): void {
  if (typeof whenNs !== 'bigint' || whenNs < 0n) {
    throw new RangeError(`timerFdSetAbsolute: whenNs must be a bigint >= 0n, got ${String(whenNs)}`);
  }
  itimerspec.fill(0n);
  itimerspec[IT_VALUE_SEC] = whenNs / 1_000_000_000n;
  itimerspec[IT_VALUE_NSEC] = whenNs % 1_000_000_000n;
  if (libc.timerfd_settime(fd, TFD_TIMER_ABSTIME, itimerspec, null) < 0) throwErrno('timerfd_settime', { fd });
}

/** Expirations since the last read or arm; null if none (EAGAIN). */
export function timerFdRead(fd: number): bigint | null {
  return eventFdRead(fd);
}
