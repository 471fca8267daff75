// Benchmark 1 — echo: messages/s and round-trip latency of an echo server
// built on PollFD (both drive modes) against a C epoll server, Go's net
// package (GOMAXPROCS=1) and node:net, all driven by the same C load
// generator over unix stream sockets.
//
// Every server runs in its own process for the whole benchmark; the
// repetitions are interleaved (rep → point → server, with the server order
// rotated each repetition) so that drift in the machine hits every server alike.
import path from 'node:path';
import {
  BENCH_DIR, parseArgs, buildC, buildGo, goBinary, spawnReady, runProgram, stopProcess, tempDir, removeDir,
  median, ratio, fmtNum, fmtSig, fmtRatio, writeResult, log, placement, withPrefix,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const WARMUP_MS = Number(args.warmup ?? (quick ? 100 : 300));
const MEASURE_MS = Number(args.measure ?? (quick ? 200 : 1500));
const CONNS = args.conns ? String(args.conns).split(',').map(Number) : quick ? [1, 100, 1000] : [1, 16, 100, 1000];
const SIZES = args.sizes ? String(args.sizes).split(',').map(Number) : [64, 1024];
const PLACE = placement(args.pin ?? 'auto');

const dir = path.join(BENCH_DIR, 'echo');
const loadgen = buildC(path.join(dir, 'loadgen.c'), 'loadgen');
const cServer = buildC(path.join(dir, 'server-epoll.c'), 'echo-server-epoll');
let goServer = null;
let goNote = null;
try {
  goServer = buildGo(path.join(dir, 'server.go'), 'echo-server-go');
  if (!goServer) goNote = 'Go is not installed on this machine: the Go net comparator was skipped.';
} catch (err) {
  goNote = `Go is installed (${goBinary()}) but the Go server failed to build, so it was skipped: ${String(err.message).split('\n')[0]}`;
}

const tmp = tempDir('netpoll-echo-');
const node = process.execPath;
const servers = [
  { id: 'c', label: 'C epoll', cmd: cServer, args: (p) => [p] },
  goServer && { id: 'go', label: 'Go net (GOMAXPROCS=1)', cmd: goServer, args: (p) => [p], env: { ...process.env, GOMAXPROCS: '1' } },
  { id: 'node', label: 'node:net', cmd: node, args: (p) => [path.join(dir, 'server-node.mjs'), '--path', p] },
  { id: 'uv', label: 'netpoll PollFD (uv)', cmd: node, args: (p) => [path.join(dir, 'server-netpoll.mjs'), '--drive', 'uv', '--path', p] },
  { id: 'thread', label: 'netpoll PollFD (thread)', cmd: node, args: (p) => [path.join(dir, 'server-netpoll.mjs'), '--drive', 'thread', '--path', p] },
].filter(Boolean);

const started = Date.now();
const running = [];
try {
  for (const s of servers) {
    s.path = path.join(tmp, `${s.id}.sock`);
    const [cmd, argv] = withPrefix(PLACE.server, s.cmd, s.args(s.path));
    s.proc = await spawnReady(cmd, argv, { env: s.env, label: s.label });
    running.push(s.proc);
  }

  // samples[serverId][`${conns}x${size}`] = [{mps, p50_us, p99_us}, …]
  const samples = Object.fromEntries(servers.map((s) => [s.id, {}]));
  const points = CONNS.flatMap((c) => SIZES.map((size) => ({ conns: c, size })));
  const errors = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const pt of points) {
      const order = servers.map((_, i) => servers[(i + rep) % servers.length]);
      for (const s of order) {
        const key = `${pt.conns}x${pt.size}`;
        let r;
        try {
          const [cmd, argv] = withPrefix(PLACE.loadgen, loadgen, [s.path, String(pt.conns), String(pt.size), String(WARMUP_MS), String(MEASURE_MS)]);
          const out = await runProgram(cmd, argv, { timeoutMs: 60000 });
          r = JSON.parse(out.trim().split('\n').pop());
        } catch (err) {
          errors.push(`${s.label} ${key}: ${String(err.message).split('\n')[0]}`);
          r = { mps: null, p50_us: null, p99_us: null, errors: -1 };
        }
        if (r.errors > 0) errors.push(`${s.label} ${key} rep ${rep + 1}: ${r.errors} connection errors`);
        (samples[s.id][key] ??= []).push(r);
        if (s.proc.exitCode !== null) throw new Error(`${s.label} died: ${s.proc.stderrText?.()}`);
      }
      log(`echo rep ${rep + 1}/${REPS} ${pt.conns} conns × ${pt.size} B: ` +
        servers.map((s) => `${s.id} ${fmtNum(samples[s.id][`${pt.conns}x${pt.size}`].at(-1).mps)}`).join(', '));
    }
  }

  const med = (id, key, field) => (samples[id] ? median((samples[id][key] ?? []).map((r) => r[field])) : null);
  const has = (id) => servers.some((s) => s.id === id);
  const tables = [];
  for (const size of SIZES) {
    const cols = ['conns', ...servers.map((s) => s.label), 'uv / C', 'thread / C', 'uv / node:net', ...(has('go') ? ['uv / Go'] : []), 'thread / node:net'];
    const rows = CONNS.map((c) => {
      const key = `${c}x${size}`;
      const m = Object.fromEntries(servers.map((s) => [s.id, med(s.id, key, 'mps')]));
      return [
        fmtNum(c), ...servers.map((s) => fmtNum(m[s.id])),
        fmtRatio(ratio(m.uv, m.c)), fmtRatio(ratio(m.thread, m.c)), fmtRatio(ratio(m.uv, m.node)),
        ...(has('go') ? [fmtRatio(ratio(m.uv, m.go))] : []), fmtRatio(ratio(m.thread, m.node)),
      ];
    });
    tables.push({ title: `Messages/s, ${size} B ping-pong (median of ${REPS})`, columns: cols, rows });
    const lcols = ['conns', ...servers.flatMap((s) => [`${s.label} p50`, `p99`])];
    const lrows = CONNS.map((c) => {
      const key = `${c}x${size}`;
      return [fmtNum(c), ...servers.flatMap((s) => [fmtSig(med(s.id, key, 'p50_us')), fmtSig(med(s.id, key, 'p99_us'))])];
    });
    tables.push({ title: `Round-trip latency in µs, ${size} B (median over repetitions of each run's p50 / p99)`, columns: lcols, rows: lrows });
  }

  // Targets at 100 connections, 64 B and 1 KiB.
  const targets = [];
  for (const size of SIZES) {
    const key = `100x${size}`;
    for (const drive of ['uv', 'thread']) {
      const v = med(drive, key, 'mps');
      const c = med('c', key, 'mps');
      const r = ratio(v, c);
      targets.push({ target: `echo ${drive}, 100 conns × ${size} B: ≥ 0.85× C epoll msgs/s`, value: `${fmtRatio(r)} (${fmtNum(v)} vs ${fmtNum(c)})`, met: r === null ? null : r >= 0.85 });
      const others = ['node', 'go'].filter(has);
      const ahead = others.every((o) => v !== null && v > med(o, key, 'mps'));
      targets.push({
        target: `echo ${drive}, 100 conns × ${size} B: ahead of ${others.map((o) => (o === 'go' ? 'Go net' : 'node:net')).join(' and ')}`,
        value: `${fmtNum(v)} vs ` + others.map((o) => `${o === 'go' ? 'Go' : 'node:net'} ${fmtNum(med(o, key, 'mps'))}`).join(', ') + (has('go') ? '' : ' (Go not installed: not compared)'),
        met: v === null ? null : ahead,
      });
    }
  }

  const notes = [
    `One C load generator (bench/echo/loadgen.c, single thread, epoll) drives every server: each connection sends a message, waits for the whole echo, records the round trip and sends the next. Warm-up ${WARMUP_MS} ms, then ${MEASURE_MS} ms measured per run; ${REPS} repetitions interleaved across servers.`,
    `Placement: ${PLACE.note}.${PLACE.mode === 'same' ? ' Sharing one CPU, the two sides take turns: msgs/s ≈ 1 / (generator CPU + server CPU per message).' : ''} In 'thread' mode the libuv threadpool thread running epoll_wait is confined with the server too (as Go's GOMAXPROCS=1 and Node's own threads are).`,
    'Because the load generator\'s own work per message is part of every round trip (a single-threaded generator, and with --pin same one shared core), the ratios against C understate the servers\' own difference: see the profile benchmark for CPU per message of each server alone.',
    "Servers: C — bench/echo/server-epoll.c (edge-triggered, read until EAGAIN, write back); Go — bench/echo/server.go (goroutine per connection, GOMAXPROCS=1); node:net — bench/echo/server-node.mjs ('data' → write); netpoll — bench/echo/server-netpoll.mjs (PollFD accept loop, per-connection `await read` → `await write`).",
    ...(goNote ? [goNote] : []),
    ...errors.slice(0, 20).map((e) => `error: ${e}`),
  ];

  writeResult(args.out, {
    name: 'echo',
    title: 'Echo server: messages/s and latency',
    description: 'Unix stream sockets, ping-pong of fixed-size messages, every server in its own process.',
    params: { connections: CONNS, sizes: SIZES.map((s) => `${s} B`), repetitions: REPS, 'warm-up ms': WARMUP_MS, 'measured ms': MEASURE_MS, 'CPU placement (--pin)': PLACE.mode },
    tables,
    targets,
    notes,
    data: { samples, servers: servers.map((s) => ({ id: s.id, label: s.label })), seconds: (Date.now() - started) / 1000 },
  }, { quick });
} finally {
  for (const p of running) await stopProcess(p);
  removeDir(tmp);
}
