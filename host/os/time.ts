/**
 * The monotonic clock deadlines are measured in. The timerfd is armed in
 * absolute CLOCK_MONOTONIC time, so "now" must come from that same clock.
 *
 * process.hrtime.bigint() is libuv's uv_hrtime(), which on Linux reads
 * clock_gettime(CLOCK_MONOTONIC): the same clock, without an FFI call
 * (checked against clockMonotonicNs in test/sys/time.test.ts).
 */
import * as libc from './libc.js';
import { throwErrno } from './errors.js';

/** The clockid deadlines and the timerfd use (clock_gettime, timerfd_create). */
export const CLOCK_MONOTONIC = 1;

/** Now, in CLOCK_MONOTONIC nanoseconds. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

const timespec = new BigInt64Array(2);

/** clock_gettime(CLOCK_MONOTONIC) through libc; for verification, monotonicNs is cheaper. */
export function clockMonotonicNs(): bigint {
  if (libc.clock_gettime(CLOCK_MONOTONIC, timespec) < 0) throwErrno('clock_gettime');
  return timespec[0] * 1_000_000_000n + timespec[1];
}
