// Structural invariants of the core's memory, checked on a decoded snapshot:
// the one checker, used by decodeSnapshot (and so by `netpoll inspect`, the
// post-mortem files and the core's property tests). Each broken one is
// reported by a stable rule name; nothing here throws.
//
//   tag-zero            an allocated descriptor never carries fdseq 0
//   info-seq            the info word's seq bits equal fdseq's low bits (published after every bump)
//   info-bits           the info word's closing / expired bits match closing, rd, wd
//   free-list-cycle     following links from the head never revisits a descriptor
//   free-list-range     every link names a descriptor that exists
//   free-list-allocated the free list holds only free descriptors
//   free-list-missing   every free descriptor is on the free list
//   waiter-on-free      a free descriptor holds no waiter
//   reserved-word       the bytes of a descriptor record no layout entry names are zero
//   run-on-closed       a free or closing descriptor has neither run flag set
//   heap-when           every heap entry's when is > 0 (Go 42424)
//   heap-vacated        heap slots past the heap's length are zeroed
//   timer-seq           an entry's seq is its descriptor's current rseq (r, rw) / wseq (w): an indexed heap keeps no stale entry
//   timer-when          an entry's when is its descriptor's deadline (rd for r and rw, wd for w); a combined entry has rd == wd
//   heap-order          parent ≤ child by (when, ref)
//   heap-ref            an entry names an allocated descriptor and a known kind
//   timer-backlink      the descriptor's slot for the entry's kind points back at it
//   slot-dangling       a descriptor's rslot / wslot points at an entry that names it
//   timer-not-running   an entry exists only while its rrun / wrun is set
//   timer-on-closing    a closing descriptor has no timer (unblock stops them)
//   next-when           header.nextWhen is the root's when, 0 when empty (Go 51654)
//   count-in-use        header.inUse equals the allocated descriptors
//   count-waiters       header.waiters equals the tokens held in rg / wg
//   count-timers        header.timers equals the descriptors' heap links (rslot / wslot set)
//   inconsistent        the core counted a firing Go would have thrown on

import type { Inspection, Violation, DescriptorView, TimerView, FreeListWalk } from './types.js';

/** What the decoder saw in the raw bytes that the Inspection does not carry. */
export interface RawFindings {
  walk: FreeListWalk;
  /** Descriptors whose unnamed (reserved) bytes are not zero. */
  reservedDirty: number[];
  /** Heap slots past the length that are not zeroed. */
  vacatedDirty: number[];
}

export function checkInvariants(x: Inspection, raw: RawFindings): Violation[] {
  const v: Violation[] = [];
  const add = (rule: string, message: string): void => {
    // A forged snapshot can break a rule a million times; a report needs the first few.
    if (v.filter((e) => e.rule === rule).length < 20) v.push({ rule, message });
  };
  checkDescriptors(x.descriptors, x.layout.table['const']?.['infoSeqMask']?.value ?? 0xfffff, add);
  for (const i of raw.reservedDirty) add('reserved-word', `descriptor ${i}: the record's reserved bytes are not zero`);
  checkFreeList(x, raw.walk, add);
  checkHeap(x.descriptors, x.timers, add);
  for (const j of raw.vacatedDirty) add('heap-vacated', `vacated heap slot ${j} (past the length ${x.timers.length}) is not zeroed`);
  checkCounters(x, add);
  return v;
}

type Add = (rule: string, message: string) => void;

function checkDescriptors(descs: DescriptorView[], seqMask: number, add: Add): void {
  for (const d of descs) {
    const allocated = d.state !== 'free';
    if (allocated && d.fdseq === 0) add('tag-zero', `descriptor ${d.index} is ${d.state} with fdseq 0`);
    if (d.infoSeq !== ((d.fdseq & seqMask) >>> 0)) add('info-seq', `descriptor ${d.index}: info seq ${d.infoSeq} ≠ fdseq ${d.fdseq} & 0x${seqMask.toString(16)}`);
    if (allocated) {
      if (d.infoClosing !== d.closing) add('info-bits', `descriptor ${d.index}: info closing ${d.infoClosing} ≠ closing ${d.closing}`);
      if (d.expiredRead !== BigInt(d.rd) < 0n) add('info-bits', `descriptor ${d.index}: expired-read bit ${d.expiredRead} with rd ${d.rd}`);
      if (d.expiredWrite !== BigInt(d.wd) < 0n) add('info-bits', `descriptor ${d.index}: expired-write bit ${d.expiredWrite} with wd ${d.wd}`);
    } else if (d.rg.state === 'waiter' || d.rg.state === 'wait' || d.wg.state === 'waiter' || d.wg.state === 'wait') {
      add('waiter-on-free', `free descriptor ${d.index} holds a waiter`);
    }
    if ((!allocated || d.closing) && (d.rrun || d.wrun)) add('run-on-closed', `${d.state} descriptor ${d.index} has a run flag set (rrun ${d.rrun}, wrun ${d.wrun})`);
  }
}

function checkFreeList(x: Inspection, walk: FreeListWalk, add: Add): void {
  if (walk.problem) {
    const what = walk.problem.rule === 'free-list-cycle' ? 'revisits' : 'links to nonexistent';
    add(walk.problem.rule, `the free list ${what} descriptor ${walk.problem.at} after ${walk.order.length} entries`);
  }
  const onList = new Set(walk.order);
  for (const i of walk.order) {
    const d = x.descriptors[i]!;
    if (d.state !== 'free') add('free-list-allocated', `descriptor ${i} is on the free list but ${d.state}`);
  }
  if (!walk.problem) {
    for (const d of x.descriptors) {
      if (d.state === 'free' && !onList.has(d.index)) add('free-list-missing', `free descriptor ${d.index} is not on the free list`);
    }
  }
}

function refOf(t: TimerView): bigint {
  const kind = t.kind === 'r' ? 1n : t.kind === 'w' ? 2n : 3n;
  return (BigInt(t.desc) << 2n) | kind;
}

function before(a: TimerView, b: TimerView): boolean {
  const wa = BigInt(a.when), wb = BigInt(b.when);
  return wa < wb || (wa === wb && refOf(a) < refOf(b));
}

function checkHeap(descs: DescriptorView[], timers: TimerView[], add: Add): void {
  for (const t of timers) {
    if (BigInt(t.when) <= 0n) add('heap-when', `heap slot ${t.slot} has when ${t.when}`);
    if (t.slot > 0) {
      const parent = timers[(t.slot - 1) >> 2]!;
      if (before(t, parent)) add('heap-order', `heap slot ${t.slot} (when ${t.when}) sorts before its parent ${parent.slot} (when ${parent.when})`);
    }
    const d = descs[t.desc];
    if (!d || d.state === 'free' || !['r', 'w', 'rw'].includes(t.kind)) {
      add('heap-ref', `heap slot ${t.slot} names descriptor ${t.desc} kind ${t.kind}, which is not an allocated descriptor with a known kind`);
      continue;
    }
    const slot = t.kind === 'w' ? d.wslot : d.rslot;
    if (slot !== t.slot + 1) add('timer-backlink', `heap slot ${t.slot} (${t.kind}) is not recorded by descriptor ${d.index} (slot field ${slot})`);
    const seq = t.kind === 'w' ? d.wseq : d.rseq;
    if (t.seq !== seq) add('timer-seq', `heap slot ${t.slot} (${t.kind}) has seq ${t.seq}, stale for descriptor ${d.index} (${t.kind === 'w' ? 'wseq' : 'rseq'} ${seq})`);
    const deadline = t.kind === 'w' ? d.wd : d.rd;
    if (t.when !== deadline) add('timer-when', `heap slot ${t.slot} (${t.kind}) fires at ${t.when}, not at descriptor ${d.index}'s deadline ${deadline}`);
    if (t.kind === 'rw' && d.rd !== d.wd) add('timer-when', `heap slot ${t.slot} is a combined timer but descriptor ${d.index} has rd ${d.rd} ≠ wd ${d.wd}`);
    if (t.kind === 'w' ? !d.wrun : !d.rrun) add('timer-not-running', `descriptor ${d.index} has a ${t.kind} timer in the heap but its run flag is clear`);
    if (d.closing) add('timer-on-closing', `closing descriptor ${d.index} still has a ${t.kind} timer`);
  }
  for (const d of descs) {
    for (const [field, slot, kinds] of [['rslot', d.rslot, ['r', 'rw']], ['wslot', d.wslot, ['w']]] as const) {
      if (slot === 0) continue;
      const t = timers[slot - 1];
      if (!t || t.desc !== d.index || !(kinds as readonly string[]).includes(t.kind)) {
        add('slot-dangling', `descriptor ${d.index}.${field} = ${slot} does not point at one of its timers`);
      }
    }
  }
}

function checkCounters(x: Inspection, add: Add): void {
  const root = x.timers[0];
  const expectNext = root ? root.when : '0';
  if (x.counters.nextWhen !== expectNext) add('next-when', `header.nextWhen ${x.counters.nextWhen} ≠ heap root ${expectNext}`);
  const allocated = x.descriptors.filter((d) => d.state !== 'free').length;
  if (x.counters.inUse !== allocated) add('count-in-use', `header.inUse ${x.counters.inUse} ≠ ${allocated} allocated descriptors`);
  let tokens = 0;
  for (const d of x.descriptors) {
    if (d.rg.state === 'waiter') tokens++;
    if (d.wg.state === 'waiter') tokens++;
  }
  let links = 0;
  for (const d of x.descriptors) links += (d.rslot !== 0 ? 1 : 0) + (d.wslot !== 0 ? 1 : 0);
  if (x.counters.timers !== links) add('count-timers', `header.timers ${x.counters.timers} ≠ ${links} descriptor heap links`);
  if (x.counters.waiters !== tokens) add('count-waiters', `header.waiters ${x.counters.waiters} ≠ ${tokens} parked tokens`);
  if (x.counters.inconsistent > 0) add('inconsistent', `the core counted ${x.counters.inconsistent} inconsistent deadline firing(s)`);
}
