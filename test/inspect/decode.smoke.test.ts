import { describe, it, expect } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';

describe('decodeSnapshot on a live core', () => {
  it('decodes descriptors, timers and the free list with no violations', () => {
    const core = loadCore();
    const a = core.open(10), sa = core.seqOf(a);
    const b = core.open(11), sb = core.seqOf(b);
    expect(core.prepareWait(a, sa, 1)).toBe(5);
    expect(core.commitWait(a, sa, 1, 77)).toBe(6);
    core.setDeadline(a, sa, 3, 1000n, 10n);
    core.setDeadline(b, sb, 1, 500n, 10n);
    core.setDeadline(b, sb, 2, 700n, 10n);
    const x = decodeSnapshot(new Uint8Array(core.memory.buffer));
    expect(x.violations).toEqual([]);
    expect(x.descriptors[a]).toMatchObject({ state: 'open', fd: 10, fdseq: 1, rg: { state: 'waiter', token: 77 }, rd: '1010', wd: '1010', rrun: true, wrun: false });
    expect(x.timers.map((t) => [t.desc, t.kind, t.when])).toEqual(expect.arrayContaining([[a, 'rw', '1010'], [b, 'r', '510'], [b, 'w', '710']]));
    expect(x.timers[0]!.when).toBe('510');
    expect(x.freeList.slice(0, 3)).toEqual([2, 3, 4]);
    expect(x.counters).toMatchObject({ inUse: 2, waiters: 1, timers: 3, nextWhen: '510' });
  });
});
