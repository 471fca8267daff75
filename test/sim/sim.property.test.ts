// Host-level properties on the simulator, with fast-check's scheduler
// deciding how the actors interleave: waiters (one per fd and direction, each
// doing a few waits in a row) and a "world" that delivers events, moves the
// clock, sets deadlines, aborts and closes. A world step is a group of one to
// three operations run synchronously — a same-tick race (an event, a
// deadline expiring and a close in one batch, a deadline moved before the
// woken waiter resumes, an event in flight while its fd is closed and
// reused).
//
// Checked, from the core-call journal (what the core decided, exactly when)
// and from the waits' promises:
//   - every wait settles exactly once, and nothing is left parked at the end;
//   - no waiter is woken twice, and only a parked waiter is woken;
//   - a wait never succeeds once its direction's deadline has expired, unless
//     the readiness was in the same batch (events are processed before the
//     batch's timers) — and it succeeds only on readiness delivered for its
//     own registration (no stale wake-up after fd reuse);
//   - a deadline error only when the deadline has passed on the virtual clock;
//   - close wakes every parked waiter with CLOSING, and those waits reject
//     with ClosedError;
//   - the waiters counter and every other count return to 0; the snapshot is
//     consistent throughout.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SimPoller, type JournalEntry } from '../../host/sim/index.js';
import { Code } from '../../host/core/abi.js';
import { READ_BITS, WRITE_BITS } from '../../host/core/epoll-abi.js';
import { ClosedError, DeadlineExceededError, NotPollableError, AbortError } from '../../host/errors.js';
import type { PollDesc } from '../../host/polldesc.js';

type Dir = 'r' | 'w';
type Op =
  | { t: 'ready'; fd: number; kind: 'r' | 'w' | 'rw' | 'err' | 'hup' }
  | { t: 'stale'; fd: number }
  | { t: 'deadline'; fd: number; mode: 'r' | 'w' | 'rw'; ms: number | null }
  | { t: 'advance'; ms: number }
  | { t: 'flush' }
  | { t: 'abort'; fd: number; dir: Dir }
  | { t: 'close'; fd: number }
  | { t: 'reopen'; fd: number }
  /** Run to the earliest deadline and, in the same tick, move this fd's deadline to the future (Go's re-park race). */
  | { t: 'expireAndExtend'; fd: number; mode: 'r' | 'w' | 'rw'; ms: number }
  /** Readiness and the earliest deadline in one batch. */
  | { t: 'readyAtDeadline'; fd: number; kind: 'r' | 'w' | 'rw' };

const FDS = 3;
const fdArb = fc.integer({ min: 0, max: FDS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('ready' as const), fd: fdArb, kind: fc.constantFrom('r', 'w', 'rw', 'err', 'hup') as fc.Arbitrary<'r'> }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('stale' as const), fd: fdArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('deadline' as const),
      fd: fdArb,
      mode: fc.constantFrom('r', 'w', 'rw') as fc.Arbitrary<'r'>,
      ms: fc.oneof(fc.constant(null), fc.integer({ min: -3, max: 0 }), fc.integer({ min: 1, max: 30 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('abort' as const), fd: fdArb, dir: fc.constantFrom('r', 'w') as fc.Arbitrary<Dir> }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), fd: fdArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const), fd: fdArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('expireAndExtend' as const), fd: fdArb, mode: fc.constantFrom('r', 'w', 'rw') as fc.Arbitrary<'r'>, ms: fc.integer({ min: 1, max: 20 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('readyAtDeadline' as const), fd: fdArb, kind: fc.constantFrom('r', 'w', 'rw') as fc.Arbitrary<'r'> }) },
);
const scenarioArb: fc.Arbitrary<{ groups: Op[][]; waits: number[] }> = fc.record({
  groups: fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 24 }),
  waits: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: FDS * 2, maxLength: FDS * 2 }),
});

interface WaitRecord {
  fd: number;
  dir: Dir;
  index: number;
  seq: number;
  /** Journal length when wait() was called and when its promise settled. */
  start: number;
  end: number;
  settles: number;
  outcome: 'ok' | Error | null;
}


interface DirState {
  /** Absolute deadline (virtual ns) while armed. */
  when: bigint | null;
  expired: boolean;
  readyPending: boolean;
  parked: number | null;
  /** Journal index of the commitWait that parked `parked`. */
  parkedAt: number;
  /** The last waiter was woken by a deadline and has not re-checked yet. */
  timedOut: boolean;
}

/** How often the interesting races happened, over all runs (so the property cannot pass vacuously). */
const coverage = {
  okWakes: 0,
  timeoutWakes: 0,
  /** Go's race: woken by a deadline, the deadline moved to the future before the waiter resumed, so it parked again. */
  reparkAfterTimeout: 0,
  closedParked: 0,
  /** An OK wake in a batch whose timers then expired the same direction. */
  okThenExpiredSameBatch: 0,
  staleEvents: 0,
  okAfterPending: 0,
};

/** Replays the journal against a small model of deadlines and readiness; returns the broken properties. */
function checkJournal(entries: JournalEntry[], waits: WaitRecord[]): string[] {
  const errors: string[] = [];
  const fail = (e: JournalEntry, msg: string): void => void errors.push(`#${e.n} ${e.call}(${e.args.join(', ')}): ${msg}`);
  const handles = new Map<string, { index: number; seq: number; closing: boolean; r: DirState; w: DirState }>();
  const fresh = (): DirState => ({ when: null, expired: false, readyPending: false, parked: null, parkedAt: -1, timedOut: false });
  const key = (index: number, seq: number): string => `${index >>> 0}:${seq >>> 0}`;
  const get = (index: number, seq: number) => {
    let h = handles.get(key(index, seq));
    if (!h) handles.set(key(index, seq), (h = { index: index >>> 0, seq: seq >>> 0, closing: false, r: fresh(), w: fresh() }));
    return h;
  };
  const tokens = new Map<number, { h: ReturnType<typeof get>; dir: Dir }>();
  const woken = new Set<number>();
  const dirsOf = (mode: number): Dir[] => (mode === 1 ? ['r'] : mode === 2 ? ['w'] : ['r', 'w']);
  const wake = (e: JournalEntry, token: number, code: number): { h: ReturnType<typeof get>; dir: Dir } | null => {
    const t = tokens.get(token);
    if (woken.has(token)) fail(e, `token ${token} woken twice`);
    woken.add(token);
    if (!t || t.h[t.dir].parked !== token) {
      fail(e, `woke token ${token} (code ${code}), which is not parked`);
      return null;
    }
    t.h[t.dir].parked = null;
    tokens.delete(token);
    return t;
  };
  for (const e of entries) {
    const a = e.args.map(Number);
    const res = typeof e.result === 'bigint' ? Number(e.result) : (e.result as number);
    switch (e.call) {
      case 'seqOf':
        if (res !== 0) get(a[0]!, res);
        break;
      case 'setDeadline': {
        if (res < 0) break;
        const h = get(a[0]!, a[1]!);
        const d = e.args[3] as bigint, now = e.args[4] as bigint;
        if (!h.closing) {
          for (const dir of dirsOf(a[2]!)) {
            const s = h[dir];
            if (d > 0n) Object.assign(s, { when: now + d, expired: false });
            else Object.assign(s, { when: null, expired: d < 0n });
          }
        }
        for (const { token, code } of e.ready!) {
          const t = wake(e, token, code);
          if (!t) continue;
          if (code === Code.TIMEOUT && !t.h[t.dir].expired) fail(e, `token ${token} timed out but its ${t.dir} deadline has not expired`);
          if (code === Code.OK) fail(e, `setDeadline woke token ${token} with OK`);
        }
        break;
      }
      case 'netpoll': {
        const now = e.args[2] as bigint;
        const okWakes = new Set(e.ready!.filter((x) => x.code === Code.OK).map((x) => x.token));
        // Events first, against the state before the batch's timers.
        for (const ev of e.events!) {
          const h = handles.get(key(ev.index, ev.tag));
          if (!h && ev.events !== 0) coverage.staleEvents++;
          if (!h || ev.events === 0) continue;
          for (const [dir, bits] of [['r', READ_BITS], ['w', WRITE_BITS]] as const) {
            if ((ev.events & bits) === 0) continue;
            const s = h[dir];
            if (s.parked !== null && okWakes.has(s.parked)) {
              if (s.expired) fail(e, `token ${s.parked} woken with OK after its ${dir} deadline expired`);
              coverage.okWakes++;
              if (s.when !== null && s.when <= now) coverage.okThenExpiredSameBatch++;
              wake(e, s.parked, Code.OK);
            } else if (s.parked === null) s.readyPending = true;
          }
        }
        for (const t of okWakes) if (tokens.has(t)) fail(e, `token ${t} woken with OK without an event for its own registration and direction`);
        // Then the timers due at `now`.
        if (now >= 0n) {
          for (const h of handles.values()) {
            for (const dir of ['r', 'w'] as const) {
              const s = h[dir];
              if (s.when !== null && s.when <= now && !h.closing) Object.assign(s, { when: null, expired: true });
            }
          }
        }
        for (const { token, code } of e.ready!) {
          if (code === Code.OK) continue;
          const t = wake(e, token, code);
          if (!t) continue;
          if (code !== Code.TIMEOUT && code !== Code.RETRY) fail(e, `netpoll woke token ${token} with code ${code}`);
          if (code === Code.TIMEOUT) {
            coverage.timeoutWakes++;
            t.h[t.dir].timedOut = true;
          }
          if (code === Code.TIMEOUT && !t.h[t.dir].expired) fail(e, `token ${token} timed out before its ${t.dir} deadline`);
        }
        break;
      }
      case 'prepareWait':
      case 'commitWait': {
        const h = get(a[0]!, a[1]!);
        const dir: Dir = a[2] === 1 ? 'r' : 'w';
        const s = h[dir];
        if (e.call === 'prepareWait' && s.timedOut) {
          s.timedOut = false;
          if (res === Code.PREPARED) coverage.reparkAfterTimeout++;
        }
        if (res === Code.OK) {
          if (s.expired) fail(e, `returned OK although the ${dir} deadline has expired`);
          if (!s.readyPending) fail(e, 'returned OK with no readiness pending');
          coverage.okAfterPending++;
          s.readyPending = false;
        } else if (res === Code.TIMEOUT && !s.expired) fail(e, `returned TIMEOUT before the ${dir} deadline`);
        else if (res === Code.CLOSING && !h.closing) fail(e, 'returned CLOSING on a descriptor that is not closing');
        else if (e.call === 'commitWait' && res === Code.PARKED) {
          s.parked = a[3]! >>> 0;
          s.parkedAt = e.n;
          tokens.set(s.parked, { h, dir });
        }
        break;
      }
      case 'cancelWait': {
        if (res !== Code.OK) break;
        const t = tokens.get(a[3]! >>> 0);
        if (t) {
          t.h[t.dir].parked = null;
          tokens.delete(a[3]! >>> 0);
        }
        break;
      }
      case 'reset':
        if (res === Code.OK) get(a[0]!, a[1]!)[a[2] === 1 ? 'r' : 'w'].readyPending = false;
        break;
      case 'unblock': {
        if (res < 0) break;
        const h = get(a[0]!, a[1]!);
        h.closing = true;
        const parked = (['r', 'w'] as const).map((d) => ({ token: h[d].parked, at: h[d].parkedAt, dir: d })).filter((p) => p.token !== null);
        const wokeClosing = new Set(e.ready!.filter((x) => x.code === Code.CLOSING).map((x) => x.token));
        for (const p of parked) {
          if (!wokeClosing.has(p.token!)) fail(e, `close did not wake parked token ${p.token} with CLOSING`);
          coverage.closedParked++;
          // The wait that owned the token must end with ClosedError.
          const w = waits.find((w) => w.index === h.index && w.seq === h.seq && w.dir === p.dir && w.start <= p.at && p.at < w.end);
          if (!w) fail(e, `no wait owns token ${p.token}`);
          else if (!(w.outcome instanceof ClosedError)) fail(e, `the wait parked as token ${p.token} ended with ${String(w.outcome)}, not ClosedError`);
        }
        for (const { token, code } of e.ready!) {
          wake(e, token, code);
          if (code !== Code.CLOSING) fail(e, `unblock woke token ${token} with code ${code}`);
        }
        break;
      }
      case 'close':
        if (res === Code.OK) handles.delete(key(a[0]!, a[1]!));
        break;
      default:
        break;
    }
  }
  if (tokens.size > 0) errors.push(`tokens still parked at the end: ${[...tokens.keys()].join(', ')}`);
  return errors;
}

interface Scenario {
  groups: Op[][];
  waits: number[];
}

async function runScenario(s: fc.Scheduler, sc: Scenario): Promise<void> {
  const sim = SimPoller.create({ journal: true, maxEvents: 4 });
  const journal = sim.journal!;
  const pds: (PollDesc | null)[] = [];
  for (let fd = 0; fd < FDS; fd++) pds.push(sim.open(100 + fd));
  const controllers = new Map<string, AbortController>();
  const waits: WaitRecord[] = [];
  const problems: string[] = [];

  const waiter = async (fd: number, dir: Dir, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      await s.schedule(Promise.resolve(), `wait ${fd}${dir}#${i}`);
      const pd = pds[fd];
      if (!pd) continue;
      const ac = new AbortController();
      controllers.set(`${fd}${dir}`, ac);
      const rec: WaitRecord = { fd, dir, index: pd.index, seq: pd.seq, start: journal.entries.length, end: Infinity, settles: 0, outcome: null };
      waits.push(rec);
      await pd.wait(dir, { signal: ac.signal }).then(
        () => {
          rec.settles++;
          rec.outcome = 'ok';
          rec.end = journal.entries.length;
        },
        (err: Error) => {
          rec.settles++;
          rec.outcome = err;
          rec.end = journal.entries.length;
        },
      );
    }
  };

  const run = (op: Op): void => {
    const pd = 'fd' in op ? pds[op.fd] : null;
    switch (op.t) {
      case 'ready':
        if (pd && !pd.isClosed) sim.ready(pd, op.kind);
        break;
      case 'stale':
        if (sim.registration(100 + op.fd)) sim.stale(100 + op.fd);
        break;
      case 'deadline':
        if (!pd) break;
        try {
          pd.setDeadline(op.ms === null ? null : sim.deadline(op.ms), op.mode);
        } catch (err) {
          if (!(err instanceof ClosedError)) throw err;
        }
        break;
      case 'advance':
        sim.advance(op.ms);
        break;
      case 'flush':
        sim.flush();
        break;
      case 'abort':
        controllers.get(`${op.fd}${op.dir}`)?.abort();
        break;
      case 'close':
        pd?.close();
        break;
      case 'reopen':
        if (pd?.isClosed) pds[op.fd] = sim.open(100 + op.fd);
        break;
      case 'expireAndExtend':
        sim.advanceToNextDeadline();
        if (pd && !pd.isClosed) pd.setDeadline(sim.deadline(op.ms), op.mode);
        break;
      case 'readyAtDeadline':
        if (pd && !pd.isClosed) sim.ready(pd, op.kind);
        if (!sim.advanceToNextDeadline()) sim.flush();
        break;
    }
  };

  const world = async (): Promise<void> => {
    for (const [i, group] of sc.groups.entries()) {
      await s.schedule(Promise.resolve(), `group ${i}: ${group.map((o) => o.t).join('+')}`);
      for (const op of group) run(op);
      const v = sim.inspect().violations;
      if (v.length) problems.push(`violations after group ${i}: ${JSON.stringify(v)}`);
    }
  };

  const actors = [world()];
  for (let fd = 0; fd < FDS; fd++) {
    actors.push(waiter(fd, 'r', sc.waits[fd * 2]!));
    actors.push(waiter(fd, 'w', sc.waits[fd * 2 + 1]!));
  }
  let finished = false;
  const all = Promise.all(actors).then(() => (finished = true));
  await s.waitIdle();
  await sim.close();
  await s.waitIdle();
  for (let i = 0; i < 5 && !finished; i++) await new Promise((r) => setImmediate(r));
  await Promise.race([all, new Promise((r) => setImmediate(r))]);

  expect(finished, `actors did not finish (a wait never settled)\n${s.report()}`).toBe(true);
  expect(problems).toEqual([]);
  for (const w of waits) {
    expect(w.settles, `wait on fd ${w.fd} ${w.dir}`).toBe(1);
    const o = w.outcome;
    expect(
      o === 'ok' || o instanceof ClosedError || o instanceof DeadlineExceededError || o instanceof NotPollableError || o instanceof AbortError,
      `unexpected outcome ${String(o)}`,
    ).toBe(true);
  }
  expect(checkJournal(journal.entries, waits)).toEqual([]);
  expect(sim.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
  expect(sim.poller.engine.liveTokens).toBe(0);
  expect(sim.inspect().violations).toEqual([]);
}

describe('SimPoller properties (fast-check scheduler)', () => {
  it('waits settle once; deadlines, readiness and close race correctly in the same tick', async () => {
    await fc.assert(fc.asyncProperty(fc.scheduler(), scenarioArb, runScenario), { numRuns: 250 });
    // Not vacuous: the races the property is about did happen.
    if (process.env.NETPOLL_COVERAGE) console.log(coverage);
    for (const [what, n] of Object.entries(coverage)) expect(n, what).toBeGreaterThan(0);
  }, 60_000);

  it('the journal checker catches a wrong wake (self-test)', () => {
    // A netpoll that wakes a token with OK without any event for it must be reported.
    const entries: JournalEntry[] = [
      { n: 0, call: 'seqOf', args: [0], result: 1 },
      { n: 1, call: 'prepareWait', args: [0, 1, 1], result: Code.PREPARED },
      { n: 2, call: 'commitWait', args: [0, 1, 1, 7], result: Code.PARKED },
      { n: 3, call: 'setDeadline', args: [0, 1, 1, -1n, 10n], result: 1, ready: [{ token: 7, code: Code.TIMEOUT }] },
      { n: 4, call: 'prepareWait', args: [0, 1, 1], result: Code.OK },
    ];
    const errors = checkJournal(entries, []);
    expect(errors.join('\n')).toMatch(/#4 prepareWait.*expired/);
    expect(errors.join('\n')).toMatch(/no readiness pending/);
  });
});
