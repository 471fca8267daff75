// The host's side of the core: one instance, views of its memory, the waiter
// tokens, and the dispatch of ready lists. No syscalls here (see host/sys and
// host/drive), so the simulator and the property tests use it as it is.
//
// Memory views are re-created whenever memory.buffer changes: memory.grow
// (from open or setDeadline) detaches every view of the old buffer. No view
// of core memory is ever kept across an await or handed to an async syscall.

import type { CoreExports } from './abi.js';
import { Code } from './abi.js';
import { EPOLL_STRIDE_ALIGNED } from './epoll-abi.js';
import { READY_ENTRY } from './events.js';
import { readCoreLayout } from './layout.js';

/** The header fields the host reads, by their names in the layout table. */
const HEADER_FIELDS = ['inUse', 'waiters', 'timers', 'staleEvents', 'hostEvents', 'inconsistent', 'nextWhen', 'eventsSeen', 'wakeups', 'timersFired'] as const;
type HeaderField = (typeof HEADER_FIELDS)[number];

// A ready-list entry in u32 words (host/core/events.ts READY_ENTRY).
const READY_WORDS = READY_ENTRY.size >>> 2, TOKEN_WORD = READY_ENTRY.token >>> 2, CODE_WORD = READY_ENTRY.code >>> 2;

/** Resolved with the ready-list code when the waiter is woken. */
export type WakeFn = (code: number) => void;

export class Engine {
  readonly core: CoreExports;
  readonly header: number;
  readonly eventsOffset: number;
  readonly eventCapacity: number;
  readonly readyOffset: number;
  private buffer!: ArrayBuffer;
  private u32!: Uint32Array;
  private i64!: BigInt64Array;
  /**
   * The live waiters, direct-mapped by token: slot `token & mask` holds the
   * token and its wake function. register() picks the next token whose slot
   * is free, so a lookup is one index and nothing is allocated per wait (a
   * Map churned a new hash table every few hundred waits, whose copies
   * reached the old generation under load: a major GC every ≈ 0.6 s in
   * the echo benchmark). The table doubles when half full; a token's slot
   * stays its own across the growth, since the wider mask keeps its low bits.
   */
  private slotToken = new Uint32Array(64);
  private slotWake: (WakeFn | undefined)[] = new Array<WakeFn | undefined>(64).fill(undefined);
  private mask = 63;
  private live = 0;
  private lastToken = 2;

  /** Over a loaded core (core/load.ts loadCore): the Poller loads it, and may wrap its exports first. */
  constructor(core: CoreExports) {
    this.core = core;
    this.header = this.core.headerOffset();
    this.eventsOffset = this.core.eventsOffset();
    this.eventCapacity = this.core.eventCapacity();
    this.readyOffset = this.core.readyOffset();
    this.refresh();
    // Word indices of the header fields, resolved once from the layout table the core wrote (as the decoder does).
    const table = readCoreLayout(new Uint8Array(this.buffer), this.header);
    this.at = Object.fromEntries(HEADER_FIELDS.map((f) => [f, (this.header + table.get('header', f)) >>> 2])) as Record<HeaderField, number>;
  }

  private readonly at: Record<HeaderField, number>;

  private refresh(): void {
    this.buffer = this.core.memory.buffer;
    this.u32 = new Uint32Array(this.buffer);
    this.i64 = new BigInt64Array(this.buffer);
    this.eventsCache = null;
  }

  /** The last events view handed out; valid until memory.grow replaces the buffer. */
  private eventsCache: Uint8Array | null = null;

  private words(): Uint32Array {
    if (this.core.memory.buffer !== this.buffer) this.refresh();
    return this.u32;
  }

  private hdr(field: HeaderField): number {
    return this.words()[this.at[field]]!;
  }

  get inUse(): number { return this.hdr('inUse'); }
  get waiters(): number { return this.hdr('waiters'); }
  get timers(): number { return this.hdr('timers'); }
  get staleEvents(): number { return this.hdr('staleEvents'); }
  get hostEvents(): number { return this.hdr('hostEvents'); }
  get inconsistent(): number { return this.hdr('inconsistent'); }
  // Cumulative u32 counters (they wrap); read by the observability hooks only.
  get eventsSeen(): number { return this.hdr('eventsSeen'); }
  get wakeups(): number { return this.hdr('wakeups'); }
  get timersFired(): number { return this.hdr('timersFired'); }

  /**
   * Earliest armed deadline (absolute monotonic ns), 0n for none. Read on
   * every park and wake, so the bigint is rebuilt only when one of its two
   * u32 halves changed.
   */
  get nextWhen(): bigint {
    const w = this.words();
    const at = this.at.nextWhen;
    const lo = w[at]!, hi = w[at + 1]!;
    if (lo !== this.whenLo || hi !== this.whenHi) {
      this.whenLo = lo;
      this.whenHi = hi;
      this.when = this.i64[at >>> 1]!;
    }
    return this.when;
  }
  private whenLo = 0;
  private whenHi = 0;
  private when = 0n;

  /**
   * A view of the event region for a synchronous epoll_wait to write into.
   * Valid only until the next call into the core.
   */
  eventsView(maxEvents: number, stride: number): Uint8Array {
    this.words();
    const length = Math.min(maxEvents, this.eventCapacity) * stride;
    if (this.eventsCache?.byteLength !== length) this.eventsCache = new Uint8Array(this.buffer, this.eventsOffset, length);
    return this.eventsCache;
  }

  /** Copy events a blocking wait wrote into a private buffer into the event region. */
  writeEvents(src: Uint8Array): void {
    this.eventsView(this.eventCapacity, EPOLL_STRIDE_ALIGNED).set(src);
  }

  /** A token for a new waiter: > 2, unique among live waiters, wrapping at 2^32. */
  register(wake: WakeFn): number {
    if (2 * this.live >= this.mask + 1) this.grow();
    let t = this.lastToken;
    do t = t >= 0xffffffff ? 3 : t + 1;
    while (this.slotToken[t & this.mask] !== 0);
    this.lastToken = t;
    const slot = t & this.mask;
    this.slotToken[slot] = t;
    this.slotWake[slot] = wake;
    this.live++;
    return t;
  }

  forget(token: number): void {
    const slot = token & this.mask;
    if (this.slotToken[slot] !== token) return;
    this.slotToken[slot] = 0;
    this.slotWake[slot] = undefined;
    this.live--;
  }

  /** Twice the slots; each live token moves to `token & newMask`, which no other live token shares. */
  private grow(): void {
    const size = 2 * (this.mask + 1);
    const tokens = new Uint32Array(size);
    const wakes = new Array<WakeFn | undefined>(size).fill(undefined);
    for (let s = 0; s <= this.mask; s++) {
      const t = this.slotToken[s]!;
      if (t === 0) continue;
      tokens[t & (size - 1)] = t;
      wakes[t & (size - 1)] = this.slotWake[s];
    }
    this.slotToken = tokens;
    this.slotWake = wakes;
    this.mask = size - 1;
  }

  /** Tokens registered and not yet woken or forgotten: equals the core's waiters count unless a token leaked. */
  get liveTokens(): number {
    return this.live;
  }

  /**
   * Settle the n waiters of the ready list the last waking call wrote. Each
   * token is looked up once and forgotten; its wake function only settles a
   * promise, so no core call happens while the list is being read.
   */
  dispatch(n: number): void {
    if (n <= 0) return;
    const w = this.words();
    let at = this.readyOffset >>> 2;
    for (let i = 0; i < n; i++, at += READY_WORDS) {
      const token = w[at + TOKEN_WORD]!;
      const slot = token & this.mask;
      if (this.slotToken[slot] !== token) continue; // not a live waiter's token (forgotten)
      const wake = this.slotWake[slot]!;
      this.slotToken[slot] = 0;
      this.slotWake[slot] = undefined;
      this.live--;
      wake(w[at + CODE_WORD]!);
    }
  }

  /** A copy of the whole memory. */
  snapshot(): Uint8Array {
    return new Uint8Array(this.core.memory.buffer.slice(0));
  }
}

export { Code };
