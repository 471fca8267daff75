// The chunk area: a bump allocator over linear memory above CHUNK_BASE.
//
// Descriptor blocks and timer blocks are carved from here and never freed or
// moved, so an address, once handed out, stays valid for the module's life.
// memory.grow is the only way memory changes size; it detaches the host's
// views of memory.buffer, which the host handles (it never gives a syscall a
// pointer into this memory across an await).

import { HEADER_BASE, H_BUMP } from "./layout";

const PAGE: u32 = 65536;

/** Reserve `bytes` (a multiple of 4 KiB) and return its address, or 0 if memory cannot grow. */
export function allocChunk(bytes: u32): u32 {
  const at = load<u32>(HEADER_BASE + H_BUMP);
  const end = <u64>at + <u64>bytes;
  if (end > <u64>0xffff0000) return 0;
  const have = <u64>memory.size() * <u64>PAGE;
  if (end > have) {
    const pages = <i32>((end - have + <u64>PAGE - 1) / <u64>PAGE);
    if (memory.grow(pages) < 0) return 0;
  }
  store<u32>(HEADER_BASE + H_BUMP, <u32>end);
  // Fresh pages from memory.grow are zero, and chunks are never reused, so no fill is needed.
  return at;
}
