// Go netpoller scenarios (numbered as in test/go/README.md), stale events, EPOLLERR and the poll break: scenarios 33, 34, 36
// (Go issues 59545 / 60133: a stale EPOLLERR from a closed fd must not mark the
// descriptor that reuses its number; 30817 / 30840: eventErr only for
// EPOLLERR alone and only for reads; 65443: the eventfd break).
//
// How a real fd gets an EPOLLERR-only event on Linux (checked by experiment,
// see README.md): the write end of a pipe whose buffer is FULL, after its read
// end was closed. pipe_poll() then reports EPOLLERR alone; with room left in
// the pipe it reports EPOLLOUT|EPOLLERR (0xc) instead. A stream socketpair
// whose peer closes reports IN|OUT|HUP|RDHUP (0x2015), never ERR.
//
// How an event reaches the poller for an fd number that was already closed
// and reused: the registration lives on the open file description, so while a
// dup of the old fd exists, closing the number (before PollDesc.close, whose
// EPOLL_CTL_DEL then finds nothing: EBADF) leaves the old registration in the
// epoll set with the old (index, fdseq) tag, and the kernel keeps reporting
// its events. The thread drive has a second window: events its blocking
// epoll_wait already returned but the main thread has not consumed yet.

import { describe, it, expect } from 'vitest';
import { NotPollableError, type PollDesc } from '../../host/index.js';
import { isSyscallError } from '../../host/os/errors.js';
import { pipe, closeFd } from '../../host/os/fd.js';
import {
  DRIVES,
  usePoller,
  stateAfter,
  rejection,
  until,
  fillRaw,
  dupFd,
  sleep,
  nowMs,
  timesOut,
  expectFiredInBounds,
  type Harness,
} from './support.js';

/**
 * A descriptor for the write end of a full pipe, whose number is then closed
 * behind a dup (the registration survives), the PollDesc closed (its fdseq
 * moves on), and the read end closed: an EPOLLERR-only event for the old
 * incarnation is now queued. Returns the fd number that was freed and the
 * dup keeping the old file alive.
 */
function queueStaleEpollErr(h: Harness): { num: number; keep: number } {
  const [r, w] = h.pipe();
  const pd = h.poller.open(w);
  fillRaw(w);
  const keep = h.track(dupFd(w));
  h.closeRaw(w); // the user closes the number first…
  pd.close(); // …so EPOLL_CTL_DEL gets EBADF; the descriptor is freed, its fdseq bumped
  h.closeRaw(r); // EPOLLERR alone on the surviving registration, old tag
  return { num: w, keep };
}

for (const drive of DRIVES) {
  describe(`stale events and EPOLLERR (${drive})`, () => {
    const h = usePoller(drive);

    it('S33 an fd closed with a queued EPOLLERR, its number reused: the stale event is dropped (issue 59545)', async () => {
      const stale0 = h().poller.stats.staleEvents;
      const { num, keep } = queueStaleEpollErr(h());
      // Reuse the number (lowest free) for a fresh socketpair, registered anew.
      const [c, d] = h().pair('stream');
      expect([c, d]).toContain(num);
      const pd = h().poller.open(num);
      const peer = num === c ? d : c;
      const waiter = pd.wait('r');
      await until(() => h().poller.stats.staleEvents > stale0, 5000, 'the stale event');
      // Not woken, and no error bit on the new incarnation.
      expect(await stateAfter(waiter, 20)).toBe('pending');
      expect(() => pd.reset('w')).not.toThrow();
      h().closeRaw(keep);
      // The new incarnation works normally.
      fillRaw(peer, Buffer.from('x'));
      await waiter;
      expect(() => pd.reset('r')).not.toThrow();
      pd.close();
    });

    it('S33 a stale EPOLLERR arriving before the new incarnation waits does not poison it (no "not pollable")', async () => {
      const stale0 = h().poller.stats.staleEvents;
      const { num, keep } = queueStaleEpollErr(h());
      expect(h().pair('stream')).toContain(num);
      const pd = h().poller.open(num);
      // Something else keeps the thread drive polling.
      const [x] = h().pair('stream');
      const other = h().poller.open(x);
      const otherWait = other.wait('r');
      await until(() => h().poller.stats.staleEvents > stale0, 5000, 'the stale event');
      expect(() => pd.reset('r')).not.toThrow(); // eventErr would make this throw NotPollableError
      expect(await stateAfter(pd.wait('r'), 10)).toBe('pending');
      h().closeRaw(keep);
      other.close();
      await rejection(otherWait);
    });

    it('S34 a read on an fd whose only event is EPOLLERR: not pollable', async () => {
      const [r, w] = h().pipe();
      fillRaw(w);
      const fw = await h().open(w);
      const pd = fw.pollDesc;
      const rd = pd.wait('r');
      expect(await stateAfter(rd)).toBe('pending');
      h().closeRaw(r); // EPOLLERR alone
      // As in Go, a parked waiter is woken as ready (netpollblock returns true);
      // the error bit surfaces at the next check before waiting.
      await rd;
      expect(await rejection(pd.wait('r'))).toBeInstanceOf(NotPollableError);
      // Every later read-side check says the same; writes are not affected (issue 30840).
      expect(() => pd.reset('r')).toThrow(NotPollableError);
      expect(await rejection(fw.read(Buffer.alloc(8)))).toBeInstanceOf(NotPollableError);
      await pd.wait('w'); // woken by the ERR, no error for writes
      const werr = await rejection(fw.write(Buffer.alloc(8)));
      expect(isSyscallError(werr, 'EPIPE')).toBe(true);
    });

    it('S34 EPOLLOUT|EPOLLERR (pipe with room, reader gone) is not "not pollable" (issues 30817 / 30840)', async () => {
      const [r, w] = h().pipe();
      const pd = h().poller.open(w);
      await pd.wait('w'); // the initial EPOLLOUT
      const rd = pd.wait('r');
      expect(await stateAfter(rd)).toBe('pending');
      h().closeRaw(r); // 0xc: OUT|ERR
      await rd; // woken as ready, not with an error
      expect(() => pd.reset('r')).not.toThrow();
      pd.close();
    });

    it('S34 (control) a stream peer hang-up is EOF, not an error', async () => {
      const [a, b] = h().pair('stream');
      const fa = await h().open(a);
      const p = fa.read(Buffer.alloc(8));
      expect(await stateAfter(p)).toBe('pending');
      h().closeRaw(b);
      expect(await p).toBe(0);
    });

    if (drive === 'thread') {
      it('S33 (thread drive) events already returned by the blocking epoll_wait, then the fd closed and reused: dropped', async () => {
        const stale0 = h().poller.stats.staleEvents;
        for (let i = 0; i < 100; i++) {
          const [r, w] = pipe();
          const old: PollDesc = h().poller.open(w);
          fillRaw(w);
          const oldWait = old.wait('r').catch(() => undefined); // keeps the thread in epoll_wait
          await sleep(5);
          closeFd(r); // EPOLLERR for the old incarnation: the blocked epoll_wait returns it at once…
          const spin = performance.now() + 3;
          while (performance.now() < spin); // …while the main thread is still busy here
          old.close();
          closeFd(w);
          const [c, d] = pipe(); // c reuses r's number, d reuses w's (and old's descriptor, LIFO)
          const fresh = h().poller.open(d);
          const freshWait = fresh.wait('r');
          await oldWait;
          await sleep(1);
          expect(await stateAfter(freshWait)).toBe('pending');
          fresh.close();
          await rejection(freshWait);
          closeFd(c);
          closeFd(d);
        }
        expect(h().poller.stats.staleEvents).toBeGreaterThan(stale0);
      });

      it('S36 a blocked poll is broken promptly by another wake-up; repeated breaks coalesce', async () => {
        const td = h().threadDrive;
        const [a] = h().pair('stream');
        const pd = h().poller.open(a);
        const p = pd.wait('r'); // no deadline: epoll_wait(-1)
        await sleep(20);
        const b0 = td.breaks;
        for (let i = 0; i < 100; i++) td.wake();
        expect(td.breaks).toBe(b0 + 1); // one eventfd write for 100 wakes
        // The break is consumed only by the returning poll; then a new wake writes again.
        const t0 = performance.now();
        await until(
          () => {
            td.wake();
            return td.breaks === b0 + 2;
          },
          5000,
          'the blocked poll to return and clear the wake flag',
        );
        expect(performance.now() - t0).toBeLessThan(2000);
        // A deadline earlier than the blocked poll's timeout (none: -1) also breaks it,
        // or the read below would never time out.
        await sleep(5);
        const setAt = nowMs();
        const d = setAt + 30;
        pd.setDeadline(d, 'r');
        const { at } = await timesOut(p);
        expectFiredInBounds(at, setAt, d);
        pd.close();
      });
    }
  });
}
