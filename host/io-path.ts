// Which path a poller's I/O attempts take, chosen once at Poller.create:
//
//   'syscall'  one koffi call per read or write (the default)
//   'uring'    the retries that follow a readiness wake go through an
//              io_uring in submission waves (io-wave.ts): the waiters one
//              epoll batch wakes retry in one microtask wave, so their reads
//              and writes share one io_uring_enter. First attempts stay
//              synchronous plain calls (the ready path costs no promise), as
//              do accept and the message calls.
//
// Where no ring can be set up (os/uring-open.ts) the poller falls back to
// 'syscall' and keeps the reason; stats and util.inspect show both.

import { MisuseError } from './errors.js';
import { openUring } from './os/uring-open.js';
import { SubmitWave } from './io-wave.js';

export type IoMode = 'syscall' | 'uring';

/** Submission entries of a poller's ring: the largest wave made in one io_uring_enter. */
export const RING_ENTRIES = 256;

/** The environment variable that picks the path of pollers created without the `io` option. */
export const IO_ENV = 'NETPOLL_IO';

/** What stats and inspect show of the path. */
export interface IoStats {
  /** The path asked for (the `io` option, else NETPOLL_IO, else 'syscall'). */
  requested: IoMode;
  /** The path live now. */
  live: IoMode;
  /** Why 'uring' was asked for and 'syscall' is live; null otherwise. */
  fallback: string | null;
  /** Waves made through the ring, the attempts in them, and attempts of the uring path made as plain calls. */
  ringWaves: number;
  ringAttempts: number;
  plainAttempts: number;
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

/** A poller's I/O path: the wave of its ring, or null on the syscall path. */
export class IoPath {
  readonly requested: IoMode;
  readonly wave: SubmitWave | null;
  readonly fallback: string | null;

  constructor(requested: IoMode) {
    this.requested = requested;
    if (requested === 'syscall') {
      this.wave = null;
      this.fallback = null;
      return;
    }
    const { ring, reason } = openUring(RING_ENTRIES);
    this.wave = ring ? new SubmitWave(ring) : null;
    this.fallback = reason;
  }

  get stats(): IoStats {
    const w = this.wave;
    return {
      requested: this.requested,
      live: w ? 'uring' : 'syscall',
      fallback: this.fallback,
      ringWaves: w?.ringWaves ?? 0,
      ringAttempts: w?.ringAttempts ?? 0,
      plainAttempts: w?.plainAttempts ?? 0,
    };
  }

  /** Closes the ring; attempts still to come are made as plain calls (io-wave.ts). */
  close(): void {
    this.wave?.close();
  }
}
