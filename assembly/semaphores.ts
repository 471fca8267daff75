// The rg / wg binary semaphores (Go's netpollblock / netpollunblock).
//
// Each word holds PD_NIL (nothing pending), PD_READY (one readiness
// notification pending), PD_WAIT (a waiter is between the two halves of its
// park) or a waiter token (> PD_WAIT, chosen by the host). One waiter per
// direction.
//
//   prepareWait:  checkErr → PD_READY→PD_NIL (consume, OK) | PD_NIL→PD_WAIT (PREPARED)
//   commitWait:   PD_WAIT→token (PARKED, waiters+1); if the word moved meanwhile,
//                 PD_READY→consume (OK), PD_NIL→error or park again
//   unblock:      ioready:  NIL→READY, WAIT→READY, token→READY (wake)
//                 !ioready: WAIT→NIL, token→NIL (wake); NIL and READY unchanged
//
// Here, unlike Go, the woken waiter's first step (swap the word back to
// PD_NIL and see whether it was PD_READY) runs inside the waking call, so the
// ready list already says OK or the error; a waiter woken without I/O re-runs
// prepareWait when it resumes, which re-checks the error first (that is Go's
// pollWait loop, and why a deadline moved back to the future before the waiter
// runs makes it wait again instead of timing out).
//
// The waiters counter changes exactly once per park and once per wake, after
// the ready entry is written (Go issues 60782, 61454).

import {
  HEADER_BASE, H_WAITERS, D_RG, D_WG, D_INFO,
  INFO_CLOSING, INFO_EVENT_ERR, INFO_EXPIRED_READ, INFO_EXPIRED_WRITE,
  PD_NIL, PD_READY, PD_WAIT,
} from "./layout";
import { readyPush } from "./ready";
import {
  MODE_R, OK, ERR_CLOSING, ERR_TIMEOUT, ERR_NOT_POLLABLE, RETRY, PREPARED, PARKED, DOUBLE_WAIT, BAD_ARGUMENT, WAITER_PRESENT,
} from "./codes";

// @ts-ignore: decorator
@inline export function wordAddr(pd: usize, mode: u32): usize {
  return pd + (mode == MODE_R ? D_RG : D_WG);
}

/** netpollcheckerr: closing, then this direction's expired deadline, then eventErr (reads only). */
export function checkErr(pd: usize, mode: u32): i32 {
  const info = load<u32>(pd + D_INFO);
  if (info & INFO_CLOSING) return ERR_CLOSING;
  if (mode == MODE_R ? (info & INFO_EXPIRED_READ) != 0 : (info & INFO_EXPIRED_WRITE) != 0) return ERR_TIMEOUT;
  if (mode == MODE_R && (info & INFO_EVENT_ERR) != 0) return ERR_NOT_POLLABLE;
  return OK;
}

function addWaiters(delta: i32): void {
  store<u32>(HEADER_BASE + H_WAITERS, <u32>(<i32>load<u32>(HEADER_BASE + H_WAITERS) + delta));
}

export function prepare(pd: usize, mode: u32): i32 {
  const err = checkErr(pd, mode);
  if (err != OK) return err;
  const w = wordAddr(pd, mode);
  const old = load<u32>(w);
  if (old == PD_READY) {
    store<u32>(w, PD_NIL);
    return OK;
  }
  if (old != PD_NIL) return DOUBLE_WAIT;
  store<u32>(w, PD_WAIT);
  return PREPARED;
}

export function commit(pd: usize, mode: u32, token: u32): i32 {
  const w = wordAddr(pd, mode);
  const old = load<u32>(w);
  if (old > PD_WAIT) return DOUBLE_WAIT;
  if (old == PD_WAIT) {
    store<u32>(w, token);
    addWaiters(1);
    return PARKED;
  }
  // The park was abandoned: someone moved the word between the halves.
  store<u32>(w, PD_NIL);
  if (old == PD_READY) return OK;
  const err = checkErr(pd, mode);
  if (err != OK) return err;
  // Spurious: no I/O, no error (a deadline fired, then moved to the future). Go loops; so do we.
  store<u32>(w, token);
  addWaiters(1);
  return PARKED;
}

/** Withdraw a waiter (the host's AbortSignal). Only the token that is parked (or PD_WAIT) can be withdrawn. */
export function cancel(pd: usize, mode: u32, token: u32): i32 {
  const w = wordAddr(pd, mode);
  const old = load<u32>(w);
  if (old == PD_WAIT) {
    store<u32>(w, PD_NIL);
    return OK;
  }
  if (old != token || old <= PD_WAIT) return BAD_ARGUMENT;
  store<u32>(w, PD_NIL);
  addWaiters(-1);
  return OK;
}

/**
 * netpollunblock per the table above; a woken waiter's entry goes on the
 * ready list, with the waiter's own post-wake step already applied.
 */
export function unblockMode(pd: usize, mode: u32, ioready: bool): void {
  const w = wordAddr(pd, mode);
  const old = load<u32>(w);
  if (old == PD_READY) return;
  if (old == PD_NIL && !ioready) return;
  store<u32>(w, ioready ? PD_READY : PD_NIL);
  if (old <= PD_WAIT) return;
  // The waiter runs: swap the word to PD_NIL; it was PD_READY exactly when ioready.
  store<u32>(w, PD_NIL);
  let code = OK;
  if (!ioready) {
    code = checkErr(pd, mode);
    if (code == OK) code = RETRY;
  }
  readyPush(old, <u32>code);
  addWaiters(-1);
}

/** pollReset: the pending error, else drop a stale pdReady (word → pdNil); WAITER_PRESENT if one is parked or preparing. */
export function reset(pd: usize, mode: u32): i32 {
  const err = checkErr(pd, mode);
  if (err != OK) return err;
  const w = wordAddr(pd, mode);
  if (load<u32>(w) >= PD_WAIT) return WAITER_PRESENT;
  store<u32>(w, PD_NIL);
  return OK;
}

/** Does either word hold a parked or preparing waiter? */
export function hasWaiter(pd: usize): bool {
  return load<u32>(pd + D_RG) >= PD_WAIT || load<u32>(pd + D_WG) >= PD_WAIT;
}
