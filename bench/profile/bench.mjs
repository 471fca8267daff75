// Profile — where an echo message's time goes (100 connections × 64 B, the
// point the echo target is set at). Three views:
//
//  A. CPU per message, every echo server: the server process's user and
//     system CPU time (/proc/PID/stat, all threads) over a load-generator run,
//     divided by the messages echoed. Cheap, robust, comparable across servers.
//  B. `node --cpu-prof` of the netpoll server (uv and thread drives): self time
//     by function. Note that the koffi call and the system call it makes are
//     attributed to the JS function that calls them (readFd, writeFd, …).
//  C. `perf record` (when perf is installed and allowed) of the netpoll server
//     with --perf-basic-prof: samples by category — kernel, V8 promise/async
//     machinery, GC, the FFI boundary (koffi + N-API), libc, Wasm, JIT'd JS.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BENCH_DIR, parseArgs, buildC, buildGo, spawnReady, runProgram, stopProcess, tempDir, removeDir, sleep,
  median, fmtNum, fmtSig, writeResult, log, placement, withPrefix,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const MEASURE_MS = Number(args.measure ?? (quick ? 300 : 2000));
const CONNS = 100, SIZE = 64;
const PLACE = placement(args.pin ?? 'auto');
const echoDir = path.join(BENCH_DIR, 'echo');
const loadgen = buildC(path.join(echoDir, 'loadgen.c'), 'loadgen');
const cServer = buildC(path.join(echoDir, 'server-epoll.c'), 'echo-server-epoll');
let goServer = null;
try {
  goServer = buildGo(path.join(echoDir, 'server.go'), 'echo-server-go');
} catch {}
const node = process.execPath;
const tmp = tempDir('netpoll-profile-');
const CLK_TCK = Number(tryExec('getconf', ['CLK_TCK']) ?? 100);
const started = Date.now();
const notes = [];
const tables = [];

function tryExec(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** utime, stime of a whole process (all threads), in seconds. */
function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK };
}

async function drive(sock, ms = MEASURE_MS) {
  const [cmd, argv] = withPrefix(PLACE.loadgen, loadgen, [sock, String(CONNS), String(SIZE), '300', String(ms)]);
  const out = await runProgram(cmd, argv);
  return JSON.parse(out.trim().split('\n').pop());
}

const servers = [
  { id: 'c', label: 'C epoll', cmd: cServer, args: (p) => [p] },
  goServer && { id: 'go', label: 'Go net (GOMAXPROCS=1)', cmd: goServer, args: (p) => [p], env: { ...process.env, GOMAXPROCS: '1' } },
  { id: 'node', label: 'node:net', cmd: node, args: (p) => [path.join(echoDir, 'server-node.mjs'), '--path', p] },
  { id: 'uv', label: 'netpoll PollFD (uv)', cmd: node, args: (p) => [path.join(echoDir, 'server-netpoll.mjs'), '--drive', 'uv', '--path', p] },
  { id: 'thread', label: 'netpoll PollFD (thread)', cmd: node, args: (p) => [path.join(echoDir, 'server-netpoll.mjs'), '--drive', 'thread', '--path', p] },
  { id: 'uring', label: 'netpoll PollFD (uv, io uring)', cmd: node, args: (p) => [path.join(echoDir, 'server-netpoll.mjs'), '--drive', 'uv', '--io', 'uring', '--path', p] },
  { id: 'raw', label: 'netpoll PollDesc + sync readFd/writeFd (uv)', cmd: node, args: (p) => [path.join(echoDir, 'server-netpoll.mjs'), '--drive', 'uv', '--api', 'polldesc', '--path', p] },
].filter(Boolean);

// ── A. CPU per message ─────────────────────────────────────────────────────
const cpu = {};
{
  const procs = [];
  try {
    for (const s of servers) {
      s.path = path.join(tmp, `${s.id}.sock`);
      const [cmd, argv] = withPrefix(PLACE.server, s.cmd, s.args(s.path));
      s.proc = await spawnReady(cmd, argv, { env: s.env, label: s.label });
      procs.push(s.proc);
    }
    for (let rep = 0; rep < REPS; rep++) {
      for (const s of servers.map((_, i) => servers[(i + rep) % servers.length])) {
        // Whole-run CPU (warm-up included) over whole-run messages would blur; so sample CPU
        // around a run and count its messages over the same span: warm-up 300 ms is included in
        // both by estimating messages during warm-up at the measured rate.
        const before = cpuTimes(s.proc.pid);
        const t0 = performance.now();
        const r = await drive(s.path);
        const wall = (performance.now() - t0) / 1000;
        const after = cpuTimes(s.proc.pid);
        const msgs = r.mps * (wall - 0.02); // messages over the whole run at the measured rate (connect/close ≈ 20 ms)
        (cpu[s.id] ??= []).push({
          mps: r.mps,
          userUs: ((after.user - before.user) / msgs) * 1e6,
          sysUs: ((after.sys - before.sys) / msgs) * 1e6,
          util: (after.user - before.user + after.sys - before.sys) / wall,
          loadgen: r.loadgen_cpu ?? null,
        });
      }
      log(`profile cpu rep ${rep + 1}/${REPS}`);
    }
  } finally {
    for (const p of procs) await stopProcess(p);
  }
  const m = (id, f) => median((cpu[id] ?? []).map((x) => x[f]));
  tables.push({
    title: `A. Server CPU per echoed message, ${CONNS} connections × ${SIZE} B (median of ${REPS})`,
    columns: ['server', 'msgs/s', 'user µs / msg', 'system µs / msg', 'total µs / msg', 'server CPU (cores)', 'load generator CPU (cores)'],
    rows: servers.map((s) => [s.label, fmtNum(m(s.id, 'mps')), fmtSig(m(s.id, 'userUs')), fmtSig(m(s.id, 'sysUs')), fmtSig(m(s.id, 'userUs') + m(s.id, 'sysUs')), fmtSig(m(s.id, 'util')), fmtSig(m(s.id, 'loadgen'))]),
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    notes: [
      `CPU time is the server process's utime/stime from /proc (all threads; ${CLK_TCK} Hz ticks) over a whole load-generator run, divided by the messages echoed in it. "load generator CPU" is the generator's own getrusage over wall time: near 1.0 means the single-threaded generator, not the server, sets the pace.`,
      '"PollDesc + sync readFd/writeFd" is the same echo loop written against PollDesc, awaiting only when a call would block (bench/echo/server-netpoll.mjs --api polldesc); its difference to PollFD (uv) is the cost of PollFD\'s promise and lock layers.',
    ],
  });
}

// ── B. node --cpu-prof ─────────────────────────────────────────────────────
const CATEGORY_B = [
  ['(idle)', (n) => n.functionName === '(idle)'],
  ['(garbage collector)', (n) => n.functionName === '(garbage collector)'],
  ['(program): V8/native outside JS', (n) => n.functionName === '(program)'],
  ['read/write: koffi call + syscall (readFd, writeFd)', (n) => /^(readFd|writeFd|recvFd|sendFd)$/.test(n.functionName)],
  ['epoll_wait: koffi call + syscall', (n) => /^epollWait/.test(n.functionName)],
  ['Wasm core', (n) => n.url.startsWith('wasm://') || /wasm-function/.test(n.functionName)],
  ['host JS (build/host)', (n) => n.url.includes('/build/host/')],
  ['server JS (bench/echo)', (n) => n.url.includes('/bench/')],
  ['other (Node internals, builtins)', () => true],
];
const cpuprof = {};
let ffi = null;
for (const driveMode of ['uv', 'thread']) {
  const dir = path.join(tmp, `cpuprof-${driveMode}`);
  const sock = path.join(tmp, `prof-${driveMode}.sock`);
  const proc = await spawnReady(...withPrefix(PLACE.server, node, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250',
    path.join(echoDir, 'server-netpoll.mjs'), '--drive', driveMode, '--path', sock]), { label: `profiled server (${driveMode})` });
  let r;
  try {
    r = await drive(sock);
  } finally {
    await stopProcess(proc);
  }
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : null;
  if (!file) {
    notes.push(`--cpu-prof (${driveMode}): no profile was written.`);
    continue;
  }
  const prof = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of prof.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = prof.samples.length;
  const fns = new Map();
  const cats = new Map(CATEGORY_B.map(([c]) => [c, 0]));
  let busy = 0;
  for (const [id, c] of counts) {
    const cf = byId.get(id).callFrame;
    const where = cf.url ? `${cf.url.replace(/^file:\/\/.*?\/(build|bench)\//, '$1/').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + c);
    const cat = CATEGORY_B.find(([, test]) => test(cf))[0];
    cats.set(cat, cats.get(cat) + c);
    if (cf.functionName !== '(idle)') busy += c;
  }
  cpuprof[driveMode] = { mps: r.mps, total, busy, categories: Object.fromEntries(cats), top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15) };
  tables.push({
    title: `B. node --cpu-prof, netpoll server (${driveMode}), ${fmtNum(r.mps)} msgs/s: self time by category`,
    columns: ['category', '% of samples', '% of busy samples'],
    rows: [...cats].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]).map(([cat, c]) => [cat, fmtSig((100 * c) / total), cat === '(idle)' ? '—' : fmtSig((100 * c) / busy)]),
    align: ['l', 'r', 'r'],
  });
  tables.push({
    title: `B. node --cpu-prof, netpoll server (${driveMode}): top functions by self time`,
    columns: ['function', '% of busy samples'],
    rows: cpuprof[driveMode].top.filter(([k]) => !k.startsWith('(idle)')).slice(0, 12).map(([k, c]) => [k, fmtSig((100 * c) / busy)]),
    align: ['l', 'r'],
  });
}

// ── C. perf ────────────────────────────────────────────────────────────────
const CATEGORY_C = [
  ['kernel: scheduler / context switches', (dso, sym) => dso.startsWith('[kernel') && /schedule|finish_task_switch|switch_to|pick_next|enqueue_task|dequeue_task|try_to_wake_up|raw_spin_unlock_irqrestore|update_curr|psi_/.test(sym)],
  ['kernel: system calls, sockets, epoll', (dso) => dso.startsWith('[kernel')],
  ['V8 GC', (dso, sym) => /Scaveng|MarkCompact|ConcurrentMarking|Sweeper|Evacuat|Marking|GCTracer|Heap::|NewSpace|MemoryChunk/.test(sym)],
  ['V8 promises / async functions / microtasks', (dso, sym) => /Promise|Microtask|AsyncFunction|Generator|Await/.test(sym)],
  ['FFI boundary: koffi + N-API', (dso, sym) => dso.startsWith('koffi') || /napi_|v8impl|CallApiCallback|FunctionCallbackWrapper|ArrayBufferView|JSTypedArray|External::Value|Number::New|Isolate::GetCurrent|HandleScope/.test(sym)],
  ['libc (syscall wrappers, pthread)', (dso) => dso.startsWith('libc')],
  ['Wasm core', (dso, sym) => /wasm-function|WasmTo|ToWasm|Wasm|WebAssembly/.test(sym)],
  ['JIT-compiled JS (host, server)', (dso, sym) => dso.startsWith('[JIT]') || /^JS:/.test(sym)],
  ['other V8 / Node (ICs, builtins, runtime)', () => true],
];
const perfBin = tryExec('sh', ['-c', 'command -v perf']);
let perfData = null;
if (!perfBin) {
  notes.push('perf is not installed: the perf view (C) was skipped (`apt-get install linux-perf` may provide it).');
} else {
  try {
    perfData = {};
    for (const driveMode of ['uv', 'uring', 'c']) {
      const sock = path.join(tmp, `perf-${driveMode}.sock`);
      const io = driveMode === 'uring' ? ['--io', 'uring'] : [];
      const proc = driveMode === 'c'
        ? await spawnReady(...withPrefix(PLACE.server, cServer, [sock]), { label: 'C server (perf)' })
        // --perf-basic-prof writes /tmp/perf-PID.map (removed below) and an isolate-*.log into the cwd: run it in tmp.
        : await spawnReady(...withPrefix(PLACE.server, node, ['--perf-basic-prof', path.join(echoDir, 'server-netpoll.mjs'), '--drive', 'uv', ...io, '--path', sock]), { label: `perf server (${driveMode})`, cwd: tmp });
      const data = path.join(tmp, `perf-${driveMode}.data`);
      const rec = spawn(perfBin, ['record', '-F', '1999', '-g', '-o', data, '-p', String(proc.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let recErr = '';
      rec.stderr.on('data', (d) => (recErr += d));
      await sleep(300);
      let r;
      try {
        r = await drive(sock);
      } finally {
        rec.kill('SIGINT');
        await new Promise((res) => rec.once('exit', res));
        await stopProcess(proc);
      }
      if (!existsSync(data)) throw new Error(`perf record wrote nothing: ${recErr.trim().split('\n').pop()}`);
      const report = execFileSync(perfBin, ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none', '--percent-limit', '0'], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      const cats = new Map(CATEGORY_C.map(([c]) => [c, 0]));
      const syms = [];
      for (const line of report.split('\n')) {
        const mm = /^\s+([\d.]+)%\s+(\S+(?: tid \d+\])?|\[JIT\] tid \d+)\s+\[[.k]\]\s+(.*)$/.exec(line);
        if (!mm) continue;
        const pct = Number(mm[1]), dso = mm[2], sym = mm[3].trim();
        const cat = CATEGORY_C.find(([, test]) => test(dso, sym))[0];
        cats.set(cat, cats.get(cat) + pct);
        syms.push([`${sym} (${dso})`, pct]);
      }
      perfData[driveMode] = { mps: r.mps, categories: Object.fromEntries(cats), top: syms.slice(0, 15) };
      rmSync(`/tmp/perf-${proc.pid}.map`, { force: true });
    }
    const label = { uv: 'netpoll PollFD (uv)', uring: 'netpoll PollFD (uv, io uring)', c: 'C epoll' };
    tables.push({
      title: 'C. perf record (all CPU samples of the server process, kernel included), 100 conns × 64 B',
      columns: ['category', ...Object.keys(perfData).map((k) => `${label[k]} % (${fmtNum(perfData[k].mps)} msgs/s)`)],
      rows: CATEGORY_C.map(([c]) => c).filter((c) => Object.values(perfData).some((d) => d.categories[c] > 0.05))
        .map((c) => [c, ...Object.values(perfData).map((d) => fmtSig(d.categories[c]))]),
      align: ['l', 'r', 'r', 'r'],
    });
    for (const k of ['uv', 'uring']) {
      tables.push({
        title: `C. perf record, ${label[k]}: top symbols`,
        columns: ['symbol (dso)', '% of samples'],
        rows: (perfData[k]?.top ?? []).slice(0, 15).map(([s, p]) => [s, fmtSig(p)]),
        align: ['l', 'r'],
      });
    }
  } catch (err) {
    notes.push(`perf failed, the perf view (C) was skipped: ${String(err.message).split('\n')[0]}`);
    perfData = null;
  }
}

// ── D. FFI cost per call ───────────────────────────────────────────────────
{
  const sysc = buildC(path.join(BENCH_DIR, 'profile', 'syscall.c'), 'profile-syscall');
  const sys = await import('../../build/host/sys/index.js');
  const libc = await import('../../build/host/os/libc.js');
  const ITER = quick ? 50_000 : 200_000;
  const cRuns = [], jsRuns = [], rawRuns = [];
  for (let rep = 0; rep < REPS; rep++) {
    cRuns.push(JSON.parse((await runProgram(sysc, [String(ITER)])).trim()));
    for (const [runs, write, read] of [
      [jsRuns, (fd, b) => sys.writeFd(fd, b), (fd, b) => sys.readFd(fd, b)],
      [rawRuns, (fd, b) => libc.write(fd, b, b.byteLength), (fd, b) => libc.read(fd, b, b.byteLength)],
    ]) {
      const [a, b] = sys.socketPair();
      const msg = Buffer.alloc(64), rbuf = Buffer.alloc(65536);
      for (let i = 0; i < ITER / 10; i++) { write(a, msg); read(b, rbuf); }
      let t = process.hrtime.bigint();
      for (let i = 0; i < ITER; i++) {
        if (write(a, msg) !== 64 || read(b, rbuf) !== 64) throw new Error('short I/O');
      }
      const pair = Number(process.hrtime.bigint() - t) / ITER;
      t = process.hrtime.bigint();
      for (let i = 0; i < ITER; i++) if (read(b, rbuf) >= 0) throw new Error('expected EAGAIN');
      const eagain = Number(process.hrtime.bigint() - t) / ITER;
      runs.push({ pair_ns: pair, eagain_ns: eagain });
      sys.closeFd(a);
      sys.closeFd(b);
    }
  }
  const md = (runs, f) => median(runs.map((r) => r[f]));
  const rows = [
    ['C (direct syscalls)', cRuns],
    ['koffi call (libc.read / libc.write)', rawRuns],
    ['host wrappers (readFd / writeFd: koffi + checks + errno)', jsRuns],
  ].map(([label, runs]) => [label, fmtSig(md(runs, 'pair_ns')), fmtSig(md(runs, 'eagain_ns')),
    fmtSig((md(runs, 'pair_ns') - md(cRuns, 'pair_ns')) / 2), fmtSig(md(runs, 'eagain_ns') - md(cRuns, 'eagain_ns'))]);
  ffi = { c: cRuns, koffi: rawRuns, host: jsRuns };
  tables.push({
    title: `D. Cost of one system call from JS vs C (ns, median of ${REPS})`,
    columns: ['caller', 'write 64 B + read 64 B', 'read → EAGAIN', 'overhead per call vs C', 'overhead on EAGAIN vs C'],
    rows,
    align: ['l', 'r', 'r', 'r', 'r'],
    notes: ['A unix stream socketpair in one process: write 64 B on one end, read them on the other; then read() on the empty end. The echo loop makes three such calls per message (read, write, read → EAGAIN).'],
  });
}

notes.push(
  `Views A–C: the C load generator (bench/echo/loadgen.c) at ${CONNS} connections × ${SIZE} B, ${MEASURE_MS} ms per run; ${os.cpus().length} CPUs; placement: ${PLACE.note}.`,
);

removeDir(tmp);
writeResult(args.out, {
  name: 'profile',
  title: 'Profile: where an echo message\'s time goes',
  description: 'CPU per message for every echo server; CPU profile and perf categories for the netpoll server.',
  params: { connections: CONNS, size: `${SIZE} B`, repetitions: REPS, 'measured ms': MEASURE_MS, 'CPU placement (--pin)': PLACE.mode },
  tables,
  targets: [],
  notes,
  data: { cpu, cpuprof, perf: perfData, ffi, seconds: (Date.now() - started) / 1000 },
}, { quick });
