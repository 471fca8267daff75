// Benchmark 2 — deadline churn: N live deadlines, 90 % moved later, 9 %
// cleared, 1 % expiring. ns per operation for the Wasm core (its exports,
// called directly), the plain-TS reference model, and Node's own timers
// (setTimeout + clearTimeout, and Timeout.refresh()). See worker.mjs for
// the exact workload. Each (implementation, N, pattern) runs in a fresh
// process: one warm-up round, then REPS timed rounds.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { BENCH_DIR, ROOT, parseArgs, runProgram, median, ratio, fmtNum, fmtSig, fmtRatio, writeResult, log } from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const SIZES = args.n ? String(args.n).split(',').map(Number) : [100_000, 1_000_000];
const PATTERNS = args.patterns ? String(args.patterns).split(',') : ['fixed', 'random'];
const opsFor = (n) => Number(args.ops ?? (quick ? 100_000 : Math.max(n, 200_000)));

const hasRef = existsSync(path.join(ROOT, 'build/model/test/model/reference.js'));
const impls = [
  { id: 'core', label: 'Wasm core (setDeadline export)' },
  hasRef && { id: 'ref', label: 'reference model (plain TS)' },
  { id: 'node-clear', label: 'Node clearTimeout + setTimeout' },
  { id: 'node-refresh', label: 'Node timeout.refresh()' },
].filter(Boolean);

const worker = path.join(BENCH_DIR, 'deadlines', 'worker.mjs');
const results = {};
const notes = [];
const started = Date.now();
for (const n of SIZES) {
  for (const pattern of PATTERNS) {
    for (const impl of impls) {
      const key = `${impl.id}/${n}/${pattern}`;
      const ops = opsFor(n);
      try {
        const out = await runProgram(process.execPath, ['--expose-gc', '--max-old-space-size=4096', worker,
          '--impl', impl.id, '--n', String(n), '--pattern', pattern, '--ops', String(ops), '--rounds', String(REPS + 1)], { timeoutMs: 600_000 });
        const r = JSON.parse(out.trim().split('\n').pop());
        r.timed = r.roundNs.slice(1); // the first round warms up
        r.nsPerOp = median(r.timed) / ops;
        results[key] = r;
        log(`deadlines ${key}: ${fmtSig(r.nsPerOp)} ns/op (rounds ${r.timed.map((t) => fmtSig(t / ops)).join(', ')}), setup ${fmtNum(r.setupMs)} ms, live ${r.liveTimers}`);
      } catch (err) {
        notes.push(`${impl.label}, N = ${fmtNum(n)}, ${pattern}: failed — ${String(err.message).split('\n')[0]}`);
        log(`deadlines ${key} failed: ${err.message}`);
      }
    }
  }
}

const ns = (id, n, p) => results[`${id}/${n}/${p}`]?.nsPerOp ?? null;
const patternLabel = { fixed: 'now + 30 s', random: 'now + U[10 s, 20 s]' };
const tables = [];
for (const pattern of PATTERNS) {
  tables.push({
    title: `ns per operation, moves to ${patternLabel[pattern] ?? pattern} (median of ${REPS} rounds)`,
    columns: ['live deadlines', ...impls.map((i) => i.label), 'core vs clear+set', 'core vs refresh()', ...(hasRef ? ['core vs reference'] : []), 'live at end'],
    rows: SIZES.map((n) => [
      fmtNum(n),
      ...impls.map((i) => fmtSig(ns(i.id, n, pattern))),
      fmtRatio(ratio(ns('node-clear', n, pattern), ns('core', n, pattern))),
      fmtRatio(ratio(ns('node-refresh', n, pattern), ns('core', n, pattern))),
      ...(hasRef ? [fmtRatio(ratio(ns('ref', n, pattern), ns('core', n, pattern)))] : []),
      fmtNum(results[`core/${n}/${pattern}`]?.liveTimers),
    ]),
    notes: ['"core vs X" = X\'s ns/op ÷ the core\'s: how many times faster the core is.'],
  });
}
tables.push({
  title: 'Setup: arming the N initial deadlines (ms, one pass)',
  columns: ['live deadlines', ...PATTERNS.flatMap((p) => impls.map((i) => `${i.label} (${p})`))],
  rows: SIZES.map((n) => [fmtNum(n), ...PATTERNS.flatMap((p) => impls.map((i) => fmtNum(results[`${i.id}/${n}/${p}`]?.setupMs)))]),
});

const targets = [];
for (const n of SIZES) {
  for (const pattern of PATTERNS) {
    const r = ratio(ns('node-clear', n, pattern), ns('core', n, pattern));
    targets.push({
      target: `deadline reset ≥ 2× faster than setTimeout+clearTimeout (N = ${fmtNum(n)}, ${patternLabel[pattern]})`,
      value: `${fmtRatio(r)} (${fmtSig(ns('core', n, pattern))} vs ${fmtSig(ns('node-clear', n, pattern))} ns/op)`,
      met: r === null ? null : r >= 2,
    });
  }
}

notes.push(
  'Operations: 90 % move a deadline later, 9 % clear it, 1 % set it to expire at the next tick; a descriptor whose deadline was cleared or has fired gets a fresh one when it is next moved (≈ 90 % of the N stay live: "live at end" is the core\'s timer-heap size after the last round). Every 10,000 operations the timers run: `netpoll(0, stride, now)` on the cores (virtual clock, 1 µs per operation), one event-loop turn (setImmediate) for Node.',
  'The cores are called through their exports exactly as the host calls them: `setDeadline(index, seq, mode, d: bigint, now: bigint)`, so each call includes creating two BigInts; no Poller, no epoll, no timerfd.',
  'Node\'s refresh() keeps the timer\'s original duration, so for the random pattern it is a slightly different (cheaper) operation; it is the exact equivalent for the fixed pattern.',
  `Operations per round: ${SIZES.map((n) => `${fmtNum(opsFor(n))} for N = ${fmtNum(n)}`).join(', ')}; ${REPS} timed rounds after one warm-up round, each (implementation, N, pattern) in a fresh process.`,
  ...(hasRef ? [] : ['The reference model (build/model/test/model/reference.js) was not built, so it is missing from the tables.']),
);

writeResult(args.out, {
  name: 'deadlines',
  title: 'Deadline churn',
  description: 'ns per deadline operation with N live deadlines: Wasm core vs the plain-TS reference model vs Node timers.',
  params: { 'live deadlines': SIZES.map((n) => fmtNum(n)), patterns: PATTERNS, repetitions: REPS },
  tables,
  targets,
  notes,
  data: { results, seconds: (Date.now() - started) / 1000 },
}, { quick });
