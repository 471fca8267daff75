import { describe, it, expect } from 'vitest';
import { SimPoller, DEFAULT_EPOCH_MS, EPOLLIN, EPOLLHUP } from '../../host/sim/index.js';
import { ClosedError, DeadlineExceededError, NotPollableError, AbortError, MisuseError } from '../../host/errors.js';
import type { PollDesc } from '../../host/polldesc.js';

/** Settle state of a promise without awaiting it. */
function track<T>(p: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value?: T; readonly error?: unknown; settles: number } {
  const t = { state: 'pending' as 'pending' | 'resolved' | 'rejected', value: undefined as T | undefined, error: undefined as unknown, settles: 0 };
  p.then(
    (v) => {
      t.state = 'resolved';
      t.value = v;
      t.settles++;
    },
    (e) => {
      t.state = 'rejected';
      t.error = e;
      t.settles++;
    },
  );
  return t;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SimPoller basics', () => {
  it('queues events until flush, then wakes the waiter', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const w = track(pd.wait('r'));
    sim.ready(5, 'r');
    expect(sim.pending).toBe(1);
    await tick();
    expect(w.state).toBe('pending'); // nothing delivered yet
    expect(sim.flush()).toBe(1);
    await tick();
    expect(w.state).toBe('resolved');
    expect(sim.stats).toMatchObject({ descriptors: 1, waiters: 0, timers: 0 });
    await sim.close();
  });

  it('readiness before the wait is remembered (pdReady) and consumed once', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    sim.ready(pd, 'w').flush();
    await pd.wait('w'); // consumes the notification at once
    const w = track(pd.wait('w'));
    await tick();
    expect(w.state).toBe('pending');
    sim.ready(pd, 'w').flush();
    await tick();
    expect(w.state).toBe('resolved');
    await sim.close();
  });

  it('event kinds wake the right directions', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const r = track(pd.wait('r'));
    const w = track(pd.wait('w'));
    sim.ready(5, 'r').flush();
    await tick();
    expect([r.state, w.state]).toEqual(['resolved', 'pending']);
    const r2 = track(pd.wait('r'));
    sim.ready(5, 'hup').flush();
    await tick();
    expect([r2.state, w.state]).toEqual(['resolved', 'resolved']);
    // raw bits: EPOLLHUP alone wakes both
    const r3 = track(pd.wait('r'));
    const w3 = track(pd.wait('w'));
    sim.ready(5, EPOLLHUP).flush();
    await tick();
    expect([r3.state, w3.state]).toEqual(['resolved', 'resolved']);
    await sim.close();
  });

  it("'err' (EPOLLERR alone) makes later reads fail with NotPollableError until an event with other bits", async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const r = track(pd.wait('r'));
    sim.ready(5, 'err').flush();
    await tick();
    expect(r.state).toBe('resolved'); // as in Go, the parked waiter is woken to do its I/O, which reports the error
    await pd.wait('w'); // the error is reported on reads only (Go: writes learn it from the write call); EPOLLERR left w ready
    await expect(pd.wait('r')).rejects.toBeInstanceOf(NotPollableError);
    await expect(pd.wait('r')).rejects.toBeInstanceOf(NotPollableError);
    sim.ready(5, 'r').flush(); // EPOLLIN: not exactly EPOLLERR, clears the error bit
    await pd.wait('r');
    await sim.close();
  });

  it('rejects registration of a not-pollable fd and of an fd already registered', async () => {
    const sim = SimPoller.create();
    sim.notPollable(3);
    expect(() => sim.open(3)).toThrow(NotPollableError);
    expect(sim.stats.descriptors).toBe(0); // abandoned at once (Go 44552)
    sim.open(4);
    expect(() => sim.open(4)).toThrow(/already registered/);
    expect(sim.stats.descriptors).toBe(1);
    expect(sim.inspect().violations).toEqual([]);
    await sim.close();
  });

  it('PollDesc.close after the user closed the fd (EBADF on DEL) still frees the descriptor', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(4);
    const w = track(pd.wait('r'));
    sim.closeFd(4);
    pd.close();
    await tick();
    expect(w.error).toBeInstanceOf(ClosedError);
    expect(sim.stats).toMatchObject({ descriptors: 0, waiters: 0 });
    await sim.close();
  });

  it('ready() refuses unknown fds and closed PollDescs', async () => {
    const sim = SimPoller.create();
    expect(() => sim.ready(9, 'r')).toThrow(/not registered/);
    const pd = sim.open(9);
    pd.close();
    expect(() => sim.ready(pd, 'r')).toThrow(/closed/);
    expect(() => sim.ready(9, 'r')).toThrow(/not registered/);
    expect(() => sim.ready(9, 'bogus' as 'r')).toThrow(/not registered|unknown event kind/);
    await sim.close();
  });
});

describe('SimPoller time', () => {
  it('virtual clock: deadlines fire at advance(), not in real time', async () => {
    const sim = SimPoller.create();
    expect(sim.nowMs).toBe(DEFAULT_EPOCH_MS);
    const pd = sim.open(5);
    pd.setDeadline(sim.deadline(10), 'r');
    expect(sim.nextDeadline).toBe(sim.now + 10_000_000n);
    const w = track(pd.wait('r'));
    sim.advance(9);
    await tick();
    expect(w.state).toBe('pending');
    sim.advance(1);
    await tick();
    expect(w.error).toBeInstanceOf(DeadlineExceededError);
    expect(sim.nowMs).toBe(DEFAULT_EPOCH_MS + 10);
    expect(sim.nextDeadline).toBe(0n);
    await sim.close();
  });

  it('same tick: readiness and an expiring deadline in one batch — the event comes first', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    pd.setDeadline(sim.deadline(10), 'r');
    const w = track(pd.wait('r'));
    sim.ready(5, 'r');
    sim.advance(10); // one batch: the event, then the due timer
    await tick();
    expect(w.state).toBe('resolved');
    // the deadline did expire: the next wait times out even though nothing else happened
    await expect(pd.wait('r')).rejects.toBeInstanceOf(DeadlineExceededError);
    await sim.close();
  });

  it('expiry first, readiness a tick later: the wait times out, the readiness stays pending', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    pd.setDeadline(sim.deadline(10), 'r');
    const w = track(pd.wait('r'));
    sim.advance(10);
    sim.ready(5, 'r').flush();
    await tick();
    expect(w.error).toBeInstanceOf(DeadlineExceededError);
    pd.setDeadline(null, 'r');
    await pd.wait('r'); // the readiness delivered after the expiry is still there
    await sim.close();
  });

  it("Go's race: woken by the deadline, then the deadline moves to the future before the waiter resumes — it waits again", async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    pd.setDeadline(sim.deadline(10), 'r');
    const w = track(pd.wait('r'));
    sim.advance(10); // the timer wakes the waiter (TIMEOUT on the ready list)…
    pd.setDeadline(sim.deadline(50), 'r'); // …and, in the same tick, before it resumes, the deadline moves on
    await tick();
    expect(w.state).toBe('pending'); // it went round pollWait's loop and parked again
    expect(sim.stats.waiters).toBe(1);
    sim.advance(20);
    sim.ready(5, 'r').flush();
    await tick();
    expect(w.state).toBe('resolved');
    await sim.close();
  });

  it('a past deadline wakes the waiter at once; null clears; Date works', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const w = track(pd.wait('w'));
    pd.setDeadline(new Date(sim.nowMs - 1), 'w');
    await tick();
    expect(w.error).toBeInstanceOf(DeadlineExceededError);
    pd.setDeadline(null, 'w');
    const w2 = track(pd.wait('w'));
    pd.setDeadline(new Date(sim.nowMs + 5), 'w');
    sim.advance(5);
    await tick();
    expect(w2.error).toBeInstanceOf(DeadlineExceededError);
    await sim.close();
  });

  it('advanceToNextDeadline jumps to the earliest deadline', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    expect(sim.advanceToNextDeadline()).toBe(false);
    pd.setDeadline(sim.deadline(1234.5), 'rw');
    const w = track(pd.wait('w'));
    const t0 = sim.now;
    expect(sim.advanceToNextDeadline()).toBe(true);
    expect(sim.now - t0).toBe(1_234_500_000n);
    await tick();
    expect(w.error).toBeInstanceOf(DeadlineExceededError);
    await sim.close();
  });

  it('activity: keeps the (virtual) process alive only with waiters, and only when ref’d; a deadline alone does not', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    expect(sim.keepsAlive).toBe(false);
    const w = track(pd.wait('r'));
    expect(sim.keepsAlive).toBe(true);
    sim.poller.unref();
    expect(sim.keepsAlive).toBe(false);
    sim.poller.ref();
    sim.ready(5, 'r').flush();
    await tick();
    expect(w.state).toBe('resolved');
    expect(sim.keepsAlive).toBe(false);
    pd.setDeadline(sim.deadline(5));
    expect(sim.keepsAlive).toBe(false); // it wakes nobody
    const d = track(pd.wait('r'));
    expect(sim.keepsAlive).toBe(true); // now it will wake someone
    sim.advance(5);
    await tick();
    expect(d.state).toBe('rejected');
    expect(sim.keepsAlive).toBe(false);
    await sim.close();
    expect(sim.keepsAlive).toBe(false);
  });
});

describe('SimPoller races with close and reuse', () => {
  it('an event queued before close reaches the core with the old tag and is dropped as stale', async () => {
    const sim = SimPoller.create({ journal: true });
    const old = sim.open(5);
    sim.ready(5, 'r'); // in flight
    old.close();
    const reused = sim.open(5); // same descriptor slot (LIFO), next fdseq
    expect(reused.index).toBe(old.index);
    expect(reused.seq).toBe(old.seq + 1);
    const w = track(reused.wait('r'));
    sim.flush();
    await tick();
    expect(w.state).toBe('pending'); // no stale wake-up after fd reuse
    expect(sim.stats.staleEvents).toBe(1);
    sim.stale(5, 'r').stale(old, 'w').flush();
    expect(sim.stats.staleEvents).toBe(3);
    await tick();
    expect(w.state).toBe('pending');
    const batch = sim.journal!.calls('netpoll').at(-1)!;
    expect(batch.events).toEqual([
      { events: EPOLLIN, index: old.index, tag: old.seq },
      { events: 0x4, index: old.index, tag: old.seq },
    ]);
    sim.ready(5, 'r').flush();
    await tick();
    expect(w.state).toBe('resolved');
    await sim.close();
  });

  it('close rejects every waiter with ClosedError, also when readiness is queued in the same tick', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const r = track(pd.wait('r'));
    const w = track(pd.wait('w'));
    sim.ready(5, 'rw');
    pd.close();
    sim.flush();
    await tick();
    expect(r.error).toBeInstanceOf(ClosedError);
    expect(w.error).toBeInstanceOf(ClosedError);
    await expect(pd.wait('r')).rejects.toBeInstanceOf(ClosedError);
    expect(() => pd.setDeadline(sim.deadline(1))).toThrow(ClosedError);
    expect(sim.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0, staleEvents: 1 });
    await sim.close();
  });

  it('unblock then close; poller.close rejects waiters on every descriptor', async () => {
    const sim = SimPoller.create();
    const pds: PollDesc[] = [1, 2, 3].map((fd) => sim.open(fd));
    const waits = pds.flatMap((pd) => [track(pd.wait('r')), track(pd.wait('w'))]);
    pds[0]!.setDeadline(sim.deadline(3));
    pds[1]!.unblock();
    expect(() => pds[1]!.unblock()).toThrow(MisuseError);
    await sim.close();
    await tick();
    for (const w of waits) {
      expect(w.error).toBeInstanceOf(ClosedError);
      expect(w.settles).toBe(1);
    }
    expect(sim.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
    expect(sim.poller.engine.liveTokens).toBe(0);
    expect(() => sim.open(7)).toThrow(ClosedError);
    expect(sim.flush()).toBe(0);
  });

  it('AbortSignal withdraws a parked wait; the direction is free again', async () => {
    const sim = SimPoller.create();
    const pd = sim.open(5);
    const ac = new AbortController();
    const w = track(pd.wait('r', { signal: ac.signal }));
    ac.abort();
    await tick();
    expect(w.error).toBeInstanceOf(AbortError);
    expect(sim.stats.waiters).toBe(0);
    const w2 = track(pd.wait('r'));
    sim.ready(5, 'r').flush();
    await tick();
    expect(w2.state).toBe('resolved');
    await sim.close();
  });
});

describe('SimPoller batches', () => {
  it('splits a queue longer than maxEvents into several batches, in order', async () => {
    const sim = SimPoller.create({ maxEvents: 4, stride: 16, journal: true });
    const pds = Array.from({ length: 10 }, (_, i) => sim.open(100 + i));
    const waits = pds.map((pd) => track(pd.wait('r')));
    for (const pd of pds) sim.ready(pd, 'r');
    expect(sim.flush()).toBe(10);
    expect(sim.journal!.calls('netpoll').map((e) => e.args[0])).toEqual([4, 4, 2]);
    expect(sim.journal!.calls('netpoll').every((e) => e.args[1] === 16)).toBe(true);
    await tick();
    expect(waits.every((w) => w.state === 'resolved')).toBe(true);
    expect(sim.delivered).toBe(10);
    await sim.close();
  });

  it('host sentinel events only set header.hostEvents', async () => {
    const sim = SimPoller.create();
    sim.hostEvent(0).hostEvent(1).flush();
    expect(sim.poller.engine.hostEvents).toBe(0b11);
    expect(sim.stats.staleEvents).toBe(0);
    await sim.close();
  });

  it('is deterministic: the same session gives the same memory', async () => {
    const run = async (): Promise<Uint8Array> => {
      const sim = SimPoller.create();
      const a = sim.open(1), b = sim.open(2);
      a.setDeadline(sim.deadline(7), 'r');
      b.setDeadline(sim.deadline(3), 'rw');
      const waits = [a.wait('r'), b.wait('w')].map((p) => p.catch(() => undefined));
      sim.ready(2, 'w');
      sim.advance(5);
      sim.advance(5);
      await Promise.all(waits);
      b.close();
      return sim.snapshot();
    };
    expect(Buffer.compare(await run(), await run())).toBe(0);
  });
});
