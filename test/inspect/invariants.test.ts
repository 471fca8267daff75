// The stricter rules of the one invariant checker (host/inspect/invariants.ts),
// each broken on purpose in a real snapshot: stale heap seq, a when that is not
// the deadline, a vacated slot left dirty, a run flag on a closed descriptor,
// the reserved bytes, and a heap length that disagrees with the links.

import { describe, it, expect } from 'vitest';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { descAddr, headerField, layoutEntries, setU32, smallSnapshot, timerAddr, u32 } from './support.js';

const rules = (bytes: Uint8Array): string[] => decodeSnapshot(bytes).violations.map((v) => v.rule);
const field = (bytes: Uint8Array, name: string): number => layoutEntries(bytes).get(name)!.value;

describe('invariant checker: the stricter rules', () => {
  it('a real snapshot breaks none of them', () => {
    expect(rules(smallSnapshot())).toEqual([]);
  });

  it('timer-seq: a heap entry whose seq is stale for its descriptor', () => {
    const b = smallSnapshot();
    const at = timerAddr(b, 0) + field(b, 'timer.seq');
    setU32(b, at, u32(b, at) + 1);
    expect(rules(b)).toEqual(['timer-seq']);
  });

  it('timer-when: a heap entry that fires at another time than the deadline', () => {
    const b = smallSnapshot();
    const n = u32(b, headerField(b, 'timers'));
    const last = timerAddr(b, n - 1) + field(b, 'timer.when'); // a leaf: moving it later keeps the heap order
    setU32(b, last, u32(b, last) + 1);
    expect(rules(b)).toEqual(['timer-when']);
  });

  it('heap-vacated: a slot past the heap length that is not zero', () => {
    const b = smallSnapshot();
    const n = u32(b, headerField(b, 'timers'));
    setU32(b, timerAddr(b, n) + field(b, 'timer.ref'), 5);
    expect(rules(b)).toEqual(['heap-vacated']);
  });

  it('run-on-closed: a free descriptor with its read run flag set', () => {
    const b = smallSnapshot();
    const x = decodeSnapshot(b);
    const free = x.freeList[0]!;
    const at = descAddr(b, free) + field(b, 'desc.flags');
    setU32(b, at, u32(b, at) | field(b, 'const.flagRrun'));
    expect(rules(b)).toEqual(['run-on-closed']);
  });

  it('reserved-word: bytes of a descriptor record that no layout entry names', () => {
    const b = smallSnapshot();
    const size = u32(b, headerField(b, 'descSize'));
    const named = new Uint8Array(size);
    for (const [name, e] of layoutEntries(b)) if (name.startsWith('desc.')) named.fill(1, e.value, e.value + e.size);
    const gap = named.indexOf(0);
    expect(gap).toBeGreaterThanOrEqual(0);
    b[descAddr(b, 0) + gap] = 1;
    expect(rules(b)).toEqual(['reserved-word']);
  });

  it('count-timers: header.timers disagrees with the descriptors\' heap links', () => {
    const b = smallSnapshot();
    const at = headerField(b, 'timers');
    const n = u32(b, at);
    setU32(b, at, n - 1); // the last entry now counts as vacated, and one link points past the heap
    expect(rules(b)).toEqual(expect.arrayContaining(['count-timers', 'slot-dangling', 'heap-vacated']));
  });
});
