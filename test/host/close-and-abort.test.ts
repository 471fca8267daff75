// Regressions found in review: closing a PollDesc whose fd number was reused,
// closing a PollFD whose descriptor was already unblocked, and aborts that
// land while a waiter is between wake and resume or queued behind a lock.
import { describe, it, expect, afterEach } from 'vitest';
import { Poller, PollFD, AbortError, ClosedError } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd, closeFd } from '../../host/os/fd.js';
import { DRIVES } from '../go/support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
};

for (const drive of DRIVES) {
  describe(`close and abort (${drive})`, () => {
    async function poller(): Promise<Poller> {
      const p = await Poller.create({ drive });
      cleanup.push(() => p.close());
      return p;
    }

    it('closing a stale PollDesc does not remove the registration of a reused fd number', async () => {
      const p = await poller();
      const [a, peerA] = socketPair('stream');
      const pdA = p.open(a);
      closeFd(a); // the caller closes the fd before the PollDesc
      closeFd(peerA);
      const [b, peerB] = socketPair('stream'); // the lowest free numbers come back
      cleanup.push(() => closeFd(b), () => closeFd(peerB));
      expect(b === a || peerB === a).toBe(true);
      const reused = b === a ? b : peerB;
      const other = reused === b ? peerB : b;
      const pdB = p.open(reused);
      pdA.close(); // must not EPOLL_CTL_DEL the number pdB now holds
      const wait = pdB.wait('r');
      writeFd(other, Buffer.from('x'));
      expect(await settledWithin(wait, 2000)).toBe(true);
      pdB.close();
      expect(p.stats.descriptors).toBe(0);
    });

    it('PollFD.close after its descriptor was unblocked still closes the fd', async () => {
      const p = await poller();
      const [a, b] = socketPair('stream');
      cleanup.push(() => closeFd(b));
      const fa = await PollFD.open(a, { poller: p });
      fa.pollDesc.unblock();
      await fa.close();
      await fa.close(); // idempotent
      expect(p.stats.descriptors).toBe(0);
      expect(() => writeFd(a, Buffer.from('x'))).toThrow(/EBADF/);
    });

    it('an abort that lands after the waiter was woken but before it resumes is not lost', async () => {
      const p = await poller();
      const [a, b] = socketPair('stream');
      cleanup.push(() => closeFd(a), () => closeFd(b));
      const pd = p.open(a);
      const ac = new AbortController();
      const wait = pd.wait('r', { signal: ac.signal });
      await new Promise((r) => setImmediate(r)); // parked
      pd.setDeadline(Date.now() - 1, 'r'); // wakes the waiter (timeout) …
      ac.abort(); // … which has not resumed: cancelWait finds nothing parked
      pd.setDeadline(Date.now() + 60_000, 'r'); // and the deadline moves away again
      await expect(wait).rejects.toBeInstanceOf(AbortError);
      pd.close();
    });

    it('an operation queued behind another honours its AbortSignal, and the lock keeps working', async () => {
      const p = await poller();
      const [a, b] = socketPair('stream');
      cleanup.push(() => closeFd(b));
      const fa = await PollFD.open(a, { poller: p });
      cleanup.push(() => fa.close());
      const first = fa.read(Buffer.alloc(8)); // holds the read lock, parked
      const ac = new AbortController();
      const second = fa.read(Buffer.alloc(8), { signal: ac.signal }); // queued
      ac.abort();
      await expect(second).rejects.toBeInstanceOf(AbortError);
      const third = fa.read(Buffer.alloc(8));
      writeFd(b, Buffer.from('12'));
      expect(await first).toBe(2);
      writeFd(b, Buffer.from('345'));
      expect(await third).toBe(3);
      const already = new AbortController();
      already.abort();
      await expect(fa.read(Buffer.alloc(8), { signal: already.signal })).rejects.toBeInstanceOf(AbortError);
      await fa.close();
      await expect(fa.read(Buffer.alloc(8))).rejects.toBeInstanceOf(ClosedError);
    });
  });
}
