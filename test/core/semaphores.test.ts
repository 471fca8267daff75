// The rg / wg semaphore table of spec section 2, row by row: each old state ×
// ioready (an I/O event) or not (a deadline set in the past, or unblock), on
// the Wasm core and the model. "Here:" the woken waiter's swap back to pdNil
// runs inside the waking call, so a woken waiter's word ends at pdNil (Go
// leaves pdReady for the waiter to swap) and its entry already says OK / the error.

import { beforeEach, describe, expect, it } from 'vitest';
import { Code, Mode } from '../../host/core/abi.js';
import { Sema } from '../model/core-constants.js';
import { EPOLLIN } from '../model/constants.js';
import { ev, type H, openH, park, SUBJECTS, type Subject } from './support/subjects.js';

type Old = 'nil' | 'ready' | 'wait' | 'waiter';
type Cause = 'io' | 'deadline' | 'unblock';

const TOKEN = 77;

/** Put h's read word in state `old`. */
function enter(s: Subject, h: H, old: Old): void {
  if (old === 'ready') s.api.netpoll([ev(h, EPOLLIN)], -1n);
  if (old === 'wait') expect(s.api.prepareWait(h.index, h.seq, Mode.R)).toBe(Code.PREPARED);
  if (old === 'waiter') expect(park(s, h, Mode.R, TOKEN)).toBe(Code.PARKED);
}

function cause(s: Subject, h: H, c: Cause): void {
  if (c === 'io') s.api.netpoll([ev(h, EPOLLIN)], -1n);
  if (c === 'deadline') s.api.setDeadline(h.index, h.seq, Mode.R, -1n, 0n);
  if (c === 'unblock') s.api.unblock(h.index, h.seq);
}

//  old     cause      → word        ready entries               then commitWait (for pdWait)
const TABLE: Array<[Old, Cause, number, Array<{ token: number; code: number }>, number?]> = [
  ['nil', 'io', Sema.READY, []],
  ['nil', 'deadline', Sema.NIL, []],
  ['nil', 'unblock', Sema.NIL, []],
  ['ready', 'io', Sema.READY, []],
  ['ready', 'deadline', Sema.READY, []],
  ['ready', 'unblock', Sema.READY, []],
  ['wait', 'io', Sema.READY, [], Code.OK],
  ['wait', 'deadline', Sema.NIL, [], Code.TIMEOUT],
  ['wait', 'unblock', Sema.NIL, [], Code.CLOSING],
  ['waiter', 'io', Sema.NIL, [{ token: TOKEN, code: Code.OK }]],
  ['waiter', 'deadline', Sema.NIL, [{ token: TOKEN, code: Code.TIMEOUT }]],
  ['waiter', 'unblock', Sema.NIL, [{ token: TOKEN, code: Code.CLOSING }]],
];

describe.each(SUBJECTS)('%s: netpollunblock table', (_name, make) => {
  let s: Subject;
  beforeEach(() => {
    s = make();
  });

  it.each(TABLE)('%s + %s → word %s, entries %j', (old, c, word, entries, commit) => {
    const h = openH(s);
    enter(s, h, old);
    const waiters = s.counters().waiters;
    cause(s, h, c);
    expect(s.desc(h.index).rg).toBe(word);
    expect(s.api.readyList()).toEqual(entries);
    expect(s.counters().waiters).toBe(waiters - entries.length);
    if (commit !== undefined) {
      // The half-parked waiter finds the word moved: pdReady is consumed, pdNil reports the error.
      expect(s.api.commitWait(h.index, h.seq, Mode.R, TOKEN)).toBe(commit);
      expect(s.desc(h.index).rg).toBe(Sema.NIL);
    }
    expect(s.violations()).toEqual([]);
  });

  it('an error wins over a pending notification: prepareWait reports it and leaves pdReady', () => {
    const h = openH(s);
    s.api.netpoll([ev(h, EPOLLIN)], -1n);
    s.api.setDeadline(h.index, h.seq, Mode.R, -1n, 0n);
    expect(s.api.prepareWait(h.index, h.seq, Mode.R)).toBe(Code.TIMEOUT);
    expect(s.desc(h.index).rg).toBe(Sema.READY);
    // pollReset also reports the error first and keeps the word.
    expect(s.api.reset(h.index, h.seq, Mode.R)).toBe(Code.TIMEOUT);
    expect(s.desc(h.index).rg).toBe(Sema.READY);
  });

  it('pollReset drops a stale pdReady when there is no error', () => {
    const h = openH(s);
    s.api.netpoll([ev(h, EPOLLIN)], -1n);
    expect(s.api.reset(h.index, h.seq, Mode.R)).toBe(Code.OK);
    expect(s.desc(h.index).rg).toBe(Sema.NIL);
    expect(s.api.prepareWait(h.index, h.seq, Mode.R)).toBe(Code.PREPARED);
  });

  it('a park whose deadline fired and moved back to the future parks again (Go pollWait loop)', () => {
    const h = openH(s);
    s.api.setDeadline(h.index, h.seq, Mode.R, 10n, 0n);
    expect(s.api.prepareWait(h.index, h.seq, Mode.R)).toBe(Code.PREPARED);
    expect(s.api.netpoll([], 10n)).toEqual([]); // fires: pdWait → pdNil, nobody parked yet
    expect(s.api.checkErr(h.index, h.seq, Mode.R)).toBe(Code.TIMEOUT);
    s.api.setDeadline(h.index, h.seq, Mode.R, 100n, 10n);
    expect(s.api.commitWait(h.index, h.seq, Mode.R, TOKEN)).toBe(Code.PARKED);
    expect(s.counters().waiters).toBe(1);
    expect(s.api.netpoll([], 110n)).toEqual([{ token: TOKEN, code: Code.TIMEOUT }]);
  });

  it('cancelWait withdraws a parked waiter by its own token (no ready entry), or a prepared one', () => {
    const h = openH(s);
    expect(park(s, h, Mode.W, TOKEN)).toBe(Code.PARKED);
    expect(s.api.cancelWait(h.index, h.seq, Mode.W, TOKEN + 1)).toBeLessThan(0);
    expect(s.api.cancelWait(h.index, h.seq, Mode.W, TOKEN)).toBe(Code.OK);
    expect(s.counters().waiters).toBe(0);
    expect(s.desc(h.index).wg).toBe(Sema.NIL);
    expect(s.api.prepareWait(h.index, h.seq, Mode.W)).toBe(Code.PREPARED);
    expect(s.api.cancelWait(h.index, h.seq, Mode.W, 0)).toBe(Code.OK);
    expect(s.desc(h.index).wg).toBe(Sema.NIL);
  });
});
