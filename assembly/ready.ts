// The ready list: what a waking call hands back to the host.
//
// Each entry is (waiter token, result code). A call that can wake waiters
// clears the list first; the host reads H_READY_LEN entries after it returns.
// Capacity: one epoll batch wakes at most 2 × EVENT_CAPACITY waiters; timer
// firing stops while fewer than 2 slots are left (see deadlines.ts), so the
// list never overflows.

import { HEADER_BASE, H_READY_LEN, H_WAKEUPS, READY_BASE, READY_CAPACITY, READY_ENTRY_SIZE, R_TOKEN, R_CODE } from "./layout";

// @ts-ignore: decorator
@inline export function readyClear(): void {
  store<u32>(HEADER_BASE + H_READY_LEN, 0);
}

// @ts-ignore: decorator
@inline export function readyLen(): u32 {
  return load<u32>(HEADER_BASE + H_READY_LEN);
}

// @ts-ignore: decorator
@inline export function readyRoom(): u32 {
  return READY_CAPACITY - readyLen();
}

export function readyPush(token: u32, code: u32): void {
  const n = readyLen();
  assert(n < READY_CAPACITY, "ready list overflow");
  const at = READY_BASE + n * READY_ENTRY_SIZE;
  store<u32>(at + R_TOKEN, token);
  store<u32>(at + R_CODE, code);
  store<u32>(HEADER_BASE + H_READY_LEN, n + 1);
  store<u32>(HEADER_BASE + H_WAKEUPS, load<u32>(HEADER_BASE + H_WAKEUPS) + 1);
}
