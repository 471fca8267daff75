// The process-wide waiter (host/drive/waiter-protocol.ts) outlives the worker
// that started it: when the main thread never loaded the package, the first
// worker poller starts the waiter on its own thread, so terminating that
// worker ends the waiter; the other workers' pollers must register with a new
// one and keep being woken, and the old waiter's fds must go with it.

import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fixtures/waiter-rehost.mjs', import.meta.url));

describe('the process-wide waiter', () => {
  it('a worker keeps being woken after the worker hosting the waiter is terminated', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CHILD], { timeout: 50_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { beforeA: boolean; beforeB: boolean; afterB: boolean; afterMs: number; fdsBefore: number; fdsAfter: number };
    expect({ beforeA: r.beforeA, beforeB: r.beforeB, afterB: r.afterB }).toEqual({ beforeA: true, beforeB: true, afterB: true });
    // The terminated worker's drive fds and the old waiter's (its set, its socket, its duplicates
    // of both workers' sets, their connections) are gone; the new waiter holds fewer.
    expect(r.fdsAfter).toBeLessThanOrEqual(r.fdsBefore);
  }, 60_000);
});
