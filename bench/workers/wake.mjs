// Wake latency of one worker's poller while other workers' pollers wait idle:
// inside a worker every waiting poller holds a libuv threadpool thread (100 ms
// at a time), and the pool is shared by the whole process.
//
//   [UV_THREADPOOL_SIZE=N] node bench/workers/wake.mjs --workers N [--drive uv|thread] [--rounds 40]
//
// N workers each park a read on a socketpair; the main thread writes only to
// the last worker's socket, round after round, and times write → the worker's
// 'got' message. Prints one JSON line { workers, threadpool, drive, p50_ms, p99_ms, max_ms }.
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
  for (let round = 0; round < rounds; round++) {
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const got = new Promise((r) => last.once('message', () => r(performance.now() - t0)));
    writeFd(peers.at(-1), new Uint8Array([1]));
    lat.push(await got);
  }
  const { p50, p99 } = percentiles(lat, [50, 99]);
  const round3 = (x) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ workers: n, threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4), drive, p50_ms: round3(p50), p99_ms: round3(p99), max_ms: round3(Math.max(...lat)) }));
  await Promise.all(workers.map((w) => w.terminate()));
} else {
  const poller = await Poller.create({ drive: workerData.drive });
  const conn = await PollFD.open(workerData.fd, { poller });
  parentPort.postMessage('ready');
  const buf = new Uint8Array(8);
  for (;;) {
    await conn.read(buf);
    parentPort.postMessage('got');
  }
}
