// The message operations (recvMsg, sendMsg, recvFrom, sendTo), accept and
// chunks() follow read/write's rules: options are checked before anything
// happens (no data consumed, no lock held, the PollFD left open), and a loop
// that never parks still lets a descriptor parked in epoll be served
// (fairness.ts).
import { describe, it, expect, afterEach } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd, readFd, WOULD_BLOCK } from '../../host/os/fd.js';
import { DRIVES } from '../go/support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

for (const drive of DRIVES) {
  describe(`message operations and chunks() (${drive})`, () => {
    async function setup(kind: 'stream' | 'seqpacket' = 'seqpacket'): Promise<{ p: Poller; a: PollFD; b: PollFD }> {
      const p = await Poller.create({ drive });
      const [x, y] = socketPair(kind);
      const a = await PollFD.open(x, { poller: p });
      const b = await PollFD.open(y, { poller: p });
      cleanup.push(async () => {
        await a.close();
        await b.close();
        await p.close();
      });
      return { p, a, b };
    }

    it('a signal that is not an AbortSignal is refused before the syscall: nothing sent, nothing consumed', async () => {
      const { p, a, b } = await setup();
      const bad = { signal: new AbortController() as unknown as AbortSignal };
      writeFd(b.fd, Buffer.from('queued'));
      const buf = Buffer.alloc(64);
      await expect(a.recvMsg(buf, bad)).rejects.toMatchObject({ name: 'MisuseError', reason: 'bad-argument' });
      await expect(a.recvFrom(buf, bad)).rejects.toMatchObject({ name: 'MisuseError' });
      await expect(a.sendMsg(Buffer.from('x'), bad)).rejects.toMatchObject({ name: 'MisuseError' });
      await expect(a.sendTo(Buffer.from('x'), new Uint8Array(2), bad)).rejects.toMatchObject({ name: 'MisuseError' });
      await expect(a.recvMsg(buf, null as never)).rejects.toMatchObject({ name: 'MisuseError' });
      await expect(a.recvFrom(buf, null as never)).rejects.toMatchObject({ name: 'MisuseError' });
      // The queued message is still there, and nothing reached the peer.
      expect(readFd(b.fd, buf)).toBe(WOULD_BLOCK); // nothing reached the peer
      const got = await a.recvMsg(buf);
      expect(Buffer.from(buf.subarray(0, got.n)).toString()).toBe('queued');
      expect(p.stats.waiters).toBe(0);
    });

    it('chunks() with a bad signal throws at once and leaves the PollFD open and usable', async () => {
      const { a, b } = await setup('stream');
      expect(() => a.chunks({ signal: new AbortController() as unknown as AbortSignal })).toThrow(expect.objectContaining({ name: 'MisuseError' }));
      expect(() => a.chunks(null as never)).toThrow(expect.objectContaining({ name: 'MisuseError' }));
      expect(() => a.chunks({ destroyOnReturn: 'no' as never })).toThrow(expect.objectContaining({ name: 'MisuseError' }));
      writeFd(b.fd, Buffer.from('still open'));
      const buf = Buffer.alloc(64);
      expect(Buffer.from(buf.subarray(0, await a.read(buf))).toString()).toBe('still open');
    });

    const uvOnly = it; // both drives: a used-up slice waits for an event-loop turn, where either drive serves the parked descriptor
    uvOnly('a recvMsg/sendMsg loop that never parks does not starve a descriptor parked in epoll', async () => {
      const { p, a: hotA, b: hotB } = await setup();
      const [x, y] = socketPair('seqpacket');
      const waitA = await PollFD.open(x, { poller: p });
      const waitB = await PollFD.open(y, { poller: p });
      cleanup.push(async () => {
        await waitA.close();
        await waitB.close();
      });
      const parked = waitA.read(Buffer.alloc(64));
      let served = false;
      void parked.then(() => (served = true));
      await new Promise((r) => setImmediate(r));
      expect(p.stats.waiters).toBe(1);
      queueMicrotask(() => writeFd(waitB.fd, Buffer.from('x')));
      const msg = Buffer.alloc(64);
      const LIMIT = 200_000;
      let i = 0;
      for (; i < LIMIT && !served; i++) {
        await hotB.sendMsg(msg);
        await hotA.recvMsg(msg, { controlSize: 0 });
      }
      expect(served).toBe(true);
      expect(i).toBeLessThan(LIMIT);
    });
  });
}
