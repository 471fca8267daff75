// Go netpoller scenarios (numbered as in test/go/README.md), datagram and seqpacket sockets: scenarios 17, 22, 24
// (Go's net/timeout_test.go TestReadFromTimeout / TestWriteToTimeout,
// net_test.go TestPacketConnClose, TestReadTimeoutUnblocksRead on UDP).
// Each runs over AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET socketpairs.

import { describe, it, expect } from 'vitest';
import { ClosedError, isTimeout } from '../../host/index.js';
import { DRIVES, usePoller, stateAfter, rejection, timesOut, fillRaw, nowMs, expectFiredInBounds } from './support.js';

for (const drive of DRIVES) {
  for (const type of ['dgram', 'seqpacket'] as const) {
    describe(`${type} sockets (${drive})`, () => {
      const h = usePoller(drive);

      it('S17 row 1: a datagram queued, read deadline 5 s in the past: two recvs time out', async () => {
        const [a, b] = await h().pollPair(type);
        await b.write(Buffer.from('datagram'));
        a.setReadDeadline(Date.now() - 5000);
        await timesOut(a.read(Buffer.alloc(64)));
        await timesOut(a.read(Buffer.alloc(64)));
        a.setReadDeadline(null);
        const buf = Buffer.alloc(64);
        const n = await a.read(buf);
        expect(buf.toString('utf8', 0, n)).toBe('datagram');
      });

      it('S17 row 4: write deadline −5 s with buffer space: two sends time out with n = 0', async () => {
        const [a, b] = await h().pollPair(type);
        a.setWriteDeadline(Date.now() - 5000);
        for (let i = 0; i < 2; i++) {
          const { err } = await timesOut(a.write(Buffer.from('x')));
          expect(err.bytesWritten).toBe(0);
        }
        b.setReadDeadline(Date.now() + 20);
        await timesOut(b.read(Buffer.alloc(8)));
      });

      it('S17 datagram boundaries survive parked reads and a deadline on a filled queue', async () => {
        const [a, b] = await h().pollPair(type);
        const p = a.read(Buffer.alloc(64));
        expect(await stateAfter(p)).toBe('pending');
        await b.write(Buffer.from('first'));
        expect(await p).toBe(5);
        fillRaw(b.fd, Buffer.alloc(512, 3));
        const setAt = nowMs();
        const d = setAt + 20;
        b.setWriteDeadline(d);
        const { at } = await timesOut(b.write(Buffer.alloc(512)));
        expectFiredInBounds(at, setAt, d);
      });

      it('S22 datagram close, then recv: error', async () => {
        const [a] = await h().pollPair(type);
        await a.close();
        const err = await rejection(a.read(Buffer.alloc(8)));
        expect(err).toBeInstanceOf(ClosedError);
        expect(await rejection(a.write(Buffer.alloc(8)))).toBeInstanceOf(ClosedError);
      });

      it('S24 a recv blocked for 250 ms is woken by close promptly', async () => {
        const [a] = await h().pollPair(type);
        const p = a.read(Buffer.alloc(64));
        expect(await stateAfter(p, 250)).toBe('pending');
        const t0 = nowMs();
        const closed = a.close();
        const err = await rejection(p);
        expect(err).toBeInstanceOf(ClosedError);
        expect(isTimeout(err)).toBe(false);
        expect(nowMs() - t0).toBeLessThan(250);
        await closed;
      });
    });
  }
}
