// Benchmark — workers: one poller per worker_threads Worker as the scale-out
// model, at libuv's default threadpool and at 16 threads, against Go; what
// waiting worker pollers cost the threadpool; wake latency; terminate().
//
//   node bench/workers/bench.mjs [--quick] [--reps N] [--workers 1,2,4,8] [--conns 64] [--size 64]
//                                [--measure MS] [--cycles N] [--drive uv|thread]
//                                [--configs spread,spread16,pool,shared,go] [--sections echo,fs,wake,terminate]
//
// --configs keeps only the listed echo servers; --sections only the listed
// parts (a quick look at one ratio, e.g. `--workers 8 --configs
// spread,spread16 --sections echo --reps 5`).
//
// 1. Echo: bench/workers/server.mjs with W workers, the main thread accepting
//    and spreading the connections (AcceptSpreader), driven by W load
//    generators (the echo benchmark's C loadgen, one process per server core,
//    `--conns` connections each); the same with UV_THREADPOOL_SIZE=16; with
//    the workers waiting on the threadpool as before (NETPOLL_WORKER_WAIT=pool);
//    with a shared listening fd; and Go's net package (bench/echo/server.go)
//    with GOMAXPROCS=W when Go is installed. Server on CPUs 0…W-1 and load
//    generators on W…2W-1 where the machine has 2W CPUs; unpinned otherwise.
//    Meanwhile the server's main thread times an fs.readFile every 20 ms.
// 2. fs.readFile on the main thread with no worker and while 8 worker pollers
//    wait (test/host/fixtures/worker-threadpool.mjs), default threadpool.
// 3. Wake latency of a worker's poller (bench/workers/wake.mjs) against the
//    main thread's.
// 4. Termination: test/host/fixtures/terminate-cycles.mjs per drive.
import path from 'node:path';
import {
  BENCH_DIR, ROOT, CPUS, TASKSET, parseArgs, buildC, buildGo, goBinary, spawnReady, runProgram, stopProcess, tempDir, removeDir, median,
  ratio, fmtNum, fmtRatio, writeResult, log, withPrefix,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? (quick ? 1 : 3));
const WORKERS = String(args.workers ?? '1,2,4,8').split(',').map(Number);
const CONNS = Number(args.conns ?? 64);
const SIZE = Number(args.size ?? 64);
const WARMUP_MS = Number(args.warmup ?? 300);
const MEASURE_MS = Number(args.measure ?? (quick ? 500 : 2000));
const CYCLES = Number(args.cycles ?? (quick ? 40 : 200));
const DRIVE = args.drive ?? 'uv';
const listArg = (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : null);
const SECTIONS = new Set(listArg(args.sections) ?? ['echo', 'fs', 'wake', 'terminate']);
const ONLY_CONFIGS = listArg(args.configs);

const loadgen = buildC(path.join(BENCH_DIR, 'echo', 'loadgen.c'), 'loadgen');
const server = path.join(BENCH_DIR, 'workers', 'server.mjs');
const notes = [];
let goServer = null;
try {
  goServer = buildGo(path.join(BENCH_DIR, 'echo', 'server.go'), 'echo-server-go');
} catch (err) {
  notes.push(`Go is installed but its server failed to build, so it was skipped: ${String(err.message).split('\n')[0]}`);
}
if (!goBinary()) notes.push('Go is not installed: its column is empty.');

// Server configurations: [key, label, env, argv builder]. Node ones run server.mjs.
const nodeArgs = (w, sock, accept, probe = true) => [server, '--workers', String(w), '--path', sock, '--drive', DRIVE, '--accept', accept, ...(probe ? ['--fs-probe'] : [])];
const ALL_CONFIGS = [
  { key: 'spread', label: 'Node, spread, default pool', env: {}, argv: (w, s) => [process.execPath, nodeArgs(w, s, 'spread')] },
  { key: 'spread16', label: 'Node, spread, UV_THREADPOOL_SIZE=16', env: { UV_THREADPOOL_SIZE: '16' }, argv: (w, s) => [process.execPath, nodeArgs(w, s, 'spread')] },
  { key: 'pool', label: 'Node, spread, default pool, threadpool wait (before)', env: { NETPOLL_WORKER_WAIT: 'pool' }, argv: (w, s) => [process.execPath, nodeArgs(w, s, 'spread')] },
  { key: 'shared', label: 'Node, shared listening fd, default pool', env: {}, argv: (w, s) => [process.execPath, nodeArgs(w, s, 'shared', false)] },
  ...(goServer ? [{ key: 'go', label: 'Go net, GOMAXPROCS=W', env: {}, goMaxProcs: true, argv: (w, s) => [goServer, [s]] }] : []),
];
const CONFIGS = SECTIONS.has('echo') ? ALL_CONFIGS.filter((c) => !ONLY_CONFIGS || ONLY_CONFIGS.includes(c.key)) : [];

/** CPU lists for W server threads and W load generators, or null (unpinned) where the machine has fewer than 2W CPUs. */
function pinning(w) {
  if (!TASKSET || CPUS < 2 * w) return null;
  return { server: `0-${w - 1}`, loadgens: Array.from({ length: w }, (_, i) => String(w + i)) };
}
const pinned = (cpus, cmd, argv) => withPrefix(cpus ? [TASKSET, '-c', cpus] : [], cmd, argv);

const samples = {}; // `${key}:${w}` → [{ mps, accepted, fs }]
const failures = []; // voided samples and why
const tmp = tempDir('netpoll-workers-');
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const w of WORKERS) {
      const order = CONFIGS.map((_, i) => CONFIGS[(i + rep) % CONFIGS.length]);
      for (const c of order) {
        const sock = path.join(tmp, `${c.key}-${w}.sock`);
        const pin = pinning(w);
        const env = { ...process.env, ...c.env, ...(c.goMaxProcs ? { GOMAXPROCS: String(w) } : {}) };
        if (!('UV_THREADPOOL_SIZE' in c.env)) delete env.UV_THREADPOOL_SIZE;
        if (!('NETPOLL_WORKER_WAIT' in c.env)) delete env.NETPOLL_WORKER_WAIT;
        const [cmd, argv] = c.argv(w, sock);
        const proc = await spawnReady(...pinned(pin?.server, cmd, argv), { env, label: `${c.key} ×${w}` });
        let stderr = '';
        proc.stderr.on('data', (d) => (stderr += d));
        // One load generator that fails (or prints nothing) voids this sample, with its reason kept, instead of ending the run.
        const outs = await Promise.all(
          Array.from({ length: w }, (_, i) =>
            runProgram(...pinned(pin?.loadgens[i], loadgen, [sock, String(CONNS), String(SIZE), String(WARMUP_MS), String(MEASURE_MS)]), { timeoutMs: 90000 })
              .then((o) => JSON.parse(o.trim().split('\n').pop()))
              .catch((err) => ({ failed: `${c.key} ×${w} rep ${rep + 1}, load generator ${i + 1}: ${String(err.message).split('\n').slice(0, 2).join(' ') || 'no output'}` })),
          ),
        );
        const failed = outs.filter((o) => o.failed);
        for (const f of failed) failures.push(f.failed);
        const mps = failed.length ? null : outs.map((o) => o.mps).reduce((a, b) => a + b, 0);
        await stopProcess(proc);
        const line = stderr.split('\n').find((l) => l.startsWith('{"acceptedPerWorker"'));
        const extra = line ? JSON.parse(line) : {};
        (samples[`${c.key}:${w}`] ??= []).push({ mps, accepted: extra.acceptedPerWorker ?? null, fs: extra.fs ?? null });
        log(`rep ${rep + 1}/${REPS} ×${w} ${c.key}: ${mps === null ? `failed (${failed[0].failed})` : `${fmtNum(mps)} msgs/s`}${extra.acceptedPerWorker ? `, accepted ${JSON.stringify(extra.acceptedPerWorker)}` : ''}${extra.fs ? `, fs p50 ${extra.fs.p50} ms` : ''}`);
      }
    }
  }
} finally {
  removeDir(tmp);
}

const med = (key, w) => median((samples[`${key}:${w}`] ?? []).map((s) => s.mps).filter((m) => m !== null));
const echoRows = WORKERS.map((w) => {
  const m = Object.fromEntries(CONFIGS.map((c) => [c.key, med(c.key, w)]));
  const spreads = (samples[`spread:${w}`] ?? []).map((s) => JSON.stringify(s.accepted)).join(' ');
  const pin = pinning(w);
  return [
    String(w), pin ? `server ${pin.server}, loadgens ${pin.loadgens.join(',')}` : 'unpinned',
    fmtNum(m.spread), fmtNum(m.spread16), fmtRatio(ratio(m.spread, m.spread16)), fmtNum(m.pool), fmtNum(m.shared),
    goServer ? fmtNum(m.go) : '—', spreads,
  ];
});
const fsMed = (key, w, field) => median((samples[`${key}:${w}`] ?? []).map((s) => s.fs?.[field]).filter((x) => x !== undefined));
const fsLoadedRows = WORKERS.flatMap((w) => ['spread', 'pool'].filter((key) => CONFIGS.some((c) => c.key === key)).map((key) => [
  String(w), key === 'pool' ? 'threadpool (before)' : 'waiter', String(fsMed(key, w, 'p50')), String(fsMed(key, w, 'p99')), String(fsMed(key, w, 'max')),
]));

// fs.readFile while 8 worker pollers wait, default threadpool: idle process vs waiting.
const threadpoolFixture = path.join(ROOT, 'test', 'host', 'fixtures', 'worker-threadpool.mjs');
const fsRows = [];
const fsData = [];
for (const drive of SECTIONS.has('fs') ? ['uv', 'thread'] : []) {
  for (const wait of ['waiter', 'pool']) {
    const env = { ...process.env, NETPOLL_WORKER_WAIT: wait };
    delete env.UV_THREADPOOL_SIZE;
    const out = await runProgram(process.execPath, [threadpoolFixture, drive, '8', wait === 'pool' ? '6' : '30'], { env, timeoutMs: 120000 });
    const r = JSON.parse(out.trim().split('\n').pop());
    fsData.push({ wait, ...r });
    fsRows.push([drive, wait === 'pool' ? 'threadpool (before)' : 'waiter', String(r.idle.median), String(r.waiting.median), String(r.waiting.max), fmtRatio(ratio(r.waiting.median, r.idle.median)), String(r.pbkdf2Ms)]);
    log(`fs ${drive} ${wait}: idle ${r.idle.median} ms, 8 waiting ${r.waiting.median} ms`);
  }
}

// Wake latency.
const wakeScript = path.join(BENCH_DIR, 'workers', 'wake.mjs');
const wakes = [];
const rounds = quick ? '20' : '60';
const wakeRuns = [
  ['0', 'uv', 'waiter', {}], ['hop', 'uv', 'waiter', {}],
  ['1', 'uv', 'waiter', {}], ['8', 'uv', 'waiter', {}], ['8', 'uv', 'pool', {}], ['8', 'uv', 'pool', { UV_THREADPOOL_SIZE: '12' }],
  ['0', 'thread', 'waiter', {}], ['1', 'thread', 'waiter', {}], ['8', 'thread', 'waiter', {}], ['8', 'thread', 'pool', {}],
];
for (const [n, drive, wait, extra] of SECTIONS.has('wake') ? wakeRuns : []) {
  const env = { ...process.env, NETPOLL_WORKER_WAIT: wait, ...extra };
  if (!extra.UV_THREADPOOL_SIZE) delete env.UV_THREADPOOL_SIZE;
  const out = await runProgram(process.execPath, [wakeScript, '--workers', n, '--drive', drive, '--rounds', rounds], { env, timeoutMs: 120000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  wakes.push(r);
  log(`wake ${drive} ${n} ${r.wait} pool ${r.threadpool}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
}
const wakeLabel = (r) => (r.workers === 0 ? 'main thread\'s own poller' : r.workers === 'hop' ? 'postMessage round trip alone (for scale)' : `a worker's poller, ${r.workers} waiting, ${r.wait === 'threadpool' ? 'threadpool wait (before)' : 'waiter'}`);

const termination = [];
const cyclesScript = path.join(ROOT, 'test', 'host', 'fixtures', 'terminate-cycles.mjs');
for (const drive of SECTIONS.has('terminate') ? ['uv', 'thread'] : []) {
  const out = await runProgram(process.execPath, [cyclesScript, drive, String(CYCLES)], { timeoutMs: 300000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  termination.push(r);
  log(`terminate ${drive}: ${r.cycles} cycles, slowest ${r.slowestTerminateMs} ms, fds ${r.fdsBefore} → ${r.fdsAfter}`);
}

writeResult(args.out, {
  name: 'workers',
  title: 'worker_threads: echo scaled across workers (Go beside it), the threadpool, wake latency, terminate()',
  description: 'One Poller per worker. Waiting worker pollers are woken by one process-wide waiter thread (host/drive/waiter-protocol.ts) instead of holding a libuv threadpool thread each; "threadpool wait (before)" is the old way, still selectable with NETPOLL_WORKER_WAIT=pool.',
  params: { workers: WORKERS, 'connections per load generator': CONNS, 'message bytes': SIZE, drive: DRIVE, repetitions: REPS, 'measured ms': MEASURE_MS, 'terminate cycles per drive': CYCLES, cpus: CPUS },
  tables: [
    SECTIONS.has('echo') && {
      title: `Echo messages/s, W load generators × ${CONNS} connections × ${SIZE} B (median of ${REPS})`,
      columns: ['W', 'placement', 'Node, default pool', 'Node, pool 16', 'default / 16', 'Node, threadpool wait (before), default pool', 'Node, shared accept', 'Go, GOMAXPROCS=W', 'connections per worker (spread), each run'],
      rows: echoRows,
      notes: [
        `This machine has ${CPUS} CPUs: only W=1 runs server and load generator on disjoint CPUs; from W=2 on everything shares ${CPUS} CPUs (W=4 and 8 are oversubscribed and say nothing about scaling).`,
        'Node columns: the main thread accepts and spreads the connections (AcceptSpreader) unless "shared accept".',
      ],
    },
    SECTIONS.has('echo') && {
      title: 'fs.readFile on the main thread during the echo runs (ms, every 20 ms, median over runs)',
      columns: ['W', 'worker wait', 'p50', 'p99', 'max'],
      rows: fsLoadedRows,
    },
    SECTIONS.has('fs') && {
      title: 'fs.readFile on the main thread: no worker vs 8 worker pollers waiting, default UV_THREADPOOL_SIZE (ms)',
      columns: ['drive', 'worker wait', 'no worker, median', '8 waiting, median', '8 waiting, max', 'waiting / idle', 'pbkdf2 (1000 it.) while waiting'],
      rows: fsRows,
    },
    SECTIONS.has('wake') && {
      title: 'Wake latency: peer write → the waiting read resolves (ms)',
      columns: ['drive', 'whose poller', 'UV_THREADPOOL_SIZE', 'p50', 'p99', 'max'],
      rows: wakes.map((r) => [r.drive, wakeLabel(r), fmtNum(r.threadpool), String(r.p50_ms), String(r.p99_ms), String(r.max_ms)]),
      notes: ['A worker\'s figure is write → the worker\'s read resolving, from timestamps comparable across threads (performance.timeOrigin + now()).', 'Through the waiter a wake-up crosses one more thread: the waiter wakes from epoll_wait, writes a byte to the worker\'s socket, and the worker\'s event loop reads it.'],
    },
    SECTIONS.has('terminate') && {
      title: 'worker.terminate()',
      columns: ['drive', 'cycles', 'crashes', 'slowest terminate', 'fds left per cycle', 'main poller echoed after every cycle'],
      rows: termination.map((r) => [
        r.drive, fmtNum(r.cycles), '0', `${r.slowestTerminateMs} ms`,
        `${fmtNum((r.fdsAfter - r.fdsBefore) / r.cycles, 2)} (all PollFD fds the worker held: ${fmtNum(r.fdsHeldByWorkers / r.cycles, 2)})`,
        r.stalledCycles === 0 ? 'yes' : `no (${r.stalledCycles} stalled)`,
      ]),
    },
  ].filter(Boolean),
  notes: [
    ...notes,
    ...failures.map((f) => `Voided sample: ${f}.`),
    'Figures from a 2-CPU machine shared with other work: noisy; see the load average above.',
    'Fds left per cycle: the drives\' own fds are closed by the worker\'s teardown; the fds a terminated worker had given to PollFD.open are not (no JavaScript of the worker runs to close them).',
  ],
  data: { samples, fs: fsData, wakes, termination },
}, { quick });
