// The reference model's timers: an unordered set, sorted on demand.
//
// The Wasm core keeps an indexed 4-ary heap ordered by (when, ref); the model
// only needs the same order when it matters: the earliest `when`
// (nextDeadline) and the firing order of the due timers. ref = index << 2 |
// kind is unique per armed timer, so (when, ref) is a total order and both
// sides fire the same timers in the same order.
//
// Invariant (Go issue 42424): every entry has when > 0; 0 means "no timers".

import type { TimerEntry } from './types.js';

export function timerLess(a: TimerEntry, b: TimerEntry): boolean {
  return a.when < b.when || (a.when === b.when && a.ref < b.ref);
}

function compare(a: TimerEntry, b: TimerEntry): number {
  return timerLess(a, b) ? -1 : timerLess(b, a) ? 1 : 0;
}

export class TimerList {
  private readonly items = new Set<TimerEntry>();
  /** Cached earliest when (0n: empty); undefined = rescan. Only removing the earliest entry forces a rescan. */
  private earliest: bigint | undefined = 0n;
  /** The most entries ever held at once (the core's heap blocks stay at the high-water mark). */
  highWater = 0;

  get size(): number {
    return this.items.size;
  }

  add(t: TimerEntry): void {
    if (t.when <= 0n) throw new Error(`timer when must be > 0 (got ${t.when})`);
    this.items.add(t);
    this.highWater = Math.max(this.highWater, this.items.size);
    if (this.earliest !== undefined && (this.earliest === 0n || t.when < this.earliest)) this.earliest = t.when;
  }

  remove(t: TimerEntry): void {
    if (!this.items.delete(t)) return;
    if (this.items.size === 0) this.earliest = 0n;
    else if (t.when === this.earliest) this.earliest = undefined;
  }

  /** The earliest when, or 0n when empty (no stale bound survives a delete: Go issue 51654). */
  next(): bigint {
    if (this.earliest === undefined) {
      let min = 0n;
      for (const t of this.items) if (min === 0n || t.when < min) min = t.when;
      this.earliest = min;
    }
    return this.earliest;
  }

  /** Entries with when <= now, in firing order. */
  due(now: bigint): TimerEntry[] {
    const out: TimerEntry[] = [];
    if (this.items.size === 0 || this.next() > now) return out;
    for (const t of this.items) if (t.when <= now) out.push(t);
    return out.sort(compare);
  }

  /** Every entry, in (when, ref) order. */
  sorted(): TimerEntry[] {
    return [...this.items].sort(compare);
  }
}
