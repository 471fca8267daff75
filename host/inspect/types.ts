// The Inspection: a snapshot of core memory decoded into plain JSON.
// Numbers that can exceed 2^53 (deadlines, times) are decimal strings.

export type SemaState =
  | { state: 'nil' }
  | { state: 'ready' }
  | { state: 'wait' }
  | { state: 'waiter'; token: number };

export type DescState = 'open' | 'closing' | 'free';

export interface DescriptorView {
  index: number;
  state: DescState;
  fd: number;
  fdseq: number;
  closing: boolean;
  eventErr: boolean;
  expiredRead: boolean;
  expiredWrite: boolean;
  /** The info word's copy of fdseq's low bits. */
  infoSeq: number;
  /** The info word's closing bit (must equal `closing` while allocated). */
  infoClosing: boolean;
  rg: SemaState;
  wg: SemaState;
  rseq: number;
  wseq: number;
  /** Deadlines: "0" none, positive absolute ns, negative expired. */
  rd: string;
  wd: string;
  rrun: boolean;
  wrun: boolean;
  /** Heap position + 1 of the read / write timer, 0 when not in the heap. */
  rslot: number;
  wslot: number;
  /** Free-list successor (index + 1, 0 = end); meaningful for free descriptors. */
  link: number;
}

export type TimerKindName = 'r' | 'w' | 'rw';

export interface TimerView {
  /** Heap position. */
  slot: number;
  when: string;
  desc: number;
  kind: TimerKindName;
  seq: number;
}

export interface LayoutView {
  magic: number;
  version: number;
  headerBase: number;
  descSize: number;
  descPerBlock: number;
  timerSize: number;
  timerPerBlock: number;
  /** Every named entry of the layout table, by group then name. */
  table: Record<string, Record<string, { value: number; size: number }>>;
}

export interface Counters {
  inUse: number;
  waiters: number;
  timers: number;
  staleEvents: number;
  eventsSeen: number;
  wakeups: number;
  timersFired: number;
  inconsistent: number;
  readyLength: number;
  descBlocks: number;
  timerBlocks: number;
  /** Earliest armed deadline (absolute ns), "0" when none. */
  nextWhen: string;
}

export interface Violation {
  /** A stable name, e.g. 'heap-order', 'timer-backlink', 'free-list-cycle'. */
  rule: string;
  message: string;
}

export interface Inspection {
  layout: LayoutView;
  counters: Counters;
  descriptors: DescriptorView[];
  /** Descriptor indices in free-list order, top first. */
  freeList: number[];
  /** Heap entries in heap (array) order. */
  timers: TimerView[];
  waiters: number;
  violations: Violation[];
}

/** The decoder's walk of the descriptor free list, which the invariant checker reads. */
export interface FreeListWalk {
  order: number[];
  /** Set when the walk stopped early: a cycle, or a link out of range. */
  problem: { rule: 'free-list-cycle' | 'free-list-range'; at: number } | null;
}
