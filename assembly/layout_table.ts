// The machine-readable copy of layout.ts, written into memory at start-up.
//
// At LAYOUT_BASE: u32 count, u32 entry size, then `count` entries of
// LAYOUT_ENTRY_SIZE bytes:
//
//   ├──────────────────┬───────────────────────────┬─────────┬─────────┤
//   │ group, 8 × ASCII │ name, 16 × ASCII          │ value   │ size    │
//   │ NUL-padded       │ NUL-padded                │ u32     │ u32     │
//   └──────────────────┴───────────────────────────┴─────────┴─────────┘
//   +0                 +8                          +24       +28
//
// Groups: "header" (offset from HEADER_BASE, size in bytes), "region"
// (absolute address or count), "desc" (field offset in a descriptor record),
// "timer" (field offset in a heap entry), "ready" (field offset in a ready
// entry), "const" (a value; size 0), "code" (a result code of the exports,
// as u32: misuse codes are negative i32; size 0). A decoder finds everything by name, so
// fields may be added without breaking it; a change of meaning bumps
// LAYOUT_VERSION.

import * as L from "./layout";
import * as C from "./codes";

let count: u32 = 0;

function putText(at: usize, text: string, width: u32): void {
  const n = <u32>text.length;
  assert(n <= width, "layout name too long");
  for (let i: u32 = 0; i < width; i++) store<u8>(at + i, i < n ? <u8>text.charCodeAt(i) : 0);
}

function entry(group: string, name: string, value: u32, size: u32): void {
  assert(count < L.LAYOUT_CAPACITY, "layout table full");
  const at = L.LAYOUT_BASE + 8 + count * L.LAYOUT_ENTRY_SIZE;
  putText(at, group, 8);
  putText(at + 8, name, 16);
  store<u32>(at + 24, value);
  store<u32>(at + 28, size);
  count++;
}

export function writeLayoutTable(): void {
  count = 0;
  entry("header", "magic", L.H_MAGIC, 4);
  entry("header", "version", L.H_VERSION, 4);
  entry("header", "headerSize", L.H_SIZE, 4);
  entry("header", "layoutOffset", L.H_LAYOUT_OFF, 4);
  entry("header", "eventsOffset", L.H_EVENTS_OFF, 4);
  entry("header", "eventsCapacity", L.H_EVENTS_CAP, 4);
  entry("header", "readyOffset", L.H_READY_OFF, 4);
  entry("header", "readyCapacity", L.H_READY_CAP, 4);
  entry("header", "descDirOffset", L.H_DESC_DIR_OFF, 4);
  entry("header", "descDirCapacity", L.H_DESC_DIR_CAP, 4);
  entry("header", "descSize", L.H_DESC_SIZE, 4);
  entry("header", "descPerBlock", L.H_DESC_PER_BLOCK, 4);
  entry("header", "timerDirOffset", L.H_TIMER_DIR_OFF, 4);
  entry("header", "timerDirCapacity", L.H_TIMER_DIR_CAP, 4);
  entry("header", "timerSize", L.H_TIMER_SIZE, 4);
  entry("header", "timerPerBlock", L.H_TIMER_PER_BLOCK, 4);
  entry("header", "chunkBase", L.H_CHUNK_BASE, 4);
  entry("header", "bump", L.H_BUMP, 4);
  entry("header", "descBlocks", L.H_DESC_BLOCKS, 4);
  entry("header", "timerBlocks", L.H_TIMER_BLOCKS, 4);
  entry("header", "freeHead", L.H_FREE_HEAD, 4);
  entry("header", "inUse", L.H_IN_USE, 4);
  entry("header", "waiters", L.H_WAITERS, 4);
  entry("header", "timers", L.H_TIMERS, 4);
  entry("header", "readyLength", L.H_READY_LEN, 4);
  entry("header", "staleEvents", L.H_STALE_EVENTS, 4);
  entry("header", "hostEvents", L.H_HOST_EVENTS, 4);
  entry("header", "eventsSeen", L.H_EVENTS_SEEN, 4);
  entry("header", "wakeups", L.H_WAKEUPS, 4);
  entry("header", "timersFired", L.H_TIMERS_FIRED, 4);
  entry("header", "inconsistent", L.H_INCONSISTENT, 4);
  entry("header", "nextWhen", L.H_NEXT_WHEN, 8);

  entry("region", "headerBase", L.HEADER_BASE, L.HEADER_SIZE);
  entry("region", "layoutBase", L.LAYOUT_BASE, L.LAYOUT_SIZE);
  entry("region", "chunkBase", L.CHUNK_BASE, 0);

  entry("desc", "link", L.D_LINK, 4);
  entry("desc", "fd", L.D_FD, 4);
  entry("desc", "fdseq", L.D_FDSEQ, 4);
  entry("desc", "info", L.D_INFO, 4);
  entry("desc", "rg", L.D_RG, 4);
  entry("desc", "wg", L.D_WG, 4);
  entry("desc", "rseq", L.D_RSEQ, 4);
  entry("desc", "wseq", L.D_WSEQ, 4);
  entry("desc", "rd", L.D_RD, 8);
  entry("desc", "wd", L.D_WD, 8);
  entry("desc", "rslot", L.D_RSLOT, 4);
  entry("desc", "wslot", L.D_WSLOT, 4);
  entry("desc", "flags", L.D_FLAGS, 4);

  entry("timer", "when", L.T_WHEN, 8);
  entry("timer", "ref", L.T_REF, 4);
  entry("timer", "seq", L.T_SEQ, 4);

  entry("ready", "token", L.R_TOKEN, 4);
  entry("ready", "code", L.R_CODE, 4);

  entry("const", "infoClosing", L.INFO_CLOSING, 0);
  entry("const", "infoEventErr", L.INFO_EVENT_ERR, 0);
  entry("const", "infoExpiredRead", L.INFO_EXPIRED_READ, 0);
  entry("const", "infoExpiredWrite", L.INFO_EXPIRED_WRITE, 0);
  entry("const", "infoSeqShift", L.INFO_SEQ_SHIFT, 0);
  entry("const", "infoSeqMask", L.INFO_SEQ_MASK, 0);
  entry("const", "flagAllocated", L.FLAG_ALLOCATED, 0);
  entry("const", "flagClosing", L.FLAG_CLOSING, 0);
  entry("const", "flagRrun", L.FLAG_RRUN, 0);
  entry("const", "flagWrun", L.FLAG_WRUN, 0);
  entry("const", "pdNil", L.PD_NIL, 0);
  entry("const", "pdReady", L.PD_READY, 0);
  entry("const", "pdWait", L.PD_WAIT, 0);
  entry("const", "timerKindBits", L.TIMER_KIND_BITS, 0);
  entry("const", "kindR", L.KIND_R, 0);
  entry("const", "kindW", L.KIND_W, 0);
  entry("const", "kindRW", L.KIND_RW, 0);
  entry("const", "modeR", C.MODE_R, 0);
  entry("const", "modeW", C.MODE_W, 0);
  entry("const", "modeRW", C.MODE_RW, 0);
  entry("const", "epollIn", L.EPOLLIN, 0);
  entry("const", "epollOut", L.EPOLLOUT, 0);
  entry("const", "epollErr", L.EPOLLERR, 0);
  entry("const", "epollHup", L.EPOLLHUP, 0);
  entry("const", "epollRdhup", L.EPOLLRDHUP, 0);
  entry("const", "hostSentinel", L.HOST_SENTINEL, 0);
  entry("const", "stridePacked", L.EPOLL_STRIDE_PACKED, 0);
  entry("const", "strideAligned", L.EPOLL_STRIDE_ALIGNED, 0);
  entry("const", "dataPacked", L.EPOLL_DATA_PACKED, 0);
  entry("const", "dataAligned", L.EPOLL_DATA_ALIGNED, 0);

  entry("code", "ok", <u32>C.OK, 0);
  entry("code", "closing", <u32>C.ERR_CLOSING, 0);
  entry("code", "timeout", <u32>C.ERR_TIMEOUT, 0);
  entry("code", "notPollable", <u32>C.ERR_NOT_POLLABLE, 0);
  entry("code", "retry", <u32>C.RETRY, 0);
  entry("code", "prepared", <u32>C.PREPARED, 0);
  entry("code", "parked", <u32>C.PARKED, 0);
  entry("code", "staleHandle", <u32>C.STALE_HANDLE, 0);
  entry("code", "doubleWait", <u32>C.DOUBLE_WAIT, 0);
  entry("code", "badToken", <u32>C.BAD_TOKEN, 0);
  entry("code", "badArgument", <u32>C.BAD_ARGUMENT, 0);
  entry("code", "alreadyClosing", <u32>C.ALREADY_CLOSING, 0);
  entry("code", "notClosing", <u32>C.NOT_CLOSING, 0);
  entry("code", "waiterPresent", <u32>C.WAITER_PRESENT, 0);
  entry("code", "outOfMemory", <u32>C.OUT_OF_MEMORY, 0);

  store<u32>(L.LAYOUT_BASE, count);
  store<u32>(L.LAYOUT_BASE + 4, L.LAYOUT_ENTRY_SIZE);
}
