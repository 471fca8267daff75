import { describe, it, expect } from 'vitest';
import { Poller, PollFD, DeadlineExceededError, ClosedError } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd } from '../../host/os/fd.js';

for (const drive of ['uv', 'thread'] as const) {
  describe(`smoke (${drive})`, () => {
    it('reads after a delayed write, times out, closes', async () => {
      const poller = await Poller.create({ drive });
      const [a, b] = socketPair('stream');
      const fa = await PollFD.open(a, { poller });
      const fb = await PollFD.open(b, { poller });
      setTimeout(() => void fb.write(Buffer.from('hello')), 20);
      const buf = Buffer.alloc(16);
      const n = await fa.read(buf);
      expect(buf.subarray(0, n).toString()).toBe('hello');
      fa.setReadDeadline(Date.now() + 30);
      const t0 = performance.now();
      await expect(fa.read(buf)).rejects.toBeInstanceOf(DeadlineExceededError);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
      fa.setReadDeadline(null);
      const p = fa.read(buf);
      await fa.close();
      await expect(p).rejects.toBeInstanceOf(ClosedError);
      await fb.close();
      expect(poller.stats).toEqual({ descriptors: 0, waiters: 0, timers: 0, staleEvents: expect.any(Number), io: expect.any(Object) });
      await poller.close();
      void writeFd;
    });
  });
}
