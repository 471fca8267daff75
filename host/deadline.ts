// Deadlines as users give them, turned into what the core takes.
//
// A deadline is absolute, as in Go: a Date, epoch milliseconds (fractions
// allowed: sub-millisecond deadlines are meaningful), or null for "none".
// The core takes Go's relative form, d = deadline − now in nanoseconds, where
// 0 means none, so a computed 0 becomes −1: "now" has already expired.

import { MisuseError } from './errors.js';
import type { Clock } from './drive/drive.js';

export type Deadline = Date | number | null;

// The wall clock users compute deadlines with is Date.now(): integer ms.
// performance.now() adds sub-ms resolution, but its origin drifts from
// Date.now() (by a millisecond or two at start-up, and without bound after a
// wall-clock step or a suspend). So the fine clock is re-anchored whenever it
// leaves the millisecond Date.now() reports: deadlines follow the clock users
// read, at sub-ms resolution.
let anchor = Date.now() - performance.now();

/** Wall-clock epoch milliseconds, consistent with Date.now(), with sub-millisecond resolution. */
export function epochNowMs(): number {
  const fine = performance.now();
  const wall = Date.now();
  let t = fine + anchor;
  if (t < wall || t >= wall + 1) {
    anchor = wall - fine;
    t = wall;
  }
  return t;
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
