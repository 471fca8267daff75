// worker.terminate() must never take the process down (issue 8, point 1).
//
// Each drive runs 200 create-work-terminate cycles of a worker_threads Worker
// in a child process (fixtures/terminate-cycles.mjs: a crash there fails this
// test instead of killing vitest), the worker's state taken in turn: idle,
// reads parked, deadlines armed, mid-echo. Meanwhile the child's main thread
// echoes over its own poller of the same drive. Before the fix a uv worker
// aborted the process (koffi calling into a dying environment, exit 134, or
// SIGSEGV) and a thread worker's blocked epoll_wait made terminate() hang.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uringLivePath } from '../os/uring-available.js';

const CHILD = fileURLToPath(new URL('./fixtures/terminate-cycles.mjs', import.meta.url));
const CYCLES = 200;

interface Report {
  drive: string;
  cycles: number;
  slowestTerminateMs: number;
  fdsBefore: number;
  fdsAfter: number;
  fdsHeldByWorkers: number;
  echoesBefore: number;
  echoesAfter: number;
  stalledCycles: number;
  io: string;
  ringMapsBefore: number;
  ringMapsAfter: number;
}

/** The path this project runs on (vitest.config.ts sets NETPOLL_IO; the child and its workers inherit it), where a ring can be set up. */
const IO = process.env.NETPOLL_IO === 'uring' ? uringLivePath : 'syscall';

function runCycles(drive: string, ms: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, drive, String(CYCLES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.concurrent('worker.terminate() (child processes, 200 cycles per drive)', () => {
  for (const drive of ['uv', 'thread']) {
    it(`${drive}: no crash, each terminate() within 1 s, only the workers' own PollFD fds left, the main poller echoes throughout`, async () => {
      const r = await runCycles(drive, 110_000);
      // A crash shows here: exit 134 (koffi's napi_throw abort), SIGSEGV, or SIGKILL from the timer (a hung terminate).
      expect({ code: r.code, signal: r.signal, stderr: r.stderr.slice(0, 2000) }).toEqual({ code: 0, signal: null, stderr: '' });
      const rep = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Report;
      expect(rep.cycles).toBe(CYCLES);
      expect(rep.slowestTerminateMs).toBeLessThan(1000);
      // The drives' own epoll fd, eventfd and timerfd are all closed at termination; the fds
      // the workers handed to PollFD.open stay open (nothing of the worker runs to close them).
      expect(rep.fdsAfter - rep.fdsBefore).toBe(rep.fdsHeldByWorkers);
      expect(rep.stalledCycles).toBe(0);
      expect(rep.echoesAfter).toBeGreaterThanOrEqual(rep.echoesBefore + CYCLES);
      // On the 'uring' path each of a worker's two pollers (its default one and one it creates) had a ring:
      // their fds went with the worker (counted above); each ring's two mappings stay until the process
      // exits (host/os/uring-memory.ts), and nothing else does.
      expect(rep.io).toBe(IO);
      expect(rep.ringMapsAfter - rep.ringMapsBefore).toBeLessThanOrEqual(IO === 'uring' ? 2 * 2 * CYCLES : 0);
    }, 120_000);
  }
});
