// Benchmark — the event loop turns: the worst gap in Node's event loop while
// PollFD loops that never park run (always-ready reads, always-ready writes,
// both), over TCP on 127.0.0.1, a unix stream socket, SOCK_SEQPACKET and a
// pipe, on both drives, on the main thread and inside a worker. Each case runs
// in a fresh process (case.mjs); the gap is perf_hooks.monitorEventLoopDelay's
// max on the thread running the loops. The bound: ≤ 20 ms.
//
//   node bench/eventloop/bench.mjs [--quick] [--ms 1000] [--reps 3] [--out DIR]
import path from 'node:path';
import { BENCH_DIR, parseArgs, runProgram, median, fmtSig, writeResult, log } from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const MS = Number(args.ms ?? (quick ? 300 : 1000));
const REPS = Number(args.reps ?? (quick ? 1 : 3));
const BOUND_MS = 20;
const script = path.join(BENCH_DIR, 'eventloop', 'case.mjs');

const DRIVES = ['uv', 'thread'];
const PLACES = ['main', 'worker'];
const KINDS = ['tcp', 'unix', 'seqpacket', 'pipe'];
const PATTERNS = ['read', 'write', 'both'];

const started = Date.now();
const samples = {};
const notes = [];
for (let rep = 0; rep < REPS; rep++) {
  for (const drive of DRIVES) for (const place of PLACES) for (const kind of KINDS) for (const pattern of PATTERNS) {
    const key = `${drive}/${place}/${kind}/${pattern}`;
    try {
      const out = await runProgram(process.execPath, [script, drive, place, kind, pattern, String(MS)], { timeoutMs: MS * 20 + 10_000 });
      (samples[key] ??= []).push(JSON.parse(out.trim().split('\n').pop()));
    } catch (err) {
      notes.push(`${key}, rep ${rep + 1}: failed — ${String(err.message).split('\n')[0]}`);
    }
  }
  log(`eventloop rep ${rep + 1}/${REPS} done`);
}

const worst = (key, f) => Math.max(...(samples[key] ?? []).map((r) => r[f]));
const rows = [];
const worstBy = { uv: 0, thread: 0 };
for (const drive of DRIVES) for (const place of PLACES) for (const kind of KINDS) {
  const cells = PATTERNS.map((pattern) => {
    const key = `${drive}/${place}/${kind}/${pattern}`;
    if (!samples[key]) return 'failed';
    worstBy[drive] = Math.max(worstBy[drive], worst(key, 'maxMs'));
    return `${fmtSig(worst(key, 'maxMs'))} (p99 ${fmtSig(median(samples[key].map((r) => r.p99Ms)))})`;
  });
  rows.push([drive, place, kind, ...cells]);
}

notes.push(
  `Each case: one Poller; 'read' reads 16-byte chunks from an fd a child \`cat /dev/zero\` keeps full, 'write' writes 16-byte chunks into an fd a child \`cat > /dev/null\` drains, 'both' runs a writer and a reader PollFD on the two ends in the same thread. The loops run for ${MS} ms under perf_hooks.monitorEventLoopDelay (1 ms resolution) on the thread that runs them; the table shows the worst max over ${REPS} fresh-process run(s), with the median p99 beside it.`,
  'Run it at normal priority: under `nice` on a loaded machine the scheduler starves the process and the gap measures that (a held thread shows as a high op count with a large gap; a starved process as a low op count, data.samples).',
  'The slice (host/fairness.ts, NETPOLL_SLICE_MS, default 4 ms) bounds how long operations that never park run before they wait one event-loop turn; a larger gap is the machine (other processes, GC), not a held thread — compare the p99.',
);

writeResult(args.out, {
  name: 'eventloop',
  title: 'The event loop turns: worst event-loop gap under always-ready PollFD loops',
  description: 'perf_hooks.monitorEventLoopDelay max (ms) while loops that never park run, per drive, placement, fd kind and I/O pattern.',
  params: { 'ms per case': MS, repetitions: REPS, 'slice ms': process.env.NETPOLL_SLICE_MS ?? '4 (default)' },
  tables: [{
    title: 'Worst event-loop gap in ms (median p99 in brackets)',
    columns: ['drive', 'thread', 'fd', ...PATTERNS.map((p) => `${p} ms`)],
    rows,
  }],
  targets: DRIVES.map((d) => ({ target: `worst event-loop gap ≤ ${BOUND_MS} ms (${d})`, value: `${fmtSig(worstBy[d])} ms`, met: worstBy[d] <= BOUND_MS })),
  notes,
  data: { samples, seconds: (Date.now() - started) / 1000 },
}, { quick });
