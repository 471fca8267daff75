// pollSetDeadline (spec section 5) on the Wasm core and the model: the
// combined timer, the overflow clamp (scenario 16), past deadlines, re-arming
// and the firing order.

import { beforeEach, describe, expect, it } from 'vitest';
import { Code, Mode } from '../../host/core/abi.js';
import { TimerKind } from '../model/core-constants.js';
import { I64_MAX } from '../model/constants.js';
import { openH, park, SUBJECTS, type Subject } from './support/subjects.js';

const { R, W, RW } = Mode;

describe.each(SUBJECTS)('%s: pollSetDeadline', (_name, make) => {
  let s: Subject;
  beforeEach(() => {
    s = make();
  });

  it('rd == wd > 0 runs one heap entry of kind rw; its firing expires both directions (scenario 45)', () => {
    const h = openH(s);
    park(s, h, R, 10);
    park(s, h, W, 11);
    expect(s.api.setDeadline(h.index, h.seq, RW, 500n, 1_000n)).toBe(0);
    expect(s.timers()).toEqual([{ when: 1_500n, ref: h.index * 4 + TimerKind.RW, seq: s.desc(h.index).rseq }]);
    expect(s.desc(h.index)).toMatchObject({ rrun: true, wrun: false });

    expect(s.api.netpoll([], 1_499n)).toEqual([]);
    expect(s.api.netpoll([], 1_500n)).toEqual([{ token: 10, code: Code.TIMEOUT }, { token: 11, code: Code.TIMEOUT }]);
    // rrun stays set after a firing, as in Go; the heap is empty.
    expect(s.desc(h.index)).toMatchObject({ rd: -1n, wd: -1n, rrun: true, wrun: false, rtimer: false, wtimer: false });
    expect(s.counters()).toMatchObject({ waiters: 0, timers: 0, timersFired: 1, nextWhen: 0n });
    expect(s.violations()).toEqual([]);
  });

  it('two calls that land on the same instant combine; moving one apart splits the timer again', () => {
    const h = openH(s);
    s.api.setDeadline(h.index, h.seq, R, 500n, 1_000n);
    const rseq = s.desc(h.index).rseq;
    s.api.setDeadline(h.index, h.seq, W, 400n, 1_100n); // also 1500
    expect(s.timers()).toEqual([{ when: 1_500n, ref: h.index * 4 + TimerKind.RW, seq: rseq + 1 }]);
    expect(s.desc(h.index).wrun).toBe(false);

    s.api.setDeadline(h.index, h.seq, W, 600n, 1_000n);
    const d = s.desc(h.index);
    expect(s.timers()).toEqual([
      { when: 1_500n, ref: h.index * 4 + TimerKind.R, seq: rseq + 2 },
      { when: 1_600n, ref: h.index * 4 + TimerKind.W, seq: d.wseq },
    ]);
    expect(d).toMatchObject({ rrun: true, wrun: true });
    expect(s.violations()).toEqual([]);
  });

  it('scenario 16: 2^63-1 ns from now clamps to 2^63-1 instead of overflowing into "expired"', () => {
    const h = openH(s);
    const now = 10n ** 18n;
    expect(s.api.setDeadline(h.index, h.seq, RW, I64_MAX, now)).toBe(0);
    expect(s.desc(h.index)).toMatchObject({ rd: I64_MAX, wd: I64_MAX });
    expect(s.api.checkErr(h.index, h.seq, R)).toBe(Code.OK);
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.OK);
    expect(s.api.nextDeadline()).toBe(I64_MAX);
    expect(s.api.netpoll([], 2n * now)).toEqual([]);

    // The edges: exactly 2^63-1, and one past it.
    s.api.setDeadline(h.index, h.seq, R, I64_MAX - now, now);
    expect(s.desc(h.index).rd).toBe(I64_MAX);
    s.api.setDeadline(h.index, h.seq, W, I64_MAX - now + 1n, now);
    expect(s.desc(h.index).wd).toBe(I64_MAX);
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.OK);
  });

  it('a past deadline stores the negative delta itself and wakes the parked waiter with TIMEOUT (scenario 18)', () => {
    const h = openH(s);
    park(s, h, R, 20);
    expect(s.api.setDeadline(h.index, h.seq, R, -5_000_000_000n, 7n)).toBe(1);
    expect(s.api.readyList()).toEqual([{ token: 20, code: Code.TIMEOUT }]);
    expect(s.desc(h.index).rd).toBe(-5_000_000_000n);
    expect(s.timers()).toEqual([]);
    // The other direction is unaffected (scenario 41).
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.OK);
  });

  it('moving a deadline re-arms with rseq + 1; clearing it removes the entry; neither fires later (scenario 44)', () => {
    const h = openH(s);
    park(s, h, R, 30);
    s.api.setDeadline(h.index, h.seq, R, 100n, 0n);
    const rseq = s.desc(h.index).rseq;
    s.api.setDeadline(h.index, h.seq, R, 300n, 0n);
    expect(s.timers()).toEqual([{ when: 300n, ref: h.index * 4 + TimerKind.R, seq: rseq + 1 }]);
    expect(s.api.netpoll([], 200n)).toEqual([]);
    s.api.setDeadline(h.index, h.seq, R, 0n, 200n);
    expect(s.desc(h.index)).toMatchObject({ rd: 0n, rrun: false, rseq: rseq + 2 });
    expect(s.api.netpoll([], 1_000n)).toEqual([]);
    expect(s.desc(h.index).rg).toBe(30);
  });

  it('timers due together fire in (when, ref) order', () => {
    const a = openH(s), b = openH(s);
    park(s, a, W, 40);
    park(s, b, R, 41);
    park(s, a, R, 42);
    s.api.setDeadline(b.index, b.seq, R, 50n, 0n);
    s.api.setDeadline(a.index, a.seq, W, 50n, 0n);
    s.api.setDeadline(a.index, a.seq, R, 40n, 0n);
    expect(s.api.netpoll([], 60n)).toEqual([
      { token: 42, code: Code.TIMEOUT }, // when 40
      { token: 40, code: Code.TIMEOUT }, // when 50, ref a·4+2
      { token: 41, code: Code.TIMEOUT }, // when 50, ref b·4+1 (b > a)
    ]);
  });

  it('a closing descriptor ignores setDeadline (returns 0, arms nothing)', () => {
    const h = openH(s);
    s.api.unblock(h.index, h.seq);
    expect(s.api.setDeadline(h.index, h.seq, RW, 100n, 0n)).toBe(0);
    expect(s.desc(h.index)).toMatchObject({ rd: 0n, wd: 0n, rrun: false, wrun: false });
    expect(s.timers()).toEqual([]);
  });

  it('netpoll with now < 0 fires nothing; the same timers fire at the next non-negative now', () => {
    const h = openH(s);
    park(s, h, W, 50);
    s.api.setDeadline(h.index, h.seq, W, 5n, 0n);
    expect(s.api.netpoll([], -1n)).toEqual([]);
    expect(s.api.netpoll([], 5n)).toEqual([{ token: 50, code: Code.TIMEOUT }]);
  });
});
