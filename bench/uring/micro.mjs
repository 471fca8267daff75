#!/usr/bin/env node
// Cost per I/O operation: today's path (one koffi call per read or write)
// against io_uring batches (N entries written from JavaScript, one
// io_uring_enter, completions read from the mapped ring), N = 1, 4, 16, 64.
//
// Each op is a 64-byte write into a pipe plus the read that empties it
// ("pair"), or a read of an empty pipe that answers EAGAIN ("eagain", 0.69
// of them per echo message). CPU time (user + system) per op from
// process.cpuUsage, the best of --reps runs. Needs `npm run build`.
//
//   node bench/uring/micro.mjs [--ops 200000] [--reps 5]
//
// What the poller does with the ring (wake-ahead, host/wake-ahead.ts) is
// measured end to end by the echo benchmark: its 'uv-uring' servers and
// --uring-sweep (smallest batch × ring size).
import { parseArgs } from 'node:util';
import { Uring } from '../../build/host/os/uring.js';
import { pipe, readFd, writeFd, closeFd } from '../../build/host/os/fd.js';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '200000' }, reps: { type: 'string', default: '5' } },
});
const OPS = Number(values.ops);
const REPS = Number(values.reps);
const BATCHES = [1, 4, 16, 64];
const PIPES = 64;

const pipes = Array.from({ length: PIPES }, () => pipe());
const msg = Buffer.alloc(64, 1);
const bufs = Array.from({ length: PIPES }, () => Buffer.alloc(64));

/** The run with the least CPU of --reps: [total, user, system] ns per op. */
function cpuNsPerOp(ops, body) {
  let best = [Infinity, 0, 0];
  for (let r = 0; r < REPS; r++) {
    const t = process.cpuUsage();
    body();
    const d = process.cpuUsage(t);
    const row = [d.user + d.system, d.user, d.system].map((us) => (us * 1000) / ops);
    if (row[0] < best[0]) best = row;
  }
  return best;
}

function syscallPair() {
  for (let i = 0; i < OPS; i++) {
    const [r, w] = pipes[i % PIPES];
    writeFd(w, msg);
    readFd(r, bufs[i % PIPES]);
  }
}
function syscallEagain() {
  for (let i = 0; i < OPS; i++) readFd(pipes[i % PIPES][0], bufs[i % PIPES]);
}
function uringPair(ring, n) {
  return () => {
    for (let i = 0; i < OPS; i += n) {
      for (let k = 0; k < n; k++) ring.write(pipes[k][1], msg);
      for (let k = 0; k < n; k++) ring.read(pipes[k][0], bufs[k]);
      ring.submit();
      for (let k = 0; k < 2 * n; k++) ring.result(k);
    }
  };
}
function uringEagain(ring, n) {
  return () => {
    for (let i = 0; i < OPS; i += n) {
      for (let k = 0; k < n; k++) ring.read(pipes[k][0], bufs[k]);
      ring.submit();
      for (let k = 0; k < n; k++) ring.result(k);
    }
  };
}

const ring = Uring.open(128);
const rows = [];
// "pair" counts two ops (write + read) per iteration.
rows.push(['syscall (koffi call per op)', 'pair', 1, cpuNsPerOp(2 * OPS, syscallPair)]);
rows.push(['syscall (koffi call per op)', 'eagain', 1, cpuNsPerOp(OPS, syscallEagain)]);
for (const n of BATCHES) {
  rows.push(['io_uring batch', 'pair', n, cpuNsPerOp(2 * OPS, uringPair(ring, n))]);
  rows.push(['io_uring batch', 'eagain', n, cpuNsPerOp(OPS, uringEagain(ring, n))]);
}
ring.close();
for (const [r, w] of pipes) { closeFd(r); closeFd(w); }
console.log('| path | op | entries per enter | CPU ns per op | user | system |\n|---|---|---|---|---|---|');
for (const [path, op, n, ns] of rows) console.log(`| ${path} | ${op} | ${n} | ${ns.map((x) => x.toFixed(0)).join(' | ')} |`);
