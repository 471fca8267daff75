// The reference model: Go's network poller state machine (runtime/netpoll.go,
// netpoll_epoll.go) as plain TypeScript, written for clarity. It has the same
// surface and the same result codes as the Wasm core's exports
// (host/core/abi.ts), and the same documented "Here:" choices
// (assembly/index.ts, assembly/semaphores.ts), so the two can be run side by
// side and compared field by field.
//
// Differences from the core that are representation only: descriptors are
// objects, the free list is an array, timers are an unordered list sorted on
// demand (timer-list.ts) instead of an indexed heap.
//
// All integers that the core keeps as u32 wrap as u32 here (u32()); deadlines
// and times are i64 (i64()).

import { Code, Misuse, Mode } from '../../host/core/abi.js';
import { Sema, Info, TimerKind } from './core-constants.js';
import { EPOLL_STRIDE_PACKED, isEpollStride } from '../../host/core/epoll-abi.js';
import {
  DESC_BLOCKS_MAX, DESC_PER_BLOCK, EPOLLERR, EVENT_CAPACITY, HOST_SENTINEL, I64_MAX, READ_BITS, READY_CAPACITY,
  TIMERS_PER_BLOCK, WRITE_BITS,
} from './constants.js';
import { infoWord, newDesc, type PollDesc } from './poll-desc.js';
import { TimerList } from './timer-list.js';
import type { Counters, DescFields, Fields, PollEvent, RawPollerCore, ReadyEntry, TimerEntry } from './types.js';

// The capacities and epoll bits, for callers that import everything from here.
export * from './constants.js';

const u32 = (x: number): number => x >>> 0;
const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);

export class ReferenceCore implements RawPollerCore {
  readonly descs: PollDesc[] = [];
  /** The pollCache free list: indices, top of the LIFO at the end. */
  private readonly free: number[] = [];
  private readonly timers = new TimerList();
  private ready: ReadyEntry[] = [];
  private waiters = 0;
  private inUse = 0;
  private staleEvents = 0;
  private hostEvents = 0;
  private eventsSeen = 0;
  private wakeups = 0;
  private timersFired = 0;
  private inconsistent = 0;

  // ── descriptors (sections 3, 4) ────────────────────────────────────────────

  open(fd: number): number {
    if (this.free.length === 0 && !this.grow()) return Misuse.OUT_OF_MEMORY;
    const d = this.descs[this.free.pop()!];
    d.link = 0;
    d.fd = fd | 0;
    if (d.fdseq === 0) d.fdseq = 1; // 0 is setEventErr's "unconditional" seq
    d.closing = false;
    d.allocated = true;
    this.setEventErr(d, false, 0);
    d.rseq = u32(d.rseq + 1);
    d.rg = Sema.NIL;
    d.rd = 0n;
    d.wseq = u32(d.wseq + 1);
    d.wg = Sema.NIL;
    d.wd = 0n;
    this.publishInfo(d);
    this.inUse++;
    return d.index;
  }

  /** The fdseq of an allocated descriptor, as the i32 the export returns; 0 if free or out of range. */
  seqOf(index: number): number {
    const d = this.descs[u32(index)];
    return d !== undefined && d.allocated ? d.fdseq | 0 : 0;
  }

  /** A failed registration (Go issue 44552): free at once, fdseq++. */
  abandon(index: number, seq: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (this.hasWaiter(d)) return Misuse.WAITER_PRESENT;
    this.stopTimers(d);
    this.freeDesc(d);
    return Code.OK;
  }

  /** pollUnblock (section 2 table). */
  unblock(index: number, seq: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (d.closing) return Misuse.ALREADY_CLOSING;
    this.ready = [];
    d.closing = true;
    d.rseq = u32(d.rseq + 1);
    d.wseq = u32(d.wseq + 1);
    this.publishInfo(d);
    this.unblockMode(d, Mode.R, false);
    this.unblockMode(d, Mode.W, false);
    this.stopTimers(d);
    return this.ready.length;
  }

  /** pollClose: only after unblock and with no waiter; then the descriptor is freed. */
  close(index: number, seq: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!d.closing) return Misuse.NOT_CLOSING;
    if (this.hasWaiter(d)) return Misuse.WAITER_PRESENT;
    this.freeDesc(d);
    return Code.OK;
  }

  /** A handle names a descriptor only while it is allocated and its fdseq is the handle's seq. */
  private resolve(index: number, seq: number): PollDesc | undefined {
    const d = this.descs[u32(index)];
    if (d === undefined || !d.allocated || d.fdseq !== u32(seq)) return undefined;
    return d;
  }

  /** pollcache alloc when empty: a block of 64, pushed highest first so the lowest index pops first. */
  private grow(): boolean {
    const blocks = this.descs.length / DESC_PER_BLOCK;
    if (blocks >= DESC_BLOCKS_MAX) return false;
    const first = this.descs.length;
    for (let i = 0; i < DESC_PER_BLOCK; i++) this.descs.push(newDesc(first + i));
    for (let i = DESC_PER_BLOCK - 1; i >= 0; i--) this.pushFree(this.descs[first + i]);
    return true;
  }

  private pushFree(d: PollDesc): void {
    d.link = this.free.length === 0 ? 0 : this.free[this.free.length - 1] + 1;
    this.free.push(d.index);
  }

  /** pollcache.free: fdseq++ skipping 0, publish at once (Go issue 60133), push. */
  private freeDesc(d: PollDesc): void {
    d.fdseq = u32(d.fdseq + 1) || 1;
    this.publishInfo(d);
    d.allocated = false;
    this.pushFree(d);
    this.inUse--;
  }

  /** Rebuild the info word from closing, rd, wd, fdseq; eventErr is kept as is. */
  private publishInfo(d: PollDesc): void {
    d.published = {
      closing: d.closing,
      expiredRead: d.rd < 0n,
      expiredWrite: d.wd < 0n,
      seqBits: d.fdseq & Info.SEQ_MASK,
    };
  }

  /** setEventErr (Go issue 59545): seq 0 is unconditional; otherwise the published seq bits must match. */
  private setEventErr(d: PollDesc, b: boolean, seq: number): void {
    if (seq !== 0 && d.published.seqBits !== (seq & Info.SEQ_MASK)) return;
    d.eventErr = b;
  }

  // ── semaphores (section 2) ─────────────────────────────────────────────────

  private static validMode(mode: number): boolean {
    return u32(mode) === Mode.R || u32(mode) === Mode.W;
  }

  private word(d: PollDesc, mode: number): number {
    return mode === Mode.R ? d.rg : d.wg;
  }

  private setWord(d: PollDesc, mode: number, v: number): void {
    if (mode === Mode.R) d.rg = v;
    else d.wg = v;
  }

  private hasWaiter(d: PollDesc): boolean {
    return d.rg >= Sema.WAIT || d.wg >= Sema.WAIT;
  }

  /** netpollcheckerr, from the published word only: closing, expired (this mode), eventErr (reads). */
  private errOf(d: PollDesc, mode: number): number {
    const p = d.published;
    if (p.closing) return Code.CLOSING;
    if (mode === Mode.R ? p.expiredRead : p.expiredWrite) return Code.TIMEOUT;
    if (mode === Mode.R && d.eventErr) return Code.NOT_POLLABLE;
    return Code.OK;
  }

  checkErr(index: number, seq: number, mode: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!ReferenceCore.validMode(mode)) return Misuse.BAD_ARGUMENT;
    return this.errOf(d, u32(mode));
  }

  /** pollReset: an error first; else drop a stale pdReady. Refused while a waiter holds the word. */
  reset(index: number, seq: number, mode: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!ReferenceCore.validMode(mode)) return Misuse.BAD_ARGUMENT;
    const m = u32(mode);
    const err = this.errOf(d, m);
    if (err !== Code.OK) return err;
    if (this.word(d, m) >= Sema.WAIT) return Misuse.WAITER_PRESENT;
    this.setWord(d, m, Sema.NIL);
    return Code.OK;
  }

  /** netpollblock's first half: error check, then pdReady → pdNil (OK) or pdNil → pdWait (PREPARED). */
  prepareWait(index: number, seq: number, mode: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!ReferenceCore.validMode(mode)) return Misuse.BAD_ARGUMENT;
    const m = u32(mode);
    const err = this.errOf(d, m);
    if (err !== Code.OK) return err;
    const old = this.word(d, m);
    if (old === Sema.READY) {
      this.setWord(d, m, Sema.NIL);
      return Code.OK;
    }
    if (old !== Sema.NIL) return Misuse.DOUBLE_WAIT;
    this.setWord(d, m, Sema.WAIT);
    return Code.PREPARED;
  }

  /**
   * The commit: pdWait → token parks (waiters + 1). If the word moved between
   * the halves, Go's gopark is abandoned and pollWait loops: pdReady is
   * consumed (OK); pdNil returns the error, or parks again when there is none.
   */
  commitWait(index: number, seq: number, mode: number, token: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!ReferenceCore.validMode(mode)) return Misuse.BAD_ARGUMENT;
    const m = u32(mode), t = u32(token);
    if (t <= Sema.WAIT) return Misuse.BAD_TOKEN;
    const old = this.word(d, m);
    if (old > Sema.WAIT) return Misuse.DOUBLE_WAIT;
    if (old !== Sema.WAIT) {
      this.setWord(d, m, Sema.NIL);
      if (old === Sema.READY) return Code.OK;
      const err = this.errOf(d, m);
      if (err !== Code.OK) return err;
    }
    this.setWord(d, m, t);
    this.waiters = u32(this.waiters + 1);
    return Code.PARKED;
  }

  /** Withdraw a prepared waiter (any token) or the parked one (its own token). No ready entry. */
  cancelWait(index: number, seq: number, mode: number, token: number): number {
    const d = this.resolve(index, seq);
    if (!d) return Misuse.STALE_HANDLE;
    if (!ReferenceCore.validMode(mode)) return Misuse.BAD_ARGUMENT;
    const m = u32(mode);
    const old = this.word(d, m);
    if (old === Sema.WAIT) {
      this.setWord(d, m, Sema.NIL);
      return Code.OK;
    }
    if (old !== u32(token) || old <= Sema.WAIT) return Misuse.BAD_ARGUMENT;
    this.setWord(d, m, Sema.NIL);
    this.waiters = u32(this.waiters - 1);
    return Code.OK;
  }

  /**
   * netpollunblock (section 2 table). A woken waiter's post-wake swap runs
   * here (Here:), so its entry already carries OK (I/O), the error it will
   * see, or RETRY. The counter drops after the entry is written (Go 61454).
   */
  private unblockMode(d: PollDesc, mode: number, ioready: boolean): void {
    const old = this.word(d, mode);
    if (old === Sema.READY) return;
    if (old === Sema.NIL && !ioready) return;
    this.setWord(d, mode, ioready ? Sema.READY : Sema.NIL);
    if (old <= Sema.WAIT) return;
    this.setWord(d, mode, Sema.NIL); // the waiter's swap: old word was pdReady exactly when ioready
    let code: number = Code.OK;
    if (!ioready) {
      code = this.errOf(d, mode);
      if (code === Code.OK) code = Code.RETRY;
    }
    this.pushReady(old, code);
    this.waiters = u32(this.waiters - 1);
  }

  private pushReady(token: number, code: number): void {
    if (this.ready.length >= READY_CAPACITY) throw new Error('ready list overflow');
    this.ready.push({ token, code });
    this.wakeups = u32(this.wakeups + 1);
  }

  // ── deadlines (section 5) ──────────────────────────────────────────────────

  /** pollSetDeadline with d relative to now: 0 none, > 0 from now (overflow clamps), < 0 expired. */
  setDeadline(index: number, seq: number, mode: number, d: bigint, now: bigint): number {
    const pd = this.resolve(index, seq);
    if (!pd) return Misuse.STALE_HANDLE;
    const m = u32(mode);
    if (m < Mode.R || m > Mode.RW) return Misuse.BAD_ARGUMENT;
    if (i64(now) < 0n) return Misuse.BAD_ARGUMENT; // monotonic time is never negative
    this.ready = [];
    if (pd.closing) return 0;
    d = i64(d);
    const rd0 = pd.rd, wd0 = pd.wd;
    const combo0 = rd0 > 0n && rd0 === wd0;
    if (d > 0n) {
      d = i64(d + i64(now));
      if (d <= 0n) d = I64_MAX; // a future deadline whose absolute time overflows (scenario 16)
    }
    if (m & Mode.R) pd.rd = d;
    if (m & Mode.W) pd.wd = d;
    this.publishInfo(pd); // waiters see the expiry bits before any unblock below
    // rd == wd > 0: only the read timer runs, as kind rw, and its firing expires both.
    const combo = pd.rd > 0n && pd.rd === pd.wd;

    const rkind = combo ? TimerKind.RW : TimerKind.R;
    if (!pd.rrun) {
      if (pd.rd > 0n) this.arm(pd, 'r', rkind, pd.rd, pd.rseq);
    } else if (pd.rd !== rd0 || combo !== combo0) {
      pd.rseq = u32(pd.rseq + 1); // invalidates firings of the old arming
      if (pd.rd > 0n) this.arm(pd, 'r', rkind, pd.rd, pd.rseq);
      else this.stop(pd, 'r');
    }

    if (!pd.wrun) {
      if (pd.wd > 0n && !combo) this.arm(pd, 'w', TimerKind.W, pd.wd, pd.wseq);
    } else if (pd.wd !== wd0 || combo !== combo0) {
      pd.wseq = u32(pd.wseq + 1);
      if (pd.wd > 0n && !combo) this.arm(pd, 'w', TimerKind.W, pd.wd, pd.wseq);
      else this.stop(pd, 'w');
    }

    if (pd.rd < 0n) this.unblockMode(pd, Mode.R, false);
    if (pd.wd < 0n) this.unblockMode(pd, Mode.W, false);
    return this.ready.length;
  }

  /** Arm or re-arm the read ('r', kind r or rw) or write timer; it runs until stopped. */
  private arm(d: PollDesc, which: 'r' | 'w', kind: number, when: bigint, seq: number): void {
    const t: TimerEntry = { when, ref: d.index * 4 + kind, seq };
    if (which === 'r') {
      if (d.rt) this.timers.remove(d.rt);
      d.rt = t;
      d.rrun = true;
    } else {
      if (d.wt) this.timers.remove(d.wt);
      d.wt = t;
      d.wrun = true;
    }
    this.timers.add(t);
  }

  /** Stop a timer: out of the list, and not running (callers bumped the seq where Go does). */
  private stop(d: PollDesc, which: 'r' | 'w'): void {
    const t = which === 'r' ? d.rt : d.wt;
    if (t) this.timers.remove(t);
    if (which === 'r') {
      d.rt = null;
      d.rrun = false;
    } else {
      d.wt = null;
      d.wrun = false;
    }
  }

  private stopTimers(d: PollDesc): void {
    if (d.rrun) this.stop(d, 'r');
    if (d.wrun) this.stop(d, 'w');
  }

  /** netpolldeadlineimpl. A stale seq is ignored; rrun / wrun stay set after a firing, as in Go. */
  private fire(t: TimerEntry): void {
    const kind = t.ref & 3;
    const d = this.descs[t.ref >>> 2];
    const read = kind === TimerKind.R || kind === TimerKind.RW;
    const write = kind === TimerKind.W || kind === TimerKind.RW;
    if (t.seq !== (read ? d.rseq : d.wseq)) return;
    if (read) {
      if (d.rd <= 0n || !d.rrun) {
        this.inconsistent++; // Go: throw "inconsistent read deadline"
        return;
      }
      d.rd = -1n;
      this.publishInfo(d);
      this.unblockMode(d, Mode.R, false);
    }
    if (write) {
      if (d.wd <= 0n || (!d.wrun && !read)) {
        this.inconsistent++;
        return;
      }
      d.wd = -1n;
      this.publishInfo(d);
      this.unblockMode(d, Mode.W, false);
    }
  }

  /** Fire every due timer in (when, ref) order while the ready list has room for two wakes. */
  private fireDue(now: bigint): void {
    for (const t of this.timers.due(now)) {
      if (READY_CAPACITY - this.ready.length < 2) break;
      this.timers.remove(t);
      const d = this.descs[t.ref >>> 2];
      if (d.rt === t) d.rt = null;
      if (d.wt === t) d.wt = null;
      this.timersFired = u32(this.timersFired + 1);
      this.fire(t);
    }
  }

  nextDeadline(): bigint {
    return this.timers.next();
  }

  // ── netpoll (sections 3, 6) ────────────────────────────────────────────────

  netpoll(events: readonly PollEvent[], now: bigint): ReadyEntry[] {
    const n = this.netpollCode(events, EPOLL_STRIDE_PACKED, now);
    if (n < 0) throw new RangeError(`netpoll: batch refused (${n}): more than ${EVENT_CAPACITY} events`);
    return this.readyList();
  }

  /** The export's exact contract: validates count and stride, returns the ready-list length or BAD_ARGUMENT. */
  netpollCode(events: readonly PollEvent[], stride: number, now: bigint): number {
    const count = events.length;
    if (count > EVENT_CAPACITY || (count > 0 && !isEpollStride(stride))) return Misuse.BAD_ARGUMENT;
    this.ready = [];
    let hostBits = 0;
    for (const ev of events) {
      const bits = u32(ev.events), tag = u32(ev.tag), index = u32(ev.index);
      if (bits === 0) continue;
      if (index === HOST_SENTINEL) {
        hostBits = u32(hostBits | (1 << (tag & 31)));
        continue;
      }
      let mode = 0;
      if (bits & READ_BITS) mode |= Mode.R;
      if (bits & WRITE_BITS) mode |= Mode.W;
      if (mode === 0) continue;
      const d = this.descs[index];
      // An event from an earlier incarnation (or for a free descriptor): no wake, no error bit.
      if (d === undefined || d.fdseq !== tag || !d.allocated) {
        this.staleEvents = u32(this.staleEvents + 1);
        continue;
      }
      this.setEventErr(d, bits === EPOLLERR, tag); // exactly EPOLLERR (Go issues 30817, 30840)
      if (mode & Mode.R) this.unblockMode(d, Mode.R, true);
      if (mode & Mode.W) this.unblockMode(d, Mode.W, true);
    }
    this.hostEvents = hostBits;
    this.eventsSeen = u32(this.eventsSeen + count);
    if (i64(now) >= 0n) this.fireDue(i64(now));
    return this.ready.length;
  }

  readyList(): ReadyEntry[] {
    return this.ready.map((e) => ({ ...e }));
  }

  // ── inspection ─────────────────────────────────────────────────────────────

  /** The comparable fields of descriptor `index` and the header counters. */
  fields(index: number): Fields {
    return { desc: this.descFields(index), counters: this.counters() };
  }

  /** Just the descriptor part of fields(). */
  descFields(index: number): DescFields | undefined {
    const d = this.descs[index];
    return d && ReferenceCore.toFields(d);
  }

  counters(): Counters {
    return {
      inUse: this.inUse,
      waiters: this.waiters,
      timers: this.timers.size,
      readyLength: this.ready.length,
      staleEvents: this.staleEvents,
      hostEvents: this.hostEvents,
      eventsSeen: this.eventsSeen,
      wakeups: this.wakeups,
      timersFired: this.timersFired,
      inconsistent: this.inconsistent,
      descBlocks: this.descs.length / DESC_PER_BLOCK,
      timerBlocks: Math.ceil(this.timers.highWater / TIMERS_PER_BLOCK),
      freeHead: this.free.length === 0 ? 0 : this.free[this.free.length - 1] + 1,
      nextWhen: this.timers.next(),
    };
  }

  /** Number of descriptors created so far (blocks × 64). */
  descCount(): number {
    return this.descs.length;
  }

  /** The armed timers in (when, ref) order. */
  timerEntries(): TimerEntry[] {
    return this.timers.sorted().map((t) => ({ ...t }));
  }

  private static toFields(d: PollDesc): DescFields {
    return {
      index: d.index, allocated: d.allocated, link: d.link, fd: d.fd, fdseq: d.fdseq, info: infoWord(d),
      closing: d.closing, rg: d.rg, wg: d.wg, rseq: d.rseq, wseq: d.wseq, rd: d.rd, wd: d.wd,
      rrun: d.rrun, wrun: d.wrun, rtimer: d.rt !== null, wtimer: d.wt !== null,
    };
  }
}
