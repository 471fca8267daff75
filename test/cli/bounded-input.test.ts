// Untrusted input to `netpoll inspect` / `netpoll replay` is bounded whatever it
// is: a device, a FIFO, standard input, a huge sparse file. Each case runs the
// built CLI in a child process that reports its peak RSS (VmHWM, through the
// preloaded fixtures/hwm.mjs), and a refused input must stay under 256 MB.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, truncateSync, existsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../../host/core/load.js';
import { MAX_SNAPSHOT_BYTES } from '../../host/inspect/decode.js';
import { MAX_TRACE_BYTES } from '../../host/tools/input-formats.js';
import { TraceRecorder } from '../../host/trace/index.js';
import { SimPoller } from '../../host/sim/index.js';
import { smallSnapshot, layoutEntries, u32, H } from '../inspect/support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'build/host/tools/cli.js');
const hwmFixture = fileURLToPath(new URL('./fixtures/hwm.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'netpoll-bounded-'));
const MB = 1 << 20;
const REFUSED_RSS_LIMIT = 256e6; // 256 MB
/** Room left for Node itself (about 45 MB at start) when an input is read right up to its limit. */
const NODE_ALLOWANCE = 100e6;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the CLI process, bytes. */
  hwm: number;
  ms: number;
}

let runs = 0;

/** The CLI in a child. `stdin`: a file to open as fd 0, or a shell command whose output is piped in. */
function run(args: string[], opts: { stdinFile?: string; stdinShell?: string; timeoutMs?: number; countStdout?: RegExp } = {}): Promise<Run & { matches: number; stdoutBytes: number }> {
  const hwmOut = join(dir, `hwm-${runs++}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const stdinFd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : null;
    const stdio: StdioOptions = [stdinFd ?? 'pipe', 'pipe', 'pipe'];
    const child = spawn(process.execPath, ['--import', hwmFixture, cli, ...args], { cwd: root, stdio, env: { ...process.env, NETPOLL_DEBUG: '', NETPOLL_TEST_HWM_OUT: hwmOut } });
    if (stdinFd !== null) closeSync(stdinFd);
    let feeder: ReturnType<typeof spawn> | null = null;
    if (opts.stdinShell) {
      feeder = spawn('sh', ['-c', opts.stdinShell], { stdio: ['ignore', 'pipe', 'ignore'] });
      feeder.stdout!.pipe(child.stdin!);
      child.stdin!.on('error', () => undefined); // EPIPE once the CLI stops reading
    } else if (stdinFd === null) child.stdin!.end();
    let stdout = '';
    let stdoutBytes = 0;
    let matches = 0;
    let tail = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdoutBytes += s.length;
      if (opts.countStdout) {
        const text = tail + s;
        matches += (text.match(opts.countStdout) ?? []).length;
        tail = text.slice(-64).replace(opts.countStdout, ''); // patterns are shorter than 64 chars; never count one twice
        stdout = text.slice(-4096);
      } else stdout += s;
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      feeder?.kill('SIGKILL');
      const hwm = existsSync(hwmOut) ? Number(readFileSync(hwmOut, 'utf8')) * 1024 : NaN;
      resolve({ code, signal, stdout, stderr, hwm, ms: performance.now() - t0, matches, stdoutBytes });
    });
  });
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function expectRefused(r: Run, msg: RegExp): void {
  expect(r.signal, `killed (hang?) after ${Math.round(r.ms)} ms; stderr: ${r.stderr}`).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(msg);
  expect(r.stderr).not.toMatch(/internal error|    at /);
  expect(r.hwm, 'peak RSS of the child').toBeLessThanOrEqual(REFUSED_RSS_LIMIT);
}

let snapshotPath: string;
let tracePath: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  snapshotPath = file('small.snapshot', smallSnapshot());
  const rec = new TraceRecorder();
  const sim = SimPoller.create({ instrument: rec.instrument });
  sim.open(3).setDeadline(sim.deadline(10), 'r');
  sim.advance(12);
  await sim.close();
  tracePath = file('small.trace', rec.finish());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded CLI input: devices, stdin, sparse files', () => {
  it('the snapshot limit covers the largest memory a core can have (from its own layout)', () => {
    const core = loadCore();
    const b = new Uint8Array(core.memory.buffer);
    const t = layoutEntries(b);
    const hdr = (name: string): number => u32(b, H + t.get(`header.${name}`)!.value);
    const max = hdr('chunkBase') + hdr('descDirCapacity') * hdr('descPerBlock') * hdr('descSize') + hdr('timerDirCapacity') * hdr('timerPerBlock') * hdr('timerSize');
    expect(MAX_SNAPSHOT_BYTES).toBeGreaterThanOrEqual(Math.ceil(max / 65536) * 65536);
    // and a refused input read to the limit fits the memory bound with room for Node itself
    expect(MAX_SNAPSHOT_BYTES + NODE_ALLOWANCE).toBeLessThanOrEqual(REFUSED_RSS_LIMIT);
    expect(MAX_TRACE_BYTES + NODE_ALLOWANCE).toBeLessThanOrEqual(REFUSED_RSS_LIMIT);
  });

  it('inspect /dev/zero: refused from its header, exit 2, bounded memory', async () => {
    expectRefused(await run(['inspect', '/dev/zero']), /^netpoll: \/dev\/zero: not a netpoll snapshot: magic 0x00000000/);
  });

  it('replay /dev/urandom and replay - < /dev/zero: refused from the header, exit 2', async () => {
    expectRefused(await run(['replay', '/dev/urandom']), /^netpoll: \/dev\/urandom: not a netpoll trace: magic 0x/);
    expectRefused(await run(['replay', '-'], { stdinFile: '/dev/zero' }), /^netpoll: standard input: not a netpoll trace: magic 0x00000000/);
    expectRefused(await run(['inspect', '-'], { stdinFile: '/dev/zero' }), /^netpoll: standard input: not a netpoll snapshot: magic 0x00000000/);
  });

  it('a 1 GiB sparse file is refused unread (exit 2, bounded memory)', async () => {
    const path = join(dir, 'sparse-1g');
    writeFileSync(path, '');
    truncateSync(path, 1 << 30);
    expectRefused(await run(['inspect', path]), /1073741824 bytes is larger than any snapshot .*not read/);
    expectRefused(await run(['replay', path]), /1073741824 bytes is larger than any trace .*not read/);
  });

  it('the header is checked before the body: a bad-magic file just under the limit costs one small read', async () => {
    const path = join(dir, 'sparse-under-limit');
    writeFileSync(path, '');
    truncateSync(path, MAX_SNAPSHOT_BYTES);
    const r = await run(['inspect', path]);
    expectRefused(r, /not a netpoll snapshot: magic 0x00000000/);
    expect(r.hwm).toBeLessThan(MAX_SNAPSHOT_BYTES / 2); // reading it whole would cost at least its size
  });

  it('a valid header followed by endless zeros on a pipe: reading stops at the limit + 1 byte', async () => {
    const head = readFileSync(snapshotPath).subarray(0, H + 16);
    const headPath = file('head.snapshot', head);
    const r = await run(['inspect', '-'], { stdinShell: `cat '${headPath}' /dev/zero`, timeoutMs: 60_000 });
    expectRefused(r, new RegExp(`more than ${MAX_SNAPSHOT_BYTES} bytes: larger than any snapshot; stopped reading at ${MAX_SNAPSHOT_BYTES + 1} bytes`));
    const trace = readFileSync(tracePath).subarray(0, 56);
    const t = await run(['replay', '-'], { stdinShell: `cat '${file('head.trace', trace)}' /dev/zero`, timeoutMs: 60_000 });
    expectRefused(t, new RegExp(`stopped reading at ${MAX_TRACE_BYTES + 1} bytes`));
  }, 120_000);

  it('a terminal is refused, not waited on', async () => {
    // script(1) gives the child a pty as stdin; skip quietly where it is missing.
    let hasScript = true;
    try {
      execFileSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' });
    } catch {
      hasScript = false;
    }
    if (!hasScript) return;
    const out = execFileSync('script', ['-qec', `'${process.execPath}' '${cli}' inspect -; echo "exit $?"`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/standard input is a terminal/);
    expect(out).toMatch(/exit 2/);
  });
});

describe('bounded CLI input: FIFOs', () => {
  function fifo(name: string): string {
    const path = join(dir, name);
    execFileSync('mkfifo', [path]);
    return path;
  }

  it('a FIFO nobody writes to: a clear message and exit 2 after --wait, not a hang', async () => {
    const path = fifo('no-writer');
    const r = await run(['inspect', '--wait', '0.3', path], { timeoutMs: 15_000 });
    expectRefused(r, /no process opened the FIFO for writing within 0\.3 s/);
    const t = await run(['replay', '--wait', '0.3', path], { timeoutMs: 15_000 });
    expectRefused(t, /no process opened the FIFO for writing within 0\.3 s/);
  });

  it('a FIFO whose writer comes later (process substitution, a slow producer) is read in full', async () => {
    const path = fifo('late-writer');
    const bytes = readFileSync(snapshotPath);
    const pending = run(['inspect', '--json', '--wait', '10', path], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const fd = openSync(path, 'w'); // the CLI holds the read end open (without blocking), so this does not block
    for (let at = 0; at < bytes.length; at += 65536) {
      writeSync(fd, bytes.subarray(at, at + 65536));
      await new Promise((r) => setTimeout(r, 5));
    }
    closeSync(fd);
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).counters.inUse).toBe(3);
  });

  it('a writer that opens the FIFO and then stalls: exit 2 after --wait', async () => {
    const path = fifo('stalled-writer');
    const pending = run(['inspect', '--wait', '0.5', path], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 100));
    const fd = openSync(path, 'w');
    writeSync(fd, readFileSync(snapshotPath).subarray(0, 1000));
    const r = await pending;
    closeSync(fd);
    expectRefused(r, /no data arrived within 0\.5 s after 1000 bytes/);
  });
});

describe('inspect --json streams', () => {
  // Each descriptor has a read and a write deadline (2,000,000 timers): the JSON is about 780 million
  // characters, past V8's longest string (2^29 - 24), so JSON.stringify failed with "Invalid string length".
  it('a 1,000,000-descriptor snapshot with 2,000,000 timers (within the decoder\'s limits) prints in full as JSON', async () => {
    const core = loadCore();
    const N = 1_000_000;
    for (let fd = 0; fd < N; fd++) {
      const i = core.open(fd);
      const seq = core.seqOf(i);
      if (i !== fd || core.setDeadline(i, seq, 1, 3_600_000_000_000n + BigInt(fd), 1_000_000_000n) < 0 || core.setDeadline(i, seq, 2, 7_200_000_000_000n + BigInt(fd), 1_000_000_000n) < 0) {
        throw new Error(`open ${fd}`);
      }
    }
    const path = file('million.snapshot', new Uint8Array(core.memory.buffer));
    const r = await run(['inspect', '--json', path], { timeoutMs: 170_000, countStdout: /"fdseq": 1,/g });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.matches).toBe(N); // one per descriptor, each open once
    expect(r.stdoutBytes).toBeGreaterThan(2 ** 29); // more than one string can hold
    expect(r.stdout).toMatch(/"violations": \[\]\n\}\n$/);
    console.log(`inspect --json, 1,000,000 descriptors, 2,000,000 timers: peak RSS ${Math.round(r.hwm / MB)} MiB, ${Math.round(r.ms)} ms, ${r.stdoutBytes} chars`);
  }, 180_000);
});
