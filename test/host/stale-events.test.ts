// Stale events after fd reuse (Go issues 59545, 60133): thousands of
// close / reopen cycles of the same fd number with an event of the old
// incarnation still queued must wake nothing on the new one, and every such
// event is counted in poller.stats.staleEvents.
//
// Where the stale events come from (see test/go/stale-epollerr.test.ts):
// EPOLL_CTL_DEL on a still-open fd removes its queued events, so closing the
// PollDesc first and the fd second (what PollFD.close does) leaves nothing
// stale in the kernel. What does reach the poller with an old tag:
//  - an event on a registration that outlived its fd number because a dup of
//    the file was still open when the number was closed (the user closed the
//    fd before the PollDesc, so EPOLL_CTL_DEL failed with EBADF) — both drives;
//  - an event the thread drive's blocking epoll_wait already returned before
//    the main thread closed and reused the fd — thread drive only.

import { describe, it, expect } from 'vitest';
import { NotPollableError, type PollDesc } from '../../host/index.js';
import { socketPair, pipe, closeFd, writeFd } from '../../host/sys/index.js';
import { DRIVES, usePoller, until, tick, fillRaw, dupFd } from '../go/support.js';

const ONE = new Uint8Array([1]);

for (const drive of DRIVES) {
  describe(`stale events after fd reuse (${drive})`, () => {
    const h = usePoller(drive);

    /**
     * One cycle: `arm` registers an fd, queues an event for it and closes its
     * number behind a dup; the number is reused by a new socket whose
     * PollDesc waits for reading. Returns the number of wrong wake-ups (0 or 1).
     */
    async function cycle(arm: () => { num: number; keep: number }): Promise<number> {
      const poller = h().poller;
      const stale0 = poller.stats.staleEvents;
      const { num, keep } = arm();
      const [c, d] = socketPair('stream');
      if (c !== num && d !== num) throw new Error(`fd ${num} was not reused (got ${c}, ${d})`);
      const fresh = poller.open(num);
      const peer = num === c ? d : c;
      let woken: unknown = null;
      const waiter = fresh.wait('r').then(
        () => (woken ??= 'ready'),
        (err: unknown) => (woken ??= err),
      );
      await until(() => poller.stats.staleEvents > stale0, 5000, 'the stale event');
      await tick();
      const wrong = woken === null ? 0 : 1;
      closeFd(keep); // the old registration goes away with the last reference
      writeFd(peer, ONE);
      await waiter;
      // The fresh incarnation never saw the old one's error bit.
      expect(() => fresh.reset('w')).not.toThrow();
      fresh.close();
      closeFd(c);
      closeFd(d);
      return wrong;
    }

    it('a readable event of the old incarnation never wakes a waiter on the new one (2000 cycles)', async () => {
      const poller = h().poller;
      const stale0 = poller.stats.staleEvents;
      let wrong = 0;
      for (let i = 0; i < 2000; i++) {
        wrong += await cycle(() => {
          const [a, b] = socketPair('stream');
          const pd = poller.open(a);
          const keep = dupFd(a);
          writeFd(b, ONE); // readable: an event queued for (old file, a), old tag
          closeFd(a); // the number goes first…
          pd.close(); // …so EPOLL_CTL_DEL sees EBADF; the descriptor is freed and its fdseq bumped
          closeFd(b);
          return { num: a, keep };
        });
      }
      expect(wrong).toBe(0);
      expect(poller.stats.staleEvents - stale0).toBeGreaterThanOrEqual(2000);
      expect(poller.stats).toMatchObject({ descriptors: 0, waiters: 0, timers: 0 });
    });

    it('an EPOLLERR-only event of the old incarnation neither wakes nor poisons the new one (1000 cycles)', async () => {
      const poller = h().poller;
      const stale0 = poller.stats.staleEvents;
      let wrong = 0;
      for (let i = 0; i < 1000; i++) {
        wrong += await cycle(() => {
          const [r, w] = pipe();
          fillRaw(w); // a full pipe: closing the reader gives EPOLLERR alone
          const pd = poller.open(w);
          const keep = dupFd(w);
          closeFd(w);
          pd.close();
          closeFd(r); // EPOLLERR (0x8) for the old registration
          return { num: w, keep };
        });
      }
      expect(wrong).toBe(0);
      expect(poller.stats.staleEvents - stale0).toBeGreaterThanOrEqual(1000);
    });

    it('the same, with the new incarnation registered before the loop runs and no waiter yet: no "not pollable"', async () => {
      const poller = h().poller;
      const [x] = socketPair('stream');
      const keepAlive = poller.open(x); // keeps the thread drive polling
      const keepWait = keepAlive.wait('r').catch(() => undefined);
      for (let i = 0; i < 500; i++) {
        const stale0 = poller.stats.staleEvents;
        const [r, w] = pipe();
        fillRaw(w);
        const pd = poller.open(w);
        const keep = dupFd(w);
        closeFd(w);
        pd.close();
        closeFd(r);
        const [c, d] = socketPair('stream');
        const num = c === w ? c : d;
        expect([c, d]).toContain(w);
        const fresh: PollDesc = poller.open(num);
        await until(() => poller.stats.staleEvents > stale0, 5000, 'the stale event');
        let err: unknown = null;
        try {
          fresh.reset('r');
        } catch (e) {
          err = e;
        }
        expect(err).not.toBeInstanceOf(NotPollableError);
        expect(err).toBeNull();
        fresh.close();
        closeFd(keep);
        closeFd(c);
        closeFd(d);
      }
      keepAlive.close();
      await keepWait;
      closeFd(x);
    });

    it('closing and reopening the same number without a dup (the kernel drops the queued event): no wrong wake-ups', async () => {
      const poller = h().poller;
      let wrong = 0;
      for (let i = 0; i < 2000; i++) {
        const [a, b] = socketPair('stream');
        const pd = poller.open(a);
        writeFd(b, ONE); // queued, not yet drained
        pd.close(); // EPOLL_CTL_DEL, then close: the kernel forgets the event
        closeFd(a);
        closeFd(b);
        const [c, d] = socketPair('stream');
        expect(c).toBe(a);
        const fresh = poller.open(c);
        let woken = false;
        const waiter = fresh.wait('r').then(() => (woken = true));
        await tick();
        await tick();
        if (woken) wrong++;
        writeFd(d, ONE);
        await waiter;
        fresh.close();
        closeFd(c);
        closeFd(d);
      }
      expect(wrong).toBe(0);
    });

    if (drive === 'thread') {
      it('events the blocking epoll_wait already returned, then the fd closed and reused: dropped and counted', async () => {
        const poller = h().poller;
        const stale0 = poller.stats.staleEvents;
        let wrong = 0;
        for (let i = 0; i < 150; i++) {
          const [a, b] = socketPair('stream');
          const old = poller.open(a);
          const oldWait = old.wait('r').catch(() => undefined); // the thread is now in epoll_wait
          await new Promise((r) => setTimeout(r, 3));
          writeFd(b, ONE); // the blocked epoll_wait returns this event at once…
          const spin = performance.now() + 3;
          while (performance.now() < spin); // …but the main thread is busy, and then:
          // old.close() unblocks the old waiter and deletes the registration (too late
          // for the event already returned); the number is then reused.
          old.close();
          closeFd(a);
          closeFd(b);
          const [c, d] = socketPair('stream');
          const fresh = poller.open(c);
          let woken = false;
          const waiter = fresh.wait('r').then(() => (woken = true));
          await oldWait;
          await new Promise((r) => setTimeout(r, 1));
          if (woken) wrong++;
          writeFd(d, ONE);
          await waiter;
          fresh.close();
          closeFd(c);
          closeFd(d);
        }
        expect(wrong).toBe(0);
        expect(poller.stats.staleEvents).toBeGreaterThan(stale0);
      });
    }
  });
}
