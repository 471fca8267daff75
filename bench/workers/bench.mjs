// Benchmark — workers: one poller per worker_threads Worker as the scale-out
// model, and what terminating a worker costs.
//
//   node bench/workers/bench.mjs [--quick] [--reps N] [--workers 1,2] [--conns 64] [--size 64]
//                                [--measure MS] [--cycles N] [--drive uv|thread]
//
// 1. Echo: bench/workers/server.mjs (one shared listening unix socket, N
//    workers each accepting from it with its own Poller) driven by the echo
//    benchmark's C load generator; messages/s per worker count, repetitions
//    interleaved.
// 2. Termination: test/host/fixtures/terminate-cycles.mjs per drive: the
//    slowest terminate() and the fds left per cycle.
import path from 'node:path';
import {
  BENCH_DIR, ROOT, parseArgs, buildC, spawnReady, runProgram, stopProcess, tempDir, removeDir, median, ratio,
  fmtNum, fmtRatio, writeResult, log,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? (quick ? 2 : 5));
const WORKERS = String(args.workers ?? '1,2').split(',').map(Number);
const CONNS = Number(args.conns ?? 64);
const SIZE = Number(args.size ?? 64);
const WARMUP_MS = Number(args.warmup ?? 300);
const MEASURE_MS = Number(args.measure ?? (quick ? 500 : 2000));
const CYCLES = Number(args.cycles ?? (quick ? 40 : 200));
const DRIVE = args.drive ?? 'uv';

const loadgen = buildC(path.join(BENCH_DIR, 'echo', 'loadgen.c'), 'loadgen');
const server = path.join(BENCH_DIR, 'workers', 'server.mjs');
const cyclesScript = path.join(ROOT, 'test', 'host', 'fixtures', 'terminate-cycles.mjs');
const tmp = tempDir('netpoll-workers-');
const samples = Object.fromEntries(WORKERS.map((n) => [n, []]));
const accepted = {};
try {
  for (let rep = 0; rep < REPS; rep++) {
    const order = WORKERS.map((_, i) => WORKERS[(i + rep) % WORKERS.length]);
    for (const n of order) {
      const sock = path.join(tmp, `w${n}.sock`);
      const proc = await spawnReady(process.execPath, [server, '--workers', String(n), '--path', sock, '--drive', DRIVE], { label: `server ×${n}` });
      let stderr = '';
      proc.stderr.on('data', (d) => (stderr += d));
      const out = await runProgram(loadgen, [sock, String(CONNS), String(SIZE), String(WARMUP_MS), String(MEASURE_MS)], { timeoutMs: 60000 });
      const r = JSON.parse(out.trim().split('\n').pop());
      await stopProcess(proc);
      const line = stderr.split('\n').find((l) => l.startsWith('{"acceptedPerWorker"'));
      if (line) accepted[n] = JSON.parse(line).acceptedPerWorker;
      samples[n].push(r.mps);
      log(`workers rep ${rep + 1}/${REPS}: ${n} worker(s) ${fmtNum(r.mps)} msgs/s, accepted ${JSON.stringify(accepted[n])}`);
    }
  }
} finally {
  removeDir(tmp);
}

const termination = [];
for (const drive of ['uv', 'thread']) {
  const out = await runProgram(process.execPath, [cyclesScript, drive, String(CYCLES)], { timeoutMs: 300000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  termination.push(r);
  log(`terminate ${drive}: ${r.cycles} cycles, slowest ${r.slowestTerminateMs} ms, fds ${r.fdsBefore} → ${r.fdsAfter}`);
}

const base = median(samples[WORKERS[0]]);
const rows = WORKERS.map((n) => {
  const m = median(samples[n]);
  return [fmtNum(n), fmtNum(m), fmtRatio(ratio(m, base)), JSON.stringify(accepted[n] ?? [])];
});
const termRows = termination.map((r) => [
  r.drive, fmtNum(r.cycles), '0', `${r.slowestTerminateMs} ms`,
  `${fmtNum((r.fdsAfter - r.fdsBefore) / r.cycles, 2)} (all PollFD fds the worker held: ${fmtNum(r.fdsHeldByWorkers / r.cycles, 2)})`,
  r.stalledCycles === 0 ? 'yes' : `no (${r.stalledCycles} stalled)`,
]);

writeResult(args.out, {
  name: 'workers',
  title: 'worker_threads: echo scaled across workers, and the cost of terminate()',
  description: 'One Poller per worker. Echo: a shared listening unix socket accepted from by every worker, driven by the echo benchmark\'s C load generator. Termination: create-work-terminate cycles of a worker (idle, parked reads, deadlines armed, mid-echo in turn) while the main thread echoes over its own poller.',
  params: { workers: WORKERS, connections: CONNS, 'message bytes': SIZE, drive: DRIVE, repetitions: REPS, 'measured ms': MEASURE_MS, 'terminate cycles per drive': CYCLES },
  tables: [
    { title: `Echo messages/s, ${CONNS} connections × ${SIZE} B (median of ${REPS})`, columns: ['workers', 'msgs/s', `vs ${WORKERS[0]} worker`, 'connections accepted per worker (last run)'], rows },
    { title: 'worker.terminate()', columns: ['drive', 'cycles', 'crashes', 'slowest terminate', 'fds left per cycle', 'main poller echoed after every cycle'], rows: termRows },
  ],
  notes: [
    'No CPU pinning: the workers are meant to spread over the cores, and the load generator shares them (2-core machines: it takes part of the second core).',
    'Each worker accepts one connection per turn of its event loop, so the others (woken by the same readiness of the shared socket) get a share of the backlog.',
    'Fds left per cycle: the drives\' own epoll fd, eventfd and timerfd are closed by the worker\'s teardown; the fds a terminated worker had given to PollFD.open are not (no JavaScript of the worker runs to close them).',
  ],
  data: { samples, accepted, termination },
}, { quick });
