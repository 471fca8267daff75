// Benchmark 1 — echo: messages/s, server CPU per message and round-trip
// latency (p50 / p99 / p99.9) of an echo server built on PollFD (both drive
// modes) against a C epoll server, Go's net package (GOMAXPROCS=1) and
// node:net over unix stream sockets, and against C, Go's `unixpacket` and
// node-unix-socket over SOCK_SEQPACKET — in two CPU placements, all driven by
// the same C load generator.
//
//   node bench/echo/bench.mjs [--quick] [--reps N] [--conns 16,100,1000] [--sizes 64,1024]
//        [--seqpacket-conns 100] [--pin same,none] [--warmup MS] [--measure MS] [--baseline DIR]
//        [--slice-sweep 0,0.25,1,4] [--uring-sweep 1x256,4x64,...] [--servers c,go,uv,...]
//
// --baseline DIR adds netpoll servers loaded from DIR/build/host (another
// checkout, built): before and after measured in one interleaved run.
// --slice-sweep adds stream uv servers with NETPOLL_SLICE_MS set to each
// value (host/fairness.ts; 0 disables the fairness check). --uring-sweep
// adds stream uv servers on the 'uring' path for each MINxENTRIES: the
// smallest wake sent through the ring (NETPOLL_URING_MIN_BATCH) and the ring
// size (NETPOLL_URING_ENTRIES), host/io-path.ts. --servers keeps only the
// listed server ids (sweep servers are always kept).
//
// Every server runs in its own process for a whole placement; the
// repetitions are interleaved (rep → point → server, with the server order
// rotated each repetition) so that drift in the machine hits every server
// alike. Server CPU is utime+stime of the server process (all its threads)
// over the measured window ÷ messages, read by the load generator from
// /proc/PID/stat (10 ms ticks: a 1 s window at ≥ 50k msgs/s resolves ≈ 2 %).
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  BENCH_DIR, parseArgs, buildC, buildGo, goBinary, spawnReady, runProgram, stopProcess, tempDir, removeDir,
  median, ratio, fmtNum, fmtSig, fmtRatio, writeResult, log, placement, withPrefix,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const list = (v, dflt) => (v !== undefined && v !== true ? String(v).split(',').map((x) => x.trim()).filter(Boolean) : dflt);
const REPS = Number(args.reps ?? (quick ? 3 : 5));
const WARMUP_MS = Number(args.warmup ?? (quick ? 200 : 300));
const MEASURE_MS = Number(args.measure ?? (quick ? 1000 : 1500));
const CONNS = list(args.conns, quick ? [16, 100, 1000] : [1, 16, 100, 1000]).map(Number);
const SIZES = list(args.sizes, quick ? [64] : [64, 1024]).map(Number);
const SP_CONNS = list(args['seqpacket-conns'], quick ? [100] : [100, 1000]).map(Number);
const PLACES = list(args.pin, ['same', 'none']).map((p) => placement(p));
const SWEEP = list(args['slice-sweep'], []);
const URING_SWEEP = list(args['uring-sweep'], []).map((v) => {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new Error(`--uring-sweep: ${JSON.stringify(v)} is not MINxENTRIES (e.g. 4x256)`);
  return { min: m[1], entries: m[2] };
});
const ONLY = list(args.servers, null);
const BASELINE = typeof args.baseline === 'string' ? path.resolve(args.baseline) : null;
if (BASELINE && !existsSync(path.join(BASELINE, 'build', 'host', 'index.js'))) throw new Error(`--baseline ${BASELINE}: no build/host/index.js there (npm run build in it first)`);

const dir = path.join(BENCH_DIR, 'echo');
const loadgen = buildC(path.join(dir, 'loadgen.c'), 'loadgen');
const cServer = buildC(path.join(dir, 'server-epoll.c'), 'echo-server-epoll');
const notes = [];
let goServer = null;
try {
  goServer = buildGo(path.join(dir, 'server.go'), 'echo-server-go');
  if (!goServer) notes.push('Go is not installed on this machine: the Go net comparators were skipped.');
} catch (err) {
  notes.push(`Go is installed (${goBinary()}) but the Go server failed to build, so it was skipped: ${String(err.message).split('\n')[0]}`);
}
const peerDir = path.join(BENCH_DIR, 'peers', 'node_modules', 'node-unix-socket');
const havePeer = existsSync(peerDir);
if (!havePeer) notes.push('node-unix-socket is not installed (`npm install --prefix bench/peers`): the SOCK_SEQPACKET node comparator was skipped.');

const node = process.execPath;
const netpoll = (drive, type, lib, io) => (p) => [
  path.join(dir, 'server-netpoll.mjs'), '--drive', drive, '--path', p, '--type', type, ...(lib ? ['--lib', lib] : []), ...(io ? ['--io', io] : []),
];
const goEnv = { ...process.env, GOMAXPROCS: '1' };
const KINDS = {
  stream: [
    { id: 'c', label: 'C epoll', cmd: cServer, args: (p) => [p, 'stream'] },
    goServer && { id: 'go', label: 'Go net', cmd: goServer, args: (p) => [p, 'unix'], env: goEnv },
    { id: 'node', label: 'node:net', cmd: node, args: (p) => [path.join(dir, 'server-node.mjs'), '--path', p] },
    { id: 'uv', label: 'netpoll uv', cmd: node, args: netpoll('uv', 'stream') },
    { id: 'thread', label: 'netpoll thread', cmd: node, args: netpoll('thread', 'stream') },
    { id: 'uv-uring', label: 'netpoll uv, io uring', cmd: node, args: netpoll('uv', 'stream', null, 'uring') },
    BASELINE && { id: 'uv-base', label: 'netpoll uv (baseline)', cmd: node, args: netpoll('uv', 'stream', BASELINE) },
    BASELINE && { id: 'thread-base', label: 'netpoll thread (baseline)', cmd: node, args: netpoll('thread', 'stream', BASELINE) },
    ...SWEEP.map((v) => ({ id: `uv-slice${v}`, sweep: true, label: `netpoll uv, slice ${v} ms`, cmd: node, args: netpoll('uv', 'stream'), env: { ...process.env, NETPOLL_SLICE_MS: v } })),
    ...URING_SWEEP.map(({ min, entries }) => ({
      id: `uring-${min}x${entries}`, sweep: true, label: `netpoll uv, io uring, batch ≥ ${min}, ring ${entries}`, cmd: node, args: netpoll('uv', 'stream', null, 'uring'),
      env: { ...process.env, NETPOLL_URING_MIN_BATCH: min, NETPOLL_URING_ENTRIES: entries },
    })),
  ],
  seqpacket: [
    { id: 'c', label: 'C epoll', cmd: cServer, args: (p) => [p, 'seqpacket'] },
    goServer && { id: 'go', label: 'Go net (unixpacket)', cmd: goServer, args: (p) => [p, 'unixpacket'], env: goEnv },
    havePeer && { id: 'nus', label: 'node-unix-socket', cmd: node, args: (p) => [path.join(dir, 'server-node-seqpacket.mjs'), '--path', p] },
    { id: 'uv', label: 'netpoll uv', cmd: node, args: netpoll('uv', 'seqpacket') },
    { id: 'thread', label: 'netpoll thread', cmd: node, args: netpoll('thread', 'seqpacket') },
    { id: 'uv-uring', label: 'netpoll uv, io uring', cmd: node, args: netpoll('uv', 'seqpacket', null, 'uring') },
    BASELINE && { id: 'uv-base', label: 'netpoll uv (baseline)', cmd: node, args: netpoll('uv', 'seqpacket', BASELINE) },
  ],
};
for (const k of Object.keys(KINDS)) KINDS[k] = KINDS[k].filter((s) => s && (!ONLY || s.sweep || ONLY.includes(s.id)));
const POINTS = [
  ...CONNS.flatMap((conns) => SIZES.map((size) => ({ kind: 'stream', conns, size }))),
  ...SP_CONNS.map((conns) => ({ kind: 'seqpacket', conns, size: 64 })),
];
const keyOf = (pt) => `${pt.kind}/${pt.conns}x${pt.size}`;

const started = Date.now();
// samples[place][serverId@kind][pointKey] = [{mps, p50_us, p99_us, p999_us, server_cpu_us, ramp_ms}, …]
const samples = {};
const errors = [];
for (const place of PLACES) {
  const tmp = tempDir('netpoll-echo-');
  const running = [];
  const servers = Object.entries(KINDS).flatMap(([kind, list]) => list.map((s) => ({ ...s, kind, sid: `${s.id}@${kind}` })));
  samples[place.mode] = Object.fromEntries(servers.map((s) => [s.sid, {}]));
  try {
    for (const s of servers) {
      s.path = path.join(tmp, `${s.id}-${s.kind}.sock`);
      const [cmd, argv] = withPrefix(place.server, s.cmd, s.args(s.path));
      s.proc = await spawnReady(cmd, argv, { env: s.env, label: s.label });
      running.push(s.proc);
    }
    for (let rep = 0; rep < REPS; rep++) {
      for (const pt of POINTS) {
        const list = servers.filter((s) => s.kind === pt.kind);
        const order = list.map((_, i) => list[(i + rep) % list.length]);
        for (const s of order) {
          let r;
          try {
            const lg = [s.path, String(pt.conns), String(pt.size), String(WARMUP_MS), String(MEASURE_MS), pt.kind, String(s.proc.pid)];
            const [cmd, argv] = withPrefix(place.loadgen, loadgen, lg);
            const out = await runProgram(cmd, argv, { timeoutMs: 60000 });
            r = JSON.parse(out.trim().split('\n').pop());
            if (r.server_cpu_us < 0) r.server_cpu_us = null;
          } catch (err) {
            errors.push(`${place.mode} ${s.label} ${keyOf(pt)}: ${String(err.message).split('\n')[0]}`);
            r = { mps: null, p50_us: null, p99_us: null, p999_us: null, server_cpu_us: null, ramp_ms: null, errors: -1 };
          }
          if (r.errors > 0) errors.push(`${place.mode} ${s.label} ${keyOf(pt)} rep ${rep + 1}: ${r.errors} connection errors`);
          (samples[place.mode][s.sid][keyOf(pt)] ??= []).push(r);
          if (s.proc.exitCode !== null) throw new Error(`${s.label} died: ${s.proc.stderrText?.()}`);
        }
        log(`echo ${place.mode} rep ${rep + 1}/${REPS} ${pt.kind} ${pt.conns} × ${pt.size} B: ` +
          list.map((s) => { const r = samples[place.mode][s.sid][keyOf(pt)].at(-1); return `${s.id} ${fmtNum(r.mps)}/s ${fmtSig(r.server_cpu_us)}µs p99 ${fmtSig(r.p99_us)}`; }).join(', '));
      }
    }
  } finally {
    for (const p of running) await stopProcess(p);
    removeDir(tmp);
  }
}

const med = (place, sid, key, field) => median((samples[place]?.[sid]?.[key] ?? []).map((r) => r[field]));
const spread = (place, sid, key, field) => {
  const v = (samples[place]?.[sid]?.[key] ?? []).map((r) => r[field]).filter((x) => x !== null && x !== undefined);
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};
const tables = [];
for (const place of PLACES) {
  for (const pt of POINTS.filter((p, i, a) => a.findIndex((q) => q.kind === p.kind && q.size === p.size) === i)) {
    const rows = [];
    for (const conns of pt.kind === 'stream' ? CONNS : SP_CONNS) {
      const key = keyOf({ ...pt, conns });
      for (const s of KINDS[pt.kind]) {
        const sid = `${s.id}@${pt.kind}`;
        const g = (f) => med(place.mode, sid, key, f);
        const go = (f) => med(place.mode, `go@${pt.kind}`, key, f);
        const cr = spread(place.mode, sid, key, 'server_cpu_us');
        rows.push([
          fmtNum(conns), s.label, fmtNum(g('mps')), fmtSig(g('server_cpu_us')), cr ? `${fmtSig(cr[0])}–${fmtSig(cr[1])}` : '—',
          fmtSig(g('p50_us')), fmtSig(g('p99_us')), fmtSig(g('p999_us')), fmtSig(g('ramp_ms')),
          fmtRatio(ratio(g('mps'), go('mps'))), fmtRatio(ratio(g('server_cpu_us'), go('server_cpu_us'))), fmtRatio(ratio(g('p99_us'), go('p99_us'))),
        ]);
      }
    }
    tables.push({
      title: `${pt.kind === 'stream' ? 'Unix stream' : 'SOCK_SEQPACKET'}, ${pt.size} B ping-pong, placement \`${place.mode}\` (medians of ${REPS})`,
      columns: ['conns', 'server', 'msgs/s', 'server CPU µs/msg', 'CPU range', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ramp ms', 'msgs/s ÷ Go', 'CPU ÷ Go', 'p99 ÷ Go'],
      rows,
      notes: [`Placement: ${place.note}.`],
    });
  }
}

const targets = [];
const hasGo = !!goServer;
const le = (a, b) => (a === null || b === null ? null : a <= b);
// The targets hold for the default path ('uv') and, where it ran, the io_uring path ('uv-uring', issue 20: ≥ 5× node-unix-socket).
const PATHS = [['uv', 'uv', 1], ['uv-uring', 'uv io uring', 5]].filter(([id]) => Object.values(KINDS).some((l) => l.some((s) => s.id === id)));
for (const place of PLACES) {
  const p = place.mode;
  for (const [id, name, nusTimes] of PATHS) {
    for (const kind of ['stream', 'seqpacket']) {
      const key = `${kind}/100x64`;
      if (!POINTS.some((pt) => keyOf(pt) === key)) continue;
      const cpu = med(p, `${id}@${kind}`, key, 'server_cpu_us');
      const goCpu = med(p, `go@${kind}`, key, 'server_cpu_us');
      const mps = med(p, `${id}@${kind}`, key, 'mps');
      const goMps = med(p, `go@${kind}`, key, 'mps');
      if (hasGo) {
        targets.push({ target: `${p}: ${kind} 100 conns × 64 B, ${name} server CPU/msg ≤ 1.0× Go`, value: `${fmtRatio(ratio(cpu, goCpu))} (${fmtSig(cpu)} vs ${fmtSig(goCpu)} µs)`, met: le(cpu, goCpu) });
        targets.push({ target: `${p}: ${kind} 100 conns × 64 B, ${name} msgs/s ≥ Go`, value: `${fmtRatio(ratio(mps, goMps))} (${fmtNum(mps)} vs ${fmtNum(goMps)})`, met: mps === null || goMps === null ? null : mps >= goMps });
      }
      if (kind === 'seqpacket' && havePeer) {
        const n = med(p, `nus@${kind}`, key, 'mps');
        const what = nusTimes === 1 ? 'ahead of node-unix-socket' : `≥ ${nusTimes}× node-unix-socket`;
        targets.push({ target: `${p}: seqpacket 100 conns × 64 B, ${name} msgs/s ${what}`, value: `${fmtRatio(ratio(mps, n))} (${fmtNum(mps)} vs ${fmtNum(n)})`, met: mps === null || n === null ? null : nusTimes === 1 ? mps > n : mps >= nusTimes * n });
      }
    }
    const k1000 = 'stream/1000x64';
    if (hasGo && POINTS.some((pt) => keyOf(pt) === k1000)) {
      for (const f of ['p99_us', 'p999_us']) {
        const u = med(p, `${id}@stream`, k1000, f);
        const g = med(p, 'go@stream', k1000, f);
        targets.push({ target: `${p}: stream 1,000 conns × 64 B, ${name} ${f === 'p99_us' ? 'p99' : 'p99.9'} ≤ Go`, value: `${fmtRatio(ratio(u, g))} (${fmtSig(u)} vs ${fmtSig(g)} µs)`, met: le(u, g) });
      }
    }
  }
  for (const conns of CONNS.filter((c) => c >= 16)) {
    const key = `stream/${conns}x64`;
    const t = med(p, 'thread@stream', key, 'mps');
    const u = med(p, 'uv@stream', key, 'mps');
    const r = ratio(t, u);
    targets.push({ target: `${p}: stream ${fmtNum(conns)} conns × 64 B, thread msgs/s ≥ 0.9× uv`, value: `${fmtRatio(r)} (${fmtNum(t)} vs ${fmtNum(u)})`, met: r === null ? null : r >= 0.9 });
  }
}

notes.unshift(
  `One C load generator (bench/echo/loadgen.c, single thread, epoll) drives every server: each connection sends a message, waits for the whole echo, records the round trip and sends the next. All connections are made first, then every one sends; "ramp" is the time until every connection has had its first echo (the server accepting them all under the first ones' traffic). Warm-up ${WARMUP_MS} ms after the ramp, then ${MEASURE_MS} ms measured per run; ${REPS} repetitions interleaved across servers; each figure is the median over repetitions of that run's value; "CPU range" is the lowest and highest repetition.`,
  'Server CPU µs/msg: utime+stime of the server process (every thread: V8 helpers, libuv pool, Go runtime) during the measured window ÷ messages in it, from /proc/PID/stat (10 ms ticks). The only figure that does not depend on how the CPU is shared with the load generator.',
  "Placements: `same` pins server and load generator to one CPU (taskset; they take turns, so msgs/s ≈ 1 / (generator + server CPU per message)); `none` leaves them to the scheduler (cross-CPU wake-ups; on a 2-CPU VM shared with other work this swings most). In 'thread' mode the libuv pool thread running epoll_wait is confined with the server too.",
  "Servers: C — bench/echo/server-epoll.c (edge-triggered, read until EAGAIN, write back); Go — bench/echo/server.go (goroutine per connection, GOMAXPROCS=1, `unix` / `unixpacket`); node:net — bench/echo/server-node.mjs; node-unix-socket — bench/echo/server-node-seqpacket.mjs (SeqpacketServer, 'data' → write); netpoll — bench/echo/server-netpoll.mjs (PollFD acceptMany loop — a baseline build without it accepts one per await —, per-connection `await read` → `await write`).",
  `Machine load: other processes share this machine; compare ratios within one run. ${BASELINE ? `Baseline servers load ${BASELINE}/build/host.` : ''}`,
);
notes.push(...errors.slice(0, 20).map((e) => `error: ${e}`));

writeResult(args.out, {
  name: 'echo',
  title: 'Echo server: messages/s, server CPU per message, latency',
  description: 'Unix stream and SOCK_SEQPACKET sockets, ping-pong of fixed-size messages, every server in its own process, two CPU placements.',
  params: {
    'stream connections': CONNS, sizes: SIZES.map((s) => `${s} B`), 'SOCK_SEQPACKET connections (64 B)': SP_CONNS, repetitions: REPS,
    'warm-up ms': WARMUP_MS, 'measured ms': MEASURE_MS, placements: PLACES.map((p) => p.mode), ...(BASELINE ? { baseline: BASELINE } : {}),
  },
  tables,
  targets,
  notes,
  data: { samples, servers: Object.fromEntries(Object.entries(KINDS).map(([k, l]) => [k, l.map((s) => ({ id: s.id, label: s.label }))])), seconds: (Date.now() - started) / 1000 },
}, { quick });
