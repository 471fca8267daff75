// Idle scaling, one drive mode per process:
//
//   node bench/idle/worker.mjs --drive uv|thread --path HOLDER_SOCKET
//        --sizes 1000,10000,100000 --reps 5 --ms 400
//
// N idle registered connections, each with a read waiter parked on it
// (PollDesc.wait('r')), as a server with idle keep-alive connections would
// have. At every size, one active connection ping-pongs 64 B with the holder
// (PollFD write → read): REPS windows of MS milliseconds per size, the sizes
// interleaved (ascending, then descending, …), each window giving a p50 / p99.
// RLIMIT_NOFILE's soft limit is raised to the hard limit; when that is too
// low for a size, the largest size reached is measured instead.
//
// Prints one JSON line: { drive, limit, points: [{ requested, reached, registerMs, reps: [{p50, p99, rps}] }] }.
import { Poller, PollFD } from '../../build/host/index.js';
import { unixConnect, closeFd, getNoFileLimit, setNoFileLimit } from '../../build/host/sys/index.js';
import { parseArgs, percentiles, sleep } from '../lib/common.mjs';

const args = parseArgs();
const drive = args.drive ?? 'uv';
const path = args.path;
const SIZES = String(args.sizes ?? '1000,10000,100000').split(',').map(Number);
const REPS = Number(args.reps ?? 5);
const MS = Number(args.ms ?? 400);
const RESERVE = 64; // descriptors left for Node itself, koffi, the epoll / timer / event fds

const before = getNoFileLimit();
setNoFileLimit(before.hard);
const limit = getNoFileLimit();

const poller = await Poller.create({ drive });

/** A connected socket to the holder, or null when out of descriptors (EMFILE / ENFILE). */
async function connect() {
  for (let attempt = 0; ; attempt++) {
    let r;
    try {
      r = unixConnect(path);
    } catch (err) {
      if (err?.code === 'EMFILE' || err?.code === 'ENFILE') return null;
      throw err;
    }
    if (!r.pending) return r.fd;
    // AF_UNIX "pending" means the holder's backlog was full and nothing was queued: retry shortly.
    closeFd(r.fd);
    if (attempt > 1000) throw new Error('connect: backlog stays full');
    await sleep(1);
  }
}

// Every idle connection is made up front; a size is then reached by
// registering (poller.open + a parked read waiter) or deregistering
// (PollDesc.close, which wakes the waiter with ClosedError) idle sockets, so
// the sizes can be measured in interleaved order: drift on the machine hits
// every size alike. A deregistered socket stays open but is not in the epoll
// set or the core.
const conns = []; // { fd, pd | null }
let registered = 0;
async function connectUpTo(n) {
  while (conns.length < n) {
    const fd = await connect();
    if (fd === null) break;
    conns.push({ fd, pd: null });
  }
}
function setRegistered(n) {
  for (; registered < n; registered++) {
    const c = conns[registered];
    c.pd = poller.open(c.fd);
    c.pd.wait('r').catch(() => {}); // parked until deregistered or the poller closes
  }
  for (; registered > n; registered--) {
    const c = conns[registered - 1];
    c.pd.close();
    c.pd = null;
  }
}

const activeFd = await connect();
const active = await PollFD.open(activeFd, { poller });
const msg = Buffer.alloc(64, 0x61);
const rbuf = Buffer.alloc(64);

async function roundTrip() {
  await active.write(msg);
  let got = 0;
  while (got < msg.length) {
    const n = await active.read(rbuf.subarray(got));
    if (n === 0) throw new Error('holder closed the active connection');
    got += n;
  }
}

async function window(ms) {
  const lat = [];
  const end = performance.now() + ms;
  const t0 = performance.now();
  while (performance.now() < end) {
    const t = process.hrtime.bigint();
    await roundTrip();
    lat.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const secs = (performance.now() - t0) / 1000;
  return { ...percentiles(lat, [50, 99]), rps: lat.length / secs, n: lat.length };
}

const usable = Number.isFinite(limit.soft) ? limit.soft - RESERVE : Infinity;
let t = performance.now();
await connectUpTo(Math.min(Math.max(...SIZES), usable));
const connectMs = performance.now() - t;
const points = SIZES.map((requested) => ({ requested, reached: Math.min(requested, conns.length), registerMs: [], reps: [] }))
  .filter((p, i, all) => i === 0 || p.reached > all[i - 1].reached); // sizes beyond the limit collapse into one

for (let r = 0; r < REPS; r++) {
  const order = r % 2 === 0 ? points : [...points].reverse();
  for (const p of order) {
    t = performance.now();
    setRegistered(p.reached);
    p.registerMs.push(performance.now() - t);
    p.stats = poller.stats;
    await window(Math.min(100, MS)); // warm-up after the change
    p.reps.push(await window(MS));
  }
  process.stderr.write(`idle ${drive} rep ${r + 1}: ${points.map((p) => `${p.reached}: p50 ${p.reps.at(-1).p50.toFixed(1)} µs`).join(', ')}\n`);
}

process.stdout.write(JSON.stringify({ drive, limitBefore: before, limit, connectMs, points }) + '\n');
await active.close();
await poller.close();
for (const { fd } of conns) closeFd(fd);
process.exit(0);
