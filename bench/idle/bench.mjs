// Benchmark 4 — idle scaling: 1k, 10k and 100k idle registered connections
// (each with a parked read waiter) plus one active 64 B ping-pong; the active
// connection's p50 / p99 round trip at each size, both drive modes.
// See worker.mjs. The far ends live in a C holder process (holder.c).
import path from 'node:path';
import {
  BENCH_DIR, parseArgs, buildC, spawnReady, runProgram, stopProcess, tempDir, removeDir,
  median, ratio, fmtNum, fmtSig, fmtRatio, writeResult, log, placement, withPrefix,
} from '../lib/common.mjs';

const args = parseArgs();
const quick = args.quick;
const REPS = Number(args.reps ?? 5);
const MS = Number(args.ms ?? (quick ? 200 : 500));
const SIZES = args.sizes ? String(args.sizes).split(',').map(Number) : [1000, 10000, 100000];
const DRIVES = ['uv', 'thread'];
const PLACE = placement(args.pin ?? 'auto', { server: 'the benchmark process', loadgen: 'the holder' });

const holderBin = buildC(path.join(BENCH_DIR, 'idle', 'holder.c'), 'idle-holder');
const worker = path.join(BENCH_DIR, 'idle', 'worker.mjs');
const tmp = tempDir('netpoll-idle-');
const started = Date.now();
const results = {};
const notes = [];
try {
  for (const drive of DRIVES) {
    const sock = path.join(tmp, `holder-${drive}.sock`);
    const holder = await spawnReady(...withPrefix(PLACE.loadgen, holderBin, [sock]), { label: 'idle holder' });
    try {
      const out = await runProgram(...withPrefix(PLACE.server, process.execPath, [worker, '--drive', drive, '--path', sock, '--sizes', SIZES.join(','), '--reps', String(REPS), '--ms', String(MS)]), { timeoutMs: 600_000 });
      results[drive] = JSON.parse(out.trim().split('\n').pop());
      for (const p of results[drive].points) {
        log(`idle ${drive} ${p.reached}: p50 ${fmtSig(median(p.reps.map((r) => r.p50)))} µs, p99 ${fmtSig(median(p.reps.map((r) => r.p99)))} µs`);
      }
    } catch (err) {
      notes.push(`${drive}: failed — ${String(err.message).split('\n')[0]}`);
    } finally {
      await stopProcess(holder);
    }
  }
} finally {
  removeDir(tmp);
}

const rows = [];
const targets = [];
for (const drive of DRIVES) {
  const pts = results[drive]?.points ?? [];
  const base = pts[0];
  const p = (pt, f) => median(pt.reps.map((r) => r[f]));
  for (const pt of pts) {
    rows.push([
      drive,
      fmtNum(pt.requested),
      fmtNum(pt.reached) + (pt.reached < pt.requested ? ' (limit)' : ''),
      fmtSig(p(pt, 'p50')),
      fmtSig(p(pt, 'p99')),
      fmtNum(p(pt, 'rps')),
      fmtRatio(ratio(p(pt, 'p50'), p(base, 'p50'))),
      fmtRatio(ratio(p(pt, 'p99'), p(base, 'p99'))),
      fmtNum(median(pt.registerMs)),
    ]);
  }
  if (pts.length > 1) {
    const last = pts.at(-1);
    for (const f of ['p50', 'p99']) {
      const r = ratio(p(last, f), p(base, f));
      targets.push({
        target: `${drive}: active ${f} at ${fmtNum(last.requested)} idle fds within 1.1× of ${fmtNum(base.reached)}`,
        value: `${fmtRatio(r)} at ${fmtNum(last.reached)} idle${last.reached < last.requested ? ' (largest reachable)' : ''} (${fmtSig(p(last, f))} vs ${fmtSig(p(base, f))} µs)`,
        met: r === null ? null : r <= 1.1,
      });
    }
  }
}

const lim = results.uv?.limit ?? results.thread?.limit;
const limBefore = results.uv?.limitBefore ?? results.thread?.limitBefore;
if (lim) {
  notes.push(`RLIMIT_NOFILE: soft ${fmtNum(limBefore.soft)} / hard ${fmtNum(limBefore.hard)} at start; the benchmark raised the soft limit to ${fmtNum(lim.soft)} (setNoFileLimit). Raising the hard limit needs CAP_SYS_RESOURCE${Number.isFinite(lim.hard) && lim.hard < Math.max(...SIZES) ? `, so the largest size measured is the largest reachable under ${fmtNum(lim.hard)} descriptors` : ''}.`);
}
notes.push(
  `Placement: ${PLACE.note}.`,
  'Each idle connection is a unix stream socket registered with the poller (edge-triggered, EPOLLIN|EPOLLOUT|EPOLLRDHUP) with a read waiter parked on it (PollDesc.wait(\'r\')). Their peers are held by a separate C process (bench/idle/holder.c), so the benchmark process spends its whole descriptor budget on registered sockets; the holder also echoes the active connection.',
  `Active connection: PollFD write(64 B) → read until 64 B back, back to back; ${REPS} windows of ${MS} ms at each size, the sizes interleaved (ascending, descending, …; each change of size is made by registering or deregistering idle sockets, then a 100 ms warm-up window); medians of the windows' p50 / p99. "register / deregister ms" is the median time to move to that size from the previous one.`,
);

writeResult(args.out, {
  name: 'idle',
  title: 'Idle scaling: active latency vs idle registered descriptors',
  description: 'One active 64 B ping-pong among N idle registered connections, each with a parked read waiter.',
  params: { 'idle sizes': SIZES.map((n) => fmtNum(n)), drives: DRIVES, repetitions: REPS, 'window ms': MS, 'CPU placement (--pin)': PLACE.mode },
  tables: [{
    title: 'Active round trip (µs) by idle descriptor count',
    columns: ['drive', 'idle asked', 'idle reached', 'p50 µs', 'p99 µs', 'round trips/s', 'p50 vs first', 'p99 vs first', 'register / deregister ms'],
    rows,
  }],
  targets,
  notes,
  data: { results, seconds: (Date.now() - started) / 1000 },
}, { quick });
