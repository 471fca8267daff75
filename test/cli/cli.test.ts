// The `netpoll` command as a user runs it: the compiled build/host/tools/cli.js in a
// child process (run `npm run build` first; `npm test` does).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimPoller } from '../../host/sim/index.js';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { socketPair } from '../../host/sys/socket.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { TraceRecorder } from '../../host/trace/index.js';
import { main } from '../../host/tools/cli.js';
import { smallSnapshot, descAddr, layoutEntries, setU32 } from '../inspect/support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'build/host/tools/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'netpoll-cli-'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { stdin?: Uint8Array; script?: string; cmd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const argv = opts.cmd ? args : [opts.script ?? cli, ...args];
    const child = spawn(opts.cmd ?? process.execPath, argv, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NETPOLL_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? undefined);
  });
}

/** Run many in parallel, a few at a time (two cores). */
async function runAll<T>(items: T[], f: (x: T) => Promise<void>, width = 4): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A deterministic snapshot: the simulator's clock and fds are fixed, so the output is the same on every run. */
async function simSnapshot(): Promise<Uint8Array> {
  const sim = SimPoller.create();
  const fds = [10, 11, 12, 13, 14].map((fd) => sim.open(fd));
  fds[0]!.setDeadline(sim.deadline(250), 'r');
  fds[1]!.setDeadline(sim.deadline(40), 'rw');
  fds[2]!.setDeadline(sim.deadline(5), 'w');
  fds[3]!.setDeadline(sim.deadline(1000), 'w');
  const waits = [fds[0]!.wait('r'), fds[1]!.wait('w'), fds[3]!.wait('r')].map((p) => p.catch(() => undefined));
  fds[4]!.close();
  sim.ready(11, 'r').stale(11, 'w');
  sim.advance(6);
  fds[3]!.unblock();
  await sim.settled();
  const snap = sim.snapshot();
  await sim.close();
  await Promise.all(waits);
  return snap;
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  if (statSync(cli).mtimeMs < statSync(join(root, 'host/tools/cli.ts')).mtimeMs) throw new Error(`${cli} is older than host/tools/cli.ts: run \`npm run build\``);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netpoll --help and usage', () => {
  it('prints help for the CLI and for each subcommand, exit 0', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^usage: netpoll <command>/);
    for (const cmd of ['inspect', 'replay']) {
      for (const args of [[cmd, '--help'], [cmd, '-h'], ['help', cmd]]) {
        const r = await run(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^usage: netpoll ${cmd} `));
      }
    }
    const demo = await run(['demo', '--help']);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/usage: netpoll demo/);
    const version = await run(['--version']);
    expect(version.stdout).toMatch(/^netpoll-wasm \d+\.\d+\.\d+/);
  });

  it('bad usage exits 2 with the usage on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [[], /usage: netpoll <command>/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['help', 'frobnicate'], /unknown command "frobnicate"/],
      [['inspect'], /missing FILE[\s\S]*usage: netpoll inspect/],
      [['inspect', 'a', 'b'], /one FILE at a time/],
      [['inspect', '--bogus', 'x'], /Unknown option '--bogus'[\s\S]*usage: netpoll inspect/],
      [['replay', '--core', 'fast', 'x'], /--core must be 'release' or 'debug'/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/internal error|    at /);
    }
  });

  it('works through npx after the build', async () => {
    const r = await run(['--no-install', 'netpoll', 'inspect', '--help'], { cmd: 'npx', timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: netpoll inspect/);
  }, 60_000);

  it('demo: a clear message and exit 1 when the build has no demo', async () => {
    const lone = join(dir, 'lone');
    mkdirSync(lone, { recursive: true });
    copyFileSync(cli, join(lone, 'cli.js'));
    writeFileSync(join(lone, 'package.json'), '{"type":"module"}');
    const r = await run(['demo'], { script: join(lone, 'cli.js') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the demo is not available in this build/);
  });
});

describe('netpoll inspect', () => {
  it('prints readable tables for a real snapshot (deterministic: the simulator)', async () => {
    const path = file('sim.snapshot', await simSnapshot());
    const r = await run(['inspect', path]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.replaceAll(path, '<FILE>')).toMatchSnapshot();
  });

  it('a live poller (uv drive, socketpairs, deadlines, a parked read): sane output, exit 0', async () => {
    const poller = await Poller.create();
    const [a, b] = socketPair('stream');
    const fa = await PollFD.open(a, { poller });
    const fb = await PollFD.open(b, { poller });
    fa.setReadDeadline(Date.now() + 60_000);
    fb.setDeadline(Date.now() + 30_000);
    const pending = fa.read(Buffer.alloc(8));
    for (let i = 0; i < 100 && poller.stats.waiters === 0; i++) await new Promise((r) => setImmediate(r)); // the read parks after its first try
    const path = file('live.snapshot', poller.snapshot());
    await fa.close();
    await fb.close();
    await poller.close();
    await expect(pending).rejects.toThrow();
    const r = await run(['inspect', path]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^ {2}descriptors {2}2 open, 0 closing, 0 free \(used before\), 62 never used/m);
    expect(out).toMatch(/^ {2}waiters {6}1 parked$/m);
    // The sockets' first EPOLLOUT may or may not have been drained yet: wg is '-' or 'ready'.
    expect(out, out).toMatch(/^ +0 +\d+ +1 +open +waiter \d+ +(-|ready) +T0\+\d+(\.\d+)? s +- /m); // fa: parked reader, read deadline ~30 s after fb's
    expect(out, out).toMatch(/^ +1 +\d+ +1 +open +(-|ready) +(-|ready) +T0 +T0 +1\/1 +rw@0/m); // fb: one combined timer at the heap's root
    expect(out).toMatch(/^ {2}62 free descriptors never used \(fdseq 0\): 2–63$/m);
    expect(out).toMatch(/^Timer heap \(2, by deadline/m);
    expect(out).toMatch(/Violations: none/);
  });

  it('--json prints the Inspection; "-" reads stdin', async () => {
    const bytes = smallSnapshot();
    const path = file('small.snapshot', bytes);
    const r = await run(['inspect', '--json', path]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(decodeSnapshot(bytes))));
    const s = await run(['inspect', '-'], { stdin: bytes });
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^netpoll snapshot \(stdin\) \(\d+ bytes\)/);
  });

  it('exit 1 when the snapshot has violations (a free-list cycle), listed at the end', async () => {
    const b = smallSnapshot();
    const x = decodeSnapshot(b);
    setU32(b, descAddr(b, x.freeList[1]!) + layoutEntries(b).get('desc.link')!.value, x.freeList[0]! + 1);
    const path = file('cycle.snapshot', b);
    const r = await run(['inspect', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}free-list-cycle +the free list revisits descriptor \d+ after 2 entries$/m);
    const j = await run(['inspect', '--json', path]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).violations.map((v: { rule: string }) => v.rule)).toContain('free-list-cycle');
  });

  it('exit 2 for unreadable input: missing file, a directory, not a snapshot, truncated', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'nope.snapshot'), /cannot read snapshot .*nope\.snapshot: no such file/],
      [dir, /is a directory, not a snapshot/],
      [file('text.snapshot', Buffer.from('hello world\n')), /too short/],
      [file('trunc.snapshot', smallSnapshot().subarray(0, 0x10000 + 1000)), /lies outside the 66536-byte snapshot/],
    ];
    const zeros = new Uint8Array(0x20000);
    cases.push([file('zeros.snapshot', zeros), /not a netpoll snapshot: magic 0x00000000/]);
    for (const [path, msg] of cases) {
      const r = await run(['inspect', path]);
      expect(r.code, path).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });

  it('fuzz: random bytes, truncations and bit flips of a real snapshot (36 runs): exit 0, 1 or 2, never a crash or a hang', async () => {
    const base = smallSnapshot();
    const header = 0x10000;
    const inputs = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'random', bytes: b })),
        fc.nat(base.length).map((n) => ({ kind: 'truncated', bytes: base.subarray(0, n) })),
        fc.array(fc.tuple(fc.nat(6000), fc.nat(7)), { minLength: 1, maxLength: 8 }).map((flips) => {
          const b = base.slice();
          for (const [at, bit] of flips) b[header + at] ^= 1 << bit;
          return { kind: 'flipped', bytes: b };
        }),
      ),
      { numRuns: 36, seed: 4242 },
    );
    const codes = new Map<number, number>();
    await runAll(inputs.map((x, i) => ({ ...x, path: file(`fuzz-${i}.snapshot`, x.bytes) })), async (x) => {
      const r = await run(['inspect', x.path], { timeoutMs: 10_000 });
      expect(r.signal, `${x.kind} ${x.path}: killed (hang?)`).toBeNull();
      expect([0, 1, 2], `${x.kind} ${x.path}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|    at /);
      if (r.code === 2) expect(r.stderr).toMatch(/^netpoll: /);
      codes.set(r.code!, (codes.get(r.code!) ?? 0) + 1);
    });
    expect(codes.get(2)).toBeGreaterThan(0);
  }, 60_000);
});

describe('netpoll replay', () => {
  let tracePath: string;
  let recordedHash: string;

  beforeAll(async () => {
    const rec = new TraceRecorder();
    const sim = SimPoller.create({ instrument: rec.instrument });
    const a = sim.open(3), b = sim.open(4);
    a.setDeadline(sim.deadline(10), 'r');
    const waits = [a.wait('r'), b.wait('w')].map((p) => p.catch(() => undefined));
    sim.ready(4, 'w');
    sim.advance(12);
    b.setDeadline(sim.deadline(100));
    await Promise.all(waits);
    tracePath = file('session.trace', rec.finish());
    recordedHash = rec.lastHash!;
  });

  it('replays: the final tables and the memory hash, equal to the recorder’s; twice the same', async () => {
    const r1 = await run(['replay', tracePath]);
    const r2 = await run(['replay', tracePath]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toBe(r2.stdout);
    expect(r1.stdout).toMatch(new RegExp(`^ {2}memory {7}sha256 ${recordedHash} \\(\\d+ bytes\\)$`, 'm'));
    expect(r1.stdout).toMatch(new RegExp(`^ {2}recorded {5}sha256 ${recordedHash} .* — matches$`, 'm'));
    expect(r1.stdout).toMatch(/^ {2}ended {8}yes$/m);
    expect(r1.stdout).toMatch(/^final state: layout v1/m);
    expect(r1.stdout).toMatch(/^ {2}descriptors {2}2 open/m);
    const j = await run(['replay', '--json', tracePath]);
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout);
    expect(parsed).toMatchObject({ hash: recordedHash, recordedHash, ok: true, replay: { divergence: null } });
    expect(parsed.inspection.counters.inUse).toBe(2);
  });

  it('exit 2 for a malformed trace, with a clear message', async () => {
    const good = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(tracePath)));
    const cut = good.subarray(0, good.length - 20);
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.trace'), /cannot read trace .*missing\.trace: no such file/],
      [file('snap-as-trace', smallSnapshot()), /not a netpoll trace: magic 0x00000000/],
      [file('cut.trace', cut), /the trace is truncated|counts|unknown record op|malformed/],
      [file('empty.trace', new Uint8Array(0)), /shorter than the header/],
    ];
    for (const [path, msg] of cases) {
      const r = await run(['replay', path]);
      expect(r.code, path).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('fuzz: bit flips and truncations of a trace (16 runs): exit 0, 1 or 2, never a crash or a hang', async () => {
    const good = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(tracePath)));
    const inputs = fc.sample(
      fc.oneof(
        fc.nat(good.length).map((n) => good.subarray(0, n)),
        fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 4 }).map((flips) => {
          const b = good.slice();
          for (const [at, bit] of flips) b[56 + (at % (b.length - 56))] ^= 1 << bit;
          return b;
        }),
      ),
      { numRuns: 16, seed: 99 },
    );
    await runAll(inputs.map((b, i) => file(`fuzz-${i}.trace`, b)), async (path) => {
      const r = await run(['replay', path], { timeoutMs: 10_000 });
      expect(r.signal).toBeNull();
      expect([0, 1, 2], `${path}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|    at /);
    });
  }, 60_000);
});

describe('main() in-process', () => {
  it('returns exit codes without touching process.exitCode', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    expect(await main(['--help'], io)).toBe(0);
    expect(await main(['inspect', join(dir, 'missing')], io)).toBe(2);
    expect(err.join('')).toMatch(/no such file/);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
