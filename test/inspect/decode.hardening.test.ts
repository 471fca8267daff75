// decodeSnapshot on deliberately broken input: each kind of damage the issue
// names gives a clear SnapshotError or a named violation.

import { describe, it, expect } from 'vitest';
import { decodeSnapshot, SnapshotError } from '../../host/inspect/decode.js';
import { smallSnapshot, bigSnapshot, layoutEntries, headerField, descAddr, setU32, u32, H } from './support.js';
import { HEADER_ANCHOR as A } from '../../host/core/layout.js';

const base = smallSnapshot();
const fresh = (): Uint8Array => base.slice();

function snapshotError(bytes: Uint8Array | unknown): string {
  try {
    decodeSnapshot(bytes as Uint8Array);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).code).toBe('ERR_NETPOLL_SNAPSHOT');
    return (err as Error).message;
  }
  throw new Error('decodeSnapshot did not throw');
}

const rules = (bytes: Uint8Array): string[] => decodeSnapshot(bytes).violations.map((v) => v.rule);

describe('decodeSnapshot: unreadable input is a SnapshotError', () => {
  it('not bytes, empty, too short', () => {
    expect(snapshotError('hello')).toMatch(/must be a Uint8Array/);
    expect(snapshotError(new Uint8Array(0))).toMatch(/0 bytes is too short \(the header starts at byte 65536\)/);
    expect(snapshotError(new Uint8Array(H + A.size / 2))).toMatch(/too short/);
  });

  it('wrong magic, unknown version', () => {
    const b = fresh();
    b[H] = 0x58;
    expect(snapshotError(b)).toMatch(/not a netpoll snapshot: magic 0x4d575058 at byte 65536, expected 0x4d57504e \("NPWM"\)/);
    const c = fresh();
    setU32(c, H + A.version, 2);
    expect(snapshotError(c)).toMatch(/layout version 2 is not supported \(this decoder reads 1\)/);
  });

  it('truncated inside the layout table, the directories, a block', () => {
    const table = u32(base, H + A.layoutOffset);
    expect(snapshotError(base.subarray(0, table + 100))).toMatch(/layout table .* lies outside the \d+-byte snapshot/);
    const dir = u32(base, headerField(base, 'descDirOffset'));
    expect(snapshotError(base.subarray(0, dir + 2))).toMatch(/descriptor directory .* outside/);
    const block = descAddr(base, 0);
    expect(snapshotError(base.subarray(0, block + 100))).toMatch(/descriptor block 0 at byte \d+ \(\+4096\) lies outside/);
  });

  it('offsets out of range: the layout table address, a directory entry, a header field offset', () => {
    const a = fresh();
    setU32(a, H + A.layoutOffset, 0xfffffff0);
    expect(snapshotError(a)).toMatch(/layout table count at byte 4294967280/);
    const b = fresh();
    setU32(b, u32(b, headerField(b, 'descDirOffset')), 0x7ffffff0);
    expect(snapshotError(b)).toMatch(/descriptor block 0 at byte 2147483632/);
    const c = fresh();
    const inUse = layoutEntries(c).get('header.inUse')!;
    setU32(c, inUse.at, 0x40000000);
    expect(snapshotError(c)).toMatch(/header\.inUse at byte \d+ \(\+4\) lies outside/);
  });

  it('counts larger than the snapshot could hold are refused before anything is allocated', () => {
    const a = fresh();
    setU32(a, headerField(a, 'descBlocks'), 16000); // within the directory's capacity, far beyond the bytes
    expect(snapshotError(a)).toMatch(/claims 16000 descriptor blocks, more than the snapshot holds/);
    const b = fresh();
    setU32(b, headerField(b, 'descBlocks'), 0xffffffff);
    expect(snapshotError(b)).toMatch(/exceeds the directory capacity/);
    const c = fresh();
    setU32(c, headerField(c, 'timers'), 100_000);
    expect(snapshotError(c)).toMatch(/header\.timers 100000 exceeds the heap capacity 256/);
    const d = fresh();
    setU32(d, u32(d, H + A.layoutOffset), 1_000_000);
    expect(snapshotError(d)).toMatch(/layout table claims 1000000 entries/);
  });

  it('a forged layout table: missing names, overlapping fields, fields past the record, non-ASCII names', () => {
    const a = fresh();
    const e = layoutEntries(a).get('header.waiters')!;
    a[e.at - 16] = 'x'.charCodeAt(0); // rename "waiters" → "xaiters"
    expect(snapshotError(a)).toMatch(/layout table has no header\.waiters/);
    const b = fresh();
    setU32(b, layoutEntries(b).get('desc.rg')!.at, layoutEntries(b).get('desc.fd')!.value);
    expect(snapshotError(b)).toMatch(/layout fields desc\.fd \(\+4\) and desc\.rg \(\+4\) overlap|desc\.rg \(\+4\) and desc\.fd/);
    const c = fresh();
    setU32(c, layoutEntries(c).get('desc.wd')!.at, 60);
    expect(snapshotError(c)).toMatch(/layout field desc\.wd at \+60 overruns its 64-byte record/);
    const d = fresh();
    d[layoutEntries(d).get('header.inUse')!.at - 16] = 0xc3;
    expect(snapshotError(d)).toMatch(/non-ASCII byte 0xc3 in a layout name/);
    const f = fresh();
    setU32(f, headerField(f, 'descSize'), 3);
    expect(snapshotError(f)).toMatch(/header\.descSize = 3 is not a plausible record size/);
  });
});

describe('decodeSnapshot: readable but broken structure is a violation, never a throw or a hang', () => {
  it('a cycle in the free list', () => {
    const b = fresh();
    const x = decodeSnapshot(b);
    const [top, second] = x.freeList;
    // second's link → top: top → second → top → …
    setU32(b, descAddr(b, second!) + layoutEntries(b).get('desc.link')!.value, top! + 1);
    const t0 = performance.now();
    const y = decodeSnapshot(b);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(y.violations.map((v) => v.rule)).toContain('free-list-cycle');
    expect(y.violations.find((v) => v.rule === 'free-list-cycle')!.message).toMatch(`revisits descriptor ${top} after 2 entries`);
    expect(y.freeList).toEqual([top, second]);
  });

  it('a self-loop at the head, a link out of range', () => {
    const b = fresh();
    const top = decodeSnapshot(b).freeList[0]!;
    setU32(b, descAddr(b, top) + layoutEntries(b).get('desc.link')!.value, top + 1);
    expect(rules(b)).toContain('free-list-cycle');
    const c = fresh();
    setU32(c, headerField(c, 'freeHead'), 5000);
    expect(rules(c)).toContain('free-list-range');
  });

  it('heap order, a dangling slot, counters that disagree', () => {
    const b = fresh();
    const x = decodeSnapshot(b);
    expect(x.timers.length).toBe(3);
    const tdir = u32(b, headerField(b, 'timerDirOffset'));
    const when0 = u32(b, tdir) + layoutEntries(b).get('timer.when')!.value;
    setU32(b, when0, 0x7fffffff); // the root is now later than its children
    expect(rules(b)).toEqual(expect.arrayContaining(['heap-order', 'next-when']));
    const c = fresh();
    setU32(c, headerField(c, 'waiters'), 9);
    setU32(c, headerField(c, 'inUse'), 0);
    expect(rules(c)).toEqual(expect.arrayContaining(['count-waiters', 'count-in-use']));
  });

  it('a forged directory that maps blocks onto the same memory is refused (it would multiply the output)', () => {
    const b = bigSnapshot();
    const dir = u32(b, headerField(b, 'descDirOffset'));
    setU32(b, dir + 4, u32(b, dir)); // block 1 = block 0
    expect(() => decodeSnapshot(b)).toThrow(SnapshotError);
    expect(() => decodeSnapshot(b)).toThrow(/overlap/);
  });

  it('reports at most 20 violations per rule', () => {
    const b = bigSnapshot();
    const seq = layoutEntries(b).get('desc.fdseq')!.value;
    for (let i = 0; i < 100; i++) setU32(b, descAddr(b, i) + seq, 0);
    const v = decodeSnapshot(b).violations;
    expect(v.filter((x) => x.rule === 'info-seq').length).toBe(20);
  });

  it('decodes a view into a larger buffer the same as a copy', () => {
    const big = new Uint8Array(base.length + 100);
    big.set(base, 37);
    expect(decodeSnapshot(big.subarray(37, 37 + base.length))).toEqual(decodeSnapshot(base));
  });
});
