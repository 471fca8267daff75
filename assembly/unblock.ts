// pollUnblock: the first step of Go's two-step close. The descriptor starts
// closing, both timer generations move on (so a firing already in flight
// finds a stale seq), the info word publishes the closing bit before anyone
// is woken, every waiter of both directions wakes with CLOSING, and both
// timers leave the heap. close() then needs no waiter and frees it.

import { D_FLAGS, D_RSEQ, D_WSEQ, FLAG_CLOSING } from "./layout";
import { publishInfo } from "./descriptors";
import { unblockMode } from "./semaphores";
import { stopTimers } from "./deadlines";
import { MODE_R, MODE_W } from "./codes";

export function unblockDesc(pd: usize): void {
  store<u32>(pd + D_FLAGS, load<u32>(pd + D_FLAGS) | FLAG_CLOSING);
  store<u32>(pd + D_RSEQ, load<u32>(pd + D_RSEQ) + 1);
  store<u32>(pd + D_WSEQ, load<u32>(pd + D_WSEQ) + 1);
  publishInfo(pd);
  unblockMode(pd, MODE_R, false);
  unblockMode(pd, MODE_W, false);
  stopTimers(pd);
}
