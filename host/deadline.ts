// Deadlines as users give them, turned into what the core takes.
//
// A deadline is absolute, as in Go: a Date, epoch milliseconds (fractions
// allowed: sub-millisecond deadlines are meaningful), or null for "none".
// The core takes Go's relative form, d = deadline − now in nanoseconds, where
// 0 means none, so a computed 0 becomes −1: "now" has already expired.

import { MisuseError } from './errors.js';
import type { Clock } from './drive/drive.js';
import { clockRealtimeMs } from './os/time.js';

export type Deadline = Date | number | null;

// The wall clock deadlines are measured against: performance.timeOrigin +
// performance.now(), the precise form of Date.now(). Node takes timeOrigin
// from the microsecond wall clock at start-up, and performance.now() runs on
// CLOCK_MONOTONIC, which the kernel slews together with the wall clock; so
// the sum is CLOCK_REALTIME to within timeOrigin's own measurement error (a
// few µs; test/host/deadline-clock.test.ts bounds it at 50 µs). An anchor
// from Date.now() would lag by up to a whole millisecond, its truncation.
//
// What the monotonic clock does not follow is a step of the wall clock
// (settimeofday, an NTP step, a suspend). Date.now() does, so each reading is
// checked against it: leaving Date.now()'s millisecond by more than
// STEP_MS means a step, and the anchor is taken again from
// clock_gettime(CLOCK_REALTIME), to the microsecond. A step of STEP_MS or
// less goes unnoticed and moves deadlines by at most that much.
const STEP_MS = 1;
let anchor = performance.timeOrigin;

/** Wall-clock epoch milliseconds with microsecond resolution: CLOCK_REALTIME to within a few µs (see above). */
export function epochNowMs(): number {
  const t = anchor + performance.now();
  const wall = Date.now(); // t lies in [wall, wall + 1) up to the clocks' µs of disagreement, unless the wall clock stepped
  if (t >= wall - STEP_MS && t < wall + 1 + STEP_MS) return t;
  anchor = clockRealtimeMs() - performance.now();
  return anchor + performance.now();
}

/** The wall clock user deadlines are relative to: the drive's own (the simulator's virtual one), else epochNowMs(). */
export function clockEpochMs(clock: Clock): number {
  return clock.epochNowMs ? clock.epochNowMs() : epochNowMs();
}

/**
 * The relative deadline in ns for the core: 0n none, < 0n expired, > 0n in
 * the future. `nowMs` is the wall clock it is measured against (a simulated
 * poller passes its virtual one).
 */
export function relativeNs(deadline: Deadline | undefined, nowMs: number = epochNowMs()): bigint {
  if (deadline === null || deadline === undefined) return 0n;
  let ms: number;
  if (deadline instanceof Date) ms = deadline.getTime();
  else if (typeof deadline === 'number') ms = deadline;
  else throw new MisuseError('bad-deadline', `a deadline is a Date, epoch milliseconds or null, not ${typeof deadline}`);
  if (Number.isNaN(ms)) throw new MisuseError('bad-deadline', 'the deadline is not a valid time (NaN)');
  if (ms === Infinity) return 0x7fffffffffffffffn; // as far as int64 reaches; the core clamps on overflow
  if (ms === -Infinity) return -1n;
  const deltaNs = (ms - nowMs) * 1e6;
  if (deltaNs >= 9.2e18) return 0x7fffffffffffffffn;
  if (deltaNs <= -9.2e18) return -0x7fffffffffffffffn;
  const d = BigInt(Math.trunc(deltaNs));
  return d === 0n ? -1n : d;
}

// A deadline set far in the past is Go's way to unblock a reader at once
// (net/http uses time.Unix(1, 0)), and keeps working here; but a small number
// such as setReadDeadline(5000) is far more often a duration meant as
// "5 s from now". Both expire at once; nothing is refused when it is set.
// When such a deadline is what times an operation out, the error says that
// deadlines are absolute. The note is kept per descriptor and direction, only
// while a far-past deadline is in force (a WeakMap: descriptors without one
// pay nothing).

/** How far in the past a deadline must be, when set, for the error to explain: a day. */
export const FAR_PAST_MS = 86_400_000;

const farPastModes = new WeakMap<object, number>();

/** Record, for `owner`'s directions `modes` (bits), whether `deadline` was set far in the past of `nowMs`. */
export function noteDeadline(owner: object, modes: number, deadline: Deadline | undefined, nowMs: number): void {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  const far = typeof ms === 'number' && ms < nowMs - FAR_PAST_MS;
  const before = farPastModes.get(owner) ?? 0;
  const after = far ? before | modes : before & ~modes;
  if (after === before) return;
  if (after === 0) farPastModes.delete(owner);
  else farPastModes.set(owner, after);
}

/** The explanation to add to a timeout of `owner` in direction `mode` (a bit), or '' when its deadline was not set far in the past. */
export function farPastNote(owner: object, mode: number): string {
  if (((farPastModes.get(owner) ?? 0) & mode) === 0) return '';
  return 'the deadline was set far in the past: deadlines are absolute times (a Date or epoch ms, e.g. Date.now() + ms), not durations; for a relative limit pass { timeout: ms }';
}
