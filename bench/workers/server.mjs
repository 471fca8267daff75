// The echo server of the workers benchmark: one listening unix socket, shared
// by N worker_threads Workers, each with its own Poller (one poller per
// worker) accepting from it and echoing on its own connections.
//
//   node bench/workers/server.mjs --workers N --path PATH [--drive uv|thread] [--accept shared|main]
//
// --accept shared (default): every worker accepts from the shared listening fd.
// --accept main: the main thread accepts (its own poller) and hands each new
// fd number to the workers in turn over postMessage (fds belong to the process).
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
  const { listenFd, drive, accept } = workerData;
  const poller = await Poller.create({ drive });
  if (accept === 'main') {
    let accepted = 0;
    parentPort.on('message', async (fd) => {
      parentPort.postMessage({ accepted: ++accepted });
      serve(await PollFD.open(fd, { poller }));
    });
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
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { listenFd, drive: args.drive ?? 'uv', accept: args.accept ?? 'shared' } });
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
  if (args.accept === 'main') {
    const poller = await Poller.create({ drive: args.drive ?? 'uv' });
    const listener = poller.open(listenFd);
    (async () => {
      for (let next = 0; ; ) {
        const fd = acceptFd(listenFd);
        if (fd === WOULD_BLOCK) {
          await listener.wait('r');
          continue;
        }
        workers[next++ % n].postMessage(fd);
      }
    })();
  }
  console.log('ready');
}

if (isMainThread) await main();
else await serveWorker();
