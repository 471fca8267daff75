// Both drives inside a worker_threads Worker (see host/drive/worker-safe.ts):
// they are woken by the process-wide waiter, so an unref'd poller behaves as
// on the main thread (the uv drive serves its waits while something else
// keeps the loop running; the thread drive waits only for a ref'd poller), and
// a closed poller gives its epoll fd and eventfd/timerfd back;
// deadlines fire there as on the main thread, also with nobody waiting (a
// later read sees the expiry).

import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-unref.mjs', import.meta.url));

interface Result {
  drive: string;
  servedWhileUnref: number | false;
  servedAfterRef: number | false;
  fdsBefore: number;
  fdsAfterClose: number;
  deadlineCode: string;
  deadlineMs: number;
  idleDeadlineCode: string;
}

describe('drives inside a worker', () => {
  it('unref() serves as on the main thread; a read deadline fires, with or without a waiter; close() releases the drive fds', async () => {
    const w = new Worker(FIXTURE);
    const results = await new Promise<Result[]>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(results.map((r) => r.drive)).toEqual(['uv', 'thread']);
    for (const r of results) {
      // As on the main thread: the uv drive's watch delivers while unreferenced, the thread drive does not wait for an unref'd poller.
      expect({ drive: r.drive, unref: r.servedWhileUnref, ref: r.servedAfterRef }).toEqual({ drive: r.drive, unref: r.drive === 'uv' ? 1 : false, ref: 1 });
      expect({ drive: r.drive, code: r.deadlineCode }).toEqual({ drive: r.drive, code: 'ETIMEDOUT' });
      expect(r.deadlineMs).toBeGreaterThanOrEqual(45); // never early (timing noise only makes it later)
      // Armed with no read waiting, passed 200 ms before the peer writes: the read after it rejects, as on the main thread.
      expect({ drive: r.drive, idle: r.idleDeadlineCode }).toEqual({ drive: r.drive, idle: 'ETIMEDOUT' });
      // Before: the socketpair only. After close: the socketpair still (PollFD not closed yet), no drive fds.
      expect({ drive: r.drive, fds: r.fdsAfterClose }).toEqual({ drive: r.drive, fds: r.fdsBefore });
    }
  });
});
