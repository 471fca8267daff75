// What the exports return and the argument codes they accept: the one
// statement of the result codes (host/core/abi.ts restates them for
// TypeScript; both are written into the layout table's "code" and "const"
// groups, and a host test holds them equal).

// ── modes: bit 0 read, bit 1 write ──────────────────────────────────────────

export const MODE_R: u32 = 1;
export const MODE_W: u32 = 2;
export const MODE_RW: u32 = MODE_R | MODE_W;

/** A wait, reset or cancel names one direction. */
// @ts-ignore: decorator
@inline export function isWaitMode(mode: u32): bool {
  return mode == MODE_R || mode == MODE_W;
}

/** A deadline names one direction or both. */
// @ts-ignore: decorator
@inline export function isDeadlineMode(mode: u32): bool {
  return mode >= MODE_R && mode <= MODE_RW;
}

// ── results: 0..3 are Go's pollNoError / pollErrClosing / pollErrTimeout / pollErrNotPollable ──

export const OK: i32 = 0;
export const ERR_CLOSING: i32 = 1;
export const ERR_TIMEOUT: i32 = 2;
export const ERR_NOT_POLLABLE: i32 = 3;
/** A ready entry for a waiter woken without I/O and without an error: wait again (Go's spurious wake). */
export const RETRY: i32 = 4;
/** prepareWait: pdNil → pdWait; call commitWait next. */
export const PREPARED: i32 = 5;
/** commitWait: pdWait → token; the waiter is parked. */
export const PARKED: i32 = 6;

// ── misuse: negative, and the call changed nothing (OUT_OF_MEMORY from setDeadline excepted) ──

export const STALE_HANDLE: i32 = -1;
export const DOUBLE_WAIT: i32 = -2;
export const BAD_TOKEN: i32 = -3;
export const BAD_ARGUMENT: i32 = -4;
export const ALREADY_CLOSING: i32 = -5;
export const NOT_CLOSING: i32 = -6;
export const WAITER_PRESENT: i32 = -7;
export const OUT_OF_MEMORY: i32 = -8;
