// Waiting worker pollers do not take libuv's threadpool threads one each
// (issue 16, point 3). With the default UV_THREADPOOL_SIZE (4), 8 worker
// pollers parked on a read used to hold all four threads in turn (a poll(2)
// or epoll_wait each, cut at 100 ms and made again): an fs.readFile on the
// main thread queued behind them (a median of about 500 ms here) and so did
// every crypto, dns and zlib job. Now they wait through the process-wide
// waiter thread (host/drive/waiter-protocol.ts) and hold none.
//
// Each case runs fixtures/worker-threadpool.mjs in a child process with
// UV_THREADPOOL_SIZE removed from its environment.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fixtures/worker-threadpool.mjs', import.meta.url));

interface Report {
  drive: string;
  workers: number;
  threadpool: number;
  idle: { median: number; max: number };
  waiting: { median: number; max: number };
  pbkdf2Ms: number;
  echoed: number;
}

function run(drive: string, reads: number, extraEnv: Record<string, string> = {}): Promise<Report> {
  const env = { ...process.env, ...extraEnv };
  delete env.UV_THREADPOOL_SIZE;
  if (!('NETPOLL_WORKER_WAIT' in extraEnv)) delete env.NETPOLL_WORKER_WAIT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, drive, '8', String(reads)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child exited ${code ?? signal}: ${stderr.slice(0, 2000)}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Report);
    });
  });
}

// Generous: the median read takes well under 1 ms unloaded; queued behind the pollers it took ~500 ms.
const READ_MEDIAN_BOUND_MS = 50;

describe('8 waiting worker pollers, default UV_THREADPOOL_SIZE (child processes)', () => {
  for (const drive of ['uv', 'thread']) {
    it(`${drive}: fs.readFile on the main thread is not queued behind them, a pbkdf2 job runs, all 8 echo`, async () => {
      const r = await run(drive, 20);
      expect(r.threadpool).toBe(4);
      expect(r.waiting.median).toBeLessThan(READ_MEDIAN_BOUND_MS);
      expect(r.pbkdf2Ms).toBeLessThan(5_000);
      expect(r.echoed).toBe(8);
    }, 60_000);
  }

  it('the measure sees the stall: with the threadpool wait (NETPOLL_WORKER_WAIT=pool, the old way) the reads queue', async () => {
    const r = await run('uv', 5, { NETPOLL_WORKER_WAIT: 'pool' });
    expect(r.waiting.median).toBeGreaterThan(READ_MEDIAN_BOUND_MS);
    expect(r.echoed).toBe(8);
  }, 60_000);
});
