// WakeAhead on its own (host/wake-ahead.ts), over a ring that records what it
// is given: held wakes settle in the ready list's order after one submit; a
// batch below the minimum makes no entry; a wake larger than the ring is
// split; a failed io_uring_enter loses no waiter and turns the ring off with
// its reason; wakes outside a batch, or not ready, settle at once.

import { describe, expect, it } from 'vitest';
import { WakeAhead, type RingAttempt } from '../../host/wake-ahead.js';
import type { Uring } from '../../host/os/uring.js';
import { Code } from '../../host/core/abi.js';

class FakeRing {
  queued: number[] = [];
  submits: number[][] = [];
  failNext = false;
  closed = false;
  constructor(readonly entries: number) {}
  read(fd: number): number {
    this.queued.push(fd);
    return this.queued.length - 1;
  }
  /** Slots of the last submit that ran (a failing submit may have run some: ranBeforeFailure). */
  ran = 0;
  ranBeforeFailure = 0;
  submit(): number {
    if (this.failNext) {
      this.ran = this.ranBeforeFailure;
      this.queued = [];
      throw new Error('io_uring_enter EBADF (bad file descriptor)');
    }
    this.ran = this.queued.length;
    this.submits.push(this.queued.splice(0));
    return 0;
  }
  hasResult(slot: number): boolean {
    return slot < this.ran;
  }
  result(slot: number): number {
    return 100 + slot;
  }
  close(): void {
    this.closed = true;
  }
  discard(): void {
    this.queued = [];
  }
}

/** An attempt that queues a read of `fd` (or refuses with -1) and records its result. */
function attempt(fd: number, log: string[], refuse = false): RingAttempt {
  return {
    queueIn: (ring) => (refuse ? -1 : (ring as unknown as FakeRing).read(fd)),
    completed: (res) => void log.push(`fd ${fd} res ${res}`),
  };
}

function setup(entries = 8, minBatch = 2) {
  const ring = new FakeRing(entries);
  const ahead = new WakeAhead(ring as unknown as Uring, minBatch);
  const log: string[] = [];
  const wake = (name: string) => (code: number) => void log.push(`wake ${name} ${code}`);
  return { ring, ahead, log, wake };
}

describe('WakeAhead', () => {
  it('holds the ready wakes of a batch, submits once, hands each its result, then settles them in order', () => {
    const { ring, ahead, log, wake } = setup();
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(attempt(11, log), wake('b'), Code.TIMEOUT); // not readiness: settles now, no entry
    ahead.wake(attempt(12, log), wake('c'), Code.OK);
    expect(log).toEqual([`wake b ${Code.TIMEOUT}`]);
    ahead.finish();
    expect(ring.submits).toEqual([[10, 12]]);
    expect(log).toEqual([`wake b ${Code.TIMEOUT}`, 'fd 10 res 100', 'fd 12 res 101', 'wake a 0', 'wake c 0']);
    expect([ahead.ringBatches, ahead.ringEntries, ahead.plainWakes]).toEqual([1, 2, 0]);
  });

  it('below the minimum batch: no entry, the wakes settle and their operations make plain calls', () => {
    const { ring, ahead, log, wake } = setup(8, 3);
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(attempt(11, log), wake('b'), Code.OK);
    ahead.finish();
    expect(ring.submits).toEqual([]);
    expect(ring.queued).toEqual([]);
    expect(log).toEqual(['wake a 0', 'wake b 0']);
    expect(ahead.plainWakes).toBe(2);
  });

  it('splits a wake larger than the ring, in order', () => {
    const { ring, ahead, log, wake } = setup(2, 1);
    ahead.begin();
    for (const fd of [1, 2, 3, 4, 5]) ahead.wake(attempt(fd, log), wake(String(fd)), Code.OK);
    ahead.finish();
    expect(ring.submits).toEqual([[1, 2], [3, 4], [5]]);
    expect(log.filter((l) => l.startsWith('wake'))).toEqual(['wake 1 0', 'wake 2 0', 'wake 3 0', 'wake 4 0', 'wake 5 0']);
  });

  it('an attempt that cannot be an entry is left to its plain call; the others still go through the ring', () => {
    const { ring, ahead, log, wake } = setup();
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(attempt(11, log, true), wake('b'), Code.OK);
    ahead.wake(attempt(12, log), wake('c'), Code.OK);
    ahead.finish();
    expect(ring.submits).toEqual([[10, 12]]);
    expect(log).toEqual(['fd 10 res 100', 'fd 12 res 101', 'wake a 0', 'wake b 0', 'wake c 0']);
    expect(ahead.plainWakes).toBe(1);
  });

  it('a failed io_uring_enter loses no waiter, gives no result, and turns the ring off with its reason', () => {
    const { ring, ahead, log, wake } = setup();
    ring.failNext = true;
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(attempt(11, log), wake('b'), Code.OK);
    ahead.finish();
    expect(log).toEqual(['wake a 0', 'wake b 0']);
    expect(ahead.failure).toBe('io_uring_enter EBADF (bad file descriptor)');
    // Later batches settle at once.
    ahead.begin();
    ahead.wake(attempt(12, log), wake('c'), Code.OK);
    expect(log.at(-1)).toBe('wake c 0');
    ahead.finish();
  });

  it("an attempt that throws while queueing: the batch's entries are discarded (none reaches the kernel later), no waiter is lost", () => {
    const { ring, ahead, log, wake } = setup();
    const throwing: RingAttempt = {
      queueIn: () => {
        throw new Error('bad buffer');
      },
      completed: () => {},
    };
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(throwing, wake('b'), Code.OK);
    ahead.finish();
    expect(ring.queued).toEqual([]);
    expect(ring.submits).toEqual([]);
    expect(log).toEqual(['wake a 0', 'wake b 0']);
    expect(ahead.failure).toBe('bad buffer');
  });

  it('a submit that fails after the kernel ran some entries: those hand on their results (never made twice), the rest make plain calls', () => {
    const { ring, ahead, log, wake } = setup();
    ring.failNext = true;
    ring.ranBeforeFailure = 1;
    ahead.begin();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.wake(attempt(11, log), wake('b'), Code.OK);
    ahead.finish();
    expect(log).toEqual(['fd 10 res 100', 'wake a 0', 'wake b 0']);
    expect(ahead.failure).toMatch(/^io_uring_enter/);
  });

  it('outside a batch, and after close, a wake settles at once', () => {
    const { ring, ahead, log, wake } = setup();
    ahead.wake(attempt(10, log), wake('a'), Code.OK);
    ahead.close();
    ahead.begin();
    ahead.wake(attempt(11, log), wake('b'), Code.OK);
    ahead.finish();
    expect(log).toEqual(['wake a 0', 'wake b 0']);
    expect(ring.submits).toEqual([]);
    expect(ring.closed).toBe(true);
  });
});
