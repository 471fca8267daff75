// Go netpoller scenarios (numbered as in test/go/README.md), pipes and files: scenarios 25, 26
// (Go's os/timeout_test.go: TestNonpollableDeadline, TestReadTimeout,
// TestReadTimeoutFluctuation, TestWriteTimeout, TestWriteTimeoutFluctuation on
// os.Pipe; os/pipe_test.go).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotPollableError, PollFD, isTimeout } from '../../host/index.js';
import { DRIVES, usePoller, nowMs, sleep, timesOut, expectFiredInBounds, EARLY_SLACK_MS } from './support.js';
import { writePastDeadline, writeFillsThenTimesOut } from './write-scenarios.js';

for (const drive of DRIVES) {
  describe(`pipes and files (${drive})`, () => {
    const h = usePoller(drive);

    it('S25 a regular file cannot be registered (not pollable); the poller keeps working', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'netpoll-s25-'));
      try {
        const file = join(dir, 'f');
        writeFileSync(file, 'contents');
        const fd = openSync(file, 'r+');
        try {
          expect(() => h().poller.open(fd)).toThrow(NotPollableError);
          await expect(PollFD.open(fd, { poller: h().poller })).rejects.toBeInstanceOf(NotPollableError);
          try {
            h().poller.open(fd);
          } catch (err) {
            expect((err as NotPollableError).code).toBe('ERR_NETPOLL_NOT_POLLABLE');
          }
          // Go issue 44552: the refused registration left nothing behind.
          expect(h().poller.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
        } finally {
          closeSync(fd);
        }
        // The poller still works.
        const [r, w] = await h().pollPipe();
        await w.write(Buffer.from('ok'));
        expect(await r.read(Buffer.alloc(8))).toBe(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('S26 (pipe, row 1) data buffered, read deadline 5 s in the past: two 1-byte reads time out', async () => {
      const [r, w] = await h().pollPipe();
      await w.write(Buffer.from('data'));
      r.setReadDeadline(Date.now() - 5000);
      await timesOut(r.read(Buffer.alloc(1)));
      await timesOut(r.read(Buffer.alloc(1)));
      r.setReadDeadline(null);
      expect(await r.read(Buffer.alloc(8))).toBe(4);
    });

    it('S26 (pipe, row 2) deadline +50 ms with 17 bytes buffered: reads succeed until the deadline, then time out until reset', async () => {
      const [r, w] = await h().pollPipe();
      await w.write(Buffer.from('0123456789abcdefg'));
      const setAt = nowMs();
      const d = setAt + 50;
      r.setReadDeadline(d);
      const buf = Buffer.alloc(1);
      let got = '';
      let at = 0;
      for (;;) {
        const started = nowMs();
        try {
          await r.read(buf);
          got += buf.toString();
        } catch (err) {
          expect(isTimeout(err)).toBe(true);
          if (got.length < 17) expect(started).toBeGreaterThanOrEqual(d - EARLY_SLACK_MS);
          at = nowMs();
          break;
        }
        await sleep(10);
      }
      expectFiredInBounds(at, setAt, d);
      await timesOut(r.read(buf));
      r.setReadDeadline(null);
      const rest = Buffer.alloc(32);
      let tail = '';
      while (got.length + tail.length < 17) tail += rest.toString('latin1', 0, await r.read(rest));
      expect(got + tail).toBe('0123456789abcdefg');
    });

    it('S26 (pipe, row 4) write deadline −5 s with buffer space: two writes time out with n = 0', async () => {
      const [r, w] = await h().pollPipe();
      await writePastDeadline(w, r);
    });

    it('S26 (pipe, row 5) write deadline +10 ms: writes succeed until the pipe is full and the deadline passes, then time out', async () => {
      const [r, w] = await h().pollPipe();
      await writeFillsThenTimesOut(w, r);
    });

    it('S26 (pipe) EOF when the write end closes while a read is blocked', async () => {
      const [r, w] = await h().pollPipe();
      const p = r.read(Buffer.alloc(8));
      await sleep(10);
      await w.close();
      expect(await p).toBe(0);
    });
  });
}
