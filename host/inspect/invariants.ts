// Structural invariants of a decoded snapshot. Each broken one is reported by
// a stable rule name; nothing here throws.
//
//   tag-zero            an allocated descriptor never carries fdseq 0
//   info-seq            the info word's seq bits equal fdseq's low bits (published after every bump)
//   info-bits           the info word's closing / expired bits match closing, rd, wd
//   free-list-cycle     following links from the head never revisits a descriptor
//   free-list-range     every link names a descriptor that exists
//   free-list-allocated the free list holds only free descriptors
//   free-list-missing   every free descriptor is on the free list
//   waiter-on-free      a free descriptor holds no waiter
//   heap-when           every heap entry's when is > 0
//   heap-order          parent ≤ child by (when, ref)
//   heap-ref            an entry names an allocated descriptor and a known kind
//   timer-backlink      the descriptor's slot for the entry's kind points back at it
//   slot-dangling       a descriptor's rslot / wslot points at an entry that names it
//   timer-not-running   an entry exists only while its rrun / wrun is set
//   timer-on-closing    a closing descriptor has no timer (unblock stops them)
//   next-when           header.nextWhen is the root's when, 0 when empty
//   count-in-use        header.inUse equals the allocated descriptors
//   count-waiters       header.waiters equals the tokens held in rg / wg
//   count-timers        header.timers equals the heap's entries (checked by the decoder's bound)
//   inconsistent        the core counted a firing Go would have thrown on

import type { Inspection, Violation, DescriptorView, TimerView } from './types.js';
import type { FreeListWalk } from './decode.js';

export function checkInvariants(x: Inspection, walk: FreeListWalk): Violation[] {
  const v: Violation[] = [];
  const add = (rule: string, message: string): void => {
    // A forged snapshot can break a rule a million times; a report needs the first few.
    if (v.filter((e) => e.rule === rule).length < 20) v.push({ rule, message });
  };
  checkDescriptors(x.descriptors, x.layout.table['const']?.['infoSeqMask']?.value ?? 0xfffff, add);
  checkFreeList(x, walk, add);
  checkHeap(x.descriptors, x.timers, add);
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
  if (x.counters.waiters !== tokens) add('count-waiters', `header.waiters ${x.counters.waiters} ≠ ${tokens} parked tokens`);
  if (x.counters.inconsistent > 0) add('inconsistent', `the core counted ${x.counters.inconsistent} inconsistent deadline firing(s)`);
}
