// Go netpoller scenarios (numbered as in test/go/README.md), write deadlines: scenarios 4, 5, 6, 11
// (Go's net/timeout_test.go: TestWriteTimeout, TestWriteTimeoutMustNotReturn,
// TestWriteTimeoutFluctuation / TestVariousDeadlines for writes).

import { describe, it, expect } from 'vitest';
import { ClosedError, isTimeout } from '../../host/index.js';
import {
  DRIVES,
  usePoller,
  nowMs,
  stateAfter,
  rejection,
  timesOut,
  expectFiredInBounds,
  fillRaw,
} from './support.js';
import { writePastDeadline, writeFillsThenTimesOut } from './write-scenarios.js';

for (const drive of DRIVES) {
  describe(`write deadlines (${drive})`, () => {
    const h = usePoller(drive);

    it('S4 write deadline −5 s with buffer space: two writes time out with n = 0', async () => {
      const [a, b] = await h().pollPair();
      await writePastDeadline(a, b);
    });

    it('S5 write deadline +10 ms: writes succeed until the buffer is full and the deadline passes, then time out; the next write too', async () => {
      const [a, b] = await h().pollPair();
      await writeFillsThenTimesOut(a, b);
    });

    it('S6 write deadline cleared after past deadlines: a filling write loop blocks ≥ 100 ms; close gives a non-timeout error', async () => {
      const [a] = await h().pollPair();
      a.setDeadline(Date.now() - 1000);
      a.setReadDeadline(Date.now() - 1000);
      a.setWriteDeadline(null);
      const chunk = Buffer.alloc(8192, 2);
      let written = 0;
      const loop = (async () => {
        for (;;) written += await a.write(chunk);
      })();
      expect(await stateAfter(loop, 100)).toBe('pending');
      expect(written).toBeGreaterThan(0);
      const closed = a.close();
      const err = await rejection(loop);
      expect(err).toBeInstanceOf(ClosedError);
      expect(isTimeout(err)).toBe(false);
      await closed;
    });

    it('S11 write deadline d (1 ms … 250 ms) after the buffer filled: times out, never before d, within bounds', async () => {
      const [a] = await h().pollPair();
      fillRaw(a.fd);
      for (const ms of [1, 2, 5, 10, 25, 50, 100, 250]) {
        const setAt = nowMs();
        const d = setAt + ms;
        a.setWriteDeadline(d);
        const { at, err } = await timesOut(a.write(Buffer.alloc(1024)));
        expectFiredInBounds(at, setAt, d);
        expect(err.bytesWritten).toBe(0);
      }
    });
  });
}
