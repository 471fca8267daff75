// Bytes per descriptor, one scenario per process (run with --expose-gc):
//
//   node --expose-gc bench/memory/worker.mjs --scenario NAME --n 100000
//
// Scenarios:
//   core       the Wasm core alone (loadCore): open N descriptors (fd numbers
//              only, no syscalls), then give each a read and a write deadline
//              (two different times: two timers)
//   poller     Poller + PollDesc objects over a drive that makes no syscalls
//              (so N is not bounded by RLIMIT_NOFILE): idle, then two
//              deadlines each, then a parked read waiter each
//   uv-fds     Poller (uv drive) + PollDesc over N real eventfds (N capped by
//              RLIMIT_NOFILE)
//   pollfd     PollFD (the fd-owning wrapper) over N real eventfds, uv drive
//
// Measures, after full GCs, the JS heap (process.memoryUsage().heapUsed) and
// the core's linear memory (memory.buffer.byteLength) before and after each
// step. Prints one JSON line: { scenario, n, steps: [{ step, heapBytes, coreBytes }] }.
import { parseArgs, fullGc } from '../lib/common.mjs';

const args = parseArgs();
const scenario = args.scenario;
let N = Number(args.n ?? 100_000);
const RESERVE = 64;

const heap = () => {
  fullGc();
  return process.memoryUsage().heapUsed;
};

const steps = [];
const out = { scenario, n: N, steps };

async function realFds() {
  const { getNoFileLimit, setNoFileLimit, eventFd } = await import('../../build/host/sys/index.js');
  const { hard } = getNoFileLimit();
  setNoFileLimit(hard);
  if (Number.isFinite(hard) && N > hard - RESERVE) {
    out.limited = { requested: N, hard };
    N = hard - RESERVE;
    out.n = N;
  }
  const fds = new Int32Array(N);
  for (let i = 0; i < N; i++) fds[i] = eventFd();
  return fds;
}

// Never-expiring-during-the-run deadlines, different for r and w (so two timers), epoch ms.
const later = (i, k) => Date.now() + 3_600_000 * k + i;

if (scenario === 'core') {
  const { loadCore } = await import('../../build/host/core/load.js');
  const core = loadCore('release');
  const index = new Int32Array(N);
  const seq = new Int32Array(N);
  let h0 = heap();
  let m0 = core.memory.buffer.byteLength;
  out.coreInitialBytes = m0;
  for (let i = 0; i < N; i++) {
    index[i] = core.open(i + 3);
    if (index[i] < 0) throw new Error(`open: ${index[i]}`);
    seq[i] = core.seqOf(index[i]);
  }
  let h1 = heap(), m1 = core.memory.buffer.byteLength;
  steps.push({ step: 'idle', heapBytes: h1 - h0, coreBytes: m1 - m0 });
  const now = 1_000_000_000n;
  for (let i = 0; i < N; i++) {
    core.setDeadline(index[i], seq[i], 1, 3_600_000_000_000n + BigInt(i), now);
    core.setDeadline(index[i], seq[i], 2, 7_200_000_000_000n + BigInt(i), now);
  }
  const h2 = heap(), m2 = core.memory.buffer.byteLength;
  steps.push({ step: 'two deadlines', heapBytes: h2 - h1, coreBytes: m2 - m1 });
} else if (scenario === 'poller' || scenario === 'uv-fds') {
  const { Poller } = await import('../../build/host/index.js');
  let fds = null;
  let poller;
  if (scenario === 'uv-fds') {
    fds = await realFds();
    poller = await Poller.create({ drive: 'uv' });
  } else {
    // A drive that makes no syscalls: N is not bounded by RLIMIT_NOFILE.
    const nullDrive = () => ({
      kind: 'sim', now: () => process.hrtime.bigint(), add() {}, del() {}, deadline() {}, activity() {}, close() {},
    });
    poller = Poller.createSync({}, nullDrive);
  }
  const mem = () => poller.engine.core.memory.buffer.byteLength;
  const pds = new Array(N).fill(null);
  const h0 = heap(), m0 = mem();
  out.coreInitialBytes = m0;
  for (let i = 0; i < N; i++) pds[i] = poller.open(fds ? fds[i] : i + 3);
  const h1 = heap(), m1 = mem();
  steps.push({ step: 'idle', heapBytes: h1 - h0, coreBytes: m1 - m0 });
  for (let i = 0; i < N; i++) {
    pds[i].setDeadline(later(i, 1), 'r');
    pds[i].setDeadline(later(i, 2), 'w');
  }
  const h2 = heap(), m2 = mem();
  steps.push({ step: 'two deadlines', heapBytes: h2 - h1, coreBytes: m2 - m1 });
  const waits = new Array(N).fill(null);
  const h2b = heap();
  for (let i = 0; i < N; i++) {
    waits[i] = pds[i].wait('r');
    waits[i].catch(() => {});
  }
  const h3 = heap(), m3 = mem();
  steps.push({ step: 'parked read waiter', heapBytes: h3 - h2b, coreBytes: m3 - m2 });
  out.stats = poller.stats;
  await poller.close();
} else if (scenario === 'pollfd') {
  const { Poller, PollFD } = await import('../../build/host/index.js');
  const fds = await realFds();
  const poller = await Poller.create({ drive: 'uv' });
  const mem = () => poller.engine.core.memory.buffer.byteLength;
  const pfs = new Array(N).fill(null);
  const h0 = heap(), m0 = mem();
  for (let i = 0; i < N; i++) pfs[i] = await PollFD.open(fds[i], { poller });
  const h1 = heap(), m1 = mem();
  steps.push({ step: 'idle', heapBytes: h1 - h0, coreBytes: m1 - m0 });
  for (let i = 0; i < N; i++) {
    pfs[i].setReadDeadline(later(i, 1));
    pfs[i].setWriteDeadline(later(i, 2));
  }
  const h2 = heap(), m2 = mem();
  steps.push({ step: 'two deadlines', heapBytes: h2 - h1, coreBytes: m2 - m1 });
  const buf = Buffer.alloc(8);
  const reads = new Array(N).fill(null);
  const h2b = heap();
  for (let i = 0; i < N; i++) {
    reads[i] = pfs[i].read(buf); // an eventfd with a zero counter: EAGAIN, so the read parks
    reads[i].catch(() => {});
  }
  await new Promise((r) => setImmediate(r));
  const h3 = heap(), m3 = mem();
  steps.push({ step: 'parked read', heapBytes: h3 - h2b, coreBytes: m3 - m2 });
  out.stats = poller.stats;
  await poller.close();
} else {
  throw new Error(`unknown --scenario ${scenario}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
