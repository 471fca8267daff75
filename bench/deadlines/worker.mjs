// One deadline-churn measurement in a fresh process:
//
//   node --expose-gc bench/deadlines/worker.mjs --impl core|ref|node-clear|node-refresh
//        --n LIVE --pattern fixed|random --ops OPS_PER_ROUND --rounds ROUNDS
//
// N descriptors (or Node timers) start with a deadline each; then ROUNDS
// rounds of OPS operations on uniformly chosen descriptors:
//   90 %  move the deadline later   (core: setDeadline; Node: clearTimeout+setTimeout, or refresh())
//    9 %  clear it                  (setDeadline 0; clearTimeout)
//    1 %  make it expire            (a deadline 1 ns ahead / setTimeout 1 ms) — fired at the next tick
// A descriptor whose deadline was cleared or fired gets a new one the next
// time it is "moved later" (setTimeout for Node), so about 90 % of the N
// deadlines are live at any time.
// Every TICK operations the timers are run: core.netpoll(0, stride, now)
// with the virtual clock (1 µs per operation), or one turn of Node's event loop
// (setImmediate) for Node's timers. The round's wall time / OPS is ns/op.
//
// Patterns: 'fixed' — a move sets now + 30 s (Go's conn.SetDeadline(time.Now().Add(timeout))
// idiom; Node's timer lists are at their best: one duration, one list);
// 'random' — a move sets now + U[10 s, 20 s] (many distinct durations).
//
// Prints one JSON line: { impl, n, pattern, ops, roundNs: [...], setupMs, liveTimers, fired }.
import { setImmediate as immediate } from 'node:timers/promises';
import { parseArgs } from '../lib/common.mjs';
import { rng } from '../lib/rng.mjs';

const args = parseArgs();
const impl = args.impl;
const N = Number(args.n);
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const PATTERN = args.pattern ?? 'fixed';
const TICK = Number(args.tick ?? 10000);
const STEP = 1000; // virtual ns per operation

const LATER = 0, CLEAR = 1, EXPIRE = 2;
const SEC = 1e9;

// ── the workload, precomputed so the timed loops only make the calls ──────
const total = OPS * ROUNDS;
const idx = new Int32Array(total);
const kind = new Uint8Array(total);
const rel = new Float64Array(total); // relative ns at the time of the op (0 clear, 1 expire)
const wasLive = new Uint8Array(total); // Node: refresh() only applies to a live timer
const r = rng(12345);
const later = () => (PATTERN === 'fixed' ? 30 * SEC : 10 * SEC + r.float() * 10 * SEC);
const initial = new Float64Array(N);
const live = new Uint8Array(N).fill(1);
for (let i = 0; i < N; i++) initial[i] = later();
// Expiring ones are dead after the next tick.
let pendingExpire = [];
for (let k = 0; k < total; k++) {
  if (k % TICK === 0) {
    for (const i of pendingExpire) live[i] = 0;
    pendingExpire = [];
  }
  const i = r.int(N);
  const x = r.float();
  idx[k] = i;
  wasLive[k] = live[i];
  if (x < 0.9) {
    kind[k] = LATER;
    rel[k] = Math.round(later());
    live[i] = 1;
  } else if (x < 0.99) {
    kind[k] = CLEAR;
    rel[k] = 0;
    live[i] = 0;
  } else {
    kind[k] = EXPIRE;
    rel[k] = 1;
    live[i] = 1;
    pendingExpire.push(i);
  }
}
// BigInt form for the cores (what the host passes: bigint ns).
const relBig = new BigInt64Array(total);
for (let k = 0; k < total; k++) relBig[k] = BigInt(rel[k]);
const nowBig = (k) => BigInt(1e9 + k * STEP);

const out = { impl, n: N, pattern: PATTERN, ops: OPS, tick: TICK, roundNs: [], setupMs: 0, fired: 0 };

async function runCore(core, { netpoll, liveTimers }) {
  const Mode = { R: 1 };
  const index = new Int32Array(N);
  const seq = new Int32Array(N);
  const t0 = performance.now();
  const now0 = nowBig(0);
  for (let i = 0; i < N; i++) {
    const ix = core.open(i + 3);
    if (ix < 0) throw new Error(`open failed: ${ix} at ${i}`);
    index[i] = ix;
    seq[i] = core.seqOf(ix);
    const n = core.setDeadline(ix, seq[i], Mode.R, BigInt(Math.round(initial[i])), now0);
    if (n < 0) throw new Error(`setDeadline failed: ${n}`);
  }
  out.setupMs = performance.now() - t0;
  let k = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const end = k + OPS;
    for (; k < end; k++) {
      const i = idx[k];
      const n = core.setDeadline(index[i], seq[i], Mode.R, relBig[k], BigInt(1e9 + k * STEP));
      if (n < 0) throw new Error(`setDeadline: ${n}`);
      if ((k + 1) % TICK === 0) out.fired += netpoll(nowBig(k + 1));
    }
    out.roundNs.push(Number(process.hrtime.bigint() - start));
  }
  out.liveTimers = liveTimers();
}

async function runNode(refresh) {
  let fired = 0;
  const cb = () => {
    fired++;
  };
  const timers = new Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) timers[i] = setTimeout(cb, initial[i] / 1e6);
  out.setupMs = performance.now() - t0;
  let k = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const end = k + OPS;
    for (; k < end; k++) {
      const i = idx[k];
      switch (kind[k]) {
        case LATER:
          if (refresh && wasLive[k]) timers[i].refresh();
          else {
            clearTimeout(timers[i]);
            timers[i] = setTimeout(cb, rel[k] / 1e6);
          }
          break;
        case CLEAR:
          clearTimeout(timers[i]);
          timers[i] = undefined;
          break;
        default:
          clearTimeout(timers[i]);
          timers[i] = setTimeout(cb, 1);
      }
      if ((k + 1) % TICK === 0) await immediate(); // one loop turn: due timers run
    }
    out.roundNs.push(Number(process.hrtime.bigint() - start));
  }
  out.fired = fired;
  out.liveTimers = timers.filter((t) => t !== undefined && !t._destroyed).length;
  for (const t of timers) clearTimeout(t);
}

if (impl === 'core') {
  const { loadCore } = await import('../../build/host/core/load.js');
  const { Engine } = await import('../../build/host/core/engine.js');
  const core = loadCore('release');
  const engine = new Engine(core);
  await runCore(core, { netpoll: (now) => core.netpoll(0, 12, now), liveTimers: () => engine.timers });
} else if (impl === 'ref') {
  const { ReferenceCore } = await import('../../build/model/test/model/reference.js');
  const core = new ReferenceCore();
  const netpoll = typeof core.netpollCode === 'function' ? (now) => core.netpollCode([], 12, now) : (now) => core.netpoll([], now).length;
  await runCore(core, { netpoll, liveTimers: () => core.counters().timers });
} else if (impl === 'node-clear') {
  await runNode(false);
} else if (impl === 'node-refresh') {
  await runNode(true);
} else {
  throw new Error(`unknown --impl ${impl}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
