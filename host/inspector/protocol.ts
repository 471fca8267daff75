// The inspector's wire protocol (version 1), over a unix stream socket.
//
// Requests are newline-terminated JSON objects, one at a time; each gets
// exactly one newline-terminated JSON response, in order. A request longer
// than MAX_REQUEST_BYTES (newline included) is answered with error
// 'too-large' and the connection is closed.
//
//   {"op":"hello"}                    → {"ok":true,"op":"hello","protocol":1,"pid":…,"pollers":[ids],"limits":{…}}
//   {"op":"frame"}                    → {"ok":true,"op":"frame", …Frame}            (see types below)
//   {"op":"snapshot","poller":ID}     → {"ok":true,"op":"snapshot","poller":ID,"bytes":"<base64 of poller.snapshot()>"}
//   anything else                     → {"ok":false,"error":"bad-json"|"bad-request"|"unknown-op"|"no-such-poller"|"too-large","message":"…"}
//
// Times: `…Ms` fields are milliseconds (floats); deadlines `rd` / `wd` are the
// core's absolute monotonic nanoseconds as decimal strings ("0" none,
// negative expired), comparable with the poller's `nowNs`.
//
// The server bounds what a client can cost: at most `maxClients` at once
// (more are closed at accept), an idle timeout on every read, a write
// deadline on every 64 KiB of a response (a client that stops reading is disconnected),
// frames shared by all clients and computed at most every FRAME_CACHE_MS, or
// every 10 × the time the last one took (at most 2 s) when that is longer.

import type { WaitOutcome } from '../observe/channels.js';
import type { Counters, Violation, DescState } from '../inspect/types.js';

export const PROTOCOL_VERSION = 1;
export const MAX_REQUEST_BYTES = 4096;
/** Descriptors listed per poller in a frame (the longest parked first); `descriptorsTotal` counts all. */
export const MAX_FRAME_DESCRIPTORS = 500;
/** Deadlines listed per poller (the soonest first). */
export const MAX_FRAME_TIMERS = 64;
/** A frame is recomputed at most this often (or 10 × its build time, up to 2 s, if longer); clients asking sooner share the last one. */
export const FRAME_CACHE_MS = 50;
/** The largest snapshot the server sends (base64 grows it by a third). */
export const MAX_SNAPSHOT_BYTES = 64 << 20;

export type OutcomeCounts = Record<WaitOutcome, number>;

export interface LatencySummary {
  /** Wake latency: from the start of the epoll batch that woke a waiter to its code running again, in ns. */
  count: number;
  minNs: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  maxNs: number;
}

export interface DescriptorFrame {
  index: number;
  fd: number;
  fdseq: number;
  state: DescState;
  closing: boolean;
  rd: string;
  wd: string;
  /** ms until the read / write deadline (negative: passed), null for none. */
  rInMs: number | null;
  wInMs: number | null;
  /** The core holds a parked waiter in this direction. */
  parked: { r: boolean; w: boolean };
  /** How long the current wait in each direction has lasted (host figure), null when none. */
  parkedMs: { r: number | null; w: number | null };
  /** The wait began before the inspector started watching: parkedMs is a lower bound. */
  parkedAtLeast: { r: boolean; w: boolean };
  parkedTotalMs: number;
  waits: OutcomeCounts;
  /** Whether any wait was seen on it since the inspector started watching. */
  waited: boolean;
  /** ms since the inspector first saw the descriptor. */
  ageMs: number;
}

export interface TimerFrame {
  fd: number;
  index: number;
  kind: 'r' | 'w' | 'rw';
  when: string;
  inMs: number;
}

export interface PollerFrame {
  id: number;
  drive: string;
  /** The I/O path live ('syscall' or 'uring'), with the fallback reason when 'uring' was asked for and is not live. Absent in frames of older versions. */
  io?: string;
  nowNs: string;
  counters: Counters;
  outcomes: OutcomeCounts;
  latency: LatencySummary;
  /** Batches seen and the core time they took since the inspector started watching. */
  batches: number;
  coreMs: number;
  descriptorsTotal: number;
  descriptors: DescriptorFrame[];
  timers: TimerFrame[];
  violations: Violation[];
}

export interface InspectorFrame {
  path: string;
  clients: number;
  maxClients: number;
  accepted: number;
  refused: number;
  closedIdle: number;
  closedSlow: number;
  closedTooLarge: number;
  requests: number;
  badRequests: number;
  /** Frames computed (the rest of the frame requests were answered from the shared one). */
  framesBuilt: number;
  /** The inspector's own descriptors (listener and clients): on its own poller, excluded from the figures above. */
  ownFds: number[];
}

export interface Frame {
  ok: true;
  op: 'frame';
  protocol: number;
  pid: number;
  timeMs: number;
  process: { rss: number; heapUsed: number };
  pollers: PollerFrame[];
  inspector: InspectorFrame;
}

export interface ErrorResponse {
  ok: false;
  error: 'bad-json' | 'bad-request' | 'unknown-op' | 'no-such-poller' | 'too-large' | 'too-many-clients' | 'internal';
  message: string;
}
