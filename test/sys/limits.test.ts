import { describe, expect, it } from 'vitest';
import { getNoFileLimit, setNoFileLimit } from '../../host/os/limits.js';
import { closeFd, pipe } from '../../host/os/fd.js';
import { openFdCount } from './helpers.js';

describe('RLIMIT_NOFILE', () => {
  it('reads soft <= hard', () => {
    const { soft, hard } = getNoFileLimit();
    expect(soft).toBeGreaterThan(0);
    expect(soft).toBeLessThanOrEqual(hard);
  });

  it('a lowered soft limit turns into EMFILE, and restoring it works', () => {
    const saved = getNoFileLimit();
    const opened: number[] = [];
    try {
      // fd numbers are lowest-free, so the highest open fd bounds what we need to keep
      setNoFileLimit(openFdCount() + 64, saved.hard);
      expect(getNoFileLimit().soft).toBeLessThan(saved.soft + 1);
      let caught: unknown;
      try {
        for (let i = 0; i < 10_000; i++) opened.push(...pipe());
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'EMFILE', syscall: 'pipe2' });
    } finally {
      for (const fd of opened) closeFd(fd);
      setNoFileLimit(saved.soft, saved.hard);
    }
    expect(getNoFileLimit()).toEqual(saved);
    const [r, w] = pipe();
    closeFd(r);
    closeFd(w);
  });

  it('refuses nonsense before calling setrlimit', () => {
    const { hard } = getNoFileLimit();
    if (hard !== Infinity) expect(() => setNoFileLimit(hard + 1)).toThrow(/"soft" is out of range. It must be <= hard/);
    expect(() => setNoFileLimit(-1)).toThrow(RangeError);
    expect(() => setNoFileLimit(1.5)).toThrow(RangeError);
  });
});
