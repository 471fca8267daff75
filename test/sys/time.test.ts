import { describe, expect, it } from 'vitest';
import { clockMonotonicNs, monotonicNs } from '../../host/os/time.js';

describe('monotonic clock', () => {
  it('process.hrtime.bigint() is CLOCK_MONOTONIC (the timerfd clock)', () => {
    for (let i = 0; i < 5; i++) {
      const before = monotonicNs();
      const libc = clockMonotonicNs();
      const after = monotonicNs();
      // same clock: the libc reading lies between the two others
      expect(libc).toBeGreaterThanOrEqual(before);
      expect(libc).toBeLessThanOrEqual(after);
      expect(after - before).toBeLessThan(5_000_000_000n); // only guards against a different epoch
    }
  });
});
