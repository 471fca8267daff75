// Descriptor records and the pollCache free list.
//
// A descriptor is one DESC_SIZE record in a block that never moves. It is
// free (FLAG_ALLOCATED clear, on the free list) or allocated; an allocated
// descriptor is open or closing. The free list is LIFO through `link`
// (index + 1, 0 = end); a new block pushes its descriptors so that the lowest
// index is popped first.
//
// Invariants:
//   - an allocated descriptor's fdseq is never 0 (0 is setEventErr's
//     "unconditional" value), and its info word carries fdseq's low bits;
//   - free() bumps fdseq and republishes before the descriptor can be reused,
//     so an event or a handle from an earlier incarnation no longer matches
//     (Go issues 59545, 60133).

import {
  HEADER_BASE, H_DESC_BLOCKS, H_FREE_HEAD, H_IN_USE,
  DESC_DIR_BASE, DESC_DIR_CAPACITY, DESC_SIZE, DESC_PER_BLOCK, DESC_BLOCK_SHIFT, DESC_BLOCK_MASK, DESC_BLOCK_BYTES,
  D_LINK, D_FD, D_FDSEQ, D_INFO, D_RG, D_WG, D_RSEQ, D_WSEQ, D_RD, D_WD, D_FLAGS,
  INFO_CLOSING, INFO_EVENT_ERR, INFO_EXPIRED_READ, INFO_EXPIRED_WRITE, INFO_SEQ_SHIFT, INFO_SEQ_MASK,
  FLAG_ALLOCATED, FLAG_CLOSING, PD_NIL,
} from "./layout";
import { allocChunk } from "./chunks";

// @ts-ignore: decorator
@inline export function descCount(): u32 {
  return load<u32>(HEADER_BASE + H_DESC_BLOCKS) << DESC_BLOCK_SHIFT;
}

/** Address of descriptor `index`; the caller has checked index < descCount(). */
// @ts-ignore: decorator
@inline export function descAddr(index: u32): usize {
  const block = load<u32>(DESC_DIR_BASE + ((index >> DESC_BLOCK_SHIFT) << 2));
  return <usize>block + <usize>((index & DESC_BLOCK_MASK) * DESC_SIZE);
}

/**
 * The address of the descriptor a host handle names, or 0 when the handle is
 * stale: index out of range, descriptor free, or fdseq moved on since.
 */
export function resolve(index: u32, seq: u32): usize {
  if (index >= descCount()) return 0;
  const pd = descAddr(index);
  if ((load<u32>(pd + D_FLAGS) & FLAG_ALLOCATED) == 0) return 0;
  if (load<u32>(pd + D_FDSEQ) != seq) return 0;
  return pd;
}

// @ts-ignore: decorator
@inline export function isClosing(pd: usize): bool {
  return (load<u32>(pd + D_FLAGS) & FLAG_CLOSING) != 0;
}

/**
 * publishInfo: rebuild the summary word from closing, rd, wd and fdseq,
 * keeping EVENT_ERR. Must run after any change to those fields: waiters and
 * checkErr read only this word (Go issues 45211, 48925).
 */
export function publishInfo(pd: usize): void {
  let info: u32 = 0;
  if (isClosing(pd)) info |= INFO_CLOSING;
  if (load<i64>(pd + D_RD) < 0) info |= INFO_EXPIRED_READ;
  if (load<i64>(pd + D_WD) < 0) info |= INFO_EXPIRED_WRITE;
  info |= (load<u32>(pd + D_FDSEQ) & INFO_SEQ_MASK) << INFO_SEQ_SHIFT;
  info |= load<u32>(pd + D_INFO) & INFO_EVENT_ERR;
  store<u32>(pd + D_INFO, info);
}

/**
 * setEventErr (Go issue 59545): seq 0 sets unconditionally; otherwise only if
 * the published seq bits still match, compared at the same 20-bit width.
 */
export function setEventErr(pd: usize, b: bool, seq: u32): void {
  const info = load<u32>(pd + D_INFO);
  if (seq != 0 && ((info >> INFO_SEQ_SHIFT) & INFO_SEQ_MASK) != (seq & INFO_SEQ_MASK)) return;
  store<u32>(pd + D_INFO, b ? info | INFO_EVENT_ERR : info & ~INFO_EVENT_ERR);
}

/** Carve a new block and push its descriptors; false when the directory is full or memory won't grow. */
function grow(): bool {
  const blocks = load<u32>(HEADER_BASE + H_DESC_BLOCKS);
  if (blocks >= DESC_DIR_CAPACITY) return false;
  const at = allocChunk(DESC_BLOCK_BYTES);
  if (at == 0) return false;
  store<u32>(DESC_DIR_BASE + (blocks << 2), at);
  store<u32>(HEADER_BASE + H_DESC_BLOCKS, blocks + 1);
  const first = blocks << DESC_BLOCK_SHIFT;
  // Push highest first so the lowest index ends on top of the LIFO.
  let head = load<u32>(HEADER_BASE + H_FREE_HEAD);
  for (let i = DESC_PER_BLOCK; i > 0; i--) {
    const index = first + i - 1;
    store<u32>(descAddr(index) + D_LINK, head);
    head = index + 1;
  }
  store<u32>(HEADER_BASE + H_FREE_HEAD, head);
  return true;
}

/**
 * pollcache.alloc + pollOpen's initialisation. Returns the index, or -1 when
 * out of memory. Resets exactly what Go's pollOpen resets: fd, fdseq 0 → 1,
 * closing, eventErr, rseq++, rg, rd, wseq++, wg, wd; then publishes. rrun /
 * wrun are already clear (unblock stops timers before close).
 */
export function openDesc(fd: i32): i32 {
  if (load<u32>(HEADER_BASE + H_FREE_HEAD) == 0 && !grow()) return -1;
  const index = load<u32>(HEADER_BASE + H_FREE_HEAD) - 1;
  const pd = descAddr(index);
  store<u32>(HEADER_BASE + H_FREE_HEAD, load<u32>(pd + D_LINK));
  store<u32>(pd + D_LINK, 0);
  // Free descriptors never hold a waiter: close refuses while one is parked.
  assert(load<u32>(pd + D_RG) <= 1 && load<u32>(pd + D_WG) <= 1, "blocked read/write on free polldesc");
  store<i32>(pd + D_FD, fd);
  if (load<u32>(pd + D_FDSEQ) == 0) store<u32>(pd + D_FDSEQ, 1);
  store<u32>(pd + D_FLAGS, (load<u32>(pd + D_FLAGS) & ~FLAG_CLOSING) | FLAG_ALLOCATED);
  setEventErr(pd, false, 0);
  store<u32>(pd + D_RSEQ, load<u32>(pd + D_RSEQ) + 1);
  store<u32>(pd + D_RG, PD_NIL);
  store<i64>(pd + D_RD, 0);
  store<u32>(pd + D_WSEQ, load<u32>(pd + D_WSEQ) + 1);
  store<u32>(pd + D_WG, PD_NIL);
  store<i64>(pd + D_WD, 0);
  publishInfo(pd);
  store<u32>(HEADER_BASE + H_IN_USE, load<u32>(HEADER_BASE + H_IN_USE) + 1);
  return <i32>index;
}

/** pollcache.free: fdseq++ (0 skipped on wrap), publish, push on the free list. */
export function freeDesc(index: u32, pd: usize): void {
  let seq = load<u32>(pd + D_FDSEQ) + 1;
  if (seq == 0) seq = 1;
  store<u32>(pd + D_FDSEQ, seq);
  publishInfo(pd);
  store<u32>(pd + D_FLAGS, load<u32>(pd + D_FLAGS) & ~FLAG_ALLOCATED);
  store<u32>(pd + D_LINK, load<u32>(HEADER_BASE + H_FREE_HEAD));
  store<u32>(HEADER_BASE + H_FREE_HEAD, index + 1);
  store<u32>(HEADER_BASE + H_IN_USE, load<u32>(HEADER_BASE + H_IN_USE) - 1);
}
