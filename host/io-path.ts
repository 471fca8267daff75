// Which path a poller's I/O attempts take, chosen once at Poller.create:
//
//   'syscall'  one koffi call per read or write (the default)
//   'uring'    the reads and writes an epoll batch wakes are made by the
//              batch, in one io_uring_enter, before their waiters resume
//              (wake-ahead.ts). First attempts stay synchronous plain calls
//              (the ready path costs no promise), as do accept and the
//              message calls.
//
// Where no ring can be set up (os/uring-open.ts) the poller falls back to
// 'syscall' and keeps the reason; stats, util.inspect and netpoll top show
// both. An io_uring_enter that fails later turns the path back to 'syscall'
// for good, with that reason.

import { MisuseError } from './errors.js';
import { openUring } from './os/uring-open.js';
import { DEFAULT_MIN_RING_BATCH, WakeAhead, type WakeAheadCounts } from './wake-ahead.js';
import { URING_MAX_ENTRIES } from './os/uring.js';

export type IoMode = 'syscall' | 'uring';

/**
 * Submission entries of a poller's ring: the most woken operations one
 * io_uring_enter carries (a larger wake is split). The poller's epoll batch
 * is at most 256 events (Poller maxEvents' default); the micro sweep found
 * no gain past 64 (bench/results/levers/uring.md).
 */
export const RING_ENTRIES = 256;

/**
 * The benchmark sweep's knobs, read once: NETPOLL_URING_ENTRIES (ring size)
 * and NETPOLL_URING_MIN_BATCH (the fewest woken operations sent through the
 * ring). A value that is not an integer in range is ignored.
 */
function tuned(name: string, fallback: number, max: number): number {
  const v = process.env[name];
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}
const ringEntries = tuned('NETPOLL_URING_ENTRIES', RING_ENTRIES, URING_MAX_ENTRIES);
const minRingBatch = tuned('NETPOLL_URING_MIN_BATCH', DEFAULT_MIN_RING_BATCH, URING_MAX_ENTRIES);

/** @internal The ring size and smallest batch in effect (tests read them). */
export const uringTuning = { entries: ringEntries, minBatch: minRingBatch } as const;

/** The environment variable that picks the path of pollers created without the `io` option. */
export const IO_ENV = 'NETPOLL_IO';

/** What stats and inspect show of the path. */
export interface IoStats extends WakeAheadCounts {
  /** The path asked for (the `io` option, else NETPOLL_IO, else 'syscall'). */
  requested: IoMode;
  /** The path live now. */
  live: IoMode;
  /** Why 'uring' was asked for and 'syscall' is live; null otherwise. */
  fallback: string | null;
}

function checkMode(value: unknown, where: string): IoMode {
  if (value === 'syscall' || value === 'uring') return value;
  throw new MisuseError('bad-argument', `${where} must be 'syscall' or 'uring', got ${JSON.stringify(value)}`);
}

/** The path a poller asked for: the option if given, else NETPOLL_IO if set, else 'syscall'. Throws MisuseError on a bad value. */
export function requestedIoMode(option: unknown): IoMode {
  if (option !== undefined) return checkMode(option, 'io');
  const env = process.env[IO_ENV];
  return env === undefined || env === '' ? 'syscall' : checkMode(env, IO_ENV);
}

/** A poller's I/O path: its wake-ahead batcher, or null on the syscall path. */
export class IoPath {
  readonly requested: IoMode;
  readonly ahead: WakeAhead | null;
  private readonly setupFailure: string | null;

  constructor(requested: IoMode) {
    this.requested = requested;
    if (requested === 'syscall') {
      this.ahead = null;
      this.setupFailure = null;
      return;
    }
    const { ring, reason } = openUring(ringEntries);
    this.ahead = ring ? new WakeAhead(ring, minRingBatch) : null;
    this.setupFailure = reason;
  }

  get stats(): IoStats {
    const a = this.ahead;
    const fallback = this.setupFailure ?? a?.failure ?? null;
    return {
      requested: this.requested,
      live: a && a.failure === null ? 'uring' : 'syscall',
      fallback,
      ringBatches: a?.ringBatches ?? 0,
      ringEntries: a?.ringEntries ?? 0,
      plainWakes: a?.plainWakes ?? 0,
    };
  }

  /** Closes the ring. */
  close(): void {
    this.ahead?.close();
  }
}
