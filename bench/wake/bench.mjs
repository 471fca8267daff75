// Benchmark 6 — wake latency: another process writes an eventfd; how long
// until the waiting promise settles (both drive modes), against Node's own
// stream 'data' event for the same write on a pipe, and a C program blocked
// in epoll_wait. See worker.mjs, writer.c and epoll-wait.c.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, parseArgs, buildC, runProgram, median, ratio, fmtSig, fmtRatio, writeResult, log } from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const ROUNDS = Number(args.rounds ?? (quick ? 150 : 500));
const DELAY_US = Number(args['delay-us'] ?? 1000);
const dir = path.join(BENCH_DIR, 'wake');
const writer = buildC(path.join(dir, 'writer.c'), 'wake-writer');
const cWait = buildC(path.join(dir, 'epoll-wait.c'), 'wake-epoll-wait');
const worker = path.join(dir, 'worker.mjs');

// --pin (default): the waiting side on the last CPU, the writer on CPU 0, so every wake-up is a
// cross-CPU one (left to the scheduler, it is sometimes same-CPU and sometimes not: bimodal results).
const cpus = os.availableParallelism?.() ?? os.cpus().length;
const pin = args.pin !== 'none' && existsSync('/usr/bin/taskset') && cpus >= 2;
const waiterCpu = cpus - 1, writerCpu = 0;
const waiterPrefix = pin ? ['/usr/bin/taskset', '-c', String(waiterCpu)] : [];
const nodeWorker = (mode) => {
  const argv = [worker, '--mode', mode, '--writer', writer, '--rounds', String(ROUNDS), '--delay-us', String(DELAY_US), ...(pin ? ['--writer-cpu', String(writerCpu)] : [])];
  return pin ? runProgram(waiterPrefix[0], [...waiterPrefix.slice(1), process.execPath, ...argv]) : runProgram(process.execPath, argv);
};

const modes = [
  { id: 'c', label: 'C, blocking epoll_wait', run: () => runProgram(cWait, [String(ROUNDS), String(DELAY_US), ...(pin ? [String(waiterCpu), String(writerCpu)] : [])]) },
  { id: 'node', label: "Node stream 'data' (libuv, pipe)", run: () => nodeWorker('node') },
  { id: 'uv', label: "netpoll, 'uv' drive", run: () => nodeWorker('uv') },
  { id: 'thread', label: "netpoll, 'thread' drive", run: () => nodeWorker('thread') },
];

const started = Date.now();
const samples = {};
const notes = [];
for (let rep = 0; rep < REPS; rep++) {
  const order = modes.map((_, i) => modes[(i + rep) % modes.length]);
  for (const m of order) {
    try {
      const r = JSON.parse((await m.run()).trim().split('\n').pop());
      (samples[m.id] ??= []).push(r);
    } catch (err) {
      notes.push(`${m.label}, rep ${rep + 1}: failed — ${String(err.message).split('\n')[0]}`);
    }
  }
  log(`wake rep ${rep + 1}/${REPS}: ${modes.map((m) => `${m.id} p50 ${fmtSig(samples[m.id]?.at(-1)?.p50_us)} µs`).join(', ')}`);
}

const med = (id, f) => median((samples[id] ?? []).map((r) => r[f]));
const rows = modes.map((m) => [
  m.label,
  fmtSig(med(m.id, 'p50_us')),
  fmtSig(med(m.id, 'p99_us')),
  fmtSig(med(m.id, 'mean_us')),
  fmtRatio(ratio(med(m.id, 'p50_us'), med('c', 'p50_us'))),
  fmtSig(med(m.id, 'p50_us') - med('c', 'p50_us')),
  fmtRatio(ratio(med(m.id, 'p50_us'), med('node', 'p50_us'))),
]);

notes.push(
  `A separate process (bench/wake/writer.c) receives a command byte, sleeps ${DELAY_US} µs (so the waiting side is blocked in its poller: idle wake-up, not a busy loop), reads CLOCK_MONOTONIC and writes it to an eventfd it inherited as fd 3 (spawn stdio). The waiting side reads CLOCK_MONOTONIC when its wait settles (process.hrtime.bigint(), the same clock) and subtracts the value it finds in the eventfd counter.`,
  "uv: the poller's epoll fd is watched by Node's own loop (koffi.node.poll); thread: a blocking epoll_wait on a libuv threadpool thread, its result posted back to the main loop. Node stream: the same writer writes the 8 bytes to a stdio 'pipe' (a unix socket) and Node's 'data' event fires — the floor for anything that wakes through libuv. C: epoll_wait blocking on the eventfd in a plain process (fork()ed writer).",
  pin
    ? `Placement: the waiting side on CPU ${waiterCpu}, the writer on CPU ${writerCpu} (taskset / sched_setaffinity), so every wake-up crosses CPUs; on this VM that costs tens of µs of the figures (an idle vCPU must be woken), which is why unpinned runs are bimodal.`
    : 'Placement: no CPU pinning (--pin none, taskset missing, or one CPU).',
  `${ROUNDS} wake-ups per run after 20 warm-up ones; ${REPS} runs per mode in fresh processes, interleaved; medians of the runs' p50 / p99 / mean.`,
);

writeResult(args.out, {
  name: 'wake',
  title: 'Wake latency: eventfd written by another process → promise settled',
  description: 'Time from a write in another process to the waiting side running.',
  params: { 'wake-ups per run': ROUNDS, repetitions: REPS, 'writer delay µs': DELAY_US, 'CPU placement': pin ? `waiter CPU ${waiterCpu}, writer CPU ${writerCpu}` : 'none' },
  tables: [{
    title: 'Wake latency in µs (median of runs)',
    columns: ['waiting side', 'p50 µs', 'p99 µs', 'mean µs', 'p50 vs C', 'p50 added to C (µs)', 'p50 vs Node stream'],
    rows,
  }],
  targets: [],
  notes,
  data: { samples, seconds: (Date.now() - started) / 1000 },
}, { quick });
