#!/usr/bin/env node
// Cost per I/O operation: today's path (one koffi call per read or write)
// against io_uring batches (N entries written from JavaScript, one
// io_uring_enter, completions read from the mapped ring), N = 1, 4, 16, 64.
//
// Then the same through promises, as the operation path awaits them:
// C concurrent loops each awaiting write-then-read on its own pipe, today's
// attempt (a koffi call, then a settled promise) against SubmitWave (the
// attempts of one microtask wave share one io_uring_enter).
//
// Each op is a 64-byte write into a pipe plus the read that empties it
// ("pair"), or a read of an empty pipe that answers EAGAIN ("eagain", 0.69
// of them per echo message). CPU time (user + system) per op from
// process.cpuUsage, the best of --reps runs. Needs `npm run build`.
//
//   node bench/uring/micro.mjs [--ops 200000] [--reps 5] [--sweep]
//
// --sweep instead: the awaited loops through SubmitWave for each minBatch
// (the smallest wave sent through the ring) and concurrency, and for each
// ring size at 64 loops (a wave never outgrows the ring).
import { parseArgs } from 'node:util';
import { Uring } from '../../build/host/os/uring.js';
import { pipe, readFd, writeFd, closeFd } from '../../build/host/os/fd.js';
import { SubmitWave } from '../../build/host/io-wave.js';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '200000' }, reps: { type: 'string', default: '5' }, sweep: { type: 'boolean', default: false } },
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

async function cpuNsPerOpAsync(ops, body) {
  let best = [Infinity, 0, 0];
  for (let r = 0; r < REPS; r++) {
    const t = process.cpuUsage();
    await body();
    const d = process.cpuUsage(t);
    const row = [d.user + d.system, d.user, d.system].map((us) => (us * 1000) / ops);
    if (row[0] < best[0]) best = row;
  }
  return best;
}

/** C loops of write + read, each attempt through `io` (returns a promise of the count). */
function loops(c, io) {
  return () =>
    Promise.all(
      Array.from({ length: c }, async (_, k) => {
        const [r, w] = pipes[k];
        for (let i = 0; i < OPS / c; i++) {
          await io.write(w, msg);
          await io.read(r, bufs[k]);
        }
      }),
    );
}
const plainIo = { write: (fd, b) => Promise.resolve(writeFd(fd, b)), read: (fd, b) => Promise.resolve(readFd(fd, b)) };

if (values.sweep) {
  console.log('| ring entries | minBatch | loops | CPU ns per op | user | system | ÷ syscall |\n|---|---|---|---|---|---|---|');
  const cell = async (entries, minBatch, c, base) => {
    const ring = Uring.open(entries);
    const row = await cpuNsPerOpAsync(2 * OPS, loops(c, new SubmitWave(ring, minBatch)));
    ring.close();
    console.log(`| ${entries} | ${minBatch} | ${c} | ${row.map((x) => x.toFixed(0)).join(' | ')} | ${(row[0] / base).toFixed(2)} |`);
  };
  for (const c of [4, 8, 16, 64]) {
    const [base] = await cpuNsPerOpAsync(2 * OPS, loops(c, plainIo));
    console.log(`| – | syscall | ${c} | ${base.toFixed(0)} | | | 1.00 |`);
    for (const minBatch of [1, 4, 8, 16]) await cell(128, minBatch, c, base);
  }
  const [base64] = await cpuNsPerOpAsync(2 * OPS, loops(64, plainIo));
  for (const entries of [8, 16, 64, 256]) await cell(entries, 1, 64, base64);
  process.exit(0);
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
for (const c of BATCHES) {
  rows.push(['awaited: syscall', `loops`, c, await cpuNsPerOpAsync(2 * OPS, loops(c, plainIo))]);
  rows.push(['awaited: SubmitWave, every wave through the ring', `loops`, c, await cpuNsPerOpAsync(2 * OPS, loops(c, new SubmitWave(ring, 1)))]);
  rows.push(['awaited: SubmitWave, waves of >= 8 through the ring', `loops`, c, await cpuNsPerOpAsync(2 * OPS, loops(c, new SubmitWave(ring)))]);
}
ring.close();
for (const [r, w] of pipes) { closeFd(r); closeFd(w); }
console.log('| path | op | entries per enter (awaited: concurrent loops) | CPU ns per op | user | system |\n|---|---|---|---|---|---|');
for (const [path, op, n, ns] of rows) console.log(`| ${path} | ${op} | ${n} | ${ns.map((x) => x.toFixed(0)).join(' | ')} |`);
