// netpoll-wasm core: Go's network poller state machine (runtime/netpoll.go),
// in linear memory, driven by a host that owns every syscall and the clock.
//
// The state machine, told once:
//
//   A descriptor (pollDesc) is allocated by open and registered with epoll by
//   the host, which tags the registration with (index, fdseq). Each direction
//   has a semaphore word: pdNil, pdReady (a notification is pending), pdWait
//   (a waiter is half-parked) or a waiter token. A waiter parks in two halves
//   (prepareWait, commitWait) so that events can land in between, exactly as
//   in Go where netpoll may run between gopark's check and its commit.
//
//   Readiness comes from netpoll: one call per epoll batch. Events whose tag
//   is not the descriptor's fdseq are stale and dropped. The rest set pdReady
//   or wake the parked waiter, whose entry (token, OK) goes on the ready list.
//
//   Deadlines (setDeadline) and closing (unblock) also wake waiters, with
//   ioready = false: the word goes back to pdNil and the ready entry carries
//   the error the waiter will see (TIMEOUT or CLOSING). Errors win over a
//   pending pdReady because every wait checks errors first (checkErr).
//
//   Close is two steps, as in Go: unblock (closing = true, wake everyone,
//   stop timers), then close (requires no waiter; fdseq++, free). A freed
//   descriptor's memory is never released, so late events find it and are
//   dropped by the tag check.
//
// Misuse that Go answers with a fatal throw returns a negative code here and
// changes nothing (see codes.ts for the codes; running out of memory
// while arming a timer is the one refusal that leaves the deadline stored). The core never reads a
// clock, never allocates from a GC, and imports only env.abort: the same
// calls produce the same bytes of memory.

import { HEADER_BASE, EVENTS_BASE, EVENT_CAPACITY, READY_BASE, READY_CAPACITY, EPOLL_STRIDE_PACKED, EPOLL_STRIDE_ALIGNED, D_FDSEQ, D_FLAGS, FLAG_ALLOCATED, PD_WAIT } from "./layout";
import { writeHeader } from "./header";
import { descAddr, descCount, resolve, isClosing, openDesc, freeDesc } from "./descriptors";
import {
  isWaitMode, isDeadlineMode, OK, STALE_HANDLE, BAD_TOKEN, BAD_ARGUMENT, ALREADY_CLOSING, NOT_CLOSING, WAITER_PRESENT, OUT_OF_MEMORY,
} from "./codes";
import { checkErr as checkErrPd, reset as resetPd, prepare, commit, cancel, hasWaiter } from "./semaphores";
import { setDeadline as setDeadlinePd, stopTimers, fireDue } from "./deadlines";
import { unblockDesc } from "./unblock";
import { processEvents } from "./netpoll";
import { readyClear, readyLen } from "./ready";
import { nextWhen } from "./timers";

// Every export below resolves its handle, checks its arguments' domains and
// hands the work to the module that owns it; the only other statement is
// the start-up write of the header and layout table.
writeHeader();

// ── regions ─────────────────────────────────────────────────────────────────

export function headerOffset(): u32 { return HEADER_BASE; }
export function eventsOffset(): u32 { return EVENTS_BASE; }
export function eventCapacity(): u32 { return EVENT_CAPACITY; }
export function readyOffset(): u32 { return READY_BASE; }
export function readyCapacity(): u32 { return READY_CAPACITY; }

// ── descriptors ─────────────────────────────────────────────────────────────

export function open(fd: i32): i32 {
  const index = openDesc(fd);
  return index < 0 ? OUT_OF_MEMORY : index;
}

export function seqOf(index: u32): u32 {
  if (index >= descCount()) return 0;
  const pd = descAddr(index);
  return (load<u32>(pd + D_FLAGS) & FLAG_ALLOCATED) != 0 ? load<u32>(pd + D_FDSEQ) : 0;
}

export function abandon(index: u32, seq: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (hasWaiter(pd)) return WAITER_PRESENT;
  // A registration that failed never saw a deadline or an unblock; drop any
  // stray timer anyway so the free descriptor leaves nothing in the heap.
  stopTimers(pd);
  freeDesc(index, pd);
  return OK;
}

// ── waits ───────────────────────────────────────────────────────────────────

export function checkErr(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isWaitMode(mode)) return BAD_ARGUMENT;
  return checkErrPd(pd, mode);
}

export function reset(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isWaitMode(mode)) return BAD_ARGUMENT;
  return resetPd(pd, mode);
}

export function prepareWait(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isWaitMode(mode)) return BAD_ARGUMENT;
  return prepare(pd, mode);
}

export function commitWait(index: u32, seq: u32, mode: u32, token: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isWaitMode(mode)) return BAD_ARGUMENT;
  if (token <= PD_WAIT) return BAD_TOKEN;
  return commit(pd, mode, token);
}

export function cancelWait(index: u32, seq: u32, mode: u32, token: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isWaitMode(mode)) return BAD_ARGUMENT;
  return cancel(pd, mode, token);
}

// ── deadlines and closing ───────────────────────────────────────────────────

export function setDeadline(index: u32, seq: u32, mode: u32, d: i64, now: i64): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isDeadlineMode(mode)) return BAD_ARGUMENT;
  if (now < 0) return BAD_ARGUMENT; // monotonic time is never negative (netpoll's now < 0 means "no timers")
  readyClear();
  if (!setDeadlinePd(index, pd, d, mode, now)) return OUT_OF_MEMORY;
  return <i32>readyLen();
}

export function unblock(index: u32, seq: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (isClosing(pd)) return ALREADY_CLOSING;
  readyClear();
  unblockDesc(pd);
  return <i32>readyLen();
}

export function close(index: u32, seq: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!isClosing(pd)) return NOT_CLOSING;
  if (hasWaiter(pd)) return WAITER_PRESENT;
  freeDesc(index, pd);
  return OK;
}

// ── the poll batch and timers ───────────────────────────────────────────────

export function netpoll(count: u32, stride: u32, now: i64): i32 {
  if (count > EVENT_CAPACITY || (count > 0 && stride != EPOLL_STRIDE_PACKED && stride != EPOLL_STRIDE_ALIGNED)) return BAD_ARGUMENT;
  readyClear();
  processEvents(count, stride);
  if (now >= 0) fireDue(now);
  return <i32>readyLen();
}

export function nextDeadline(): i64 {
  return nextWhen();
}
