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
// changes nothing (see host/core/abi.ts for the codes; running out of memory
// while arming a timer is the one refusal that leaves the deadline stored). The core never reads a
// clock, never allocates from a GC, and imports only env.abort: the same
// calls produce the same bytes of memory.

import {
  HEADER_BASE, HEADER_SIZE, LAYOUT_BASE, MAGIC, LAYOUT_VERSION, H_MAGIC, H_VERSION, H_SIZE, H_LAYOUT_OFF,
  H_EVENTS_OFF, H_EVENTS_CAP, H_READY_OFF, H_READY_CAP, H_DESC_DIR_OFF, H_DESC_DIR_CAP, H_DESC_SIZE,
  H_DESC_PER_BLOCK, H_TIMER_DIR_OFF, H_TIMER_DIR_CAP, H_TIMER_SIZE, H_TIMER_PER_BLOCK, H_CHUNK_BASE, H_BUMP,
  EVENTS_BASE, EVENT_CAPACITY, READY_BASE, READY_CAPACITY, DESC_DIR_BASE, DESC_DIR_CAPACITY, DESC_SIZE,
  DESC_PER_BLOCK, TIMER_DIR_BASE, TIMER_DIR_CAPACITY, TIMER_SIZE, TIMER_PER_BLOCK, CHUNK_BASE,
  D_FDSEQ, D_FLAGS, FLAG_CLOSING, FLAG_ALLOCATED, D_RSEQ, D_WSEQ, PD_NIL, PD_WAIT,
} from "./layout";
import { writeLayoutTable } from "./layout_table";
import { descAddr, descCount, resolve, isClosing, publishInfo, openDesc, freeDesc } from "./descriptors";
import {
  MODE_R, MODE_W, OK, STALE_HANDLE, BAD_TOKEN, BAD_ARGUMENT, ALREADY_CLOSING, NOT_CLOSING, WAITER_PRESENT,
  OUT_OF_MEMORY, checkErr as checkErrPd, prepare, commit, cancel, unblockMode, hasWaiter, wordAddr,
} from "./semaphores";
import { setDeadline as setDeadlinePd, stopTimers, fireDue } from "./deadlines";
import { processEvents } from "./netpoll";
import { readyClear, readyLen } from "./ready";
import { nextWhen } from "./timers";

// ── start-up ────────────────────────────────────────────────────────────────

function writeHeader(): void {
  // Static data (abort messages) must end below the header.
  assert(__heap_base <= HEADER_BASE, "static data overlaps the header");
  const h = HEADER_BASE;
  store<u32>(h + H_MAGIC, MAGIC);
  store<u32>(h + H_VERSION, LAYOUT_VERSION);
  store<u32>(h + H_SIZE, HEADER_SIZE);
  store<u32>(h + H_LAYOUT_OFF, LAYOUT_BASE);
  store<u32>(h + H_EVENTS_OFF, EVENTS_BASE);
  store<u32>(h + H_EVENTS_CAP, EVENT_CAPACITY);
  store<u32>(h + H_READY_OFF, READY_BASE);
  store<u32>(h + H_READY_CAP, READY_CAPACITY);
  store<u32>(h + H_DESC_DIR_OFF, DESC_DIR_BASE);
  store<u32>(h + H_DESC_DIR_CAP, DESC_DIR_CAPACITY);
  store<u32>(h + H_DESC_SIZE, DESC_SIZE);
  store<u32>(h + H_DESC_PER_BLOCK, DESC_PER_BLOCK);
  store<u32>(h + H_TIMER_DIR_OFF, TIMER_DIR_BASE);
  store<u32>(h + H_TIMER_DIR_CAP, TIMER_DIR_CAPACITY);
  store<u32>(h + H_TIMER_SIZE, TIMER_SIZE);
  store<u32>(h + H_TIMER_PER_BLOCK, TIMER_PER_BLOCK);
  store<u32>(h + H_CHUNK_BASE, CHUNK_BASE);
  store<u32>(h + H_BUMP, CHUNK_BASE);
  writeLayoutTable();
}

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

// @ts-ignore: decorator
@inline function validMode(mode: u32): bool {
  return mode == MODE_R || mode == MODE_W;
}

export function checkErr(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!validMode(mode)) return BAD_ARGUMENT;
  return checkErrPd(pd, mode);
}

export function reset(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!validMode(mode)) return BAD_ARGUMENT;
  const err = checkErrPd(pd, mode);
  if (err != OK) return err;
  const w = wordAddr(pd, mode);
  if (load<u32>(w) >= PD_WAIT) return WAITER_PRESENT;
  store<u32>(w, PD_NIL);
  return OK;
}

export function prepareWait(index: u32, seq: u32, mode: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!validMode(mode)) return BAD_ARGUMENT;
  return prepare(pd, mode);
}

export function commitWait(index: u32, seq: u32, mode: u32, token: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!validMode(mode)) return BAD_ARGUMENT;
  if (token <= PD_WAIT) return BAD_TOKEN;
  return commit(pd, mode, token);
}

export function cancelWait(index: u32, seq: u32, mode: u32, token: u32): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (!validMode(mode)) return BAD_ARGUMENT;
  return cancel(pd, mode, token);
}

// ── deadlines and closing ───────────────────────────────────────────────────

export function setDeadline(index: u32, seq: u32, mode: u32, d: i64, now: i64): i32 {
  const pd = resolve(index, seq);
  if (pd == 0) return STALE_HANDLE;
  if (mode < 1 || mode > 3) return BAD_ARGUMENT;
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
  store<u32>(pd + D_FLAGS, load<u32>(pd + D_FLAGS) | FLAG_CLOSING);
  store<u32>(pd + D_RSEQ, load<u32>(pd + D_RSEQ) + 1);
  store<u32>(pd + D_WSEQ, load<u32>(pd + D_WSEQ) + 1);
  publishInfo(pd);
  unblockMode(pd, MODE_R, false);
  unblockMode(pd, MODE_W, false);
  stopTimers(pd);
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
  if (count > EVENT_CAPACITY || (count > 0 && stride != 12 && stride != 16)) return BAD_ARGUMENT;
  readyClear();
  processEvents(count, stride);
  if (now >= 0) fireDue(now);
  return <i32>readyLen();
}

export function nextDeadline(): i64 {
  return nextWhen();
}
