import { describe, it, expect } from 'vitest';
import { formatInspection, formatDuration, ranges, table } from '../../host/inspect/format.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { SimPoller } from '../../host/sim/index.js';
import { smallSnapshot, bigSnapshot, descAddr, layoutEntries, setU32 } from './support.js';

describe('formatInspection', () => {
  it('lists used descriptors, summarises never-used ones, sorts the heap, times relative to T0', async () => {
    const sim = SimPoller.create();
    const a = sim.open(10), b = sim.open(11), c = sim.open(12);
    a.setDeadline(sim.deadline(2500), 'r');
    b.setDeadline(sim.deadline(1.5), 'rw');
    c.setDeadline(sim.deadline(1), 'w');
    const w = a.wait('r');
    c.close();
    const text = formatInspection(sim.inspect());
    expect(text).toMatch(/^netpoll snapshot: layout v1, header at 0x10000$/m);
    expect(text).toMatch(/^ {2}descriptors {2}2 open, 0 closing, 1 free \(used before\), 61 never used — 1 block of 64 × 64 B$/m);
    expect(text).toMatch(/^Descriptors \(3 shown of 64\)$/m);
    expect(text).toMatch(/^ {2}61 free descriptors never used \(fdseq 0\): 3–63$/m);
    expect(text).toMatch(/^ {2}2–63$/m); // the free list: 2 (freed) on top of the never-used tail
    // heap sorted by deadline: b's combined timer (T0) before a's read timer (T0 + 2.4985 s, shown to 4 digits)
    const heap = text.slice(text.indexOf('Timer heap'));
    expect(heap).toMatch(/^ {2}1 {2}T0 +1 +11 +rw/m);
    expect(heap).toMatch(/^ {2}2 {2}T0\+2\.498 s +0 +10 +r/m);
    expect(text).toMatch(/^ +0 +10 +1 +open +waiter \d+ +- +T0\+2\.498 s +- +1\/1 +r@\d/m);
    expect(text).toMatch(/Violations: none \(the snapshot is consistent\)/);
    await sim.close();
    await w.catch(() => undefined);
  });

  it('closing descriptors, expired deadlines, EPOLLERR and fired timers show in the notes', async () => {
    const sim = SimPoller.create();
    const a = sim.open(10), b = sim.open(11);
    a.setDeadline(sim.deadline(1), 'r');
    sim.advance(5);
    sim.ready(11, 'err').flush();
    b.unblock();
    const text = formatInspection(sim.inspect());
    expect(text).toMatch(/^ +0 +10 +1 +open +- +- +expired +- +\d+\/\d+ +- +r fired$/m);
    expect(text).toMatch(/^ +1 +11 +1 +closing +.*EPOLLERR$/m);
    expect(text).toMatch(/Timer heap: empty/);
    await sim.close();
  });

  it('violations are listed with their rule', () => {
    const b = smallSnapshot();
    setU32(b, descAddr(b, 0) + layoutEntries(b).get('desc.fdseq')!.value, 0);
    const text = formatInspection(decodeSnapshot(b));
    expect(text).toMatch(/status {7}\d+ violations? \(see the end\)/);
    expect(text).toMatch(/^Violations \(\d+\)$/m);
    expect(text).toMatch(/^ {2}tag-zero +descriptor 0 is open with fdseq 0$/m);
  });

  it('long free lists are cut', () => {
    const x = decodeSnapshot(bigSnapshot());
    x.freeList = Array.from({ length: 1000 }, (_, i) => (i * 7) % 1000);
    expect(formatInspection(x, { maxFreeList: 10 })).toMatch(/^ {2}0 → 7 → 14 → .* → 63 → … \(990 more\)$/m);
  });
});

describe('helpers', () => {
  it('formatDuration', () => {
    expect([0n, 999n, 1000n, 1500n, 1_000_000n, 1_234_567n, 2_500_000_000n, 90_000_000_000n, 7_200_000_000_000n, -3_000_000n].map(formatDuration)).toEqual([
      '0 ns', '999 ns', '1 µs', '1.5 µs', '1 ms', '1.235 ms', '2.5 s', '1.5 min', '2 h', '-3 ms',
    ]);
  });

  it('ranges collapses runs of three or more', () => {
    expect(ranges([])).toBe('');
    expect(ranges([0, 1, 3, 4, 5, 6, 9])).toBe('0, 1, 3–6, 9');
    expect(ranges([5, 4, 3])).toBe('5, 4, 3');
    expect(ranges([1, 2, 3], ' → ')).toBe('1–3');
  });

  it('table aligns columns, right-aligns the numeric ones, trims trailing space', () => {
    expect(table(['a', 'bb', 'c'], [['1', 'x', ''], ['100', 'yyy', 'z']], [0])).toEqual(['    a  bb   c', '    1  x', '  100  yyy  z']);
  });
});
