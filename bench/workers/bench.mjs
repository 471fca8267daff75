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
// 3. Wake latency of one worker's poller while other workers' pollers wait
//    (bench/workers/wake.mjs): each holds a threadpool thread, the pool is shared.
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
// 0 = no worker: bench/echo/server-netpoll.mjs on the main thread (koffi's libuv poll handle), for comparison.
// 'N' = N workers accepting from the shared listening fd; 'Nm' = the main thread accepts and hands fds out in turn.
const CONFIGS = [0, ...WORKERS, ...WORKERS.filter((n) => n > 1).map((n) => `${n}m`)];
const samples = Object.fromEntries(CONFIGS.map((n) => [n, []]));
const accepted = {};
try {
  for (let rep = 0; rep < REPS; rep++) {
    const order = CONFIGS.map((_, i) => CONFIGS[(i + rep) % CONFIGS.length]);
    for (const n of order) {
      const sock = path.join(tmp, `w${n}.sock`);
      const argv = n === 0
        ? [path.join(BENCH_DIR, 'echo', 'server-netpoll.mjs'), '--drive', DRIVE, '--path', sock]
        : [server, '--workers', String(parseInt(n)), '--path', sock, '--drive', DRIVE, '--accept', String(n).endsWith('m') ? 'main' : 'shared'];
      const proc = await spawnReady(process.execPath, argv, { label: `server ×${n}` });
      let stderr = '';
      proc.stderr.on('data', (d) => (stderr += d));
      const out = await runProgram(loadgen, [sock, String(CONNS), String(SIZE), String(WARMUP_MS), String(MEASURE_MS)], { timeoutMs: 60000 });
      const r = JSON.parse(out.trim().split('\n').pop());
      await stopProcess(proc);
      const line = stderr.split('\n').find((l) => l.startsWith('{"acceptedPerWorker"'));
      if (line) (accepted[n] ??= []).push(JSON.parse(line).acceptedPerWorker);
      samples[n].push(r.mps);
      log(`workers rep ${rep + 1}/${REPS}: ${n} worker(s) ${fmtNum(r.mps)} msgs/s, accepted ${JSON.stringify(accepted[n]?.at(-1) ?? null)}`);
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

const wakes = [];
for (const drive of ['uv', 'thread']) {
  for (const [n, pool] of [[1, 4], [4, 4], [5, 4], [8, 4], [8, 12]]) {
    const out = await runProgram(process.execPath, [path.join(BENCH_DIR, 'workers', 'wake.mjs'), '--workers', String(n), '--drive', drive, '--rounds', quick ? '20' : '40'], {
      env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) }, timeoutMs: 120000,
    });
    const r = JSON.parse(out.trim().split('\n').pop());
    wakes.push(r);
    log(`wake ${drive}: ${n} waiting worker pollers, threadpool ${pool}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
  }
}

const base = median(samples[WORKERS[0]]);
const rows = CONFIGS.map((n) => {
  const m = median(samples[n]);
  const label = n === 0 ? 'none (main thread)' : String(n).endsWith('m') ? `${parseInt(n)}, main thread accepts and hands out` : `${n}, shared listening fd`;
  return [label, fmtNum(m), fmtRatio(ratio(m, base)), n === 0 ? '—' : (accepted[n] ?? []).map((a) => JSON.stringify(a)).join(' ')];
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
    { title: `Echo messages/s, ${CONNS} connections × ${SIZE} B (median of ${REPS})`, columns: ['workers', 'msgs/s', `vs ${WORKERS[0]} worker`, 'connections accepted per worker, each run'], rows },
    {
      title: 'Wake latency of one worker\'s poller while the other workers\' pollers wait (ms)',
      columns: ['drive', 'waiting worker pollers', 'UV_THREADPOOL_SIZE', 'p50', 'p99', 'max'],
      rows: wakes.map((r) => [r.drive, fmtNum(r.workers), fmtNum(r.threadpool), String(r.p50_ms), String(r.p99_ms), String(r.max_ms)]),
      notes: ['Inside a worker each waiting poller holds one threadpool thread for up to 100 ms at a time; with more waiting pollers than threads, a poller\'s wait queues behind the others\' (up to 100 ms). Raise UV_THREADPOOL_SIZE above the number of worker pollers.'],
    },
    { title: 'worker.terminate()', columns: ['drive', 'cycles', 'crashes', 'slowest terminate', 'fds left per cycle', 'main poller echoed after every cycle'], rows: termRows },
  ],
  notes: [
    'The "none" row is the echo benchmark\'s server on the main thread, where the uv drive uses koffi\'s libuv poll handle; inside a worker each wake-up instead crosses the threadpool (a poll(2) returning).',
    'No CPU pinning: the workers are meant to spread over the cores, and the load generator shares them (2-core machines: it takes part of the second core).',
    'Each worker accepts one connection per turn of its event loop, so the others (woken by the same readiness of the shared socket) get a share of the backlog.',
    'Fds left per cycle: the drives\' own epoll fd, eventfd and timerfd are closed by the worker\'s teardown; the fds a terminated worker had given to PollFD.open are not (no JavaScript of the worker runs to close them).',
  ],
  data: { samples, accepted, termination, wakes },
}, { quick });
