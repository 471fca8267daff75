// Round trip: random command sequences run on the Wasm core and on the
// reference model (test/model/reference.ts) side by side; the core's memory,
// snapshotted and decoded by decodeSnapshot, must say what the model says —
// every descriptor field, the free list in order, the heap's entries, the
// counters — and have no violations.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadCore } from '../../host/core/load.js';
import type { CoreExports } from '../../host/core/abi.js';
import { ReferenceCore } from '../model/reference.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import type { Inspection, SemaState } from '../../host/inspect/types.js';

type Cmd =
  | { c: 'open'; fd: number }
  | { c: 'bulk'; n: number; spread: number }
  | { c: 'prepare'; h: number; mode: 1 | 2 }
  | { c: 'commit'; h: number; mode: 1 | 2 }
  | { c: 'park'; h: number; mode: 1 | 2 }
  | { c: 'cancel'; h: number; mode: 1 | 2 }
  | { c: 'reset'; h: number; mode: 1 | 2 }
  | { c: 'deadline'; h: number; mode: 1 | 2 | 3; d: bigint }
  | { c: 'unblock'; h: number }
  | { c: 'close'; h: number }
  | { c: 'abandon'; h: number }
  | { c: 'events'; evs: { h: number; bits: number; stale: boolean }[] }
  | { c: 'tick'; dt: bigint };

const h = fc.nat(1000);
const mode = fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>;
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ c: fc.constant('open' as const), fd: fc.integer({ min: 0, max: 1 << 20 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('bulk' as const), n: fc.integer({ min: 1, max: 150 }), spread: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('prepare' as const), h, mode }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('commit' as const), h, mode }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('park' as const), h, mode }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('cancel' as const), h, mode }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('reset' as const), h, mode }) },
  {
    weight: 4,
    arbitrary: fc.record({
      c: fc.constant('deadline' as const),
      h,
      mode: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
      d: fc.oneof(fc.constant(0n), fc.bigInt({ min: -50n, max: -1n }), fc.bigInt({ min: 1n, max: 500n }), fc.constant((1n << 63n) - 1n)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('unblock' as const), h }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('close' as const), h }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('abandon' as const), h }) },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.constant('events' as const),
      evs: fc.array(fc.record({ h, bits: fc.constantFrom(0x1, 0x4, 0x5, 0x8, 0x10, 0x2001, 0x2019, 0), stale: fc.boolean() }), { maxLength: 6 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('tick' as const), dt: fc.bigInt({ min: 0n, max: 200n }) }) },
);

/** Both cores, fed the same calls; every result must agree. */
class Pair {
  readonly core: CoreExports = loadCore();
  readonly model = new ReferenceCore();
  readonly handles: { index: number; seq: number }[] = [];
  now = 1000n;
  token = 3;

  same(what: string, a: number | bigint, b: number | bigint): void {
    if (a !== b) throw new Error(`${what}: core ${a}, model ${b}`);
  }

  pick(i: number): { index: number; seq: number } | undefined {
    return this.handles.length ? this.handles[i % this.handles.length] : undefined;
  }

  open(fd: number): void {
    const i = this.core.open(fd);
    this.same(`open(${fd})`, i, this.model.open(fd));
    if (i >= 0) this.handles.push({ index: i, seq: this.core.seqOf(i) });
  }

  run(cmd: Cmd): void {
    const { core, model } = this;
    switch (cmd.c) {
      case 'open':
        this.open(cmd.fd);
        return;
      case 'bulk': {
        for (let k = 0; k < cmd.n; k++) {
          this.open(5000 + k);
          const x = this.handles.at(-1)!;
          this.same('bulk r', core.setDeadline(x.index, x.seq, 1, BigInt(1 + ((k * 7919) % cmd.spread)), this.now), model.setDeadline(x.index, x.seq, 1, BigInt(1 + ((k * 7919) % cmd.spread)), this.now));
          this.same('bulk w', core.setDeadline(x.index, x.seq, 2, BigInt(2 + ((k * 104729) % cmd.spread)), this.now), model.setDeadline(x.index, x.seq, 2, BigInt(2 + ((k * 104729) % cmd.spread)), this.now));
        }
        return;
      }
      case 'tick':
        this.now += cmd.dt;
        return;
      case 'events': {
        const evs = cmd.evs.flatMap((e) => {
          const x = this.pick(e.h);
          return x ? [{ events: e.bits, index: x.index, tag: e.stale ? (x.seq + 1) >>> 0 : x.seq }] : [];
        });
        const dv = new DataView(core.memory.buffer);
        evs.forEach((ev, i) => {
          const at = core.eventsOffset() + i * 12;
          dv.setUint32(at, ev.events, true);
          dv.setUint32(at + 4, ev.tag, true);
          dv.setUint32(at + 8, ev.index, true);
        });
        this.same('netpoll', core.netpoll(evs.length, 12, this.now), model.netpollCode(evs, 12, this.now));
        return;
      }
    }
    const x = this.pick(cmd.h);
    if (!x) return;
    const { index: i, seq: s } = x;
    switch (cmd.c) {
      case 'prepare':
        this.same('prepareWait', core.prepareWait(i, s, cmd.mode), model.prepareWait(i, s, cmd.mode));
        break;
      case 'commit': {
        const t = this.token++;
        this.same('commitWait', core.commitWait(i, s, cmd.mode, t), model.commitWait(i, s, cmd.mode, t));
        break;
      }
      case 'park': {
        const r = core.prepareWait(i, s, cmd.mode);
        this.same('prepareWait', r, model.prepareWait(i, s, cmd.mode));
        if (r === 5) {
          const t = this.token++;
          this.same('commitWait', core.commitWait(i, s, cmd.mode, t), model.commitWait(i, s, cmd.mode, t));
        }
        break;
      }
      case 'cancel': {
        // withdraw whatever token is parked there (read it from the model's fields)
        const f = model.fields(i).desc;
        const t = f ? (cmd.mode === 1 ? f.rg : f.wg) : 0;
        this.same('cancelWait', core.cancelWait(i, s, cmd.mode, t), model.cancelWait(i, s, cmd.mode, t));
        break;
      }
      case 'reset':
        this.same('reset', core.reset(i, s, cmd.mode), model.reset(i, s, cmd.mode));
        break;
      case 'deadline':
        this.same('setDeadline', core.setDeadline(i, s, cmd.mode, cmd.d, this.now), model.setDeadline(i, s, cmd.mode, cmd.d, this.now));
        break;
      case 'unblock':
        this.same('unblock', core.unblock(i, s), model.unblock(i, s));
        break;
      case 'close':
        this.same('close', core.close(i, s), model.close(i, s));
        break;
      case 'abandon':
        this.same('abandon', core.abandon(i, s), model.abandon(i, s));
        break;
    }
  }

  decoded(): Inspection {
    return decodeSnapshot(new Uint8Array(this.core.memory.buffer.slice(0)));
  }
}

function semaValue(s: SemaState): number {
  return s.state === 'nil' ? 0 : s.state === 'ready' ? 1 : s.state === 'wait' ? 2 : s.token;
}

/** The decoded snapshot, in the model's terms, next to what the model says. */
function compare(p: Pair): void {
  const x = p.decoded();
  const m = p.model;
  expect(x.violations).toEqual([]);
  expect(x.descriptors.length).toBe(m.descCount());
  for (const d of x.descriptors) {
    const f = m.fields(d.index).desc!;
    const info = f.info;
    expect({
      allocated: d.state !== 'free', closing: d.closing, link: d.link, fd: d.fd, fdseq: d.fdseq,
      rg: semaValue(d.rg), wg: semaValue(d.wg), rseq: d.rseq, wseq: d.wseq, rd: BigInt(d.rd), wd: BigInt(d.wd),
      rrun: d.rrun, wrun: d.wrun, rtimer: d.rslot !== 0, wtimer: d.wslot !== 0,
      infoClosing: d.infoClosing, eventErr: d.eventErr, expiredRead: d.expiredRead, expiredWrite: d.expiredWrite, infoSeq: d.infoSeq,
    }, `descriptor ${d.index}`).toEqual({
      allocated: f.allocated, closing: f.closing, link: f.link, fd: f.fd, fdseq: f.fdseq,
      rg: f.rg, wg: f.wg, rseq: f.rseq, wseq: f.wseq, rd: f.rd, wd: f.wd,
      rrun: f.rrun, wrun: f.wrun, rtimer: f.rtimer, wtimer: f.wtimer,
      infoClosing: (info & 1) !== 0, eventErr: (info & 2) !== 0, expiredRead: (info & 4) !== 0, expiredWrite: (info & 8) !== 0, infoSeq: info >>> 4,
    });
  }
  const c = m.counters();
  expect(x.counters).toEqual({
    inUse: c.inUse, waiters: c.waiters, timers: c.timers, staleEvents: c.staleEvents, eventsSeen: c.eventsSeen,
    wakeups: c.wakeups, timersFired: c.timersFired, inconsistent: c.inconsistent, readyLength: c.readyLength,
    descBlocks: c.descBlocks, timerBlocks: c.timerBlocks, nextWhen: c.nextWhen.toString(),
  });
  // The free list: follow the model's links from its head.
  const free: number[] = [];
  for (let next = c.freeHead; next !== 0 && free.length <= m.descCount(); next = m.fields(next - 1).desc!.link) free.push(next - 1);
  expect(x.freeList).toEqual(free);
  // The heap: the same entries (the model keeps them unordered; compare in (when, ref) order).
  const kinds = ['?', 'r', 'w', 'rw'];
  const heap = [...x.timers]
    .sort((a, b) => (BigInt(a.when) < BigInt(b.when) ? -1 : BigInt(a.when) > BigInt(b.when) ? 1 : (a.desc * 4 + kinds.indexOf(a.kind)) - (b.desc * 4 + kinds.indexOf(b.kind))))
    .map((t) => ({ when: BigInt(t.when), desc: t.desc, kind: t.kind, seq: t.seq }));
  expect(heap).toEqual(m.timerEntries().map((t) => ({ when: t.when, desc: t.ref >>> 2, kind: kinds[t.ref & 3], seq: t.seq })));
}

describe('snapshot round trip: decodeSnapshot says what the reference model says', () => {
  it('random command sequences', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (cmds) => {
        const p = new Pair();
        cmds.forEach((cmd, i) => {
          p.run(cmd);
          if (i === Math.floor(cmds.length / 2)) compare(p);
        });
        compare(p);
      }),
      { numRuns: 200 },
    );
  });

  it('a fresh core decodes as empty and consistent', () => {
    const x = decodeSnapshot(new Uint8Array(loadCore().memory.buffer));
    expect(x.violations).toEqual([]);
    expect(x.descriptors).toEqual([]);
    expect(x.timers).toEqual([]);
    expect(x.freeList).toEqual([]);
    expect(x.counters).toMatchObject({ inUse: 0, waiters: 0, timers: 0, descBlocks: 0, nextWhen: '0' });
  });
});
