#!/usr/bin/env node
// netpoll-wasm benchmarks: runs every benchmark (or --only some of them), each
// in its own process, then combines their results into results/README.md.
//
//   npm run bench                         build, then every benchmark (~12 min)
//   node bench/run.mjs --quick            shorter runs, fewer points (< 3 min); results in results/quick/
//   node bench/run.mjs --only echo,wake   just those; the summary still lists every result on disk
//   node bench/run.mjs --list             the benchmark names
//   node bench/run.mjs --summary          only rebuild results/README.md from the results on disk
//
// Not part of `npm test`. Needs `npm run build` first (npm run bench does it),
// a C compiler (`cc`), Linux; Go is optional (its comparator is skipped
// without it); perf is optional (the profile's perf view is skipped without it).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  BENCH_DIR, ROOT, parseArgs, defaultResultsDir, machineInfo, versions, resultMarkdown, machineLine, versionsLine,
  mdTable, fmtNum, log,
} from './lib/common.mjs';

export const BENCHMARKS = [
  { name: 'echo', script: 'echo/bench.mjs', what: 'echo server on PollFD vs C epoll, Go net, node:net (msgs/s, p50/p99)' },
  { name: 'deadlines', script: 'deadlines/bench.mjs', what: 'deadline churn, 100k and 1M live deadlines: core vs reference model vs Node timers' },
  { name: 'core-ops', script: 'core-ops/bench.mjs', what: 'core operations: Wasm core vs reference model, ns/op' },
  { name: 'idle', script: 'idle/bench.mjs', what: 'active latency among 1k / 10k / 100k idle registered descriptors' },
  { name: 'memory', script: 'memory/bench.mjs', what: 'core memory and JS heap per descriptor' },
  { name: 'wake', script: 'wake/bench.mjs', what: 'wake latency: eventfd written by another process → promise settled' },
  { name: 'profile', script: 'profile/bench.mjs', what: 'where an echo message\'s time goes: CPU per message, --cpu-prof, perf' },
  { name: 'workers', script: 'workers/bench.mjs', what: 'echo scaled across worker_threads, wake latency with many worker pollers, terminate() cost' },
  { name: 'eventloop', script: 'eventloop/bench.mjs', what: 'worst event-loop gap under always-ready PollFD loops: TCP, unix, SEQPACKET, pipe; both drives; main thread and worker' },
];

const args = parseArgs();
if (args.list) {
  for (const b of BENCHMARKS) console.log(`${b.name.padEnd(10)} ${b.what}`);
  process.exit(0);
}
const only = typeof args.only === 'string' ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
if (args.only === true) {
  console.error('--only needs a name: ' + BENCHMARKS.map((b) => b.name).join(', '));
  process.exit(2);
}
for (const name of only ?? []) {
  if (!BENCHMARKS.some((b) => b.name === name)) {
    console.error(`unknown benchmark ${JSON.stringify(name)}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
}
for (const f of ['build/netpoll.wasm', 'build/host/index.js']) {
  if (!existsSync(path.join(ROOT, f))) {
    console.error(`${f} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
    process.exit(2);
  }
}

const outDir = args.out ?? defaultResultsDir(args.quick);
mkdirSync(outDir, { recursive: true });
if (args.summary) {
  const runFile = path.join(outDir, 'run.json');
  writeSummary(outDir, existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : { timings: {}, quick: args.quick });
  log(`summary: ${path.relative(process.cwd(), path.join(outDir, 'README.md'))}`);
  process.exit(0);
}
const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));

function runOne(b) {
  return new Promise((resolve) => {
    const argv = [path.join(BENCH_DIR, b.script), '--out', outDir, ...(args.quick ? ['--quick'] : [])];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, sig) => resolve(code === 0 ? 0 : code ?? sig));
  });
}

const runFile = path.join(outDir, 'run.json');
const previous = existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : { timings: {} };
const timings = { ...previous.timings };
const failures = [];
const t0 = Date.now();
for (const b of selected) {
  log(`\n=== ${b.name}: ${b.what}`);
  const t = Date.now();
  const status = await runOne(b);
  const secs = (Date.now() - t) / 1000;
  timings[b.name] = { seconds: secs, date: new Date().toISOString(), ok: status === 0 };
  log(`=== ${b.name}: ${status === 0 ? 'done' : `FAILED (${status})`} in ${secs.toFixed(1)} s`);
  if (status !== 0) failures.push(b.name);
}
const totalSeconds = (Date.now() - t0) / 1000;
const run = {
  date: new Date().toISOString(),
  quick: args.quick,
  only,
  totalSeconds,
  // The last complete run of everything, for the summary's "how long" line.
  fullRunSeconds: only ? previous.fullRunSeconds ?? null : totalSeconds,
  timings,
};
writeFileSync(runFile, JSON.stringify(run, null, 2) + '\n');
writeSummary(outDir, run);
log(`\nAll done in ${totalSeconds.toFixed(0)} s; summary: ${path.relative(process.cwd(), path.join(outDir, 'README.md'))}`);
if (failures.length) {
  log(`failed: ${failures.join(', ')}`);
  process.exit(1);
}

function writeSummary(dir, run) {
  const results = BENCHMARKS.map((b) => {
    const f = path.join(dir, `${b.name}.json`);
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
  }).filter(Boolean);
  const first = results[0];
  const out = [];
  out.push('# netpoll-wasm benchmarks', '');
  out.push(
    'Generated by `bench/run.mjs` from the `*.json` files beside this one; every number in a table is a comparison made within the same run (ratios), on the machine below. Each benchmark writes its own `NAME.md` / `NAME.json` too.',
    '',
  );
  if (run.quick) out.push('**These are --quick results**: shorter runs and fewer points; use them for smoke-testing, not for conclusions.', '');

  out.push('## How to reproduce', '');
  out.push(
    '```sh',
    'npm ci',
    'npm run bench                          # npm run build && node bench/run.mjs',
    'node bench/run.mjs --quick             # < 3 min, results in bench/results/quick/',
    'node bench/run.mjs --only echo         # one benchmark: ' + BENCHMARKS.map((b) => b.name).join(', '),
    'node bench/echo/bench.mjs --conns 100 --sizes 64 --measure 3000   # a benchmark alone, with its own knobs',
    'node bench/echo/bench.mjs --pin none   # CPU placement: auto (default) | same | split | none — see bench/README.md',
    '```',
    '',
    'Needs Linux, Node ≥ 20.19 and a C compiler (`cc`; the C load generator and comparators are compiled at bench time into `bench/.build/`). Go is optional: without `go` on the PATH the Go comparator is skipped with a note. `perf` is optional (profile view C). The benchmarks raise RLIMIT_NOFILE\'s soft limit to the hard limit themselves; a larger hard limit (`ulimit -Hn`, needs privilege) lets the idle and memory benchmarks reach 100k real descriptors.',
    '',
  );

  out.push('## Machine', '');
  const m = first?.machine ?? machineInfo();
  const v = first?.versions ?? versions();
  out.push(`- ${machineLine({ machine: m })}`, `- ${versionsLine({ versions: v })}`);
  const dates = results.map((r) => r.date).sort();
  if (dates.length) out.push(`- Results from ${dates[0]} to ${dates.at(-1)}`);
  const t = run.timings ?? {};
  const timingText = BENCHMARKS.filter((b) => t[b.name]).map((b) => `${b.name} ${fmtNum(t[b.name].seconds)} s`).join(', ');
  if (run.fullRunSeconds) out.push(`- Duration of the last complete run: ${fmtNum(run.fullRunSeconds / 60, 1)} min (${timingText}), plus \`npm run build\`.`);
  else if (timingText) out.push(`- Durations: ${timingText}.`);
  out.push('');

  const targets = results.flatMap((r) => (r.targets ?? []).map((tg) => ({ ...tg, bench: r.name })));
  if (targets.length) {
    out.push('## Targets (reported, not asserted)', '');
    out.push(mdTable(['benchmark', 'target', 'measured', 'met'], targets.map((tg) => [tg.bench, tg.target, tg.value, tg.met === null ? 'n/a' : tg.met ? 'yes' : '**no**']), ['l', 'l', 'l', 'l']), '');
  }

  const analysis = path.join(BENCH_DIR, 'ANALYSIS.md');
  if (existsSync(analysis) && !run.quick) out.push(readFileSync(analysis, 'utf8').trim(), '');

  for (const r of results) out.push(resultMarkdown(r, 2));
  writeFileSync(path.join(dir, 'README.md'), out.join('\n'));
}
