// The echo server of the workers benchmark: one listening unix socket, N
// worker_threads Workers, each with its own Poller (one poller per worker)
// echoing on its own connections.
//
//   node bench/workers/server.mjs --workers N --path PATH [--drive uv|thread] [--accept shared|spread] [--fs-probe]
//
// --accept shared (default): every worker accepts from the shared listening fd.
// --accept spread: the main thread accepts (AcceptSpreader) and hands each fd
// to the least-loaded worker over a MessagePort (fds belong to the process).
// --fs-probe: the main thread times an fs.promises.readFile every 20 ms
// meanwhile (the threadpool's latency while the workers serve).
//
// Prints "ready" once every worker listens. On SIGTERM prints, on stderr, one
// JSON line { acceptedPerWorker, fs? }, terminates the workers and exits.
import { Worker, isMainThread, parentPort, workerData, MessageChannel } from 'node:worker_threads';
import { unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Poller, PollFD, AcceptSpreader, serveHandedConnections } from '../../build/host/index.js';
import { unixListen, acceptFd, closeFd, setNoFileLimit, getNoFileLimit, WOULD_BLOCK } from '../../build/host/sys/index.js';
import { echoConn, parseArgs, percentiles } from '../lib/common.mjs';

async function serveWorker() {
  const { listenFd, drive, accept, port } = workerData;
  const poller = await Poller.create({ drive });
  if (accept === 'spread') {
    serveHandedConnections(port, echoConn, { poller });
    parentPort.postMessage({ ready: true });
    return;
  }
  // The listening fd is shared by every worker: a PollDesc watches it without owning it.
  const listener = poller.open(listenFd);
  let accepted = 0;
  parentPort.postMessage({ ready: true });
  for (;;) {
    const fd = acceptFd(listenFd); // every worker is woken; the ones that lose the race see EAGAIN
    if (fd === WOULD_BLOCK) {
      await listener.wait('r');
      continue;
    }
    parentPort.postMessage({ accepted: ++accepted });
    void echoConn(await PollFD.open(fd, { poller }));
    // One connection per turn of the event loop: the other workers, woken by the same
    // readiness, get their share of the backlog instead of this one draining it.
    await new Promise((res) => setImmediate(res));
  }
}


/** fs.promises.readFile of this file every 20 ms on the main thread; the latencies so far. */
function fsProbe() {
  const ms = [];
  const self = fileURLToPath(import.meta.url);
  (async () => {
    for (;;) {
      const t0 = performance.now();
      await readFile(self);
      ms.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return () => {
    if (ms.length === 0) return null;
    const { p50, p99 } = percentiles(ms, [50, 99]);
    const r = (x) => Math.round(x * 1000) / 1000;
    return { n: ms.length, p50: r(p50), p99: r(p99), max: r(Math.max(...ms)) };
  };
}

async function main() {
  const args = parseArgs();
  const n = Number(args.workers ?? 1);
  const path = args.path;
  const accept = args.accept ?? 'shared';
  const drive = args.drive ?? 'uv';
  if (!path) throw new Error('--path is required');
  setNoFileLimit(getNoFileLimit().hard);
  try {
    unlinkSync(path);
  } catch {}
  const listenFd = unixListen(path, 'stream', 4096);
  const counts = new Array(n).fill(0);
  const workers = [];
  const ports = [];
  for (let i = 0; i < n; i++) {
    const { port1, port2 } = new MessageChannel();
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { listenFd, drive, accept, port: port2 }, transferList: [port2] });
    w.on('error', (err) => {
      console.error('worker:', err);
      process.exit(1);
    });
    await new Promise((res) => w.once('message', res));
    w.on('message', (m) => (counts[i] = m.accepted));
    workers.push(w);
    ports.push(port1);
  }
  let spreader = null;
  if (accept === 'spread') {
    const poller = await Poller.create({ drive });
    spreader = new AcceptSpreader(await PollFD.open(listenFd, { poller }));
    for (const p of ports) spreader.add(p);
  }
  const probe = args['fs-probe'] ? fsProbe() : null;
  process.on('SIGTERM', async () => {
    const accepted = spreader ? spreader.loads.map((l) => l.handed) : counts;
    console.error(JSON.stringify({ acceptedPerWorker: accepted, fs: probe?.() ?? null }));
    await Promise.all(workers.map((w) => w.terminate()));
    closeFd(listenFd);
    process.exit(0);
  });
  console.log('ready');
}

if (isMainThread) await main();
else await serveWorker();
