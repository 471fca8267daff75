// Benchmark 5 — bytes per descriptor: core linear memory and JS heap, idle
// and with two deadlines each (and, for context, with a parked waiter).
// Each scenario runs REPS times, each in a fresh `node --expose-gc` process.
import path from 'node:path';
import { BENCH_DIR, parseArgs, runProgram, median, fmtNum, fmtSig, writeResult, log } from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const N = Number(args.n ?? 100_000);
const worker = path.join(BENCH_DIR, 'memory', 'worker.mjs');
const scenarios = [
  { id: 'core', label: 'Wasm core alone (loadCore)' },
  { id: 'poller', label: 'Poller + PollDesc, no-syscall drive' },
  { id: 'uv-fds', label: 'Poller (uv) + PollDesc, real eventfds' },
  { id: 'pollfd', label: 'PollFD (uv), real eventfds' },
];

const started = Date.now();
const runs = {};
const notes = [];
for (let rep = 0; rep < REPS; rep++) {
  for (const s of scenarios) {
    try {
      const out = await runProgram(process.execPath, ['--expose-gc', worker, '--scenario', s.id, '--n', String(N)]);
      (runs[s.id] ??= []).push(JSON.parse(out.trim().split('\n').pop()));
    } catch (err) {
      notes.push(`${s.label}, rep ${rep + 1}: failed — ${String(err.message).split('\n')[0]}`);
    }
  }
  log(`memory rep ${rep + 1}/${REPS} done`);
}

// Per-descriptor medians of each step.
const per = (id, step, field) => {
  const rs = runs[id] ?? [];
  return median(rs.map((r) => {
    const s = r.steps.find((x) => x.step === step);
    return s ? s[field] / r.n : null;
  }));
};
const nOf = (id) => runs[id]?.[0]?.n ?? null;
const rows = [];
for (const s of scenarios) {
  for (const step of (runs[s.id]?.[0]?.steps ?? []).map((x) => x.step)) {
    rows.push([
      s.label,
      fmtNum(nOf(s.id)),
      step === 'idle' ? 'idle (registered, no deadline)' : step === 'two deadlines' ? '+ read and write deadline (2 timers)' : `+ ${step}`,
      fmtSig(per(s.id, step, 'coreBytes')),
      fmtSig(per(s.id, step, 'heapBytes')),
    ]);
  }
}

const coreIdle = per('core', 'idle', 'coreBytes');
const heapIdle = per('poller', 'idle', 'heapBytes');
const heapIdleUv = per('uv-fds', 'idle', 'heapBytes');
const targets = [
  { target: '≤ 64 B of core memory per idle descriptor', value: `${fmtSig(coreIdle)} B (N = ${fmtNum(nOf('core'))})`, met: coreIdle === null ? null : coreIdle <= 64 },
  {
    target: '≤ 100 B of JS heap per idle descriptor (Poller + PollDesc)',
    value: `${fmtSig(heapIdle)} B (N = ${fmtNum(nOf('poller'))}); ${fmtSig(heapIdleUv)} B with real fds (N = ${fmtNum(nOf('uv-fds'))})`,
    met: heapIdle === null ? null : heapIdle <= 100 && (heapIdleUv === null || heapIdleUv <= 100),
  },
];

const limited = runs['uv-fds']?.[0]?.limited;
if (limited) notes.push(`The real-fd scenarios are capped by RLIMIT_NOFILE (hard limit ${fmtNum(limited.hard)}): N = ${fmtNum(nOf('uv-fds'))} instead of ${fmtNum(limited.requested)}. The no-syscall drive measures the same Poller and PollDesc objects at the full N.`);
notes.push(
  'Core memory: growth of `memory.buffer.byteLength` (64 KiB pages; descriptor records are 64 B in blocks of 64, timers live in blocks of heap entries), divided by N. JS heap: growth of `process.memoryUsage().heapUsed` after forced full GCs (`--expose-gc`), divided by N; the arrays holding the benchmark\'s references are allocated before the baseline.',
  '"parked read waiter" / "parked read" is what a descriptor costs while an `await pd.wait(\'r\')` / `await fd.read(buf)` is pending (the promise, the async function\'s frame, the waker closure and its token entry); an idle keep-alive connection in a server built on PollFD costs this much, not just the idle figure.',
  `Medians of ${REPS} runs, each in a fresh process.`,
);

writeResult(args.out, {
  name: 'memory',
  title: 'Bytes per descriptor',
  description: `Memory per registered descriptor at N = ${fmtNum(N)} (core linear memory and JS heap).`,
  params: { descriptors: fmtNum(N), repetitions: REPS },
  tables: [{
    title: 'Bytes per descriptor (median of runs)',
    columns: ['scenario', 'N', 'state', 'core memory B / desc', 'JS heap B / desc'],
    rows,
    align: ['l', 'r', 'l', 'r', 'r'],
  }],
  targets,
  notes,
  data: { runs, seconds: (Date.now() - started) / 1000 },
}, { quick });
