// Wake latency, one mode per process:
//
//   node bench/wake/worker.mjs --mode uv|thread|node --writer BIN --rounds R --delay-us D [--writer-cpu N]
//
// A child process (writer.c) gets fd 3; for every command byte on its stdin
// it sleeps D µs and writes CLOCK_MONOTONIC to fd 3. We measure the time from
// that write to the moment our wait settles:
//   uv / thread   fd 3 is an eventfd registered with a Poller (that drive);
//                 `await pd.wait('r')`, then read the counter = the timestamp
//   node          fd 3 is a stdio 'pipe' (a unix socket); Node's own stream
//                 'data' event — what a node:net / child-process user gets
// Prints one JSON line: { mode, n, p50_us, p99_us, mean_us }.
import { spawn } from 'node:child_process';
import { parseArgs, percentiles } from '../lib/common.mjs';

const args = parseArgs();
const mode = args.mode;
const ROUNDS = Number(args.rounds ?? 500);
const DELAY = String(args['delay-us'] ?? 1000);
const WARMUP = 20;
// The writer runs on its own CPU when asked (taskset), so every wake-up crosses CPUs alike.
const writerCmd = args['writer-cpu'] !== undefined ? ['/usr/bin/taskset', ['-c', String(args['writer-cpu']), args.writer, DELAY]] : [args.writer, [DELAY]];
const lat = [];

function finish() {
  const p = percentiles(lat, [50, 99]);
  const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
  process.stdout.write(JSON.stringify({ mode, n: lat.length, p50_us: p.p50, p99_us: p.p99, mean_us: mean }) + '\n');
}

if (mode === 'uv' || mode === 'thread') {
  const { Poller } = await import('../../build/host/index.js');
  const { eventFd, eventFdRead, closeFd, WOULD_BLOCK } = await import('../../build/host/sys/index.js');
  const efd = eventFd();
  const child = spawn(writerCmd[0], writerCmd[1], { stdio: ['pipe', 'inherit', 'inherit', efd] });
  const poller = await Poller.create({ drive: mode });
  const pd = poller.open(efd);
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const woken = pd.wait('r');
    child.stdin.write('g');
    await woken;
    let t = process.hrtime.bigint();
    let v = eventFdRead(efd);
    while (v === WOULD_BLOCK) {
      // A wake without a value (should not happen): wait again.
      await pd.wait('r');
      t = process.hrtime.bigint();
      v = eventFdRead(efd);
    }
    if (i >= WARMUP) lat.push(Number(t - v) / 1000);
  }
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  pd.close();
  await poller.close();
  closeFd(efd);
  finish();
} else if (mode === 'node') {
  const child = spawn(writerCmd[0], writerCmd[1], { stdio: ['pipe', 'inherit', 'inherit', 'pipe'] });
  const stream = child.stdio[3];
  let i = 0;
  let pending = Buffer.alloc(0);
  await new Promise((resolve) => {
    stream.on('data', (chunk) => {
      const t = process.hrtime.bigint();
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const v = pending.readBigUInt64LE(0);
        pending = pending.subarray(8);
        if (i >= WARMUP) lat.push(Number(t - v) / 1000);
        i++;
        if (i < ROUNDS + WARMUP) child.stdin.write('g');
        else resolve();
      }
    });
    child.stdin.write('g');
  });
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  finish();
} else {
  throw new Error(`unknown --mode ${mode}`);
}
