// The diagnostics_channel hooks (host/observe/channels.ts), in process, on real fds.

import { describe, it, expect, afterEach } from 'vitest';
import dc from 'node:diagnostics_channel';
import { Poller, PollFD, CHANNEL_WAIT, CHANNEL_BATCH, CHANNEL_DEADLINE_FIRED, CHANNEL_STALE_EVENT, CHANNEL_POLLER_CLOSE, type WaitContext, type BatchMessage } from '../../host/index.js';
import { socketPair, closeFd, writeFd } from '../../host/sys/index.js';
import { dupFd } from '../go/support.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function traceWaits(): { starts: WaitContext[]; ends: WaitContext[]; errors: WaitContext[] } {
  const r = { starts: [] as WaitContext[], ends: [] as WaitContext[], errors: [] as WaitContext[] };
  const handlers = {
    start: (c: WaitContext) => void r.starts.push(c),
    end: () => {},
    asyncStart: () => {},
    asyncEnd: (c: WaitContext) => void r.ends.push({ ...c }),
    error: (c: WaitContext) => void r.errors.push(c),
  };
  dc.tracingChannel<WaitContext>(CHANNEL_WAIT).subscribe(handlers as never);
  cleanups.push(() => dc.tracingChannel(CHANNEL_WAIT).unsubscribe(handlers as never));
  return r;
}

function collect<T>(name: string): T[] {
  const got: T[] = [];
  const f = (m: unknown): void => void got.push(m as T);
  dc.subscribe(name, f);
  cleanups.push(() => void dc.unsubscribe(name, f));
  return got;
}

async function setup(): Promise<{ poller: Poller; a: PollFD; peer: number }> {
  const poller = await Poller.create();
  const [x, y] = socketPair();
  const a = await PollFD.open(x, { poller });
  cleanups.push(async () => {
    await a.close();
    closeFd(y);
    await poller.close();
  });
  return { poller, a, peer: y };
}

describe('netpoll:wait tracing channel', () => {
  it('a read that parks and is woken: start then asyncEnd on one context, outcome ready, fd, mode and time parked', async () => {
    const t = traceWaits();
    const { poller, a, peer } = await setup();
    const reading = a.read(Buffer.alloc(8));
    setTimeout(() => writeFd(peer, Buffer.from('hi')), 30);
    expect(await reading).toBe(2);
    const mine = t.ends.filter((c) => c.poller === poller);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ fd: a.fd, mode: 'r', outcome: 'ready' });
    expect(mine[0]!.parkedMs!).toBeGreaterThanOrEqual(20);
    expect(t.starts.filter((c) => c.poller === poller)[0]!.pollDesc).toBe(a.pollDesc);
    expect(t.errors.filter((c) => c.poller === poller)).toHaveLength(0);
  });

  it('outcomes timeout, closed and aborted, each with its error on the error channel', async () => {
    const t = traceWaits();
    const { poller, a } = await setup();
    a.setReadDeadline(Date.now() + 20);
    await expect(a.read(Buffer.alloc(8))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    a.setReadDeadline(null);
    const ac = new AbortController();
    const aborted = a.read(Buffer.alloc(8), { signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR' });
    const writeSide = a.pollDesc.wait('w'); // a socket is writable: ready at once
    await writeSide;
    const closing = a.read(Buffer.alloc(8));
    setTimeout(() => void a.close(), 10);
    await expect(closing).rejects.toMatchObject({ code: 'ERR_NETPOLL_CLOSED' });
    const outcomes = t.ends.filter((c) => c.poller === poller).map((c) => `${c.mode}:${c.outcome}`);
    expect(outcomes).toEqual(['r:timeout', 'r:aborted', 'w:ready', 'r:closed']);
    expect(t.errors.filter((c) => c.poller === poller).map((c) => (c.error as { code: string }).code)).toEqual(['ETIMEDOUT', 'ABORT_ERR', 'ERR_NETPOLL_CLOSED']);
  });

  it('no subscriber: hasSubscribers is false again after unsubscribing, and waits still work', async () => {
    const tc = dc.tracingChannel(CHANNEL_WAIT);
    const h = { start: () => {}, end: () => {}, asyncStart: () => {}, asyncEnd: () => {}, error: () => {} };
    tc.subscribe(h);
    expect(tc.hasSubscribers).toBe(true);
    tc.unsubscribe(h);
    expect(tc.hasSubscribers).toBe(false);
    const { a, peer } = await setup();
    writeFd(peer, Buffer.from('x'));
    expect(await a.read(Buffer.alloc(4))).toBe(1);
  });
});

describe('batch, deadline and stale channels', () => {
  it('a batch reports its events and wake-ups; a fired deadline is counted', async () => {
    const batches = collect<BatchMessage>(CHANNEL_BATCH);
    const fired = collect<{ poller: Poller; count: number }>(CHANNEL_DEADLINE_FIRED);
    const { poller, a, peer } = await setup();
    const reading = a.read(Buffer.alloc(8));
    writeFd(peer, Buffer.from('hi'));
    await reading;
    a.setReadDeadline(Date.now() + 15);
    await expect(a.read(Buffer.alloc(8))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const mine = batches.filter((b) => b.poller === poller);
    expect(mine.some((b) => b.events >= 1 && b.wakeups >= 1)).toBe(true);
    expect(mine.every((b) => b.coreMs >= 0 && b.startMs > 0)).toBe(true);
    expect(mine.reduce((s, b) => s + b.timersFired, 0)).toBe(1);
    expect(fired.filter((f) => f.poller === poller).reduce((s, f) => s + f.count, 0)).toBe(1);
  });

  it('an event on a registration that outlived its PollDesc is published as stale', async () => {
    const stale = collect<{ poller: Poller; count: number }>(CHANNEL_STALE_EVENT);
    const { poller } = await setup();
    const [x, y] = socketPair();
    const pd = poller.open(x);
    const keep = dupFd(x);
    closeFd(x);
    pd.close(); // EPOLL_CTL_DEL fails (EBADF): the registration lives on through the dup
    writeFd(y, Buffer.from([1]));
    const until = Date.now() + 5000;
    while (poller.stats.staleEvents === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    closeFd(keep);
    closeFd(y);
    expect(stale.filter((s) => s.poller === poller).reduce((n, s) => n + s.count, 0)).toBe(poller.stats.staleEvents);
    expect(poller.stats.staleEvents).toBeGreaterThan(0);
  });

  it('netpoll:poller:close is published once when a poller begins closing', async () => {
    const closes = collect<{ poller: Poller }>(CHANNEL_POLLER_CLOSE);
    const poller = await Poller.create();
    await Promise.all([poller.close(), poller.close()]);
    expect(closes.filter((c) => c.poller === poller)).toHaveLength(1);
  });
});

describe('serveInspector misuse', () => {
  it('bad options and an existing path are typed errors; the poller keeps working; a closed poller refuses', async () => {
    const { poller, a, peer } = await setup();
    for (const opts of [{ maxClients: 0 }, { idleMs: 1.5 }, { writeTimeoutMs: -1 }, { path: '' }]) {
      await expect(poller.serveInspector(opts as never)).rejects.toMatchObject({ name: 'MisuseError', reason: 'bad-argument' });
    }
    await expect(poller.serveInspector({ path: '/' })).rejects.toMatchObject({ name: 'MisuseError', message: expect.stringContaining('already exists') });
    writeFd(peer, Buffer.from('ok'));
    expect(await a.read(Buffer.alloc(4))).toBe(2);
    const other = await Poller.create();
    await other.close();
    expect(() => other.serveInspector()).toThrow(expect.objectContaining({ code: 'ERR_NETPOLL_CLOSED' }));
  });
});

describe('inspector figures', () => {
  it("a second wait in the same direction (a misuse) neither restarts nor ends the parked waiter's clock", async () => {
    const { watch, unwatch } = await import('../../host/inspector/figures.js');
    const poller = await Poller.create();
    const [a, b] = socketPair('stream');
    const pd = poller.open(a);
    const figures = watch(poller);
    try {
      const parked = pd.wait('r');
      const since = figures.desc(pd).parkedSince.r;
      expect(since).not.toBeNull();
      await new Promise((r) => setTimeout(r, 5));
      await expect(pd.wait('r')).rejects.toMatchObject({ name: 'MisuseError' });
      expect(figures.desc(pd).parkedSince.r).toBe(since); // still the parked waiter's start
      writeFd(b, Buffer.from('x'));
      await parked;
      expect(figures.desc(pd).parkedSince.r).toBeNull();
      expect(figures.desc(pd).waits.ready).toBe(1);
    } finally {
      unwatch(poller);
      pd.close();
      closeFd(a);
      closeFd(b);
      await poller.close();
    }
  });
});
