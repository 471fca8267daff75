// Deadlines as users give them, turned into what the core takes.
//
// A deadline is absolute, as in Go: a Date, epoch milliseconds (fractions
// allowed: sub-millisecond deadlines are meaningful), or null for "none".
// The core takes Go's relative form, d = deadline − now in nanoseconds, where
// 0 means none, so a computed 0 becomes −1: "now" has already expired.

import { MisuseError } from './errors.js';

export type Deadline = Date | number | null;

/** Wall-clock epoch milliseconds with sub-millisecond resolution. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
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
