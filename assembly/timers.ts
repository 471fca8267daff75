// The deadline timer heap: an indexed 4-ary min-heap in linear memory.
//
// Heap slot j is TIMER_SIZE bytes in timer block j >> TIMER_BLOCK_SHIFT (see
// layout.ts). Entries are ordered by (when, ref); ref = index << 2 | kind is
// unique per armed timer, so the order is total and the same inputs fire in the
// same order. Each descriptor records where its timers are (rslot / wslot =
// slot + 1, 0 = not in the heap), which makes modify and stop O(log n) with no
// lazy deletion: Go's zombie / modified-earlier marks, and the stale bound of
// Go issue 51654, have no counterpart here. Stale firings are still guarded by
// rseq / wseq in deadlines.ts.
//
// Invariants: every entry's when > 0 (0 is "no timers", Go issue 42424);
// parent ≤ child; for every entry, the descriptor's slot field for that kind
// points back at it; H_NEXT_WHEN is the root's when, or 0 when the heap is empty.

import {
  HEADER_BASE, H_TIMERS, H_TIMER_BLOCKS, H_NEXT_WHEN,
  TIMER_DIR_BASE, TIMER_DIR_CAPACITY, TIMER_SIZE, TIMER_BLOCK_SHIFT, TIMER_BLOCK_MASK, TIMER_BLOCK_BYTES,
  T_WHEN, T_REF, T_SEQ, TIMER_KIND_BITS, TIMER_KIND_MASK, KIND_W, D_RSLOT, D_WSLOT,
} from "./layout";
import { allocChunk } from "./chunks";
import { descAddr } from "./descriptors";

// @ts-ignore: decorator
@inline export function heapLen(): u32 {
  return load<u32>(HEADER_BASE + H_TIMERS);
}

// @ts-ignore: decorator
@inline export function slotAddr(j: u32): usize {
  const block = load<u32>(TIMER_DIR_BASE + ((j >> TIMER_BLOCK_SHIFT) << 2));
  return <usize>block + <usize>((j & TIMER_BLOCK_MASK) * TIMER_SIZE);
}

/** The descriptor field that holds the slot of a timer of this ref (write timers in wslot, R and RW in rslot). */
// @ts-ignore: decorator
@inline function backLink(ref: u32): usize {
  const field = (ref & TIMER_KIND_MASK) == KIND_W ? D_WSLOT : D_RSLOT;
  return descAddr(ref >> TIMER_KIND_BITS) + field;
}

// @ts-ignore: decorator
@inline function less(a: usize, b: usize): bool {
  const wa = load<i64>(a + T_WHEN), wb = load<i64>(b + T_WHEN);
  return wa < wb || (wa == wb && load<u32>(a + T_REF) < load<u32>(b + T_REF));
}

function swap(i: u32, j: u32): void {
  const a = slotAddr(i), b = slotAddr(j);
  const when = load<i64>(a + T_WHEN), ref = load<u32>(a + T_REF), seq = load<u32>(a + T_SEQ);
  store<i64>(a + T_WHEN, load<i64>(b + T_WHEN));
  store<u32>(a + T_REF, load<u32>(b + T_REF));
  store<u32>(a + T_SEQ, load<u32>(b + T_SEQ));
  store<i64>(b + T_WHEN, when);
  store<u32>(b + T_REF, ref);
  store<u32>(b + T_SEQ, seq);
  store<u32>(backLink(load<u32>(a + T_REF)), i + 1);
  store<u32>(backLink(load<u32>(b + T_REF)), j + 1);
}

function siftUp(j: u32): u32 {
  while (j > 0) {
    const parent = (j - 1) >> 2;
    if (!less(slotAddr(j), slotAddr(parent))) break;
    swap(j, parent);
    j = parent;
  }
  return j;
}

function siftDown(j: u32): void {
  const n = heapLen();
  while (true) {
    const first = (j << 2) + 1;
    if (first >= n) break;
    let best = first;
    const last = min(first + 4, n);
    for (let c = first + 1; c < last; c++) {
      if (less(slotAddr(c), slotAddr(best))) best = c;
    }
    if (!less(slotAddr(best), slotAddr(j))) break;
    swap(j, best);
    j = best;
  }
}

function publishNext(): void {
  store<i64>(HEADER_BASE + H_NEXT_WHEN, heapLen() == 0 ? 0 : load<i64>(slotAddr(0) + T_WHEN));
}

function fix(j: u32): void {
  if (siftUp(j) == j) siftDown(j);
}

/**
 * Arm or re-arm the timer `ref` (descriptor index and kind) at `when` with
 * generation `seq`. `slotField` is the descriptor's rslot or wslot. Returns
 * false when a new heap block was needed and none could be had.
 */
export function timerSet(ref: u32, slotField: usize, when: i64, seq: u32): bool {
  assert(when > 0, "timer when must be > 0");
  let j = load<u32>(slotField);
  if (j == 0) {
    const n = heapLen();
    const blocks = load<u32>(HEADER_BASE + H_TIMER_BLOCKS);
    if (n == blocks << TIMER_BLOCK_SHIFT) {
      if (blocks >= TIMER_DIR_CAPACITY) return false;
      const at = allocChunk(TIMER_BLOCK_BYTES);
      if (at == 0) return false;
      store<u32>(TIMER_DIR_BASE + (blocks << 2), at);
      store<u32>(HEADER_BASE + H_TIMER_BLOCKS, blocks + 1);
    }
    store<u32>(HEADER_BASE + H_TIMERS, n + 1);
    j = n + 1;
    store<u32>(slotField, j);
  }
  const a = slotAddr(j - 1);
  store<i64>(a + T_WHEN, when);
  store<u32>(a + T_REF, ref);
  store<u32>(a + T_SEQ, seq);
  fix(j - 1);
  publishNext();
  return true;
}

/** Remove the timer whose slot is recorded in `slotField`, if any. */
export function timerStop(slotField: usize): void {
  const j = load<u32>(slotField);
  if (j == 0) return;
  store<u32>(slotField, 0);
  removeAt(j - 1);
}

function removeAt(j: u32): void {
  const last = heapLen() - 1;
  if (j != last) {
    const a = slotAddr(j), b = slotAddr(last);
    store<i64>(a + T_WHEN, load<i64>(b + T_WHEN));
    store<u32>(a + T_REF, load<u32>(b + T_REF));
    store<u32>(a + T_SEQ, load<u32>(b + T_SEQ));
    store<u32>(backLink(load<u32>(a + T_REF)), j + 1);
  }
  // Leave the vacated slot zeroed so a snapshot shows only live entries.
  const z = slotAddr(last);
  store<i64>(z + T_WHEN, 0);
  store<u32>(z + T_REF, 0);
  store<u32>(z + T_SEQ, 0);
  store<u32>(HEADER_BASE + H_TIMERS, last);
  if (j != last) fix(j);
  publishNext();
}

/** The root's when, or 0 when no timer is armed. */
// @ts-ignore: decorator
@inline export function nextWhen(): i64 {
  return load<i64>(HEADER_BASE + H_NEXT_WHEN);
}

/** Pop the root (the caller checked it is due). Returns its seq << 32 | ref. */
export function popMin(): u64 {
  const a = slotAddr(0);
  const ref = load<u32>(a + T_REF);
  const seq = load<u32>(a + T_SEQ);
  store<u32>(backLink(ref), 0);
  removeAt(0);
  return (<u64>seq << 32) | <u64>ref;
}
