// One case of the event-loop benchmark, run in a fresh process (bench.mjs):
//   node case.mjs DRIVE PLACE KIND PATTERN MS
// DRIVE uv|thread; PLACE main|worker (the case runs inside a worker_thread);
// KIND tcp|unix|seqpacket|pipe; PATTERN read|write|both. Prints one JSON line:
// the worst and p99 event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms
// resolution, on the thread that runs the loops) and the operations done.
//
// read:  one PollFD reads 16-byte chunks from an fd that `cat /dev/zero` (a
//        child process) keeps full: every read finds data.
// write: one PollFD writes 16-byte chunks into an fd that `cat > /dev/null`
//        keeps draining: every write finds room.
// both:  a writer and a reader PollFD on the two ends, in this thread.
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';

const ROOT = new URL('../../', import.meta.url);

async function runCase({ drive, kind, pattern, ms }) {
  const { Poller, PollFD } = await import(new URL('build/host/index.js', ROOT).href);
  const sys = await import(new URL('build/host/sys/index.js', ROOT).href);
  const p = await Poller.create({ drive });
  const toClose = [];
  const open = async (fd) => {
    const f = await PollFD.open(fd, { poller: p });
    toClose.push(f);
    return f;
  };
  // [a, b]: a is ours; b is the peer end (a child's stdio, or our second PollFD for `both`).
  let a, b;
  if (kind === 'pipe') {
    const [r, w] = sys.pipe();
    [a, b] = pattern === 'read' ? [r, w] : [w, r]; // a: the end our first loop uses
  } else if (kind === 'tcp') {
    const l = sys.socket(sys.AF_INET, sys.SOCK_STREAM);
    sys.bind(l, sys.sockaddrInet('127.0.0.1', 0));
    sys.listen(l, 4);
    const port = sys.decodeSockaddr(sys.getSockName(l)).port;
    const c = sys.socket(sys.AF_INET, sys.SOCK_STREAM);
    sys.connect(c, sys.sockaddrInet('127.0.0.1', port));
    const L = await open(l);
    b = await L.accept();
    a = c;
  } else {
    [a, b] = sys.socketPair(kind === 'unix' ? 'stream' : 'seqpacket');
  }
  let child = null;
  if (pattern === 'read') child = spawn('cat', ['/dev/zero'], { stdio: ['ignore', b, 'ignore'] });
  if (pattern === 'write') child = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: [b, 'ignore', 'ignore'] });
  if (child) sys.closeFd(b);
  const A = await open(a);
  const B = child ? null : await open(b);
  await new Promise((r) => setTimeout(r, 50)); // the child is running
  const h = monitorEventLoopDelay({ resolution: 1 });
  let stop = false;
  let ops = 0;
  const chunk = Buffer.alloc(16, 1);
  const loop = async (op) => {
    try {
      while (!stop) {
        await op();
        ops++;
      }
    } catch (err) {
      if (!stop) throw err;
    }
  };
  h.enable();
  const t0 = performance.now();
  const loops = [];
  if (pattern === 'read') loops.push(loop(() => A.read(Buffer.alloc(16))));
  if (pattern === 'write') loops.push(loop(() => A.write(chunk)));
  if (pattern === 'both') loops.push(loop(() => A.write(chunk)), loop(() => B.read(Buffer.alloc(16))));
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = performance.now() - t0; // how long the `ms` timer really took: a held thread shows here too
  h.disable();
  stop = true;
  child?.kill('SIGKILL');
  for (const f of toClose) await f.close();
  await Promise.all(loops);
  await p.close();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, timerMs: elapsed, ms, ops };
}

if (!isMainThread) {
  parentPort.postMessage(await runCase(workerData));
} else {
  const [drive, place, kind, pattern, ms] = process.argv.slice(2);
  const c = { drive, kind, pattern, ms: Number(ms) };
  const result = place === 'worker'
    ? await new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: c });
        w.once('message', resolve);
        w.once('error', reject);
      })
    : await runCase(c);
  console.log(JSON.stringify(result));
  process.exit(0);
}
