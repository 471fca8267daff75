// A message longer than the buffer it is read into loses its tail in the
// kernel. Iteration (for await, chunks()) must never let that pass silently —
// the same rule as stream() — and read() keeps Go's semantics (the part that
// fit) but makes the cut detectable with { rejectTruncated: true }.

import { afterEach, describe, expect, it } from 'vitest';
import { MessageTooLongError, Poller, PollFD } from '../../host/index.js';
import { socketPair, type SocketType } from '../../host/sys/socket.js';
import { rejection } from '../go/support.js';

const BIG = 100_000;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function pair(type: SocketType): Promise<[PollFD, PollFD]> {
  const poller = await Poller.create();
  cleanup.push(() => poller.close());
  const [a, b] = socketPair(type);
  const pa = await PollFD.open(a, { poller });
  const pb = await PollFD.open(b, { poller });
  cleanup.push(() => pa.close(), () => pb.close());
  return [pa, pb];
}

const message = (n: number): Buffer => Buffer.alloc(n, 7);

describe('SEQPACKET messages longer than the buffer', () => {
  it('for await (default 64 KiB chunks) throws MessageTooLongError for a 100,000-byte message instead of yielding 65,536 bytes', async () => {
    const [a, b] = await pair('seqpacket');
    await a.write(message(BIG));
    const seen: number[] = [];
    const err = await rejection(
      (async () => {
        for await (const chunk of b.chunks({ destroyOnReturn: false })) seen.push(chunk.length);
      })(),
    );
    expect(seen).toEqual([]);
    expect(err).toBeInstanceOf(MessageTooLongError);
    expect(err).toMatchObject({ code: 'ERR_NETPOLL_MESSAGE_TOO_LONG', limit: 65536, length: BIG });
    expect((err as Error).message).toMatch(/chunks\(\) size/);
  });

  it('chunks({ size }) large enough yields the whole message; messages that fit pass as before', async () => {
    const [a, b] = await pair('seqpacket');
    await a.write(message(BIG));
    await a.write(message(10));
    await a.write(Buffer.alloc(0)); // an empty message ends the iteration, as documented
    const seen: number[] = [];
    for await (const chunk of b.chunks({ size: BIG })) seen.push(chunk.length);
    expect(seen).toEqual([BIG, 10]);
  });

  it('read() keeps Go semantics (the part that fit); { rejectTruncated: true } reports the cut with the full length', async () => {
    const [a, b] = await pair('seqpacket');
    const buf = Buffer.alloc(65536);
    await a.write(message(BIG));
    expect(await b.read(buf)).toBe(65536); // Go's Read: the rest is gone
    await a.write(message(BIG));
    const err = await rejection(b.read(buf, { rejectTruncated: true }));
    expect(err).toBeInstanceOf(MessageTooLongError);
    expect(err).toMatchObject({ limit: 65536, length: BIG });
    expect(buf[65535]).toBe(7); // the part that fit is in the buffer
    await a.write(message(65536)); // exactly the buffer: fits
    expect(await b.read(buf, { rejectTruncated: true })).toBe(65536);
    // a parked read with the option, then a message arrives
    const parked = b.read(buf, { rejectTruncated: true });
    await a.write(message(65537));
    expect(await rejection(parked)).toMatchObject({ length: 65537 });
  });

  it('on a datagram socket the same; on a byte stream nothing is dropped, so the option changes nothing', async () => {
    const [a, b] = await pair('dgram');
    await a.write(message(5000));
    expect(await rejection(b.read(Buffer.alloc(4096), { rejectTruncated: true }))).toMatchObject({ length: 5000 });
    const [c, d] = await pair('stream');
    await c.write(message(5000));
    const buf = Buffer.alloc(4096);
    expect(await d.read(buf, { rejectTruncated: true })).toBe(4096);
    expect(await d.read(buf, { rejectTruncated: true })).toBe(904);
    await expect(d.read(buf, { rejectTruncated: 1 as unknown as boolean })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('read(buf, { rejectTruncated }) on a closed PollFD rejects with ClosedError (no synchronous throw, no getsockopt on a stale fd number)', async () => {
    const [a] = await pair('seqpacket');
    await a.close();
    let p: Promise<number> | undefined;
    expect(() => (p = a.read(Buffer.alloc(16), { rejectTruncated: true }))).not.toThrow();
    expect((await rejection(p!)) as Error).toMatchObject({ code: 'ERR_NETPOLL_CLOSED' });
  });
});
