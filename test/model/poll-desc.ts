// The reference model's pollDesc (spec section 1): one object per
// descriptor with Go's field names, and the info word it publishes.

import { Info, Sema } from './core-constants.js';
import type { TimerEntry } from './types.js';

/** One pollDesc (section 1). */
export interface PollDesc {
  readonly index: number;
  /** Free-list successor as index + 1 (what Go's `link` would point at); 0 while allocated. */
  link: number;
  allocated: boolean;
  fd: number;
  fdseq: number;
  closing: boolean;
  /** pollEventErr: written only by setEventErr, survives publishInfo. */
  eventErr: boolean;
  /** The rest of the published info word, rebuilt only by publishInfo. */
  published: { closing: boolean; expiredRead: boolean; expiredWrite: boolean; seqBits: number };
  rg: number;
  wg: number;
  rseq: number;
  wseq: number;
  rd: bigint;
  wd: bigint;
  rrun: boolean;
  wrun: boolean;
  /** The read (kind r or rw) and write (kind w) timers while they are in the list. */
  rt: TimerEntry | null;
  wt: TimerEntry | null;
}

export function newDesc(index: number): PollDesc {
  return {
    index, link: 0, allocated: false, fd: 0, fdseq: 0, closing: false, eventErr: false,
    published: { closing: false, expiredRead: false, expiredWrite: false, seqBits: 0 },
    rg: Sema.NIL, wg: Sema.NIL, rseq: 0, wseq: 0, rd: 0n, wd: 0n, rrun: false, wrun: false, rt: null, wt: null,
  };
}

/** The info word as the core stores it: flag bits, then fdseq's low 20 bits at shift 4. */
export function infoWord(d: PollDesc): number {
  const p = d.published;
  const bits = (p.closing ? Info.CLOSING : 0) | (d.eventErr ? Info.EVENT_ERR : 0) |
    (p.expiredRead ? Info.EXPIRED_READ : 0) | (p.expiredWrite ? Info.EXPIRED_WRITE : 0);
  return (bits | (p.seqBits << Info.SEQ_SHIFT)) >>> 0;
}
