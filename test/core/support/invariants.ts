// Structural invariants of the core's memory, checked on the raw bytes (the
// model cannot see heap positions, so these are checked on the core alone).
//
//   heap:  parent <= child by (when, ref); every when > 0 (Go 42424); a live
//          entry's descriptor links back to its slot (rslot for kinds r / rw,
//          wslot for w); its seq is the descriptor's current rseq / wseq (an
//          indexed heap never keeps a stale entry); heap length = number of
//          links; slots past the length are zero; nextWhen = root's when or 0
//          (Go 51654).
//   descriptors: allocated ⇒ fdseq ≠ 0; info's seq bits = fdseq's low bits
//          (Go 60133); running flags match heap membership except after a
//          firing (rrun stays set, as in Go); a closing or free descriptor has
//          no timer; a free one holds no waiter.
//   free list: acyclic, only free descriptors, and with the allocated ones
//          they make up every descriptor exactly once; inUse = allocated.
//   waiters = number of semaphore words holding a token.

import type { CoreReader, HeapSlot, RawDesc } from './memory.js';

const KIND_W = 2, KIND_RW = 3;

function less(a: { when: bigint; ref: number }, b: { when: bigint; ref: number }): boolean {
  return a.when < b.when || (a.when === b.when && a.ref < b.ref);
}

/** `descs` and `heap` default to a fresh read; callers that already read them pass them in. */
export function violations(r: CoreReader, descs: RawDesc[] = r.descs(), heap: HeapSlot[] = r.heap()): string[] {
  const out: string[] = [];
  const c = r.counters();
  const n = descs.length;
  const { infoSeqShift, infoSeqMask } = r.k;

  // heap
  let links = 0;
  heap.forEach((e, j) => {
    if (e.when <= 0n) out.push(`heap[${j}] when ${e.when} <= 0`);
    if (j > 0 && less(e, heap[(j - 1) >> 2])) out.push(`heap order: slot ${j} < parent ${(j - 1) >> 2}`);
    const index = e.ref >>> 2, kind = e.ref & 3;
    const d = descs[index];
    if (!d || kind === 0) {
      out.push(`heap[${j}] ref ${e.ref} names no descriptor`);
      return;
    }
    if ((kind === KIND_W ? d.wslot : d.rslot) !== j + 1) out.push(`heap[${j}] (desc ${index} kind ${kind}) has no back link`);
    if (e.seq !== (kind === KIND_W ? d.wseq : d.rseq)) out.push(`heap[${j}] seq ${e.seq} is stale for desc ${index}`);
    if (e.when !== (kind === KIND_W ? d.wd : d.rd)) out.push(`heap[${j}] when ${e.when} != deadline of desc ${index}`);
    if (kind === KIND_RW && d.rd !== d.wd) out.push(`heap[${j}] combined timer but rd ${d.rd} != wd ${d.wd}`);
    if (!d.allocated || d.closing) out.push(`heap[${j}] timer on a ${d.allocated ? 'closing' : 'free'} descriptor ${index}`);
  });
  for (const d of descs) {
    for (const [slot, kinds, run, name] of [[d.rslot, [1, KIND_RW], d.rrun, 'r'], [d.wslot, [KIND_W], d.wrun, 'w']] as const) {
      if (slot === 0) continue;
      links++;
      const e = heap[slot - 1];
      if (!e || e.ref >>> 2 !== d.index || !(kinds as readonly number[]).includes(e.ref & 3)) {
        out.push(`desc ${d.index} ${name}slot ${slot} does not point at its timer`);
      }
      if (!run) out.push(`desc ${d.index} has a ${name} timer but ${name}run is clear`);
    }
  }
  if (links !== heap.length) out.push(`heap length ${heap.length} != ${links} descriptor links`);
  for (let j = heap.length; j < r.heapCapacity(); j++) {
    const e = r.slot(j);
    if (e.when !== 0n || e.ref !== 0 || e.seq !== 0) out.push(`vacated heap slot ${j} not zeroed`);
  }
  const root = heap.length === 0 ? 0n : heap[0].when;
  if (c.nextWhen !== root) out.push(`nextWhen ${c.nextWhen} != heap root ${root}`);

  // descriptors and waiters
  let allocated = 0, tokens = 0;
  for (const d of descs) {
    if (d.allocated) allocated++;
    if (d.allocated && d.fdseq === 0) out.push(`desc ${d.index} allocated with fdseq 0`);
    if (((d.info >>> infoSeqShift) & infoSeqMask) !== (d.fdseq & infoSeqMask)) {
      out.push(`desc ${d.index} info seq bits ${(d.info >>> infoSeqShift) & infoSeqMask} != fdseq ${d.fdseq}`);
    }
    if (!d.allocated && (d.rg > 1 || d.wg > 1)) out.push(`free desc ${d.index} holds a waiter`);
    if ((!d.allocated || d.closing) && (d.rrun || d.wrun)) out.push(`desc ${d.index} not open but a timer runs`);
    if (d.reserved !== 0) out.push(`desc ${d.index} reserved word ${d.reserved}`);
    if (d.allocated) tokens += (d.rg > 2 ? 1 : 0) + (d.wg > 2 ? 1 : 0);
  }
  if (c.inUse !== allocated) out.push(`inUse ${c.inUse} != ${allocated} allocated`);
  if (c.waiters !== tokens) out.push(`waiters ${c.waiters} != ${tokens} parked tokens`);

  // free list
  const seen = new Set<number>();
  for (let head = c.freeHead; head !== 0; head = descs[head - 1]?.link ?? 0) {
    const i = head - 1;
    if (i >= n) { out.push(`free list names desc ${i} beyond ${n}`); break; }
    if (seen.has(i)) { out.push(`free list cycles at desc ${i}`); break; }
    seen.add(i);
    if (descs[i].allocated) out.push(`allocated desc ${i} on the free list`);
  }
  if (seen.size + allocated !== n) out.push(`free ${seen.size} + allocated ${allocated} != ${n} descriptors`);
  return out;
}
