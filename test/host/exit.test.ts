// Process lifetime: an idle poller never keeps Node alive; a ref'd poller with
// a blocked operation does (like a socket with a pending read); unref() lets
// the process go. Each case runs in a child `node` process that imports the
// built host (build/host, from `npm run build`): see fixtures/child.mjs.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../build/host/index.js', import.meta.url));

interface Outcome {
  /** Exit code, or null if it was still running after `ms` and had to be killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  elapsed: number;
}

/**
 * Run the child; kill it if it is still running `ms` after it started — or,
 * with `after`, `ms` after it printed `after` (a loaded machine may take
 * longer than `ms` just to start Node and reach the interesting state).
 */
function run(args: string[], ms: number, after?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (delay: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, delay);
    };
    arm(after === undefined ? ms : 60_000);
    let armed = after === undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!armed && stdout.includes(after!)) {
        armed = true;
        arm(ms);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: killed ? null : code, stdout, stderr, elapsed: performance.now() - t0 });
    });
  });
}

describe('process lifetime (child processes)', () => {
  it('the built host exists (run `npm run build` first)', () => {
    expect(existsSync(BUILT)).toBe(true);
  });

  it('a process with idle pollers of both drives (each waited once) exits by itself with code 0', async () => {
    const r = await run(['idle', 'both'], 10_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('uv: waited');
    expect(r.stdout).toContain('thread: waited');
  });

  // koffi calls a poll handle's callback during Node's environment teardown if
  // the epoll fd is readable then, which aborted the process (exit code 134)
  // before the uv drive closed its handles on 'exit'.
  it('a process whose pollers still have unconsumed events exits by itself with code 0 (no abort at teardown)', async () => {
    const r = await run(['pending', 'both'], 10_000);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('uv: pending');
    expect(r.stdout).toContain('thread: pending');
    expect(r.code).toBe(0);
  });

  it('the same with an explicit process.exit(0)', async () => {
    const r = await run(['exit', 'both'], 10_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  // Node joins its threadpool on exit; the thread drive's epoll_wait(-1) used
  // to keep that join (and so the process) waiting forever.
  it('process.exit(0) with reads blocked on ref\'d pollers of both drives exits promptly with code 0', async () => {
    const r = await run(['exit-blocked', 'both'], 10_000);
    expect(r.stdout).toContain('thread: blocked');
    expect(r.code).toBe(0);
  });

  it('an uncaught exception with reads blocked on ref\'d pollers exits with code 1 instead of hanging', async () => {
    const r = await run(['throw-blocked', 'both'], 10_000);
    expect(r.stderr).toContain('uncaught on purpose');
    expect(r.code).toBe(1);
  });

  for (const drive of ['uv', 'thread'] as const) {
    it(`(${drive}) a PollFD blocked in read on a ref'd poller keeps the process running`, async () => {
      const r = await run(['blocked', drive], 1500, `${drive}: blocked`);
      expect(r.stdout).toContain(`${drive}: blocked`);
      expect(r.code).toBeNull(); // still running: we had to kill it
      expect(r.stderr).toBe('');
    });

    it(`(${drive}) the same after poller.unref(): exits by itself with code 0`, async () => {
      const r = await run(['unref', drive], 10_000);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`${drive}: blocked`);
      expect(r.code).toBe(0);
    });

    it(`(${drive}) a deadline with a parked read keeps the process alive until it fires, then it exits`, async () => {
      const r = await run(['deadline', drive], 10_000);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`${drive}: timeout`);
      expect(r.code).toBe(0);
      expect(r.elapsed).toBeGreaterThanOrEqual(300);
    });

    // A timer can wake nobody when nobody waits: a deadline alone must not hold the process (it used to for as long as it was armed).
    it(`(${drive}) a deadline with no waiter (1 h ahead, on an idle PollFD) does not keep the process alive`, async () => {
      const r = await run(['idle-deadline', drive], 10_000);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`${drive}: armed`);
      expect(r.code).toBe(0); // null: still running after 10 s, killed
    });

    it(`(${drive}) a deadline that passed while nobody waited is still observed: a later read with data queued times out`, async () => {
      const r = await run(['late-waiter', drive], 10_000);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`${drive}: timeout`);
      expect(r.code).toBe(0);
    });
  }
});
