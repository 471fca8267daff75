// The demo (`npm start` = `netpoll demo`) as a user runs it: a child process
// on the built JS, which must finish by itself with exit code 0 and print the
// summary and the inspection table. Needs `npm run build` first (npm test's
// pretest does it).

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDemoArgs, DEFAULTS, UsageError } from '../../host/tools/demo/options.js';
import { Latencies } from '../../host/tools/demo/stats.js';
import { Progress } from '../../host/tools/demo/progress.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../build/host/tools/cli.js', import.meta.url));
const demoModule = new URL('../../build/host/tools/demo/index.js', import.meta.url).href;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run node with args; kill it (and fail) if it is still running after limitMs — a dangling handle would do that. */
function run(args: string[], limitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/**
 * runDemo() without the CLI, and without process.exit: the exit code is only
 * set, so the process ends only if the demo closed everything it opened.
 */
function runModule(demoArgs: string[], limitMs: number): Promise<Run> {
  const code = `const { runDemo } = await import(${JSON.stringify(demoModule)}); process.exitCode = await runDemo(${JSON.stringify(demoArgs)});`;
  return run(['--input-type=module', '-e', code], limitMs);
}

function expectCompleteOutput(r: Run, clients: number): void {
  const why = `exit ${r.code} (${r.signal ?? 'no signal'}) after ${r.ms.toFixed(0)} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  expect(r.code, why).toBe(0);
  const out = r.stdout;
  // the summary
  expect(out, why).toMatch(/^summary$/m);
  expect(out).toMatch(/seqpacket echo\s+[\d,]+ messages echoed .* 0 mismatches ✓/);
  expect(out).toMatch(/round trip p50 \S+\s+p90 \S+\s+p99 \S+\s+max \S+/);
  expect(out).toMatch(/each read returned exactly one whole message/);
  expect(out).toMatch(/deadlines\s+expected timeouts (\d+) \(slow path\), seen \1 ✓; unexpected 0 ✓/);
  expect(out).toMatch(/eventfd\s+worker wrote [\d,]+ signals \(sum (\d+)\); .*\(sum \1\) ✓/);
  expect(out).toMatch(/after closing: 0\/0\/0 ✓/);
  // the inspection table, taken while every connection was open: listener + eventfd + both ends of each connection
  expect(out).toMatch(/^netpoll inspect — the poller core's memory/m);
  expect(out).toMatch(/^Descriptors \(\d+ shown of \d+\)$/m);
  expect(out).toMatch(/^Timer heap \(\d+, by deadline/m);
  const open = /descriptors\s+(\d+) open/.exec(out);
  expect(open).not.toBeNull();
  expect(Number(open![1])).toBeGreaterThanOrEqual(2 + clients); // a client may be between connections at the snapshot
  expect(out).toMatch(/Violations: none/);
  expect(out).toMatch(/^ok — [\d.]+ s$/m);
}

describe('netpoll demo', () => {
  it('runs through the CLI (uv drive), exits 0, prints the summary and the table', async () => {
    const r = existsSync(cli) ? await run([cli, 'demo', '--seconds', '2'], 12_000) : await runModule(['demo', '--seconds', '2'], 12_000);
    expectCompleteOutput(r, DEFAULTS.clients);
    // not a terminal: progress is printed as whole lines, about one a second, no carriage returns
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/^ +[\d.]+s\/2s  echoed /m);
  }, 15_000);

  it('leaves no handle behind: the process ends by itself (thread drive, --quiet)', async () => {
    const r = await runModule(['--drive', 'thread', '--seconds', '1.5', '--clients', '3', '--quiet'], 12_000);
    expectCompleteOutput(r, 3);
    expect(r.stdout).toMatch(/thread drive/);
    expect(r.stdout).not.toMatch(/s\/1\.5s  echoed/); // --quiet: no progress lines
  }, 15_000);

  it('rejects bad arguments with exit code 2 and the usage', async () => {
    const r = await runModule(['--drive', 'kqueue'], 10_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--drive must be 'uv' or 'thread'/);
    expect(r.stderr).toMatch(/usage: netpoll demo/);
  }, 15_000);
});

describe('parseDemoArgs', () => {
  it('defaults, the subcommand, both option spellings', () => {
    expect(parseDemoArgs([])).toEqual(DEFAULTS);
    expect(parseDemoArgs(['demo', '--drive', 'thread', '--seconds=2.5', '--clients', '3', '--quiet'])).toEqual({
      drive: 'thread',
      seconds: 2.5,
      clients: 3,
      quiet: true,
    });
    expect(parseDemoArgs(['--help'])).toBe('help');
  });

  it('refuses what it does not understand', () => {
    for (const bad of [['--seconds'], ['--seconds', '0'], ['--seconds', 'x'], ['--clients', '0'], ['--clients', '2.5'], ['--clients', '65'], ['--drive', 'epoll'], ['--verbose'], ['--quiet=yes']]) {
      expect(() => parseDemoArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });
});

describe('demo building blocks on Node facilities', () => {
  it('parseDemoArgs (util.parseArgs): short flags, repeated options, stray positionals', () => {
    expect(parseDemoArgs(['-q'])).toEqual({ ...DEFAULTS, quiet: true });
    expect(parseDemoArgs(['-h'])).toBe('help');
    expect(parseDemoArgs(['--clients', '2', '--clients', '5'])).toEqual({ ...DEFAULTS, clients: 5 });
    expect(() => parseDemoArgs(['demo', 'extra'])).toThrow(/unknown argument "extra"/);
    expect(() => parseDemoArgs(['--seconds'])).toThrow(UsageError);
    expect(() => parseDemoArgs(['--verbose'])).toThrow(/^unknown option "--verbose"$/);
  });

  it('Latencies (perf_hooks histograms): percentiles within 3 significant figures of the exact ones, and windows', () => {
    const lat = new Latencies();
    expect(lat.percentiles([50])).toEqual([NaN]);
    const samples = Array.from({ length: 10_000 }, (_, i) => 0.01 + ((i * 7919) % 10_000) / 1000); // 0.01 … 10 ms, shuffled
    for (const ms of samples) lat.add(ms);
    const sorted = [...samples].sort((a, b) => a - b);
    const exact = (p: number): number => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    const [p50, p99, max] = lat.percentiles([50, 99, 100]);
    expect(Math.abs(p50! - exact(50)) / exact(50)).toBeLessThan(2e-3);
    expect(Math.abs(p99! - exact(99)) / exact(99)).toBeLessThan(2e-3);
    expect(Math.abs(max! - sorted.at(-1)!) / sorted.at(-1)!).toBeLessThan(2e-3);
    expect(lat.count).toBe(10_000);
    expect(lat.takeRecent(50)).toBeCloseTo(p50!, 6);
    expect(lat.takeRecent(50)).toBeNaN(); // nothing since the window was taken
    lat.add(42);
    expect(lat.takeRecent(50)).toBeCloseTo(42, 1);
  });

  it('Progress on a terminal rewrites one line with readline.cursorTo/clearLine and never wraps', () => {
    const writes: string[] = [];
    const out = { isTTY: true, columns: 30, write: (s: string) => writes.push(s) };
    const p = new Progress(out, () => ['  1.0s/8s', 'echoed 1,234 (5,000/s)', 'timeouts 3 of 4 slow'], true);
    p.start();
    p.stop();
    const text = writes.join('');
    const lines = text.split('\x1b[1G').filter(Boolean); // cursorTo(0) = CSI 1 G
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      const visible = l.replace(/\x1b\[[0-9]*K/g, '').replace(/\n$/, '');
      expect(visible.length).toBeLessThanOrEqual(29);
      expect(l).toContain('\x1b[0K'); // clearLine(dir 1): erase to the right
    }
    expect(text.endsWith('\n')).toBe(true);
  });
});
