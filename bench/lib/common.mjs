// Shared helpers for the benchmarks: command line, machine and version facts,
// statistics, result files (JSON + markdown), and building the C / Go helpers.
//
// Every benchmark is a standalone script (`node bench/<name>/bench.mjs
// [--quick] [--out DIR]`) that writes `<name>.json` and `<name>.md` into the
// results directory; bench/run.mjs runs them one after another and combines
// the JSON files into README.md.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);
export const BUILD_DIR = path.join(BENCH_DIR, '.build');
/** The 1-minute load average when this benchmark started: other work on the machine skews results. */
const LOAD_AT_START = os.loadavg()[0];

// ── command line ───────────────────────────────────────────────────────────

/** --quick, --out DIR, plus any `--name value` / `--flag` pairs. */
export function parseArgs(argv = process.argv.slice(2)) {
  const args = { quick: false, out: null, _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      args._.push(a);
      continue;
    }
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[key] = true;
    else {
      args[key] = next;
      i++;
    }
  }
  args.quick = args.quick === true || args.quick === 'true';
  args.out ??= defaultResultsDir(args.quick);
  return args;
}

export function defaultResultsDir(quick) {
  return quick ? path.join(BENCH_DIR, 'results', 'quick') : path.join(BENCH_DIR, 'results');
}

// ── machine and versions ───────────────────────────────────────────────────

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function tryExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  let model = cpus[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {}
  return {
    cores: cpus.length,
    cpu: model,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

let versionsCache = null;
export function versions() {
  if (versionsCache) return versionsCache;
  const pkg = (name) => {
    try {
      return readJson(path.join(ROOT, 'node_modules', name, 'package.json')).version;
    } catch {
      return null;
    }
  };
  const go = goBinary();
  versionsCache = {
    node: process.version,
    koffi: pkg('koffi'),
    assemblyscript: pkg('assemblyscript'),
    'netpoll-wasm': readJson(path.join(ROOT, 'package.json')).version,
    cc: tryExec('cc', ['--version'])?.split('\n')[0] ?? null,
    go: go ? tryExec(go, ['version']) : null,
  };
  return versionsCache;
}

// ── statistics ─────────────────────────────────────────────────────────────

export function median(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Percentile (0..100) of an already sorted numeric array (nearest rank). */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function percentiles(values, ps = [50, 99]) {
  const s = Float64Array.from(values).sort();
  return Object.fromEntries(ps.map((p) => [`p${p}`, percentileSorted(s, p)]));
}

export function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return null;
  return a / b;
}

// ── formatting ─────────────────────────────────────────────────────────────

export function fmtNum(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (typeof x === 'string') return x;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Three significant figures, thousands separated. */
export function fmtSig(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (typeof x === 'string') return x;
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return fmtNum(x, digits);
}

export function fmtRatio(x) {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(2)}×`;
}

/** align: one of 'l' / 'r' per column; by default the first column left, the rest right. */
export function mdTable(columns, rows, align) {
  const esc = (s) => String(s ?? '—').replaceAll('|', '\\|');
  const al = (i) => align?.[i] ?? (i === 0 ? 'l' : 'r');
  const lines = [`| ${columns.map(esc).join(' | ')} |`, `|${columns.map((c, i) => (al(i) === 'l' ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

// ── result files ───────────────────────────────────────────────────────────

/**
 * result = { name, title, description, params, tables: [{ title, columns, rows, notes? }],
 *            targets: [{ target, value, met, note? }], notes: [], data }
 */
export function writeResult(outDir, result, { quick }) {
  mkdirSync(outDir, { recursive: true });
  const full = {
    ...result,
    quick,
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadAvg1m: { start: round2(LOAD_AT_START), end: round2(os.loadavg()[0]) } },
    versions: versions(),
  };
  writeFileSync(path.join(outDir, `${result.name}.json`), JSON.stringify(full, jsonReplacer, 2) + '\n');
  writeFileSync(path.join(outDir, `${result.name}.md`), resultMarkdown(full, 2));
  return full;
}

const round2 = (x) => Math.round(x * 100) / 100;

function jsonReplacer(_key, value) {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function machineLine(r) {
  const m = r.machine;
  return `${m.cores} cores, ${m.cpu}, ${m.kernel} (${m.arch}), ${m.memoryGiB} GiB`;
}

export function versionsLine(r) {
  const v = r.versions;
  return [
    `Node ${v.node}`,
    `koffi ${v.koffi}`,
    `AssemblyScript ${v.assemblyscript}`,
    v.go ? v.go.replace(/^go version /, 'Go ') : 'Go: not installed',
    v.cc ? `cc: ${v.cc}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The markdown of one benchmark; `level` is the heading level of its title. */
export function resultMarkdown(r, level = 2) {
  const h = '#'.repeat(level);
  const out = [`${h} ${r.title}`, ''];
  if (r.description) out.push(r.description, '');
  const load = r.machine.loadAvg1m ? ` · load average (1 min) ${r.machine.loadAvg1m.start} at start, ${r.machine.loadAvg1m.end} at end` : '';
  out.push(
    `Run ${r.date}${r.quick ? ' (**--quick**: shorter runs, fewer points)' : ''} · ${machineLine(r)} · ${versionsLine(r)}${load}`,
    '',
  );
  if (r.params) out.push(`Parameters: ${Object.entries(r.params).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : v}`).join('; ')}`, '');
  for (const t of r.tables ?? []) {
    out.push(`${h}# ${t.title}`, '', mdTable(t.columns, t.rows, t.align), '');
    for (const n of t.notes ?? []) out.push(`- ${n}`);
    if (t.notes?.length) out.push('');
  }
  if (r.targets?.length) {
    out.push(`${h}# Targets`, '', mdTable(['target', 'measured', 'met'], r.targets.map((t) => [t.target, t.value, t.met === null ? 'n/a' : t.met ? 'yes' : '**no**']), ['l', 'l', 'l']), '');
  }
  if (r.notes?.length) {
    out.push(`${h}# Notes`, '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

// ── building helpers ───────────────────────────────────────────────────────

function newer(src, out) {
  return !existsSync(out) || statSync(src).mtimeMs > statSync(out).mtimeMs;
}

/** cc -O2 src → bench/.build/<name>; rebuilt when the source is newer. Returns the binary's path. */
export function buildC(src, name = path.basename(src, '.c')) {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = path.join(BUILD_DIR, name);
  if (newer(src, out)) execFileSync('cc', ['-O2', '-Wall', '-o', out, src], { stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

let goCache;
/** The go binary, or null when Go is not installed (or NETPOLL_BENCH_NO_GO is set). */
export function goBinary() {
  if (goCache !== undefined) return goCache;
  goCache = null;
  if (process.env.NETPOLL_BENCH_NO_GO) return null; // test the "Go is missing" path
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir || '.', 'go');
    if (existsSync(p)) {
      goCache = p;
      break;
    }
  }
  if (!goCache && existsSync('/usr/local/go/bin/go')) goCache = '/usr/local/go/bin/go';
  return goCache;
}

/** go build a single-file program → bench/.build/<name>; null when Go is missing. */
export function buildGo(src, name) {
  const go = goBinary();
  if (!go) return null;
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = path.join(BUILD_DIR, name);
  if (newer(src, out)) {
    const env = {
      ...process.env,
      GO111MODULE: 'off',
      GOCACHE: process.env.GOCACHE ?? path.join(BUILD_DIR, 'gocache'),
      GOPATH: process.env.GOPATH ?? path.join(BUILD_DIR, 'gopath'),
      HOME: process.env.HOME ?? BUILD_DIR,
    };
    execFileSync(go, ['build', '-o', out, src], { stdio: ['ignore', 'inherit', 'inherit'], env });
  }
  return out;
}

// ── processes ──────────────────────────────────────────────────────────────

/**
 * Where the echo servers and the load generator run (`--pin`):
 *   same   both on the last CPU: they time-share one core, so msgs/s measures the
 *          CPU each side spends per message, and no cross-CPU wake-ups (IPIs, costly
 *          and erratic in VMs) are involved — the stable choice on small machines
 *   split  server on CPU 1, load generator on CPU 2 (CPU 0 is left to everything else)
 *   none   wherever the scheduler puts them
 *   auto   (default) split with ≥ 4 CPUs, same with fewer; none without taskset
 * Returns { mode, server: prefix argv, loadgen: prefix argv, note }.
 */
export function placement(pin = 'auto', roles = { server: 'server', loadgen: 'load generator' }) {
  const taskset = TASKSET;
  const cpus = CPUS;
  let mode = pin === true ? 'auto' : String(pin);
  if (mode === 'auto') mode = !taskset ? 'none' : cpus >= 4 ? 'split' : 'same';
  if (mode !== 'none' && !taskset) mode = 'none';
  if (mode === 'split' && cpus < 3) mode = 'same';
  const on = (cpu) => [taskset, '-c', String(cpu)];
  if (mode === 'same') {
    const cpu = cpus - 1;
    return {
      mode, server: on(cpu), loadgen: on(cpu),
      note: `${roles.server} and ${roles.loadgen} pinned to the same CPU (${cpu}, taskset), so no cross-CPU wake-ups (IPIs, slow and erratic in VMs) are involved; unpinned, results on this ${cpus}-CPU machine swung by 2-5× between runs`,
    };
  }
  if (mode === 'split') return { mode, server: on(1), loadgen: on(2), note: `${roles.server} pinned to CPU 1, ${roles.loadgen} to CPU 2 (taskset)` };
  return { mode: 'none', server: [], loadgen: [], note: taskset ? 'no CPU pinning' : 'no CPU pinning (taskset not found)' };
}

/**
 * The echo every netpoll bench server runs on a connection: read → write the
 * bytes back until EOF, then close. A peer that resets is the end of a
 * session, not an error. Takes a PollFD of whatever build the caller loaded.
 */
export async function echoConn(conn) {
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === 0) break;
      await conn.write(buf.subarray(0, n));
    }
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes(err?.code)) console.error('conn:', err);
  } finally {
    await conn.close();
  }
}

/** taskset's path, or null where it is not installed. */
export const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) ?? null;
/** CPUs this process may use. */
export const CPUS = os.availableParallelism?.() ?? os.cpus().length;

/** [cmd, args] with a placement prefix (e.g. taskset -c N) in front. */
export function withPrefix(prefix, cmd, args) {
  return prefix.length ? [prefix[0], [...prefix.slice(1), cmd, ...args]] : [cmd, args];
}

export function tempDir(prefix = 'netpoll-bench-') {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawn a server and wait until it prints a line containing "ready".
 * Resolves with the ChildProcess; rejects if it exits first or takes > timeoutMs.
 */
export function spawnReady(cmd, args, { env, cwd, timeoutMs = 20000, label = cmd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: not ready after ${timeoutMs} ms\n${out}${err}`));
    }, timeoutMs);
    const onExit = (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited (${code ?? sig}) before ready\n${out}${err}`));
    };
    child.once('exit', onExit);
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 20000) err = err.slice(-10000);
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (/ready/.test(out)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        child.stderrText = () => err;
        resolve(child);
      }
    });
  });
}

/** Run a program to completion; resolves with its stdout (rejects on a non-zero exit). */
export function runProgram(cmd, args, { env, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // 'close', not 'exit': 'exit' may come before the last of stdout has been read (a run once parsed an empty line).
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: exit ${code ?? sig}\n${err}`));
    });
  });
}

export async function stopProcess(child, timeoutMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Force V8 garbage collection (needs --expose-gc), several passes. */
export function fullGc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc');
  for (let i = 0; i < 4; i++) globalThis.gc();
}

export function log(...args) {
  process.stderr.write(args.join(' ') + '\n');
}
