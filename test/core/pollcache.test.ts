// The pollCache and pollOpen (spec sections 3, 4) on the Wasm core and the
// model: blocks of 64, LIFO reuse with the lowest index first, what open resets.

import { beforeEach, describe, expect, it } from 'vitest';
import { Code, Mode } from '../../host/core/abi.js';
import { Info, Sema } from '../model/core-constants.js';
import { EPOLLERR } from '../model/constants.js';
import { closeH, ev, openH, SUBJECTS, type Subject } from './support/subjects.js';

describe.each(SUBJECTS)('%s: pollCache', (_name, make) => {
  let s: Subject;
  beforeEach(() => {
    s = make();
  });

  it('descriptors come in blocks of 64, lowest index first; freed ones are reused LIFO', () => {
    const hs = Array.from({ length: 64 }, (_, i) => openH(s, 100 + i));
    expect(hs.map((h) => h.index)).toEqual([...Array(64).keys()]);
    expect(s.counters()).toMatchObject({ descBlocks: 1, freeHead: 0, inUse: 64 });
    expect(openH(s).index).toBe(64);
    expect(s.counters()).toMatchObject({ descBlocks: 2, freeHead: 66 }); // 65 is next
    closeH(s, hs[5]);
    closeH(s, hs[9]);
    expect(s.desc(9).link).toBe(6); // 9 → 5 → 65 → …
    expect([openH(s).index, openH(s).index, openH(s).index]).toEqual([9, 5, 65]);
    expect(s.violations()).toEqual([]);
  });

  it('open resets exactly what pollOpen resets, after a full previous life', () => {
    const h = openH(s, 3);
    s.api.netpoll([ev(h, EPOLLERR)], -1n); // eventErr, both words pdReady
    s.api.setDeadline(h.index, h.seq, Mode.RW, -1n, 0n);
    closeH(s, h);
    const before = s.desc(h.index);
    expect(before).toMatchObject({ allocated: false, closing: true, rg: Sema.READY, rd: -1n });

    const again = openH(s, 4);
    const d = s.desc(again.index);
    expect(d).toMatchObject({
      allocated: true, closing: false, fd: 4, fdseq: h.seq + 1, link: 0, rg: Sema.NIL, wg: Sema.NIL,
      rd: 0n, wd: 0n, rseq: before.rseq + 1, wseq: before.wseq + 1, rrun: false, wrun: false,
    });
    expect(d.info).toBe(((h.seq + 1) & Info.SEQ_MASK) << Info.SEQ_SHIFT); // no closing, expiry or error bit
    expect(s.api.checkErr(again.index, again.seq, Mode.R)).toBe(Code.OK);
  });
});
