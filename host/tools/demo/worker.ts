// The demo's worker thread: signals an eventfd that the main thread's Poller
// waits on. It needs no FFI: an eventfd is written with an ordinary write(2)
// of an 8-byte host-endian counter increment, which fs.writeSync does — from
// any thread, on the fd number the main thread passed in.
//
// Schedule: a write every 10–60 ms (increments of 1–3, so the main thread sees
// the kernel summing them when reads fall behind), and every 2 s a quiet gap
// of gapMs, all of them over by gapsUntilMs. The main thread's read deadline
// (shorter than a gap, longer than any ordinary interval) expires exactly
// once per gap. The worker signals until the main thread sets the stop flag.

import { parentPort, workerData } from 'node:worker_threads';
import { writeSync } from 'node:fs';

export interface WorkerInput {
  fd: number;
  /** [0] stop flag (Int32), bytes 8…15 the hrtime (ns) of the latest write (BigInt64). */
  shared: SharedArrayBuffer;
  /** No quiet gap ends later than this (ms after the worker starts). */
  gapsUntilMs: number;
  gapMs: number;
  gapEveryMs: number;
}

export interface WorkerReport {
  signals: number;
  /** Sum of all increments, as a decimal string (a u64). */
  total: string;
  gaps: number;
}

const input = workerData as WorkerInput;
const ctl = new Int32Array(input.shared, 0, 1);
const lastWrite = new BigInt64Array(input.shared, 8, 1);
const increment = new BigUint64Array(1);
const bytes = new Uint8Array(increment.buffer);

let seed = 0x9e3779b9;
const random = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

/** Sleep up to ms; false if the main thread asked us to stop. */
const nap = (ms: number): boolean => Atomics.wait(ctl, 0, 0, ms) === 'timed-out' && Atomics.load(ctl, 0) === 0;

const start = performance.now();
let signals = 0;
let total = 0n;
let gaps = 0;
let nextGap = start + 1200;

for (;;) {
  const now = performance.now();
  if (Atomics.load(ctl, 0) !== 0) break;
  let pause = 10 + random() * 50;
  const isGap = now >= nextGap && now + input.gapMs + 100 <= start + input.gapsUntilMs;
  if (isGap) {
    pause = input.gapMs;
    nextGap += input.gapEveryMs;
  }
  if (!nap(pause)) break;
  const v = 1 + Math.floor(random() * 3);
  increment[0] = BigInt(v);
  lastWrite[0] = process.hrtime.bigint();
  writeSync(input.fd, bytes); // adds v to the eventfd counter; the main thread's epoll sees EPOLLIN
  signals++;
  total += BigInt(v);
  if (isGap) gaps++;
}

parentPort!.postMessage({ signals, total: total.toString(), gaps } satisfies WorkerReport);
