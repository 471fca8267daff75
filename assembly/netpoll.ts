// One epoll batch: decode the raw epoll_events the host wrote, drop the stale
// ones, and make the rest ready (Go's netpoll in netpoll_epoll.go).
//
// data = descriptor index << 32 | fdseq. An event whose tag is not the
// descriptor's current fdseq belongs to an earlier incarnation (the fd was
// closed, maybe its number reused) and is dropped without touching the
// descriptor: no wake, no error bit (Go issue 59545).

import {
  HEADER_BASE, H_STALE_EVENTS, H_HOST_EVENTS, H_EVENTS_SEEN, EVENTS_BASE,
  EV_READ_BITS, EV_WRITE_BITS, EPOLLERR, HOST_SENTINEL, D_FDSEQ, D_FLAGS, FLAG_ALLOCATED,
  EPOLL_STRIDE_PACKED, EPOLL_DATA_PACKED, EPOLL_DATA_ALIGNED,
} from "./layout";
import { descAddr, descCount, setEventErr } from "./descriptors";
import { unblockMode } from "./semaphores";
import { MODE_R, MODE_W } from "./codes";

export function processEvents(count: u32, stride: u32): void {
  // x86_64 packs epoll_event (data at +4); aarch64 aligns data to +8.
  const dataOff: u32 = stride == EPOLL_STRIDE_PACKED ? EPOLL_DATA_PACKED : EPOLL_DATA_ALIGNED;
  let hostBits: u32 = 0;
  let stale: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const ev = EVENTS_BASE + i * stride;
    const events = load<u32>(ev);
    if (events == 0) continue;
    const tag = load<u32>(ev + dataOff);
    const index = load<u32>(ev + dataOff + 4);
    if (index == HOST_SENTINEL) {
      hostBits |= 1 << (tag & 31);
      continue;
    }
    let mode: u32 = 0;
    if (events & EV_READ_BITS) mode |= MODE_R;
    if (events & EV_WRITE_BITS) mode |= MODE_W;
    if (mode == 0) continue;
    if (index >= descCount()) {
      stale++;
      continue;
    }
    const pd = descAddr(index);
    if (load<u32>(pd + D_FDSEQ) != tag || (load<u32>(pd + D_FLAGS) & FLAG_ALLOCATED) == 0) {
      stale++;
      continue;
    }
    // Only an event that is exactly EPOLLERR marks the descriptor (Go issues 30817, 30840).
    setEventErr(pd, events == EPOLLERR, tag);
    if (mode & MODE_R) unblockMode(pd, MODE_R, true);
    if (mode & MODE_W) unblockMode(pd, MODE_W, true);
  }
  store<u32>(HEADER_BASE + H_HOST_EVENTS, hostBits);
  store<u32>(HEADER_BASE + H_STALE_EVENTS, load<u32>(HEADER_BASE + H_STALE_EVENTS) + stale);
  store<u32>(HEADER_BASE + H_EVENTS_SEEN, load<u32>(HEADER_BASE + H_EVENTS_SEEN) + count);
}
