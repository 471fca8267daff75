// Core operations, one implementation per process:
//
//   node bench/core-ops/worker.mjs --impl core|ref --reps 5 [--scale 1]
//
// Operations (each timed over a fixed iteration count, one warm-up pass,
// then --reps timed passes):
//   alloc/free   open(fd) + seqOf + unblock + close: a descriptor's whole life
//   park/ready   prepareWait + commitWait(token), then a netpoll batch holding
//                one EPOLLIN event for it, and the woken token read back
//   batch-128    128 parked waiters on 128 descriptors, one netpoll batch of
//                128 events; only the netpoll call and reading its ready list
//                are timed (the events are staged first, as epoll_wait would)
//   setDeadline  moving the read deadline of one of 1,024 descriptors (all
//                with a deadline) to a random time 10-20 s ahead
//
// Both implementations are driven through the same surface (the core's
// exports); the differences are the epoll batch (raw bytes in core memory vs
// an array of event objects) and the ready list (core memory vs an array).
// Prints one JSON line: { impl, ops: { name: { nsPerOp: [...per rep], unit } } }.
import { parseArgs } from '../lib/common.mjs';
import { rng } from '../lib/rng.mjs';

const args = parseArgs();
const impl = args.impl;
const REPS = Number(args.reps ?? 5);
const SCALE = Number(args.scale ?? 1);
const R = 1, EPOLLIN = 0x1;
const PREPARED = 5, PARKED = 6;
const LAYOUT = process.arch === 'x64' ? { size: 12, data: 4 } : { size: 16, data: 8 };
const NOW = 1_000_000_000n;

let core, stage, run, readToken;
const batch = (events, n, now) => {
  stage(events, n);
  return run(n, now);
};
if (impl === 'core') {
  const { loadCore } = await import('../../build/host/core/load.js');
  core = loadCore('release');
  const eventsOffset = core.eventsOffset();
  const readyOffset = core.readyOffset();
  let buffer = null, u32 = null;
  const view = () => {
    if (core.memory.buffer !== buffer) {
      buffer = core.memory.buffer;
      u32 = new Uint32Array(buffer);
    }
    return u32;
  };
  // Write one raw epoll_event (events, data = index << 32 | seq) at slot i of the event region.
  const writeEvent = (w, i, events, index, seq) => {
    const at = (eventsOffset + i * LAYOUT.size) >>> 0;
    // x86_64 events are packed 12-byte records: offsets 0, 4, 8 are 4-aligned, so u32 stores work.
    w[at >>> 2] = events;
    w[(at + LAYOUT.data) >>> 2] = seq;
    w[(at + LAYOUT.data + 4) >>> 2] = index;
  };
  // What epoll_wait does in the real host: the events land in the core's event region.
  stage = (events /* [{events, index, tag}] */, n) => {
    const w = view();
    for (let i = 0; i < n; i++) writeEvent(w, i, events[i].events, events[i].index, events[i].tag);
  };
  run = (n, now) => core.netpoll(n, LAYOUT.size, now);
  readToken = (i) => view()[(readyOffset >>> 2) + 2 * i];
} else if (impl === 'ref') {
  const { ReferenceCore } = await import('../../build/model/test/model/reference.js');
  core = new ReferenceCore();
  let ready = [];
  let staged = [];
  stage = (events, n) => {
    staged = n === events.length ? events : events.slice(0, n);
  };
  run = (n, now) => {
    ready = core.netpoll(staged, now);
    return ready.length;
  };
  readToken = (i) => ready[i].token;
} else throw new Error(`unknown --impl ${impl}`);

function check(cond, what) {
  if (!cond) throw new Error(`${impl}: ${what}`);
}

/** Run fn(iterations) once to warm up, then REPS times; ns per op (op = fn's unit count). */
function measure(iterations, fn, opsPerIteration = 1) {
  fn(Math.max(1, iterations >> 2));
  const out = [];
  for (let r = 0; r < REPS; r++) {
    const t = process.hrtime.bigint();
    fn(iterations);
    out.push(Number(process.hrtime.bigint() - t) / (iterations * opsPerIteration));
  }
  return out;
}

const ops = {};

// alloc/free
ops['alloc/free'] = {
  nsPerOp: measure(200_000 * SCALE, (n) => {
    for (let i = 0; i < n; i++) {
      const ix = core.open(7);
      const seq = core.seqOf(ix);
      core.unblock(ix, seq);
      if (core.close(ix, seq) !== 0) throw new Error('close failed');
    }
  }),
  unit: 'open + seqOf + unblock + close',
};

// park/ready
{
  const ix = core.open(8);
  const seq = core.seqOf(ix);
  const ev = [{ events: EPOLLIN, index: ix, tag: seq }];
  let token = 3;
  ops['park/ready'] = {
    nsPerOp: measure(200_000 * SCALE, (n) => {
      for (let i = 0; i < n; i++) {
        token = token >= 0x7fffffff ? 3 : token + 1;
        check(core.prepareWait(ix, seq, R) === PREPARED, 'prepareWait');
        check(core.commitWait(ix, seq, R, token) === PARKED, 'commitWait');
        check(batch(ev, 1, NOW) === 1, 'netpoll woke nobody');
        check(readToken(0) === token, 'wrong token');
      }
    }),
    unit: 'prepareWait + commitWait + netpoll(1 event) + read the token',
  };
}

// batch-128
{
  const K = 128;
  const descs = [];
  for (let i = 0; i < K; i++) {
    const ix = core.open(100 + i);
    descs.push({ ix, seq: core.seqOf(ix) });
  }
  const evs = descs.map((d) => ({ events: EPOLLIN, index: d.ix, tag: d.seq }));
  let token = 3;
  const iters = 20_000 * SCALE;
  const runBatches = (n, timed) => {
    let ns = 0n;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < K; i++) {
        token = token >= 0x7fffffff ? 3 : token + 1;
        const d = descs[i];
        core.prepareWait(d.ix, d.seq, R);
        core.commitWait(d.ix, d.seq, R, token);
      }
      stage(evs, K);
      const t = process.hrtime.bigint();
      const woken = run(K, NOW);
      let sum = 0;
      for (let i = 0; i < woken; i++) sum += readToken(i);
      ns += process.hrtime.bigint() - t;
      check(woken === K && sum > 0, 'batch woke too few');
    }
    return Number(ns);
  };
  runBatches(iters >> 2);
  const perBatch = [];
  for (let r = 0; r < REPS; r++) perBatch.push(runBatches(iters) / iters);
  ops['batch-128'] = { nsPerOp: perBatch, perEvent: perBatch.map((x) => x / K), unit: 'one netpoll batch of 128 events waking 128 waiters' };
}

// setDeadline
{
  const K = 1024;
  const descs = [];
  for (let i = 0; i < K; i++) {
    const ix = core.open(2000 + i);
    const seq = core.seqOf(ix);
    descs.push({ ix, seq });
    core.setDeadline(ix, seq, R, 10_000_000_000n, NOW);
  }
  const r = rng(7);
  const M = 1 << 16;
  const pick = new Int32Array(M).map(() => r.int(K));
  const ds = new BigInt64Array(M).map(() => BigInt(10_000_000_000 + Math.floor(r.float() * 10_000_000_000)));
  let k = 0;
  ops.setDeadline = {
    nsPerOp: measure(500_000 * SCALE, (n) => {
      for (let i = 0; i < n; i++, k++) {
        const d = descs[pick[k & (M - 1)]];
        core.setDeadline(d.ix, d.seq, R, ds[k & (M - 1)], NOW);
      }
    }),
    unit: 'setDeadline (read) on one of 1,024 descriptors with deadlines',
  };
}

process.stdout.write(JSON.stringify({ impl, ops }) + '\n');
