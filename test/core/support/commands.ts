// The command vocabulary of the model-based tests: one builder per core call,
// the composite "events / deadlines between the two halves of a park", and the
// fast-check arbitraries that choose among them.

import * as fc from 'fast-check';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, HOST_SENTINEL, I64_MAX } from '../../model/constants.js';
import type { PollEvent } from '../../model/types.js';
import { EPOLLET, EPOLLPRI } from '../../../host/core/epoll-abi.js';
import { both, chain, clampTime, Cmd, pick, showSel, type Sel, waking, type World } from './world.js';

const I64_MIN = -(1n << 63n);

// ── choices resolved at run time ────────────────────────────────────────────

/**
 * fresh: the next unique token; high: a unique token with bit 31 set (it crosses
 * the ABI as a negative i32); parked: whatever the word holds now; 0 / 1 / 2: reserved values.
 */
export type TokenSpec = 'fresh' | 'high' | 'parked' | 0 | 1 | 2;

function token(w: World, h: { index: number }, mode: number, spec: TokenSpec): number {
  if (spec === 'fresh') return w.nextToken++;
  if (spec === 'high') return (0x80000000 + w.nextToken++) >>> 0;
  if (spec === 'parked') {
    const d = w.model.descFields(h.index);
    return d ? (mode === 1 ? d.rg : d.wg) : 3;
  }
  return spec;
}

/** A relative deadline: a fixed value, or one that lands `edge` ns past 2^63-1 when added to now (clamped to 2^63-1). */
export type DeadlineSpec = { d: bigint } | { edge: number };

function deadline(w: World, s: DeadlineSpec): bigint {
  if ('d' in s) return s.d;
  const d = I64_MAX - w.now + BigInt(s.edge);
  return d > I64_MAX ? I64_MAX : d;
}

const showD = (s: DeadlineSpec): string => ('d' in s ? `${s.d}n` : `MAX-now+${s.edge}`);

/** Where an event points: the descriptor's current tag, a handle's own tag, a nearby wrong tag, etc. */
export type Target =
  | { t: 'current'; sel: Sel }
  | { t: 'handle'; sel: Sel }
  | { t: 'off'; sel: Sel; delta: number }
  | { t: 'range'; n: number }
  | { t: 'sentinel'; tag: number };

export interface EventSpec {
  bits: number;
  to: Target;
}

function event(w: World, e: EventSpec): PollEvent {
  const to = e.to;
  switch (to.t) {
    case 'current': {
      const h = pick(w, to.sel);
      return { events: e.bits, index: h.index, tag: w.model.descFields(h.index)?.fdseq ?? h.seq };
    }
    case 'handle': {
      const h = pick(w, to.sel);
      return { events: e.bits, index: h.index, tag: h.seq };
    }
    case 'off': {
      const h = pick(w, to.sel);
      return { events: e.bits, index: h.index, tag: (h.seq + to.delta) >>> 0 };
    }
    case 'range':
      return { events: e.bits, index: to.n === 0 ? 0xfffffffe : w.model.descCount() + to.n - 1, tag: 1 };
    case 'sentinel':
      return { events: e.bits, index: HOST_SENTINEL, tag: to.tag };
  }
}

const showTarget = (t: Target): string => {
  switch (t.t) {
    case 'current': return showSel(t.sel);
    case 'handle': return `${showSel(t.sel)}:ownTag`;
    case 'off': return `${showSel(t.sel)}:tag${t.delta > 0 ? '+' : ''}${t.delta}`;
    case 'range': return `outOfRange#${t.n}`;
    case 'sentinel': return `sentinel:${t.tag}`;
  }
};

const showEvent = (e: EventSpec): string => `0x${e.bits.toString(16)}@${showTarget(e.to)}`;

/** netpoll's `now`: the current time, none (-1: no timers), or the clock advanced first. */
export type PollTime = 'now' | 'none' | { advance: bigint } | { toNext: number };

function advance(w: World, t: PollTime): bigint {
  if (t === 'none') return -1n;
  if (t === 'now') return w.now;
  if ('advance' in t) w.now = clampTime(w.now + t.advance);
  else {
    const next = w.model.nextDeadline();
    const to = next === 0n ? w.now + 1n : next + BigInt(t.toNext);
    if (to > w.now) w.now = clampTime(to);
  }
  return w.now;
}

const showTime = (t: PollTime): string =>
  typeof t === 'string' ? t : 'advance' in t ? `+${t.advance}n` : `nextDeadline${t.toNext >= 0 ? '+' : ''}${t.toNext}`;

// ── commands ────────────────────────────────────────────────────────────────

export const open = (fd: number, times = 1): Cmd =>
  new Cmd(times === 1 ? `open(${fd})` : `open(${fd}) ×${times}`, (w, core) => {
    for (let i = 0; i < times; i++) {
      const index = both(w, core, `open(${fd})`, (p) => p.open(fd));
      if (index >= 0) w.handles.push({ index, seq: w.model.seqOf(index) >>> 0 });
    }
  });

type HandleCall = 'abandon' | 'unblock' | 'close';

export const onHandle = (op: HandleCall, sel: Sel): Cmd =>
  new Cmd(`${op}(${showSel(sel)})`, (w, core) => {
    const h = pick(w, sel);
    (op === 'unblock' ? waking : both)(w, core, `${op}(${h.index}, ${h.seq})`, (p) => p[op](h.index, h.seq));
  });

type ModeCall = 'checkErr' | 'reset' | 'prepareWait';

export const onMode = (op: ModeCall, sel: Sel, mode: number): Cmd =>
  new Cmd(`${op}(${showSel(sel)}, ${mode})`, (w, core) => {
    const h = pick(w, sel);
    both(w, core, `${op}(${h.index}, ${h.seq}, ${mode})`, (p) => p[op](h.index, h.seq, mode));
  });

export const withToken = (op: 'commitWait' | 'cancelWait', sel: Sel, mode: number, tok: TokenSpec): Cmd =>
  new Cmd(`${op}(${showSel(sel)}, ${mode}, ${tok})`, (w, core) => {
    const h = pick(w, sel);
    const t = token(w, h, mode, tok);
    both(w, core, `${op}(${h.index}, ${h.seq}, ${mode}, ${t})`, (p) => p[op](h.index, h.seq, mode, t));
  });

export const setDeadline = (sel: Sel, mode: number, d: DeadlineSpec): Cmd =>
  new Cmd(`setDeadline(${showSel(sel)}, ${mode}, ${showD(d)})`, (w, core) => {
    const h = pick(w, sel), dv = deadline(w, d);
    waking(w, core, `setDeadline(${h.index}, ${h.seq}, ${mode}, ${dv}n, ${w.now}n)`,
      (p) => p.setDeadline(h.index, h.seq, mode, dv, w.now));
  });

export const seqOf = (index: number): Cmd =>
  new Cmd(`seqOf(${index})`, (w, core) => void both(w, core, `seqOf(${index})`, (p) => p.seqOf(index)));

/** An epoll batch (stride 12 or 16), then timers at `time`. */
export const netpoll = (events: readonly EventSpec[], stride: number, time: PollTime): Cmd =>
  new Cmd(`netpoll([${events.map(showEvent).join(', ')}], stride ${stride}, ${showTime(time)})`, (w, core) => {
    const evs = events.map((e) => event(w, e));
    const now = advance(w, time);
    const what = `netpoll(${JSON.stringify(evs)}, ${stride}, ${now}n)`;
    waking(w, core, what, (p) => p.netpollCode(evs, stride, now));
  });

/** A batch the core must refuse: too many events, or a stride that is neither 12 nor 16. */
export const badNetpoll = (kind: 'tooMany' | number): Cmd =>
  new Cmd(`netpoll(refused: ${kind === 'tooMany' ? '1025 events' : `stride ${kind}`})`, (w, core) => {
    const evs: PollEvent[] = kind === 'tooMany'
      ? Array.from({ length: 1025 }, () => ({ events: EPOLLIN, index: 0, tag: 1 }))
      : [{ events: EPOLLIN, index: 0, tag: 1 }];
    const stride = kind === 'tooMany' ? 12 : kind;
    both(w, core, `netpoll(${evs.length} events, stride ${stride})`,
      (p) => p.netpollCode(evs, stride, w.now));
  });

/** The common park: prepareWait then commitWait with a fresh token. */
export const park = (sel: Sel, mode: number): Cmd =>
  chain([onMode('prepareWait', sel, mode), withToken('commitWait', sel, mode, 'fresh')]);

/** prepareWait; something else happens (events, a deadline, a close …); commitWait. */
export const between = (sel: Sel, mode: number, middle: Cmd, tok: TokenSpec): Cmd =>
  chain([onMode('prepareWait', sel, mode), middle, withToken('commitWait', sel, mode, tok)]);

// ── arbitraries ─────────────────────────────────────────────────────────────

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight, arbitrary });

/** How often commands address live, any-ever-opened, or forged handles. */
export interface Profile {
  live: number;
  any: number;
  forged: number;
  /** Weight of plainly wrong calls (bad modes, bad tokens, refused batches). */
  misuse: number;
  /** Weight of opening 2..70 descriptors at once (crosses the 64-descriptor block). */
  bulk: number;
}

export const NORMAL: Profile = { live: 12, any: 2, forged: 1, misuse: 1, bulk: 1 };
export const MISUSE: Profile = { live: 4, any: 4, forged: 2, misuse: 6, bulk: 1 };
/** For long sequences: no bulk opens, so activity stays concentrated on a few hundred descriptors. */
export const LONG: Profile = { ...NORMAL, bulk: 0 };

export function arbitraries(pr: Profile) {
  const sel: fc.Arbitrary<Sel> = fc.record({
    from: fc.oneof(w(pr.live, fc.constant('live' as const)), w(pr.any, fc.constant('any' as const)),
      w(pr.forged, fc.constant('forged' as const))),
    n: fc.nat(63),
  });
  const waitMode = fc.oneof(w(12, fc.constantFrom(1, 2)), w(pr.misuse, fc.constantFrom(0, 3, 4, 0xffffffff)));
  const dlMode = fc.oneof(w(12, fc.constantFrom(1, 2, 3)), w(pr.misuse, fc.constantFrom(0, 4, 7)));
  const dl: fc.Arbitrary<DeadlineSpec> = fc.oneof(
    w(4, fc.constantFrom(1_000n, 5_000n, 1_000_000n).map((d) => ({ d }))), // shared values → combined timers
    w(2, fc.bigInt(1n, 10n ** 10n).map((d) => ({ d }))),
    w(2, fc.constant({ d: 0n })),
    w(2, fc.bigInt(-(10n ** 10n), -1n).map((d) => ({ d }))),
    w(1, fc.constantFrom(-1n, I64_MIN, I64_MAX, I64_MAX - 1n).map((d) => ({ d }))),
    w(1, fc.integer({ min: -1, max: 2 }).map((edge) => ({ edge }))),
  );
  const tok: fc.Arbitrary<TokenSpec> = fc.oneof(
    w(10, fc.constantFrom<TokenSpec>('fresh', 'fresh', 'fresh', 'high')),
    w(pr.misuse, fc.constantFrom<TokenSpec>(0, 1, 2, 'parked')),
  );
  const cancelTok: fc.Arbitrary<TokenSpec> = fc.oneof(
    w(8, fc.constant('parked' as const)),
    w(pr.misuse + 1, fc.constantFrom<TokenSpec>('fresh', 0, 2)),
  );
  const bits = fc.constantFrom(
    EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLERR, EPOLLERR | EPOLLIN, EPOLLERR | EPOLLHUP, EPOLLHUP, EPOLLRDHUP,
    EPOLLRDHUP | EPOLLIN, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, EPOLLPRI, 0,
  );
  const target = (s: fc.Arbitrary<Sel>): fc.Arbitrary<Target> => fc.oneof(
    w(10, s.map((sel) => ({ t: 'current' as const, sel }))),
    w(3, s.map((sel) => ({ t: 'handle' as const, sel }))),
    w(2, fc.record({ t: fc.constant('off' as const), sel: s, delta: fc.constantFrom(-2, -1, 1, 2) })),
    w(1, fc.record({ t: fc.constant('range' as const), n: fc.nat(3) })),
    w(1, fc.record({ t: fc.constant('sentinel' as const), tag: fc.nat(40) })),
  );
  const events = (s: fc.Arbitrary<Sel>) => fc.array(fc.record({ bits, to: target(s) }), { maxLength: 5 });
  const time: fc.Arbitrary<PollTime> = fc.oneof(
    w(4, fc.constant('now' as const)),
    w(1, fc.constant('none' as const)),
    w(2, fc.bigInt(1n, 10n ** 7n).map((advance) => ({ advance }))),
    w(2, fc.integer({ min: -1, max: 1 }).map((toNext) => ({ toNext }))),
  );
  const stride = fc.oneof(w(4, fc.constant(12)), w(1, fc.constant(16)));
  /** Advance the clock (or not) and fire what is due: netpoll with no events. */
  const advanceCmd = fc.oneof(
    w(3, fc.bigInt(1n, 10n ** 9n).map((advance) => ({ advance }))),
    w(3, fc.integer({ min: -1, max: 1 }).map((toNext) => ({ toNext }))),
    w(1, fc.constant('now' as const)),
  ).map((t: PollTime) => netpoll([], 12, t));

  /** What can happen between the halves of a park on the same handle. */
  const middle = (s: Sel): fc.Arbitrary<Cmd> => fc.oneof(
    w(6, fc.tuple(events(fc.constant(s)), stride, time).map(([e, st, t]) => netpoll(e, st, t))),
    w(3, fc.tuple(dlMode, dl).map(([m, d]) => setDeadline(s, m, d))),
    w(2, advanceCmd),
    w(1, fc.constant(onHandle('unblock', s))),
    w(1, waitMode.map((m) => withToken('cancelWait', s, m, 'fresh'))),
    w(1, waitMode.map((m) => onMode('prepareWait', s, m))),
    w(1, waitMode.map((m) => onMode('reset', s, m))),
  );

  const command: fc.Arbitrary<Cmd> = fc.oneof(
    w(6, fc.nat(3).map((i) => open(3 + i))), // a pool of four fds, so numbers are reused
    w(pr.bulk, fc.tuple(fc.constantFrom(-1, 0, 0x7fffffff), fc.integer({ min: 2, max: 70 })).map(([fd, n]) => open(fd, n))),
    w(6, fc.tuple(sel, waitMode).map(([s, m]) => park(s, m))),
    w(5, fc.tuple(sel, waitMode, tok).chain(([s, m, t]) => middle(s).map((mid) => between(s, m, mid, t)))),
    w(3, fc.tuple(sel, waitMode).map(([s, m]) => onMode('prepareWait', s, m))),
    w(3, fc.tuple(sel, waitMode, tok).map(([s, m, t]) => withToken('commitWait', s, m, t))),
    w(6, fc.tuple(events(sel), stride, time).map(([e, st, t]) => netpoll(e, st, t))),
    w(5, fc.tuple(sel, dlMode, dl).map(([s, m, d]) => setDeadline(s, m, d))),
    w(4, advanceCmd),
    w(2, fc.tuple(sel, waitMode).map(([s, m]) => onMode('reset', s, m))),
    w(1, fc.tuple(sel, waitMode).map(([s, m]) => onMode('checkErr', s, m))),
    w(2, fc.tuple(sel, waitMode, cancelTok).map(([s, m, t]) => withToken('cancelWait', s, m, t))),
    w(3, sel.map((s) => onHandle('unblock', s))),
    w(3, sel.map((s) => onHandle('close', s))),
    w(1, sel.map((s) => onHandle('abandon', s))),
    w(1, fc.oneof(fc.nat(70), fc.constant(0xffffffff)).map(seqOf)),
    w(pr.misuse, fc.constantFrom<'tooMany' | number>('tooMany', 0, 8, 20).map(badNetpoll)),
  );
  return { command };
}

/** Start times: 0 (Go 42424's edge), ordinary, or close enough to 2^63 that deadlines overflow. */
export const startTime: fc.Arbitrary<bigint> = fc.oneof(
  w(2, fc.constant(0n)),
  w(4, fc.bigInt(1n, 10n ** 12n)),
  w(1, fc.bigInt(I64_MAX - 10n ** 11n, I64_MAX - 10n ** 9n)),
);
