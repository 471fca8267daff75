// Benchmark — the cost of the observability hooks (host/observe/channels.ts):
// an in-process echo (PollFD on both ends of socketpairs, one 'uv' poller)
// run with nobody subscribed, with no-op subscribers on every netpoll
// channel, and with an inspector serving the poller (its figures subscribe),
// interleaved in one process, rotating the order every repetition.
//
//   node bench/observe/bench.mjs [--quick] [--reps N] [--conns N] [--rounds N] [--out DIR]
import dc from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, median, ratio, fmtSig, fmtRatio, writeResult, log } from '../lib/common.mjs';
import { Poller, PollFD } from '../../build/host/index.js';
import { socketPair } from '../../build/host/sys/index.js';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? (quick ? 10 : 40));
const CONNS = Number(args.conns ?? 32);
const ROUNDS = Number(args.rounds ?? (quick ? 200 : 400));
const SIZE = 64;

const poller = await Poller.create();
const pairs = [];
for (let i = 0; i < CONNS; i++) {
  const [a, b] = socketPair();
  pairs.push([await PollFD.open(a, { poller }), await PollFD.open(b, { poller })]);
}

/** One echo run: every connection does ROUNDS round trips of SIZE bytes; returns round trips per second. */
async function echo() {
  const t0 = performance.now();
  await Promise.all(pairs.map(async ([client, server]) => {
    const out = Buffer.alloc(SIZE, 1), back = Buffer.alloc(SIZE), sbuf = Buffer.alloc(SIZE);
    const serve = (async () => {
      for (let i = 0; i < ROUNDS; i++) {
        let got = 0;
        while (got < SIZE) got += await server.read(sbuf.subarray(got));
        await server.write(sbuf);
      }
    })();
    for (let i = 0; i < ROUNDS; i++) {
      await client.write(out);
      let got = 0;
      while (got < SIZE) got += await client.read(back.subarray(got));
    }
    await serve;
  }));
  return (CONNS * ROUNDS) / ((performance.now() - t0) / 1000);
}

const noop = () => {};
const tracing = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const plain = ['netpoll:batch', 'netpoll:deadline:fired', 'netpoll:event:stale'];
const dir = mkdtempSync(path.join(tmpdir(), 'netpoll-observe-'));
let server = null;

const modes = [
  { id: 'none', label: 'no subscriber', on: async () => {}, off: async () => {} },
  {
    id: 'noop',
    label: 'no-op subscribers on every channel',
    on: async () => {
      dc.tracingChannel('netpoll:wait').subscribe(tracing);
      for (const n of plain) dc.subscribe(n, noop);
    },
    off: async () => {
      dc.tracingChannel('netpoll:wait').unsubscribe(tracing);
      for (const n of plain) dc.unsubscribe(n, noop);
    },
  },
  {
    id: 'inspector',
    label: 'inspector serving the poller (its figures subscribe)',
    on: async () => {
      server = await poller.serveInspector({ path: path.join(dir, 'i.sock') });
      server.stopWhenEmpty = false;
    },
    off: async () => {
      await server.close();
      server = null;
    },
  },
];

// What an unsubscribed hook costs: the guard alone, per call, each in its own loop (no shared call site),
// against the same loop with nothing in it; measured before any subscription and again after the runs
// (subscribing and unsubscribing switches a channel object's prototype, which could slow the read).
const { waitChannel, batchObserved } = await import('../../build/host/observe/channels.js');
const GUARD_N = 5_000_000;
function timeLoops() {
  const per = (t) => Number(process.hrtime.bigint() - t) / GUARD_N;
  let hits = 0;
  let t = process.hrtime.bigint();
  for (let i = 0; i < GUARD_N; i++) if (waitChannel.hasSubscribers) hits++;
  const wait = per(t);
  t = process.hrtime.bigint();
  for (let i = 0; i < GUARD_N; i++) if (batchObserved()) hits++;
  const batch = per(t);
  t = process.hrtime.bigint();
  for (let i = 0; i < GUARD_N; i++) if (hits < 0) hits++;
  const empty = per(t);
  if (hits !== 0) throw new Error('a guard saw a subscriber');
  return { wait, batch, empty };
}
function guardNs() {
  const runs = Array.from({ length: 7 }, timeLoops);
  return { wait: median(runs.map((r) => r.wait)), batch: median(runs.map((r) => r.batch)), empty: median(runs.map((r) => r.empty)) };
}
const guardsBefore = guardNs();

await echo(); // warm-up
const samples = Object.fromEntries(modes.map((m) => [m.id, []]));
for (let rep = 0; rep < REPS; rep++) {
  for (let i = 0; i < modes.length; i++) {
    const m = modes[(i + rep) % modes.length];
    await m.on();
    if (dc.tracingChannel('netpoll:wait').hasSubscribers !== (m.id !== 'none')) throw new Error(`mode ${m.id}: subscription state is wrong`);
    samples[m.id].push(await echo());
    await m.off();
  }
  log(`observe rep ${rep + 1}/${REPS}: ${modes.map((m) => `${m.id} ${fmtSig(samples[m.id].at(-1))}/s`).join(', ')}`);
}
const guardsAfter = guardNs();
for (const [a, b] of pairs) await Promise.all([a.close(), b.close()]);
await poller.close();
rmSync(dir, { recursive: true, force: true });

const med = (id) => median(samples[id]);
// Paired: each repetition's run against the no-subscriber run of the same repetition (the machine's load drifts between repetitions).
const paired = (id) => median(samples[id].map((v, i) => v / samples.none[i]));
const rows = modes.map((m) => [m.label, fmtSig(med(m.id)), fmtSig(Math.min(...samples[m.id])), fmtSig(Math.max(...samples[m.id])), fmtRatio(ratio(med(m.id), med('none'))), fmtRatio(paired(m.id))]);
writeResult(args.out, {
  name: 'observe',
  title: 'Observability hooks: echo with and without subscribers',
  description: 'The diagnostics_channel hooks cost one hasSubscribers check each when nobody listens; this measures an echo with nobody subscribed, with no-op subscribers on every channel, and with an inspector watching the poller — interleaved in one process.',
  params: { connections: CONNS, 'round trips per connection per run': ROUNDS, 'message bytes': SIZE, repetitions: REPS, drive: 'uv' },
  tables: [{
    title: 'Echo round trips per second (median of runs)',
    columns: ['subscribers', 'median round trips/s', 'min', 'max', 'medians vs no subscriber', 'median of paired ratios'],
    rows,
  }, {
    title: 'The guard an unsubscribed hook costs, ns per call (median of 7 × 5M calls)',
    columns: ['guard', 'ns per call, before any subscription', 'after the runs (subscribed and unsubscribed 2×reps times)'],
    rows: [
      ['PollDesc.wait: waitChannel.hasSubscribers', fmtSig(guardsBefore.wait), fmtSig(guardsAfter.wait)],
      ['Poller.pump: batchObserved() (three hasSubscribers reads)', fmtSig(guardsBefore.batch), fmtSig(guardsAfter.batch)],
      ['the same loop with nothing in it', fmtSig(guardsBefore.empty), fmtSig(guardsAfter.empty)],
    ],
  }],
  targets: [],
  notes: [
    `${CONNS} socketpairs in one process, PollFD on both ends (client write → server read → server write → client read), one 'uv' poller; each run does ${ROUNDS} round trips per connection. The three modes run in the same process one after another, the order rotated every repetition; ${REPS} repetitions; the table gives the median, min and max of the runs, the ratio of the medians, and the median of the per-repetition ratios (each run against the no-subscriber run of its own repetition, which cancels the machine's load drifting between repetitions).`,
    'With nobody subscribed a wait pays one hasSubscribers read and a batch three (second table: measured in a loop against the same loop with a constant, so the difference is the guard itself); payloads and clock reads happen only inside the guards.',
    'Every wait of every PollFD read/write that parks goes through PollDesc.wait, so with a subscriber each such wait is traced (context object, tracePromise, two clock reads) and each batch reads four core counters and publishes one message.',
  ],
  data: { guardsBefore, guardsAfter, samples, paired: Object.fromEntries(modes.map((m) => [m.id, paired(m.id)])) },
}, { quick });
