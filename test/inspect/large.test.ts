// Scale regressions: a valid snapshot with more descriptors than the call
// stack has room for arguments must still print (no Math.max(...rows)).
import { describe, it, expect } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { formatInspection } from '../../host/inspect/format.js';

describe('inspection at scale', () => {
  it('150,000 open descriptors decode and print', () => {
    const core = loadCore();
    for (let fd = 0; fd < 150_000; fd++) expect(core.open(fd)).toBe(fd);
    const x = decodeSnapshot(new Uint8Array(core.memory.buffer));
    expect(x.violations).toEqual([]);
    expect(x.counters.inUse).toBe(150_000);
    const text = formatInspection(x);
    expect(text).toMatch(/150000 open|150,000 open/);
    expect(text.split('\n').length).toBeGreaterThan(150_000);
  }, 60_000);
});
