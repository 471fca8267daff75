// Read / write deadlines: Go's poll_runtime_pollSetDeadline and netpolldeadlineimpl.
//
// rd / wd: 0 = no deadline, > 0 = absolute monotonic ns, < 0 = expired (a
// firing stores -1; setting a past deadline stores the negative delta itself).
//
// When rd == wd > 0 ("combo") only the read timer runs, with kind RW, and its
// firing expires both directions. rrun / wrun mean "armed and not stopped
// since"; they stay set after a firing, as in Go.
//
// Invariant: whenever rrun goes true → false, or the read timer is re-armed
// while running, rseq was incremented first; a firing compares the seq it was
// armed with against rseq and is ignored on mismatch. Same for wseq.

import {
  HEADER_BASE, H_INCONSISTENT, H_TIMERS_FIRED,
  D_RD, D_WD, D_RSEQ, D_WSEQ, D_RSLOT, D_WSLOT, D_FLAGS,
  FLAG_RRUN, FLAG_WRUN, TIMER_KIND_BITS, TIMER_KIND_MASK, KIND_R, KIND_W, KIND_RW,
} from "./layout";
import { descAddr, publishInfo, isClosing } from "./descriptors";
import { unblockMode } from "./semaphores";
import { MODE_R, MODE_W } from "./codes";
import { timerSet, timerStop, nextWhen, popMin } from "./timers";
import { readyRoom } from "./ready";

const I64_MAX: i64 = 0x7fffffffffffffff;

// @ts-ignore: decorator
@inline function flag(pd: usize, f: u32): bool {
  return (load<u32>(pd + D_FLAGS) & f) != 0;
}

// @ts-ignore: decorator
@inline function setFlag(pd: usize, f: u32, on: bool): void {
  const flags = load<u32>(pd + D_FLAGS);
  store<u32>(pd + D_FLAGS, on ? flags | f : flags & ~f);
}

function bump(field: usize): u32 {
  const seq = load<u32>(field) + 1;
  store<u32>(field, seq);
  return seq;
}

/**
 * pollSetDeadline(d, mode) with d relative to now. Returns false only when a
 * timer could not be armed for lack of memory (see arm).
 */
export function setDeadline(index: u32, pd: usize, d: i64, mode: u32, now: i64): bool {
  if (isClosing(pd)) return true;
  const rd0 = load<i64>(pd + D_RD), wd0 = load<i64>(pd + D_WD);
  const combo0 = rd0 > 0 && rd0 == wd0;
  if (d > 0) {
    d += now;
    if (d <= 0) d = I64_MAX; // a future deadline whose absolute time overflows
  }
  if (mode & MODE_R) store<i64>(pd + D_RD, d);
  if (mode & MODE_W) store<i64>(pd + D_WD, d);
  const rd = load<i64>(pd + D_RD), wd = load<i64>(pd + D_WD);
  publishInfo(pd); // waiters see the expiry bits before any unblock below
  const combo = rd > 0 && rd == wd;
  // A timer that cannot be armed (no heap block to be had) stays out of the heap with its
  // run flag clear, so the next setDeadline tries again; the deadline itself stays stored.
  let armed = true;

  const rref = (index << TIMER_KIND_BITS) | (combo ? KIND_RW : KIND_R);
  if (!flag(pd, FLAG_RRUN)) {
    if (rd > 0 && !arm(pd, FLAG_RRUN, rref, pd + D_RSLOT, rd, load<u32>(pd + D_RSEQ))) armed = false;
  } else if (rd != rd0 || combo != combo0) {
    const seq = bump(pd + D_RSEQ); // invalidate firings of the old arming
    if (rd > 0) {
      if (!arm(pd, FLAG_RRUN, rref, pd + D_RSLOT, rd, seq)) armed = false;
    } else {
      timerStop(pd + D_RSLOT);
      setFlag(pd, FLAG_RRUN, false);
    }
  }

  const wref = (index << TIMER_KIND_BITS) | KIND_W;
  if (!flag(pd, FLAG_WRUN)) {
    if (wd > 0 && !combo && !arm(pd, FLAG_WRUN, wref, pd + D_WSLOT, wd, load<u32>(pd + D_WSEQ))) armed = false;
  } else if (wd != wd0 || combo != combo0) {
    const seq = bump(pd + D_WSEQ);
    if (wd > 0 && !combo) {
      if (!arm(pd, FLAG_WRUN, wref, pd + D_WSLOT, wd, seq)) armed = false;
    } else {
      timerStop(pd + D_WSLOT);
      setFlag(pd, FLAG_WRUN, false);
    }
  }

  if (rd < 0) unblockMode(pd, MODE_R, false);
  if (wd < 0) unblockMode(pd, MODE_W, false);
  return armed; // false: the host reports OUT_OF_MEMORY
}

/** Put a direction's timer in the heap; its run flag says whether that worked (false: no heap block could be had). */
function arm(pd: usize, runFlag: u32, ref: u32, slotField: usize, when: i64, seq: u32): bool {
  const ok = timerSet(ref, slotField, when, seq);
  setFlag(pd, runFlag, ok);
  return ok;
}

/** pollUnblock's timer half: stop both timers (rseq / wseq were already bumped). */
export function stopTimers(pd: usize): void {
  if (flag(pd, FLAG_RRUN)) {
    timerStop(pd + D_RSLOT);
    setFlag(pd, FLAG_RRUN, false);
  }
  if (flag(pd, FLAG_WRUN)) {
    timerStop(pd + D_WSLOT);
    setFlag(pd, FLAG_WRUN, false);
  }
}

/** netpolldeadlineimpl for one popped timer. */
function fire(ref: u32, seq: u32): void {
  const kind = ref & TIMER_KIND_MASK;
  const pd = descAddr(ref >> TIMER_KIND_BITS);
  const read = kind == KIND_R || kind == KIND_RW;
  const write = kind == KIND_W || kind == KIND_RW;
  if (seq != load<u32>(pd + (read ? D_RSEQ : D_WSEQ))) return; // re-armed, stopped, or reused since
  if (read) {
    if (load<i64>(pd + D_RD) <= 0 || !flag(pd, FLAG_RRUN)) {
      inconsistent(); // Go throws "inconsistent read deadline"; we count and leave the state alone
      return;
    }
    store<i64>(pd + D_RD, -1);
    publishInfo(pd);
    unblockMode(pd, MODE_R, false);
  }
  if (write) {
    if (load<i64>(pd + D_WD) <= 0 || (!flag(pd, FLAG_WRUN) && !read)) {
      inconsistent();
      return;
    }
    store<i64>(pd + D_WD, -1);
    publishInfo(pd);
    unblockMode(pd, MODE_W, false);
  }
}

function inconsistent(): void {
  store<u32>(HEADER_BASE + H_INCONSISTENT, load<u32>(HEADER_BASE + H_INCONSISTENT) + 1);
}

/**
 * Fire every timer due at `now`, in (when, ref) order, while the ready list has
 * room for the two wakes a firing can cause. Timers left due stay in the heap;
 * the host sees nextDeadline() ≤ now and calls again.
 */
export function fireDue(now: i64): void {
  while (true) {
    const when = nextWhen();
    if (when == 0 || when > now || readyRoom() < 2) break;
    const popped = popMin();
    store<u32>(HEADER_BASE + H_TIMERS_FIRED, load<u32>(HEADER_BASE + H_TIMERS_FIRED) + 1);
    fire(<u32>popped, <u32>(popped >>> 32));
  }
}
