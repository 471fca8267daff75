// The echo server of the workers benchmark: one listening unix socket, shared
// by N worker_threads Workers, each with its own Poller (one poller per
// worker) accepting from it and echoing on its own connections.
//
//   node bench/workers/server.mjs --workers N --path PATH [--drive uv|thread]
//
// Prints "ready" once every worker listens. On SIGTERM prints, on stderr, the
// connections each worker accepted, terminates the workers and exits.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Poller, PollFD } from '../../build/host/index.js';
import { unixListen, acceptFd, closeFd, setNoFileLimit, getNoFileLimit, WOULD_BLOCK } from '../../build/host/sys/index.js';
import { parseArgs } from '../lib/common.mjs';

async function serveWorker() {
  const { listenFd, drive } = workerData;
  const poller = await Poller.create({ drive });
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
    serve(await PollFD.open(fd, { poller }));
    // One connection per turn of the event loop: the other workers, woken by the same
    // readiness, get their share of the backlog instead of this one draining it.
    await new Promise((res) => setImmediate(res));
  }
}

async function serve(conn) {
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === 0) break;
      await conn.write(buf.subarray(0, n));
    }
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes(err?.code)) console.error('conn:', err);
  } finally {
    await conn.close();
  }
}

async function main() {
  const args = parseArgs();
  const n = Number(args.workers ?? 1);
  const path = args.path;
  if (!path) throw new Error('--path is required');
  setNoFileLimit(getNoFileLimit().hard);
  try {
    unlinkSync(path);
  } catch {}
  const listenFd = unixListen(path, 'stream', 4096);
  const counts = new Array(n).fill(0);
  const workers = [];
  for (let i = 0; i < n; i++) {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { listenFd, drive: args.drive ?? 'uv' } });
    w.on('error', (err) => {
      console.error('worker:', err);
      process.exit(1);
    });
    await new Promise((res) => w.once('message', res));
    w.on('message', (m) => (counts[i] = m.accepted));
    workers.push(w);
  }
  process.on('SIGTERM', async () => {
    console.error(JSON.stringify({ acceptedPerWorker: counts }));
    await Promise.all(workers.map((w) => w.terminate()));
    closeFd(listenFd);
    process.exit(0);
  });
  console.log('ready');
}

if (isMainThread) await main();
else await serveWorker();
