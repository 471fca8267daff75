// The core's memory layout: the single source of truth.
//
// Everything the core keeps lives at addresses derived from the constants in
// this file. Nothing is allocated by the AssemblyScript runtime (`--runtime
// stub`, no managed objects), so the same calls always produce the same bytes.
// The header and a machine-readable copy of this layout (the layout table) are
// written into memory at start-up, so a snapshot of the memory can be decoded
// by a program that knows only where the header is (HEADER_BASE) and reads the
// rest from the table.
//
//   0                 64 KiB                                       CHUNK_BASE
//   ├─────────────────┼──────┬────────┬────────┬───────┬────────┬─────┼──────────────────→
//   │ static data     │header│ layout │ events │ ready │ desc   │timer│ chunks: descriptor
//   │ (abort strings) │      │ table  │ in     │ out   │ dir    │ dir │ blocks and timer
//   │                 │      │        │        │       │        │     │ blocks, bump-allocated,
//   │                 │      │        │        │       │        │     │ never moved or freed
//   └─────────────────┴──────┴────────┴────────┴───────┴────────┴─────┴──────────────────→
//
// Descriptor blocks never move (Go's pollCache is type-stable for the same
// reason: the kernel may report an event for a descriptor long after it was
// freed, and the tag check must still read valid memory). Descriptor i lives in
// block i >> DESC_BLOCK_SHIFT at slot i & DESC_BLOCK_MASK; the block's address
// is in the descriptor directory. Timer heap slot j lives likewise in the timer
// directory's block j >> TIMER_BLOCK_SHIFT. Both directories are fixed arrays of
// u32 addresses, so the heap is a logical array spread over blocks that are
// allocated on demand and kept at the high-water mark.

// ╒════════════════════ Regions (absolute addresses) ════════════════════╕

/** Everything below is the compiler's static data; the core checks __heap_base ≤ this at start. */
export const HEADER_BASE: u32 = 0x10000;
export const HEADER_SIZE: u32 = 256;

export const LAYOUT_BASE: u32 = HEADER_BASE + HEADER_SIZE;
export const LAYOUT_ENTRY_SIZE: u32 = 32;
export const LAYOUT_CAPACITY: u32 = 120;
export const LAYOUT_SIZE: u32 = 8 + LAYOUT_ENTRY_SIZE * LAYOUT_CAPACITY; // count, entry size, entries

/** Raw epoll_events written by the host: at most EVENT_CAPACITY of EVENT_MAX_STRIDE bytes. */
export const EVENTS_BASE: u32 = align4k(LAYOUT_BASE + LAYOUT_SIZE);
export const EVENT_CAPACITY: u32 = 1024;
export const EVENT_MAX_STRIDE: u32 = 16;

/** The ready list: (token u32, code u32) per woken waiter. */
export const READY_BASE: u32 = EVENTS_BASE + EVENT_CAPACITY * EVENT_MAX_STRIDE;
export const READY_ENTRY_SIZE: u32 = 8;
export const READY_CAPACITY: u32 = 4096;

export const DESC_DIR_BASE: u32 = READY_BASE + READY_CAPACITY * READY_ENTRY_SIZE;
export const DESC_DIR_CAPACITY: u32 = 16384; // blocks → 1,048,576 descriptors

export const TIMER_DIR_BASE: u32 = DESC_DIR_BASE + DESC_DIR_CAPACITY * 4;
export const TIMER_DIR_CAPACITY: u32 = 8192; // blocks → 2,097,152 timers (two per descriptor)

/** First byte of the bump-allocated chunk area. */
export const CHUNK_BASE: u32 = align4k(TIMER_DIR_BASE + TIMER_DIR_CAPACITY * 4);

// @ts-ignore: decorator
@inline function align4k(a: u32): u32 {
  return (a + 0xfff) & ~0xfff;
}

// ╒════════════════════ Header (at HEADER_BASE) ════════════════════╕
//
//    3                   2                   1                   0
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
//  ├───────────────────────────────────────────────────────────────┤
//  │ magic 'NPWM'                                                  │ +0
//  │ layout version                                                │ +4
//  │ header size                                                   │ +8
//  │ layout table address                                          │ +12
//  ├───────────────────────────────────────────────────────────────┤
//  │ region addresses and capacities, block geometry (H_EVENTS_OFF …) │ +16 … +76
//  ├───────────────────────────────────────────────────────────────┤
//  │ state: free-list head, counts, counters (H_FREE_HEAD …)       │ +80 …
//  ├───────────────────────────────────────────────────────────────┤
//  │ next deadline (i64, 0 = none)                                 │ +128
//  └───────────────────────────────────────────────────────────────┘

export const MAGIC: u32 = 0x4d57504e; // "NPWM" little-endian
export const LAYOUT_VERSION: u32 = 1;

export const H_MAGIC: u32 = 0;
export const H_VERSION: u32 = 4;
export const H_SIZE: u32 = 8;
export const H_LAYOUT_OFF: u32 = 12;
export const H_EVENTS_OFF: u32 = 16;
export const H_EVENTS_CAP: u32 = 20;
export const H_READY_OFF: u32 = 24;
export const H_READY_CAP: u32 = 28;
export const H_DESC_DIR_OFF: u32 = 32;
export const H_DESC_DIR_CAP: u32 = 36;
export const H_DESC_SIZE: u32 = 40;
export const H_DESC_PER_BLOCK: u32 = 44;
export const H_TIMER_DIR_OFF: u32 = 48;
export const H_TIMER_DIR_CAP: u32 = 52;
export const H_TIMER_SIZE: u32 = 56;
export const H_TIMER_PER_BLOCK: u32 = 60;
export const H_CHUNK_BASE: u32 = 64;
export const H_BUMP: u32 = 68; // next free byte of the chunk area
export const H_DESC_BLOCKS: u32 = 72; // descriptor blocks in use (descriptors = blocks × per block)
export const H_TIMER_BLOCKS: u32 = 76; // timer blocks allocated (capacity of the heap)
export const H_FREE_HEAD: u32 = 80; // index + 1 of the free-list top; 0 = empty
export const H_IN_USE: u32 = 84; // descriptors allocated (open or closing)
export const H_WAITERS: u32 = 88; // parked waiters (Go's netpollWaiters)
export const H_TIMERS: u32 = 92; // heap length
export const H_READY_LEN: u32 = 96; // entries written by the last waking call
export const H_STALE_EVENTS: u32 = 100; // events dropped by the tag check, ever
export const H_HOST_EVENTS: u32 = 104; // bitmask of host sentinels seen in the last batch
export const H_EVENTS_SEEN: u32 = 108; // events processed, ever
export const H_WAKEUPS: u32 = 112; // ready-list entries written, ever
export const H_TIMERS_FIRED: u32 = 116; // heap entries that fired, ever
export const H_INCONSISTENT: u32 = 120; // Go's "inconsistent deadline" throws, counted instead
export const H_NEXT_WHEN: u32 = 128; // i64: heap minimum's when, 0 = no timers

// ╒════════════════════ Descriptor record (DESC_SIZE bytes) ════════════════════╕
//
//    3                   2                   1                   0
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
//  ├───────────────────────────────────────────────────────────────┤
//  │ link: free-list next, index + 1 (0 = end)                     │ +0
//  │ fd                                                            │ +4
//  │ fdseq: incarnation, never 0 while allocated; epoll data lo    │ +8
//  │ info: seq bits (SEQ_MASK << SEQ_SHIFT)  │ WEXP│REXP│ ERR│CLOS │ +12
//  │ rg: read semaphore (pdNil, pdReady, pdWait or waiter token)   │ +16
//  │ wg: write semaphore                                           │ +20
//  │ rseq: read timer generation                                   │ +24
//  │ wseq: write timer generation                                  │ +28
//  │ rd: read deadline, i64 (0 none, > 0 absolute ns, < 0 expired) │ +32
//  │                                                               │
//  │ wd: write deadline, i64                                       │ +40
//  │                                                               │
//  │ rslot: heap position + 1 of the read timer (0 = not in heap)  │ +48
//  │ wslot: heap position + 1 of the write timer                   │ +52
//  │ flags:                                   │WRUN│RRUN│CLOS│ALOC │ +56
//  │ (reserved, 0)                                                 │ +60
//  └───────────────────────────────────────────────────────────────┘

export const DESC_SIZE: u32 = 64;
export const DESC_BLOCK_SHIFT: u32 = 6;
export const DESC_PER_BLOCK: u32 = 1 << DESC_BLOCK_SHIFT; // one 4 KiB block, like Go's pollCache
export const DESC_BLOCK_MASK: u32 = DESC_PER_BLOCK - 1;
export const DESC_BLOCK_BYTES: u32 = DESC_PER_BLOCK * DESC_SIZE;

export const D_LINK: u32 = 0;
export const D_FD: u32 = 4;
export const D_FDSEQ: u32 = 8;
export const D_INFO: u32 = 12;
export const D_RG: u32 = 16;
export const D_WG: u32 = 20;
export const D_RSEQ: u32 = 24;
export const D_WSEQ: u32 = 28;
export const D_RD: u32 = 32;
export const D_WD: u32 = 40;
export const D_RSLOT: u32 = 48;
export const D_WSLOT: u32 = 52;
export const D_FLAGS: u32 = 56;
export const D_RESERVED: u32 = 60;

// info word (Go's pollInfo). Published after every change to closing, rd, wd or
// fdseq; EVENT_ERR is written only by setEventErr. The fdseq copy is 20 bits at
// shift 4, and every comparison with it masks the other side to the same width.
export const INFO_CLOSING: u32 = 0x1;
export const INFO_EVENT_ERR: u32 = 0x2;
export const INFO_EXPIRED_READ: u32 = 0x4;
export const INFO_EXPIRED_WRITE: u32 = 0x8;
export const INFO_SEQ_SHIFT: u32 = 4;
export const INFO_SEQ_MASK: u32 = 0xfffff;

// flags word. ALLOCATED distinguishes open/closing descriptors from free ones
// (Go leaves closing = true on free descriptors and cannot tell them apart).
export const FLAG_ALLOCATED: u32 = 0x1;
export const FLAG_CLOSING: u32 = 0x2;
export const FLAG_RRUN: u32 = 0x4; // read timer armed and not stopped since (stays set after firing, as in Go)
export const FLAG_WRUN: u32 = 0x8;

// Semaphore values. Anything greater than PD_WAIT is a waiter token chosen by the host.
export const PD_NIL: u32 = 0;
export const PD_READY: u32 = 1;
export const PD_WAIT: u32 = 2;

// ╒════════════════════ Timer heap entry (TIMER_SIZE bytes) ════════════════════╕
//
//  ├───────────────────────────────────────────────────────────────┤
//  │ when: absolute ns, i64, always > 0                            │ +0
//  │                                                               │
//  │ ref: descriptor index << TIMER_KIND_BITS  │            kind   │ +8
//  │ seq: rseq (kind R or RW) or wseq (kind W) when it was armed   │ +12
//  └───────────────────────────────────────────────────────────────┘
//
// The heap is 4-ary (parent (j-1)/4, children 4j+1 … 4j+4), ordered by
// (when, ref): ref is unique per armed timer, so the order is total and
// firing order is deterministic.

export const TIMER_SIZE: u32 = 16;
export const TIMER_BLOCK_SHIFT: u32 = 8;
export const TIMER_PER_BLOCK: u32 = 1 << TIMER_BLOCK_SHIFT; // one 4 KiB block
export const TIMER_BLOCK_MASK: u32 = TIMER_PER_BLOCK - 1;
export const TIMER_BLOCK_BYTES: u32 = TIMER_PER_BLOCK * TIMER_SIZE;

export const T_WHEN: u32 = 0;
export const T_REF: u32 = 8;
export const T_SEQ: u32 = 12;

export const TIMER_KIND_BITS: u32 = 2;
export const TIMER_KIND_MASK: u32 = 0x3;
export const KIND_R: u32 = 1;
export const KIND_W: u32 = 2;
export const KIND_RW: u32 = 3; // the combined timer: rd == wd > 0, one timer expires both

// ╒════════════════════ Ready list entry ════════════════════╕
//  │ token u32 │ code u32 │

export const R_TOKEN: u32 = 0;
export const R_CODE: u32 = 4;

// ╒════════════════════ epoll_event (written by the kernel) ════════════════════╕
//  x86_64 (packed, 12 bytes): │ events u32 │ data u64 at +4 │
//  aarch64 (16 bytes):        │ events u32 │ pad u32 │ data u64 at +8 │
// data = index << 32 | fdseq. A hi half of HOST_SENTINEL marks the host's own fds.

export const EPOLL_STRIDE_PACKED: u32 = 12; // x86_64
export const EPOLL_STRIDE_ALIGNED: u32 = 16; // aarch64
export const EPOLL_DATA_PACKED: u32 = 4;
export const EPOLL_DATA_ALIGNED: u32 = 8;

export const EPOLLIN: u32 = 0x1;
export const EPOLLOUT: u32 = 0x4;
export const EPOLLERR: u32 = 0x8;
export const EPOLLHUP: u32 = 0x10;
export const EPOLLRDHUP: u32 = 0x2000;
export const EV_READ_BITS: u32 = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
export const EV_WRITE_BITS: u32 = EPOLLOUT | EPOLLHUP | EPOLLERR;
export const HOST_SENTINEL: u32 = 0xffffffff;

// ╒════════════════════ Static checks ════════════════════╕
// Evaluated by the compiler (every operand is a constant): a field or a
// header word that does not fit its record fails the build, not a test.

// @ts-ignore: ERROR is a compile-time builtin
if (H_NEXT_WHEN + 8 > HEADER_SIZE) ERROR("the header's fields overrun HEADER_SIZE");
// @ts-ignore
if (D_LINK + 4 > D_FD || D_FD + 4 > D_FDSEQ || D_FDSEQ + 4 > D_INFO || D_INFO + 4 > D_RG || D_RG + 4 > D_WG || D_WG + 4 > D_RSEQ) ERROR("descriptor fields overlap");
// @ts-ignore
if (D_RSEQ + 4 > D_WSEQ || D_WSEQ + 4 > D_RD || D_RD + 8 > D_WD || D_WD + 8 > D_RSLOT || D_RSLOT + 4 > D_WSLOT || D_WSLOT + 4 > D_FLAGS) ERROR("descriptor fields overlap");
// @ts-ignore
if (D_FLAGS + 4 > D_RESERVED || D_RESERVED + 4 > DESC_SIZE) ERROR("descriptor fields overrun DESC_SIZE");
// @ts-ignore
if (D_RD % 8 != 0 || D_WD % 8 != 0 || DESC_SIZE % 8 != 0) ERROR("descriptor i64 fields must be 8-byte aligned");
// @ts-ignore
if (T_WHEN + 8 > T_REF || T_REF + 4 > T_SEQ) ERROR("timer entry fields overlap");
// @ts-ignore
if (H_INCONSISTENT + 4 > H_NEXT_WHEN || H_NEXT_WHEN % 8 != 0) ERROR("header fields overlap, or nextWhen is not 8-byte aligned");
// @ts-ignore
if (T_SEQ + 4 > TIMER_SIZE || T_WHEN % 8 != 0 || TIMER_SIZE % 8 != 0) ERROR("timer entry fields overrun TIMER_SIZE");
// @ts-ignore
if (R_CODE + 4 > READY_ENTRY_SIZE) ERROR("ready entry fields overrun READY_ENTRY_SIZE");
// @ts-ignore
if (EPOLL_STRIDE_ALIGNED > EVENT_MAX_STRIDE || EPOLL_DATA_ALIGNED + 8 > EPOLL_STRIDE_ALIGNED || EPOLL_DATA_PACKED + 8 > EPOLL_STRIDE_PACKED) ERROR("epoll_event layouts overrun the event region's stride");
// @ts-ignore
if ((1 << DESC_BLOCK_SHIFT) * DESC_SIZE != 4096 || (1 << TIMER_BLOCK_SHIFT) * TIMER_SIZE != 4096) ERROR("blocks are one 4 KiB page");
