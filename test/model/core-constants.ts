// The core's constants that only the tests and the reference model read (the
// host reads none of them): timer kinds, semaphore words, the info word's
// bits and the descriptor flags. test/core/abi-constants.test.ts holds them
// equal to assembly/codes.ts, as it does host/core/abi.ts's.

/** Timer kinds in the heap: which deadline(s) a firing expires. RW is the combined timer (rd == wd > 0). */
export const TimerKind = { R: 1, W: 2, RW: 3 } as const;

/** Semaphore word values (rg / wg); anything > WAIT is a waiter token. */
export const Sema = { NIL: 0, READY: 1, WAIT: 2 } as const;

/** Bits of the published info word (Go's pollInfo). The low fdseq bits sit above them. */
export const Info = {
  CLOSING: 0x1,
  EVENT_ERR: 0x2,
  EXPIRED_READ: 0x4,
  EXPIRED_WRITE: 0x8,
  SEQ_SHIFT: 4,
  SEQ_MASK: 0xfffff,
} as const;

/** Descriptor flag bits (the `flags` word). */
export const Flag = { ALLOCATED: 0x1, CLOSING: 0x2, RRUN: 0x4, WRUN: 0x8 } as const;
