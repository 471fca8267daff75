// Benchmark 3 — core operations: the Wasm core's exports vs the plain-TS
// reference model, ns per operation (see worker.mjs for what each op does).
import path from 'node:path';
import { existsSync } from 'node:fs';
import { BENCH_DIR, ROOT, parseArgs, runProgram, median, ratio, fmtSig, fmtRatio, writeResult, log } from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const SCALE = quick ? 0.25 : 1;
const hasRef = existsSync(path.join(ROOT, 'build/model/test/model/reference.js'));
const impls = ['core', ...(hasRef ? ['ref'] : [])];
const worker = path.join(BENCH_DIR, 'core-ops', 'worker.mjs');

const started = Date.now();
const res = {};
const notes = [];
for (const impl of impls) {
  try {
    const out = await runProgram(process.execPath, [worker, '--impl', impl, '--reps', String(REPS), '--scale', String(SCALE)]);
    res[impl] = JSON.parse(out.trim().split('\n').pop()).ops;
    log(`core-ops ${impl}: ${Object.entries(res[impl]).map(([k, v]) => `${k} ${fmtSig(median(v.nsPerOp))} ns`).join(', ')}`);
  } catch (err) {
    notes.push(`${impl} failed: ${String(err.message).split('\n')[0]}`);
  }
}

const names = Object.keys(res.core ?? res.ref ?? {});
const m = (impl, op, field = 'nsPerOp') => (res[impl]?.[op]?.[field] ? median(res[impl][op][field]) : null);
const rows = names.map((op) => [
  op,
  fmtSig(m('core', op)),
  ...(hasRef ? [fmtSig(m('ref', op)), fmtRatio(ratio(m('ref', op), m('core', op)))] : []),
  (res.core ?? res.ref)[op].unit,
]);
// Per-event view of the batch.
if (names.includes('batch-128')) {
  rows.push([
    'batch-128, per event',
    fmtSig(m('core', 'batch-128', 'perEvent')),
    ...(hasRef ? [fmtSig(m('ref', 'batch-128', 'perEvent')), fmtRatio(ratio(m('ref', 'batch-128', 'perEvent'), m('core', 'batch-128', 'perEvent')))] : []),
    'the batch time ÷ 128',
  ]);
}

notes.push(
  'Both implementations are called through the same surface (the core\'s exports, host/core/abi.ts), in separate processes, each after a warm-up pass; medians of the repetitions.',
  'The epoll batch reaches the Wasm core as raw `struct epoll_event` bytes written into its event region (as epoll_wait would), and the reference model as an array of event objects; the woken tokens are read back from core memory / the returned array.',
  'park/ready includes staging the event; batch-128 times only the netpoll call and reading its ready list.',
  ...(hasRef ? [] : ['The reference model (build/model/test/model/reference.js) was not built: only the core was measured.']),
);

writeResult(args.out, {
  name: 'core-ops',
  title: 'Core operations: Wasm core vs reference model',
  description: 'ns per operation of the poller state machine alone (no syscalls, no promises).',
  params: { repetitions: REPS, 'iterations scale': SCALE },
  tables: [{
    title: `ns per operation (median of ${REPS})`,
    columns: ['operation', 'Wasm core', ...(hasRef ? ['reference model', 'reference / core'] : []), 'what is timed'],
    rows,
    align: ['l', 'r', 'r', 'r', 'l'].slice(0, hasRef ? 5 : 3).concat(hasRef ? [] : ['l']),
  }],
  targets: [],
  notes,
  data: { results: res, seconds: (Date.now() - started) / 1000 },
}, { quick });
