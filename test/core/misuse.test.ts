// Misuse that Go answers with a fatal throw returns a negative code here and
// changes nothing: for the Wasm core, every byte of its memory is the same
// before and after the refused call (the ready list of the previous call
// included); for the model, every field, counter, timer and ready entry.

import { describe, expect, it } from 'vitest';
import { Code, Misuse, Mode } from '../../host/core/abi.js';
import { EPOLLIN } from '../model/constants.js';
import type { PollEvent } from '../model/types.js';
import { closeH, type H, openH, park, sameBytes, SUBJECTS, type Subject } from './support/subjects.js';

const { R, W, RW } = Mode;

/** A state with something of everything, ending with a non-empty ready list. */
function setup(s: Subject): { live: H; prepared: H; closing: H; closed: H } {
  const live = openH(s, 3), prepared = openH(s, 4), closing = openH(s, 5), closed = openH(s, 6);
  closeH(s, closed);
  expect(park(s, live, R, 40)).toBe(Code.PARKED);
  s.api.setDeadline(live.index, live.seq, W, 1_000n, 0n);
  expect(s.api.prepareWait(prepared.index, prepared.seq, W)).toBe(Code.PREPARED);
  expect(park(s, closing, W, 41)).toBe(Code.PARKED);
  expect(s.api.unblock(closing.index, closing.seq)).toBe(1);
  return { live, prepared, closing, closed };
}

type Case = [string, (s: Subject, h: ReturnType<typeof setup>) => number, number];

const batch = (n: number): PollEvent[] => Array.from({ length: n }, () => ({ events: EPOLLIN, index: 0, tag: 1 }));

const CASES: Case[] = [
  // stale handles (after close), and forged ones
  ['checkErr, stale', (s, { closed: h }) => s.api.checkErr(h.index, h.seq, R), Misuse.STALE_HANDLE],
  ['reset, stale', (s, { closed: h }) => s.api.reset(h.index, h.seq, R), Misuse.STALE_HANDLE],
  ['prepareWait, stale', (s, { closed: h }) => s.api.prepareWait(h.index, h.seq, R), Misuse.STALE_HANDLE],
  ['commitWait, stale', (s, { closed: h }) => s.api.commitWait(h.index, h.seq, R, 99), Misuse.STALE_HANDLE],
  ['cancelWait, stale', (s, { closed: h }) => s.api.cancelWait(h.index, h.seq, R, 99), Misuse.STALE_HANDLE],
  ['setDeadline, stale', (s, { closed: h }) => s.api.setDeadline(h.index, h.seq, RW, -1n, 0n), Misuse.STALE_HANDLE],
  ['unblock, stale', (s, { closed: h }) => s.api.unblock(h.index, h.seq), Misuse.STALE_HANDLE],
  ['close, stale', (s, { closed: h }) => s.api.close(h.index, h.seq), Misuse.STALE_HANDLE],
  ['abandon, stale', (s, { closed: h }) => s.api.abandon(h.index, h.seq), Misuse.STALE_HANDLE],
  ['wrong seq on a live descriptor', (s, { live: h }) => s.api.unblock(h.index, h.seq + 1), Misuse.STALE_HANDLE],
  ['seq 0 on a live descriptor', (s, { live: h }) => s.api.checkErr(h.index, 0, R), Misuse.STALE_HANDLE],
  ['index beyond the table', (s) => s.api.unblock(64, 1), Misuse.STALE_HANDLE],
  ['index 2^32-1', (s) => s.api.close(0xffffffff, 1), Misuse.STALE_HANDLE],
  ['never-opened descriptor', (s) => s.api.prepareWait(10, 0, R), Misuse.STALE_HANDLE],
  ['setDeadline with a negative now', (s, { live: h }) => s.api.setDeadline(h.index, h.seq, R, 3n, -10n), Misuse.BAD_ARGUMENT],
  // double wait
  ['prepareWait over a parked waiter', (s, { live: h }) => s.api.prepareWait(h.index, h.seq, R), Misuse.DOUBLE_WAIT],
  ['commitWait over a parked waiter', (s, { live: h }) => s.api.commitWait(h.index, h.seq, R, 99), Misuse.DOUBLE_WAIT],
  ['prepareWait over a prepared one', (s, { prepared: h }) => s.api.prepareWait(h.index, h.seq, W), Misuse.DOUBLE_WAIT],
  // closing order
  ['close without unblock', (s, { live: h }) => s.api.close(h.index, h.seq), Misuse.NOT_CLOSING],
  ['unblock twice', (s, { closing: h }) => s.api.unblock(h.index, h.seq), Misuse.ALREADY_CLOSING],
  ['abandon with a parked waiter', (s, { live: h }) => s.api.abandon(h.index, h.seq), Misuse.WAITER_PRESENT],
  ['abandon with a prepared waiter', (s, { prepared: h }) => s.api.abandon(h.index, h.seq), Misuse.WAITER_PRESENT],
  ['reset with a parked waiter', (s, { live: h }) => s.api.reset(h.index, h.seq, R), Misuse.WAITER_PRESENT],
  ['reset with a prepared waiter', (s, { prepared: h }) => s.api.reset(h.index, h.seq, W), Misuse.WAITER_PRESENT],
  // bad tokens
  ...[0, 1, 2].map((t): Case => [`commitWait token ${t}`, (s, { prepared: h }) => s.api.commitWait(h.index, h.seq, W, t), Misuse.BAD_TOKEN]),
  ['cancelWait with another token', (s, { live: h }) => s.api.cancelWait(h.index, h.seq, R, 41), Misuse.BAD_ARGUMENT],
  ['cancelWait with nothing parked', (s, { live: h }) => s.api.cancelWait(h.index, h.seq, W, 40), Misuse.BAD_ARGUMENT],
  ['cancelWait with a reserved token', (s, { live: h }) => s.api.cancelWait(h.index, h.seq, W, 1), Misuse.BAD_ARGUMENT],
  // bad modes
  ...[0, 3, 4, 0xffffffff].flatMap((m): Case[] => [
    [`checkErr mode ${m}`, (s, { live: h }) => s.api.checkErr(h.index, h.seq, m), Misuse.BAD_ARGUMENT],
    [`reset mode ${m}`, (s, { live: h }) => s.api.reset(h.index, h.seq, m), Misuse.BAD_ARGUMENT],
    [`prepareWait mode ${m}`, (s, { live: h }) => s.api.prepareWait(h.index, h.seq, m), Misuse.BAD_ARGUMENT],
    [`commitWait mode ${m}`, (s, { prepared: h }) => s.api.commitWait(h.index, h.seq, m, 99), Misuse.BAD_ARGUMENT],
    [`cancelWait mode ${m}`, (s, { live: h }) => s.api.cancelWait(h.index, h.seq, m, 40), Misuse.BAD_ARGUMENT],
  ]),
  ...[0, 4, 7].map((m): Case => [`setDeadline mode ${m}`, (s, { live: h }) => s.api.setDeadline(h.index, h.seq, m, -1n, 0n), Misuse.BAD_ARGUMENT]),
  // refused batches
  ['netpoll with 1025 events', (s) => s.api.netpollCode(batch(1025), 12, 0n), Misuse.BAD_ARGUMENT],
  ...[0, 8, 20].map((st): Case => [`netpoll stride ${st}`, (s) => s.api.netpollCode(batch(1), st, 2_000n), Misuse.BAD_ARGUMENT]),
];

describe.each(SUBJECTS)('%s: misuse is refused with a negative code and changes nothing', (_name, make) => {
  it.each(CASES)('%s', (_label, call, code) => {
    const s = make();
    const h = setup(s);
    const before = s.snapshot();
    expect(call(s, h)).toBe(code);
    expect(sameBytes(before, s.snapshot())).toBe(true);
    expect(s.violations()).toEqual([]);
  });

  it('all of them in a row: still nothing changed, and the last ready list is still readable', () => {
    const s = make();
    const h = setup(s);
    const before = s.snapshot();
    for (const [label, call, code] of CASES) expect(call(s, h), label).toBe(code);
    expect(sameBytes(before, s.snapshot())).toBe(true);
    expect(s.api.readyList()).toEqual([{ token: 41, code: Code.CLOSING }]);
  });
});
