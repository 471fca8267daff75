// Wake latency of one worker's poller while other workers' pollers wait idle.
// Inside a worker a waiting poller is woken by the process-wide waiter thread
// (host/drive/waiter-protocol.ts); with NETPOLL_WORKER_WAIT=pool, as before,
// it held a libuv threadpool thread (100 ms at a time), and the pool is shared
// by the whole process.
//
//   [UV_THREADPOOL_SIZE=N] [NETPOLL_WORKER_WAIT=pool] node bench/workers/wake.mjs --workers N [--drive uv|thread] [--rounds 40]
//
// N workers each park a read on a socketpair; the main thread writes only to
// the last worker's socket, round after round, and times write → the worker's
// read resolving (the worker stamps it with performance.timeOrigin + now(),
// comparable across threads; the postMessage carrying it back is not
// counted). --workers 0 times the main thread's own poller instead, and
// --workers hop a postMessage round trip to an idle worker.
// Prints one JSON line { workers, threadpool, drive, wait, p50_ms, p99_ms, max_ms }.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Poller, PollFD } from '../../build/host/index.js';
import { socketPair, writeFd } from '../../build/host/sys/index.js';
import { parseArgs, percentiles } from '../lib/common.mjs';

if (isMainThread) {
  const args = parseArgs();
  const n = Number(args.workers ?? 1);
  const drive = args.drive ?? 'uv';
  const rounds = Number(args.rounds ?? 40);
  const round3 = (x) => Math.round(x * 1000) / 1000;
  // The first rounds are not counted: the first wait of a process starts the waiter thread.
  const WARMUP = 5;
  const report = (all, workers) => {
    const lat = all.slice(WARMUP);
    const { p50, p99 } = percentiles(lat, [50, 99]);
    const wait = n === 0 ? 'main thread' : process.env.NETPOLL_WORKER_WAIT === 'pool' ? 'threadpool' : 'waiter';
    console.log(JSON.stringify({ workers, threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4), drive, wait, p50_ms: round3(p50), p99_ms: round3(p99), max_ms: round3(Math.max(...lat)) }));
  };
  if (args.workers === 'hop') {
    const w = new Worker('import { parentPort } from "node:worker_threads"; parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
    const lat = [];
    for (let round = 0; round < rounds + WARMUP; round++) {
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      const got = new Promise((r) => w.once('message', () => r(performance.now() - t0)));
      w.postMessage(1);
      lat.push(await got);
    }
    report(lat, 'hop');
    await w.terminate();
    process.exit(0);
  }
  if (n === 0) {
    const poller = await Poller.create({ drive });
    const [a, b] = socketPair('stream');
    const conn = await PollFD.open(a, { poller });
    const buf = new Uint8Array(8);
    const lat = [];
    for (let round = 0; round < rounds + WARMUP; round++) {
      await new Promise((r) => setTimeout(r, 20));
      const read = conn.read(buf); // parks: nothing to read yet
      const t0 = performance.now();
      writeFd(b, new Uint8Array([1]));
      await read;
      lat.push(performance.now() - t0);
    }
    report(lat, 0);
    process.exit(0);
  }
  const workers = [];
  const peers = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = socketPair('stream');
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { fd: a, drive } });
    await new Promise((r) => w.once('message', r));
    workers.push(w);
    peers.push(b);
  }
  const last = workers.at(-1);
  const lat = [];
  for (let round = 0; round < rounds + WARMUP; round++) {
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.timeOrigin + performance.now();
    const got = new Promise((r) => last.once('message', (at) => r(at - t0)));
    writeFd(peers.at(-1), new Uint8Array([1]));
    lat.push(await got);
  }
  report(lat, n);
  await Promise.all(workers.map((w) => w.terminate()));
} else {
  const poller = await Poller.create({ drive: workerData.drive });
  const conn = await PollFD.open(workerData.fd, { poller });
  parentPort.postMessage('ready');
  const buf = new Uint8Array(8);
  for (;;) {
    await conn.read(buf);
    parentPort.postMessage(performance.timeOrigin + performance.now());
  }
}
