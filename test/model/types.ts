// The surface shared by the plain-TS reference model (reference.ts) and any
// adapter around the Wasm core: the exports of host/core/abi.ts, with the
// epoll batch and the ready list as plain arrays instead of core memory.

import type { CoreExports } from '../../host/core/abi.js';

import type { PollEvent, ReadyEntry } from '../../host/core/events.js';
export type { PollEvent, ReadyEntry };

/** The core's exports (abi.ts) minus memory and regions, with netpoll and the ready list as arrays. */
export interface PollerCore
  extends Pick<
    CoreExports,
    'open' | 'seqOf' | 'abandon' | 'checkErr' | 'reset' | 'prepareWait' | 'commitWait' | 'cancelWait' | 'setDeadline' | 'unblock' | 'close' | 'nextDeadline'
  > {
  /** One epoll batch, then the timers due at `now` (now < 0: none). Returns the ready list it wrote. */
  netpoll(events: readonly PollEvent[], now: bigint): ReadyEntry[];
  /** The entries written by the last call that wakes waiters (netpoll, setDeadline, unblock). */
  readyList(): ReadyEntry[];
}

/** The surface plus the export's exact netpoll contract (count and stride checked, a code returned). */
export interface RawPollerCore extends PollerCore {
  /** Ready-list length, or BAD_ARGUMENT for more than 1024 events or a stride other than 12 / 16. */
  netpollCode(events: readonly PollEvent[], stride: number, now: bigint): number;
}

/**
 * The comparable state of one descriptor: every field of the Wasm record,
 * except that heap positions (rslot / wslot) are reduced to "has a timer in
 * the heap", since the model keeps an unordered list instead of a heap.
 */
export interface DescFields {
  index: number;
  allocated: boolean;
  /** Free-list successor, index + 1 (0 = end, and 0 while allocated). */
  link: number;
  fd: number;
  fdseq: number;
  /** The published info word (closing, eventErr, expired bits, seq bits). */
  info: number;
  closing: boolean;
  rg: number;
  wg: number;
  rseq: number;
  wseq: number;
  rd: bigint;
  wd: bigint;
  rrun: boolean;
  wrun: boolean;
  /** A read (or combined) timer is in the heap. */
  rtimer: boolean;
  /** A write timer is in the heap. */
  wtimer: boolean;
}

/** Header counters (see assembly/layout.ts). */
export interface Counters {
  inUse: number;
  waiters: number;
  /** Heap length. */
  timers: number;
  readyLength: number;
  staleEvents: number;
  hostEvents: number;
  eventsSeen: number;
  wakeups: number;
  timersFired: number;
  inconsistent: number;
  descBlocks: number;
  timerBlocks: number;
  /** Free-list top, index + 1 (0 = empty). */
  freeHead: number;
  nextWhen: bigint;
}

/** One armed timer: ref = index << 2 | kind (1 r, 2 w, 3 rw); seq = rseq (r, rw) or wseq (w) at arming. */
export interface TimerEntry {
  when: bigint;
  ref: number;
  seq: number;
}

export interface Fields {
  /** undefined when index is beyond the descriptors created so far. */
  desc: DescFields | undefined;
  counters: Counters;
}
