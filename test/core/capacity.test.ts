// Sizes the random sequences do not reach: thousands of descriptors (many
// descriptor blocks), a heap over several timer blocks, and the ready list's
// room rule: timers fire only while two slots are left (a combined timer can
// wake two waiters); the rest stay due and fire on the next call.

import { describe, expect, it } from 'vitest';
import { Code, Mode } from '../../host/core/abi.js';
import { loadCore } from '../../host/core/load.js';
import { EPOLLIN, EPOLLOUT, READY_CAPACITY } from '../model/constants.js';
import { ReferenceCore } from '../model/reference.js';
import type { RawPollerCore } from '../model/types.js';
import { assertSame } from './support/compare.js';
import { WasmCore } from './support/wasm-core.js';

const N = 2_100; // 4,200 waiters: more than the ready list holds

function both<T>(model: ReferenceCore, core: WasmCore, what: string, call: (p: RawPollerCore) => T): T {
  const m = call(model), c = call(core);
  expect(c, what).toEqual(m);
  assertSame(model, core, what);
  return c;
}

describe('capacity', () => {
  it(`${N} descriptors with combined deadlines: timers fire in batches that fit the ready list`, () => {
    const model = new ReferenceCore(), core = new WasmCore(loadCore());
    let token = 3;
    for (let i = 0; i < N; i++) {
      for (const p of [model, core] as RawPollerCore[]) {
        expect(p.open(i)).toBe(i);
        expect(p.prepareWait(i, 1, Mode.R)).toBe(Code.PREPARED);
        expect(p.commitWait(i, 1, Mode.R, token)).toBe(Code.PARKED);
        expect(p.prepareWait(i, 1, Mode.W)).toBe(Code.PREPARED);
        expect(p.commitWait(i, 1, Mode.W, token + 1)).toBe(Code.PARKED);
        expect(p.setDeadline(i, 1, Mode.RW, 100n + BigInt(i % 7), 0n)).toBe(0);
      }
      token += 2;
    }
    assertSame(model, core, 'setup');
    expect(core.reader.counters()).toMatchObject({ descBlocks: Math.ceil(N / 64), timers: N, waiters: 2 * N });
    expect(core.reader.counters().timerBlocks).toBe(Math.ceil(N / 256));

    const first = both(model, core, 'netpoll at 200', (p) => p.netpoll([], 200n));
    expect(first).toHaveLength(READY_CAPACITY);
    expect(core.reader.counters()).toMatchObject({ timersFired: READY_CAPACITY / 2, timers: N - READY_CAPACITY / 2 });
    expect(core.nextDeadline()).toBeLessThanOrEqual(200n); // still due: the host calls again

    const second = both(model, core, 'netpoll again', (p) => p.netpoll([], 200n));
    expect(second).toHaveLength(2 * N - READY_CAPACITY);
    expect(core.reader.counters()).toMatchObject({ timers: 0, waiters: 0, nextWhen: 0n });
    expect([...first, ...second].every((e) => e.code === Code.TIMEOUT)).toBe(true);
  });

  it('a full batch of 1024 events wakes 2048 waiters; due timers then take what room is left', () => {
    const model = new ReferenceCore(), core = new WasmCore(loadCore());
    const n = 2_200;
    for (let i = 0; i < n; i++) {
      for (const p of [model, core] as RawPollerCore[]) {
        p.open(i);
        p.prepareWait(i, 1, Mode.R);
        p.commitWait(i, 1, Mode.R, 10 + 2 * i);
        p.prepareWait(i, 1, Mode.W);
        p.commitWait(i, 1, Mode.W, 11 + 2 * i);
        if (i >= 1024) p.setDeadline(i, 1, Mode.RW, 50n, 0n);
      }
    }
    const events = Array.from({ length: 1024 }, (_, i) => ({ events: EPOLLIN | EPOLLOUT, index: i, tag: 1 }));
    const ready = both(model, core, 'netpoll', (p) => p.netpoll(events, 50n));
    expect(ready).toHaveLength(READY_CAPACITY);
    expect(ready.slice(0, 2048).every((e) => e.code === Code.OK)).toBe(true);
    expect(ready.slice(2048).every((e) => e.code === Code.TIMEOUT)).toBe(true);
    expect(both(model, core, 'netpoll again', (p) => p.netpoll([], 50n))).toHaveLength(2 * (n - 1024) - 2048);
  });
});
