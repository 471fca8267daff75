// One unit test per Go regression of spec section 9 that the core alone can
// show, run on the Wasm core and on the reference model alike. The
// semaphore table, pollSetDeadline and misuse have their own files.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code, Misuse, Mode } from '../../host/core/abi.js';
import { Info } from '../model/core-constants.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, I64_MAX } from '../model/constants.js';
import type { ReadyEntry } from '../model/types.js';
import { closeH, ev, type H, openH, park, SUBJECTS, type Subject } from './support/subjects.js';

const { R, W, RW } = Mode;
const seqBits = (info: number): number => (info >>> Info.SEQ_SHIFT) & Info.SEQ_MASK;

describe.each(SUBJECTS)('%s: Go regressions (spec section 9)', (_name, make) => {
  let s: Subject;
  beforeEach(() => {
    s = make();
  });
  afterEach(() => {
    expect(s.violations()).toEqual([]);
  });

  /** A waking call; asserts the waiters counter dropped by exactly the entries it wrote (Go 61454). */
  function waking(call: () => unknown): ReadyEntry[] {
    const before = s.counters().waiters;
    call();
    const ready = s.api.readyList();
    expect(before - s.counters().waiters).toBe(ready.length);
    return ready;
  }

  it('59545: a stale EPOLLERR from before close + reuse is dropped; the new incarnation gets no error bit', () => {
    const old = openH(s, 5);
    closeH(s, old);
    const cur = openH(s, 5);
    expect(cur).toEqual({ index: old.index, seq: old.seq + 1 }); // same descriptor, next incarnation
    expect(park(s, cur, R, 100)).toBe(Code.PARKED);
    const stale = s.counters().staleEvents;

    expect(s.api.netpoll([ev(old, EPOLLERR)], 0n)).toEqual([]);
    expect(s.counters().staleEvents).toBe(stale + 1);
    expect(s.desc(cur.index).info & Info.EVENT_ERR).toBe(0);
    expect(s.api.checkErr(cur.index, cur.seq, R)).toBe(Code.OK);
    expect(s.desc(cur.index).rg).toBe(100); // still parked

    // Control: the same event with the current tag marks the descriptor and wakes the reader.
    expect(s.api.netpoll([ev(cur, EPOLLERR)], 0n)).toEqual([{ token: 100, code: Code.OK }]);
    expect(s.api.checkErr(cur.index, cur.seq, R)).toBe(Code.NOT_POLLABLE);
  });

  it('60133: freeing bumps fdseq and republishes the info seq bits at once (close and abandon)', () => {
    const h = openH(s);
    expect(seqBits(s.desc(h.index).info)).toBe(h.seq & Info.SEQ_MASK);
    closeH(s, h);
    expect(s.desc(h.index).fdseq).toBe(h.seq + 1);
    expect(seqBits(s.desc(h.index).info)).toBe((h.seq + 1) & Info.SEQ_MASK); // before any reopen

    const a = openH(s);
    expect(s.api.abandon(a.index, a.seq)).toBe(Code.OK);
    expect(seqBits(s.desc(a.index).info)).toBe((a.seq + 1) & Info.SEQ_MASK);
  });

  it('fdseq is never 0 while allocated: fresh descriptors open with 1, and 2^32-1 wraps to 1 (Here: 32-bit tag)', () => {
    const h = openH(s);
    expect(h.seq).toBe(1);
    s.forceFdseq(h.index, 0xffffffff);
    closeH(s, { index: h.index, seq: 0xffffffff });
    expect(s.desc(h.index).fdseq).toBe(1);
    expect(seqBits(s.desc(h.index).info)).toBe(1);
    expect(openH(s)).toEqual({ index: h.index, seq: 1 });
  });

  it('60782: the waiters counter returns to 0 after bursts woken by I/O, by deadlines and by unblock', () => {
    let token = 10;
    let now = 1_000n;
    for (let round = 0; round < 3; round++) {
      const hs: H[] = Array.from({ length: 12 }, () => openH(s));
      const tokens = new Set<number>();
      for (const h of hs) {
        for (const mode of [R, W]) {
          tokens.add(token);
          expect(park(s, h, mode, token++)).toBe(Code.PARKED);
        }
      }
      expect(s.counters().waiters).toBe(24);
      const woken: ReadyEntry[] = [];
      // I/O: 4 descriptors, both directions in one event each.
      woken.push(...waking(() => s.api.netpoll(hs.slice(0, 4).map((h) => ev(h, EPOLLIN | EPOLLOUT)), now)));
      // Deadlines: 2 set in the past, 2 fired by the clock.
      for (const h of hs.slice(4, 6)) woken.push(...waking(() => s.api.setDeadline(h.index, h.seq, RW, -1n, now)));
      for (const h of hs.slice(6, 8)) waking(() => s.api.setDeadline(h.index, h.seq, RW, 100n, now));
      now += 100n;
      woken.push(...waking(() => s.api.netpoll([], now)));
      // Close: the rest.
      for (const h of hs.slice(8)) woken.push(...waking(() => s.api.unblock(h.index, h.seq)));

      expect(s.counters().waiters).toBe(0);
      expect(new Set(woken.map((e) => e.token))).toEqual(tokens);
      expect(woken.map((e) => e.code)).toEqual([
        ...Array(8).fill(Code.OK), ...Array(8).fill(Code.TIMEOUT), ...Array(8).fill(Code.CLOSING),
      ]);
      for (const h of hs) {
        if (s.desc(h.index).closing === false) expect(s.api.unblock(h.index, h.seq)).toBe(0);
        expect(s.api.close(h.index, h.seq)).toBe(Code.OK);
      }
    }
  });

  it('61454: the counter drops only together with a ready entry; a wake that finds no parked waiter writes none', () => {
    const a = openH(s), b = openH(s);
    expect(s.api.prepareWait(a.index, a.seq, R)).toBe(Code.PREPARED); // half-parked: not counted
    expect(park(s, b, W, 50)).toBe(Code.PARKED);
    expect(s.counters().waiters).toBe(1);

    // pdWait → pdReady / pdNil wakes nobody: no entry, no change to the counter.
    expect(waking(() => s.api.netpoll([ev(a, EPOLLIN)], 0n))).toEqual([]);
    expect(waking(() => s.api.setDeadline(a.index, a.seq, R, -5n, 0n))).toEqual([]);
    expect(s.counters().waiters).toBe(1);
    // The parked one: exactly one entry for one decrement.
    expect(waking(() => s.api.netpoll([ev(b, EPOLLHUP)], 0n))).toEqual([{ token: 50, code: Code.OK }]);
    expect(s.counters().waiters).toBe(0);
  });

  it.each([
    ['EPOLLERR alone', EPOLLERR, true],
    ['EPOLLERR|EPOLLIN', EPOLLERR | EPOLLIN, false],
    ['EPOLLERR|EPOLLOUT', EPOLLERR | EPOLLOUT, false],
    ['EPOLLERR|EPOLLHUP', EPOLLERR | EPOLLHUP, false],
    ['EPOLLERR|EPOLLRDHUP', EPOLLERR | EPOLLRDHUP, false],
  ])('30817/30840: %s → eventErr %s, reported as NOT_POLLABLE for reads only', (_label, bits, err) => {
    const h = openH(s);
    s.api.netpoll([ev(h, bits)], 0n);
    expect((s.desc(h.index).info & Info.EVENT_ERR) !== 0).toBe(err);
    expect(s.api.checkErr(h.index, h.seq, R)).toBe(err ? Code.NOT_POLLABLE : Code.OK);
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.OK);
    // The error wins over the pending read notification; writes just consume theirs.
    expect(s.api.prepareWait(h.index, h.seq, R)).toBe(err ? Code.NOT_POLLABLE : Code.OK);
    expect(s.api.prepareWait(h.index, h.seq, W)).toBe(Code.OK);
    // Any later event that is not exactly EPOLLERR clears the bit.
    s.api.netpoll([ev(h, EPOLLIN)], 0n);
    expect(s.api.checkErr(h.index, h.seq, R)).toBe(Code.OK);
  });

  it('42424: heap timers always have when > 0, even at now = 0; d = 0 is "none", d = -1 ("exactly now") is expired', () => {
    const h = openH(s);
    expect(s.api.setDeadline(h.index, h.seq, R, 1n, 0n)).toBe(0);
    expect(s.timers()).toEqual([{ when: 1n, ref: h.index * 4 + 1, seq: s.desc(h.index).rseq }]);
    expect(s.api.nextDeadline()).toBe(1n);
    expect(s.api.netpoll([], 0n)).toEqual([]); // not due at 0

    // internal/poll turns a deadline equal to now into d = -1: expired, no timer. d = 0 is no deadline.
    expect(s.api.setDeadline(h.index, h.seq, W, -1n, 0n)).toBe(0);
    expect(s.desc(h.index).wd).toBe(-1n);
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.TIMEOUT);
    expect(s.api.setDeadline(h.index, h.seq, W, 0n, 0n)).toBe(0);
    expect(s.desc(h.index).wd).toBe(0n);
    expect(s.api.checkErr(h.index, h.seq, W)).toBe(Code.OK);
    expect(s.timers()).toHaveLength(1);

    // At the other end of time an overflowing sum clamps to 2^63-1, never to 0 or below.
    const late = I64_MAX - 5n;
    expect(s.api.setDeadline(h.index, h.seq, W, 10n, late)).toBe(0);
    expect(s.desc(h.index).wd).toBe(I64_MAX);
    expect(s.timers().every((t) => t.when > 0n)).toBe(true);

    expect(s.api.netpoll([], 1n)).toEqual([]);
    expect(s.desc(h.index).rd).toBe(-1n);
  });

  it('51654: nextDeadline() is 0n as soon as the last timer is gone (cleared, fired, unblocked, abandoned)', () => {
    const a = openH(s), b = openH(s);
    s.api.setDeadline(a.index, a.seq, R, 100n, 0n);
    s.api.setDeadline(b.index, b.seq, W, 50n, 0n);
    expect(s.api.nextDeadline()).toBe(50n);
    s.api.setDeadline(b.index, b.seq, W, 0n, 0n);
    expect(s.api.nextDeadline()).toBe(100n);
    s.api.setDeadline(a.index, a.seq, R, 0n, 0n);
    expect(s.api.nextDeadline()).toBe(0n);

    s.api.setDeadline(a.index, a.seq, RW, 10n, 0n);
    s.api.netpoll([], 10n);
    expect(s.api.nextDeadline()).toBe(0n);

    s.api.setDeadline(b.index, b.seq, R, 10n, 10n);
    s.api.unblock(b.index, b.seq);
    expect(s.api.nextDeadline()).toBe(0n);

    const c = openH(s);
    s.api.setDeadline(c.index, c.seq, W, 5n, 10n);
    expect(s.api.abandon(c.index, c.seq)).toBe(Code.OK);
    expect(s.api.nextDeadline()).toBe(0n);
    expect(s.counters().timers).toBe(0);
  });

  it('44552: abandon (failed registration) frees the descriptor at once and bumps fdseq', () => {
    const h = openH(s, 9);
    s.api.setDeadline(h.index, h.seq, RW, 1_000n, 0n); // a stray timer must not outlive it
    expect(s.api.abandon(h.index, h.seq)).toBe(Code.OK);
    expect(s.api.seqOf(h.index)).toBe(0);
    expect(s.desc(h.index)).toMatchObject({ allocated: false, fdseq: h.seq + 1, rrun: false, wrun: false });
    expect(s.counters()).toMatchObject({ inUse: 0, timers: 0, nextWhen: 0n });
    expect(s.api.checkErr(h.index, h.seq, R)).toBe(Misuse.STALE_HANDLE);
    expect(s.api.close(h.index, h.seq)).toBe(Misuse.STALE_HANDLE);

    const again = openH(s, 9);
    expect(again).toEqual({ index: h.index, seq: h.seq + 1 });
    expect(park(s, again, R, 50)).toBe(Code.PARKED);
    expect(s.api.abandon(again.index, again.seq)).toBe(Misuse.WAITER_PRESENT);
  });
});
