// Go netpoller scenarios (numbered as in test/go/README.md), accept: scenarios 7, 8, 9, 21
// (Go's net/timeout_test.go: TestAcceptTimeout, TestAcceptTimeoutMustReturn,
// TestAcceptTimeoutMustNotReturn; net_test.go: TestListenerClose).

import { describe, it, expect } from 'vitest';
import { ClosedError, isTimeout } from '../../host/index.js';
import { DRIVES, usePoller, nowMs, stateAfter, rejection, timesOut, expectFiredInBounds } from './support.js';

for (const drive of DRIVES) {
  describe(`accept (${drive})`, () => {
    const h = usePoller(drive);

    it('S7 accept with deadline −5 s times out even with a pending connection; +10 ms with no client times out', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      h().connect(path); // queued in the backlog
      ln.setDeadline(Date.now() - 5000);
      await timesOut(ln.accept());
      await timesOut(ln.accept());
      // With the deadline gone, the queued connection is there.
      ln.setDeadline(null);
      const conn = h().track(await ln.accept());
      expect(conn).toBeGreaterThanOrEqual(0);
      // +10 ms with no client.
      const setAt = nowMs();
      const d = setAt + 10;
      ln.setDeadline(d);
      const { at } = await timesOut(ln.accept());
      expectFiredInBounds(at, setAt, d);
    });

    it('S8 accept: deadline none, then +10 ms, times out', async () => {
      const { fd } = h().listen();
      const ln = await h().open(fd);
      ln.setDeadline(null);
      const setAt = nowMs();
      const d = setAt + 10;
      ln.setDeadline(d);
      const { at } = await timesOut(ln.accept());
      expectFiredInBounds(at, setAt, d);
    });

    it('S8 accept blocked with no deadline; a deadline of +10 ms set meanwhile makes it time out', async () => {
      const { fd } = h().listen();
      const ln = await h().open(fd);
      const p = ln.accept();
      expect(await stateAfter(p, 20)).toBe('pending');
      const setAt = nowMs();
      const d = setAt + 10;
      ln.setDeadline(d);
      const { at } = await timesOut(p);
      expectFiredInBounds(at, setAt, d);
    });

    it('S9 accept: deadline past, then none: still blocked after 100 ms; close unblocks', async () => {
      const { fd } = h().listen();
      const ln = await h().open(fd);
      ln.setDeadline(Date.now() - 1000);
      ln.setDeadline(null);
      const p = ln.accept();
      expect(await stateAfter(p, 100)).toBe('pending');
      const closed = ln.close();
      const err = await rejection(p);
      expect(err).toBeInstanceOf(ClosedError);
      expect(isTimeout(err)).toBe(false);
      await closed;
    });

    it('S9 a blocked accept is woken by a connecting client', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      const p = ln.accept();
      expect(await stateAfter(p, 20)).toBe('pending');
      h().connect(path);
      const conn = h().track(await p);
      expect(conn).toBeGreaterThanOrEqual(0);
    });

    it('S21 listener close, then accept: error', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      h().connect(path);
      await ln.close();
      const err = await rejection(ln.accept());
      expect(err).toBeInstanceOf(ClosedError);
      expect(isTimeout(err)).toBe(false);
    });
  });
}
