// The contract between the host and the Wasm core (assembly/index.ts).
//
// Every export takes and returns plain numbers (i32/u32) except times, which
// are i64 nanoseconds on a monotonic clock and so cross as `bigint`. The
// host always passes the time in; the core never reads a clock.
//
// A descriptor is addressed by a handle: its index in the descriptor table and
// the fdseq it had when the host opened it. A call with a handle whose seq no
// longer matches (the descriptor was freed, maybe reused) is refused with
// STALE_HANDLE and changes nothing.
//
// Calls that can wake waiters (netpoll, setDeadline, unblock) first empty the
// ready list, then append one (token, code) entry per woken waiter, and return
// how many entries they wrote. The list lives in core memory at
// `readyOffset()`; entry i is two u32: token at +8i, code at +8i+4.

import type { WasmMemory } from './wasm.js';

/** Result codes (assembly/codes.ts; the layout table's "code" group, held equal by test/core/abi-constants.test.ts). 0..3 are Go's pollNoError / pollErrClosing / pollErrTimeout / pollErrNotPollable. */
export const Code = {
  OK: 0,
  CLOSING: 1,
  TIMEOUT: 2,
  NOT_POLLABLE: 3,
  /**
   * A ready-list entry for a waiter woken without I/O and without an error: wait again. Kept for
   * Go's spurious-wake case; unreachable in correct use, since every ioready=false wake (deadline,
   * unblock) publishes its error bit first.
   */
  RETRY: 4,
  /** prepareWait: the word moved pdNil → pdWait; call commitWait next. */
  PREPARED: 5,
  /** commitWait: pdWait → token; the waiter is parked and will appear in a ready list. */
  PARKED: 6,
} as const;

/** Misuse codes: negative; the call changed nothing (except OUT_OF_MEMORY from setDeadline, see there). */
export const Misuse = {
  /** Index out of range, descriptor free, or seq mismatch (the descriptor was freed / reused). */
  STALE_HANDLE: -1,
  /** A waiter is already parked (or preparing) in that direction. Go: "double wait". */
  DOUBLE_WAIT: -2,
  /** Token must be > 2 (0, 1, 2 are pdNil, pdReady, pdWait). */
  BAD_TOKEN: -3,
  /** Mode / kind / stride / count outside its domain. */
  BAD_ARGUMENT: -4,
  /** unblock on a descriptor already closing. Go: "unblock on closing polldesc". */
  ALREADY_CLOSING: -5,
  /** close before unblock. Go: "close polldesc w/o unblock". */
  NOT_CLOSING: -6,
  /** close or reset while a waiter is parked. Go: "blocked read/write on closing polldesc". */
  WAITER_PRESENT: -7,
  /**
   * No room for another descriptor block or timer block (directory full or memory.grow failed).
   * From setDeadline it means the deadline was stored but its timer could not be armed (the run
   * flag stays clear, so the next setDeadline tries again); the other direction may have been re-armed.
   */
  OUT_OF_MEMORY: -8,
} as const;

/** Modes for waits, resets and deadlines: bit 0 read, bit 1 write. */
export const Mode = { R: 1, W: 2, RW: 3 } as const;
export type WaitMode = 1 | 2;
export type DeadlineMode = 1 | 2 | 3;

/** The raw exports of build/netpoll.wasm. */
export interface CoreExports {
  readonly memory: WasmMemory;

  /** Address of the fixed header (magic, version, region offsets, counters). */
  headerOffset(): number;
  /** Address of the epoll_event input region (capacity eventCapacity() events of up to 16 bytes). */
  eventsOffset(): number;
  eventCapacity(): number;
  /** Address of the ready list (capacity readyCapacity() entries of 8 bytes). */
  readyOffset(): number;
  readyCapacity(): number;

  /** pollOpen: allocate and initialise a descriptor for fd. Returns the index (≥ 0) or OUT_OF_MEMORY. */
  open(fd: number): number;
  /** fdseq of an allocated descriptor (the handle's seq and the low half of its epoll data), 0 if free. */
  seqOf(index: number): number;
  /** The registration failed (EPOLL_CTL_ADD error): free the descriptor at once (Go 44552). */
  abandon(index: number, seq: number): number;

  /** netpollcheckerr: OK, CLOSING, TIMEOUT or NOT_POLLABLE (or STALE_HANDLE / BAD_ARGUMENT). */
  checkErr(index: number, seq: number, mode: number): number;
  /** pollReset: checkErr; if OK, drop a stale pdReady (word → pdNil). WAITER_PRESENT if one is parked. */
  reset(index: number, seq: number, mode: number): number;

  /**
   * First half of pollWait / netpollblock: checkErr (an error wins over readiness), then
   * pdReady → pdNil returns OK (a notification was consumed: go and do the I/O),
   * pdNil → pdWait returns PREPARED, anything else DOUBLE_WAIT.
   */
  prepareWait(index: number, seq: number, mode: number): number;
  /**
   * Second half: CAS pdWait → token. (Called without a prepareWait, on a pdNil word, it parks too:
   * the core cannot tell a skipped first half from an abandoned one, nor can Go.) Success: waiters += 1, returns PARKED. If something moved the
   * word between the halves: pdReady → consumed, OK; pdNil → checkErr's error, or (no error: the
   * deadline moved to the future) parks again and returns PARKED. A word holding a token: DOUBLE_WAIT.
   */
  commitWait(index: number, seq: number, mode: number, token: number): number;
  /** Withdraw a parked or prepared waiter without waking it (AbortSignal): word → pdNil; OK or BAD_ARGUMENT if none. */
  cancelWait(index: number, seq: number, mode: number, token: number): number;

  /**
   * pollSetDeadline. d: 0 none, > 0 relative ns from now (clamped to 2^63-1 on overflow),
   * < 0 already expired (stored as is). `now` must be ≥ 0 (BAD_ARGUMENT otherwise). Returns the
   * ready-list length (past deadlines wake waiters), or a misuse code. A closing descriptor ignores
   * it (returns 0), as in Go.
   */
  setDeadline(index: number, seq: number, mode: number, d: bigint, now: bigint): number;

  /** pollUnblock: closing = true, rseq++, wseq++, publish, wake both directions, stop timers. Returns ready-list length. */
  unblock(index: number, seq: number): number;
  /** pollClose + free: needs unblock first and no waiter; fdseq++ (0 skipped), publish, push on the free list. */
  close(index: number, seq: number): number;

  /**
   * One epoll batch: `count` raw epoll_events of `stride` bytes (12 packed x86_64, 16 aarch64) at
   * eventsOffset(); then every timer due at `now` fires (now < 0: no timers). Returns the ready-list
   * length. Events whose data hi half is 0xffffffff are the host's own (timerfd, break eventfd): the
   * core sets bit (lo & 31) in header.hostEvents and otherwise ignores them.
   */
  netpoll(count: number, stride: number, now: bigint): number;
  /** Earliest armed deadline (absolute ns), or 0n when no timer is armed. */
  nextDeadline(): bigint;
}

/** The exports a wrapper (trace recorder, journal) passes through untouched: memory and the region accessors. */
export type CoreRegions = Pick<CoreExports, 'memory' | 'headerOffset' | 'eventsOffset' | 'eventCapacity' | 'readyOffset' | 'readyCapacity'>;

export function coreRegions(core: CoreExports): CoreRegions {
  return {
    memory: core.memory,
    headerOffset: () => core.headerOffset(),
    eventsOffset: () => core.eventsOffset(),
    eventCapacity: () => core.eventCapacity(),
    readyOffset: () => core.readyOffset(),
    readyCapacity: () => core.readyCapacity(),
  };
}
