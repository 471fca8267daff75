// PollFD.acceptMany: every waiting connection for one readiness, bounded by
// max; waits like accept() when none is; an error after some were accepted
// returns those and comes back on the next call (no fd lost); bad options
// change nothing. And the reason it exists: under a busy echo, a loop over
// accept() takes one connection per round of the other continuations, while
// acceptMany takes the whole burst in one.

import { describe, it, expect } from 'vitest';
import { ClosedError, PollFD, isTimeout } from '../../host/index.js';
import { AbortError } from '../../host/errors.js';
import { getNoFileLimit, setNoFileLimit } from '../../host/os/limits.js';
import { isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import { DRIVES, usePoller, rejection, stateAfter, sleep } from '../go/support.js';
import { openFdCount } from '../sys/helpers.js';

for (const drive of DRIVES) {
  describe(`acceptMany (${drive})`, () => {
    const h = usePoller(drive);

    it('takes every waiting connection in one call, each non-blocking and close-on-exec', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      for (let i = 0; i < 5; i++) h().connect(path);
      const fds = (await ln.acceptMany()).map((f) => h().track(f));
      expect(fds).toHaveLength(5);
      for (const f of fds) {
        expect(isNonBlocking(f)).toBe(true);
        expect(isCloseOnExec(f)).toBe(true);
      }
      // Nothing left: the next call waits, and a new connection wakes it with that one.
      const next = ln.acceptMany();
      expect(await stateAfter(next, 20)).toBe('pending');
      h().connect(path);
      expect((await next).map((f) => h().track(f))).toHaveLength(1);
    });

    it('max bounds one call; the rest wait for the next', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      for (let i = 0; i < 5; i++) h().connect(path);
      expect((await ln.acceptMany({ max: 3 })).map((f) => h().track(f))).toHaveLength(3);
      expect((await ln.acceptMany({ max: 3 })).map((f) => h().track(f))).toHaveLength(2);
    });

    it('deadline, timeout, abort and close end a waiting call as they end accept()', async () => {
      const { fd } = h().listen();
      const ln = await h().open(fd);
      expect(isTimeout(await rejection(ln.acceptMany({ timeout: 10 })))).toBe(true);
      ln.setReadDeadline(Date.now() + 10);
      expect(isTimeout(await rejection(ln.acceptMany()))).toBe(true);
      ln.setReadDeadline(null);
      const ac = new AbortController();
      const aborted = ln.acceptMany({ signal: ac.signal });
      ac.abort();
      expect(await rejection(aborted)).toBeInstanceOf(AbortError);
      const closed = ln.acceptMany();
      await ln.close();
      expect(await rejection(closed)).toBeInstanceOf(ClosedError);
    });

    it('bad options are typed errors and nothing is accepted', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      h().connect(path);
      await expect(ln.acceptMany({ max: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
      await expect(ln.acceptMany({ max: 1.5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
      await expect(ln.acceptMany({ max: 5000 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
      await expect(ln.acceptMany({ max: '2' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      // The one waiting connection is still there.
      expect((await ln.acceptMany()).map((f) => h().track(f))).toHaveLength(1);
    });

    it('an error after some were accepted returns those; the error comes on the next call (EMFILE); no fd is lost', async () => {
      const { fd, path } = h().listen();
      const ln = await h().open(fd);
      for (let i = 0; i < 5; i++) h().connect(path);
      const limit = getNoFileLimit();
      const open = openFdCount(); // includes the /proc/self/fd directory fd readdir used, so this leaves room for 2 or 3
      setNoFileLimit(open + 2, limit.hard);
      let first: number[];
      let err: unknown;
      try {
        first = await ln.acceptMany();
        err = await rejection(ln.acceptMany());
      } finally {
        setNoFileLimit(limit.soft, limit.hard);
      }
      first.forEach((f) => h().track(f));
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first.length).toBeLessThan(5);
      expect(err).toMatchObject({ code: 'EMFILE', syscall: 'accept4' });
      // With room again, the rest are there: 5 in all.
      const rest = (await ln.acceptMany()).map((f) => h().track(f));
      expect(first.length + rest.length).toBe(5);
    });
  });
}

describe('acceptMany under a busy server', () => {
  const h = usePoller('uv');

  /** 50 echo connections kept busy, then 200 clients at once: how many rounds of the busy ones pass before all 200 are accepted. */
  async function burst(takeAll: (ln: PollFD) => Promise<number[]>): Promise<number> {
    const busy: PollFD[] = [];
    let rounds = 0;
    let stop = false;
    for (let i = 0; i < 50; i++) {
      const [a, b] = await h().pollPair();
      busy.push(a, b);
      const buf = Buffer.alloc(16);
      void (async () => {
        await b.write(buf);
        while (!stop) {
          await a.read(buf);
          await a.write(buf);
          await b.read(buf);
          await b.write(buf);
          if (i === 0) rounds++;
        }
      })().catch(() => {});
    }
    const { fd, path } = h().listen();
    const ln = await h().open(fd);
    for (let i = 0; i < 200; i++) h().connect(path);
    const roundsBefore = rounds;
    let got = 0;
    while (got < 200) got += (await takeAll(ln)).map((f) => h().track(f)).length;
    const taken = rounds - roundsBefore;
    stop = true;
    for (const p of busy) await p.close();
    await sleep(0);
    return taken;
  }

  it('a loop over accept() takes one per round of the busy connections; acceptMany takes the burst within a few', async () => {
    const oneByOne = await burst(async (ln) => [await ln.accept()]);
    const many = await burst((ln) => ln.acceptMany({ max: 256 }));
    console.log(`rounds of the busy connections while 200 were accepted: ${oneByOne} with accept(), ${many} with acceptMany`);
    expect(oneByOne).toBeGreaterThanOrEqual(100); // about one round per accept
    expect(many).toBeLessThanOrEqual(5);
  });
});
