// pollfd.stream(): a stream.Duplex on real fds. Bulk transfer with pipeline()
// and checksums (a raw pty's is in stream-pty.test.ts), backpressure in both
// directions, message boundaries on SOCK_SEQPACKET and SOCK_DGRAM, end() as
// shutdown(SHUT_WR), destroy() closing the fd, and errors surfacing as stream
// errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Poller, PollFD, ClosedError, DeadlineExceededError, MessageTooLongError, MisuseError, type PollFDStream } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { pipe } from '../../host/os/fd.js';

const MiB = 1 << 20;
let poller: Poller;
beforeAll(async () => {
  poller = await Poller.create();
});
afterAll(async () => {
  await poller.close();
});

const fdOpen = (fd: number): boolean => existsSync(`/proc/self/fd/${fd}`);

async function open(fds: number[]): Promise<PollFD[]> {
  return Promise.all(fds.map((fd) => PollFD.open(fd, { poller })));
}

/** `total` bytes of random data in `chunk`-sized pieces, hashed as they are produced. */
function source(total: number, chunk: number): { readable: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const pool = randomBytes(4 * MiB);
  async function* gen(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < total; ) {
      const n = Math.min(chunk, total - sent);
      const at = (sent * 7) % (pool.length - n); // varied slices of the pool: no two neighbouring chunks alike
      const piece = Buffer.from(pool.subarray(at, at + n));
      hash.update(piece);
      sent += n;
      yield piece;
    }
  }
  return { readable: Readable.from(gen(), { objectMode: false }), digest: () => hash.digest('hex') };
}

function hashSink(): { writable: Writable; digest: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb();
    },
  });
  return { writable, digest: () => hash.digest('hex'), bytes: () => bytes };
}

describe('pollfd.stream(): bulk transfer', () => {
  it.each(['uv', 'thread'] as const)('pipeline() moves 64 MiB through a socketpair intact (sha256), end() shuts the write side (%s drive)', async (drive) => {
    const own = await Poller.create({ drive });
    const [a, b] = await Promise.all(socketPair('stream').map((fd) => PollFD.open(fd, { poller: own })));
    const sa = a.stream();
    const sb = b.stream();
    expect(sa.messageMode).toBe(false);
    const src = source(64 * MiB, 200_000); // not a multiple of any buffer size
    const sink = hashSink();
    const t0 = performance.now();
    await Promise.all([pipeline(src.readable, sa), pipeline(sb, sink.writable)]);
    if (process.env.NETPOLL_REPORT) console.log(`socketpair (${drive}): 64 MiB in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(sink.bytes()).toBe(64 * MiB);
    expect(sink.digest()).toBe(src.digest());
    // sa's writable side finished (SHUT_WR: sb saw EOF), its readable side is still open.
    expect(sa.destroyed).toBe(false);
    sa.destroy();
    sb.destroy();
    await Promise.all([once(sa, 'close'), once(sb, 'close')]);
    expect(fdOpen(a.fd) || fdOpen(b.fd)).toBe(false);
    await own.close();
  });

  it('pipeline() moves 64 MiB through a pipe; one-sided streams close their fds when done', async () => {
    // The pty case, both directions on both drives, is in stream-pty.test.ts.
    const [r, w] = await open(pipe());
    const sr = r.stream();
    const sw = w.stream();
    expect([sr.readable, sr.writable, sw.readable, sw.writable]).toEqual([true, false, false, true]);
    const src = source(64 * MiB, 65_537);
    const sink = hashSink();
    await Promise.all([pipeline(src.readable, sw), pipeline(sr, sink.writable)]);
    expect(sink.digest()).toBe(src.digest());
    // The write end closed when its side finished (that is how the reader got EOF), the read end after EOF.
    await Promise.all([sr.closed ? null : once(sr, 'close'), sw.closed ? null : once(sw, 'close')]);
    expect(fdOpen(r.fd) || fdOpen(w.fd)).toBe(false);
  });
});

describe('pollfd.stream(): backpressure', () => {
  it('a slow consumer keeps the bytes in flight bounded and memory flat while the producer wants 1 GiB', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    const sb = b.stream({ readableHighWaterMark: 64 * 1024 });
    let produced = 0;
    let consumed = 0;
    let maxInFlight = 0;
    let maxReadable = 0;
    const chunk = Buffer.alloc(64 * 1024, 7);
    async function* producer(): AsyncGenerator<Buffer> {
      while (produced < 1024 * MiB) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _e, cb) {
        consumed += c.length;
        maxInFlight = Math.max(maxInFlight, produced - consumed);
        maxReadable = Math.max(maxReadable, sb.readableLength);
        setTimeout(cb, 5); // ≤ 13 MiB/s at the very most, far below what the producer offers
      },
    });
    const sending = pipeline(Readable.from(producer()), sa).catch(() => undefined);
    const receiving = pipeline(sb, slow).catch(() => undefined);
    await sleep(300); // warm-up: buffers fill to their steady state
    globalThis.gc?.();
    const m0 = process.memoryUsage();
    const base = m0.heapUsed + m0.arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 15; i++) {
      await sleep(100);
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base);
    }
    sa.destroy();
    sb.destroy();
    await Promise.all([sending, receiving]);
    if (process.env.NETPOLL_REPORT) console.log(`slow consumer: produced ${produced} B, consumed ${consumed} B, max in flight ${maxInFlight} B, max readableLength ${maxReadable} B, peak heap+arrayBuffers growth ${peak} B`);
    expect(consumed).toBeGreaterThan(0);
    // Without backpressure the producer would be hundreds of MiB ahead; with it, only the kernel's
    // socket buffers (a few hundred KiB) and the streams' high-water marks sit between the two.
    expect(maxInFlight).toBeLessThan(8 * MiB);
    expect(maxReadable).toBeLessThanOrEqual(64 * 1024 + 65536);
    expect(peak).toBeLessThan(48 * MiB); // generous: GC timing, not a leak
  });

  it("write() returns false past the writable high-water mark and 'drain' follows once the peer reads", async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream({ writableHighWaterMark: 1024 });
    const big = Buffer.alloc(4 * MiB, 1); // more than the socket buffers hold: the write stays pending
    expect(sa.write(big)).toBe(false);
    expect(sa.writableNeedDrain).toBe(true);
    const drained = once(sa, 'drain');
    let got = 0;
    const buf = Buffer.alloc(MiB);
    while (got < big.length) got += await b.read(buf);
    await drained;
    expect(sa.writableLength).toBe(0);
    sa.destroy();
    await b.close();
  });
});

describe('pollfd.stream(): message mode', () => {
  for (const type of ['seqpacket', 'dgram'] as const) {
    it(`${type}: detected from SO_TYPE; one chunk per message, both ways, corked writes included`, async () => {
      const [a, b] = await open(socketPair(type));
      const sa = a.stream();
      const sb = b.stream();
      expect(sa.messageMode && sb.messageMode && sa.readableObjectMode && sa.writableObjectMode).toBe(true);
      const sizes = [1, 1000, 5000, 3, 65536, 17];
      const msgs = sizes.map((n, i) => Buffer.alloc(n, i + 1));
      sa.cork(); // _writev: still one write(2) per message
      for (const m of msgs.slice(0, 3)) sa.write(m);
      sa.uncork();
      for (const m of msgs.slice(3)) sa.write(m);
      const got: Buffer[] = [];
      for await (const m of sb) {
        got.push(m as Buffer);
        if (got.length === msgs.length) break;
      }
      expect(got.map((m) => m.length)).toEqual(sizes);
      expect(got.every((m, i) => m.equals(msgs[i]!))).toBe(true);
      sa.destroy();
      // Leaving for-await early destroys the stream (Node's AbortError), as with any Readable: the fd is closed.
      expect(sb.destroyed).toBe(true);
      sb.on('error', () => undefined);
      if (!sb.closed) await new Promise((r) => sb.once('close', r));
      expect(fdOpen(b.fd)).toBe(false);
    });
  }

  it('a message longer than readSize is an error (MessageTooLongError), never a silent truncation', async () => {
    const [a, b] = await open(socketPair('seqpacket'));
    const sb = b.stream({ readSize: 100 });
    await a.write(Buffer.alloc(100, 1)); // exactly readSize: fine
    await a.write(Buffer.alloc(101, 2));
    const chunks: Buffer[] = [];
    sb.on('data', (c: Buffer) => chunks.push(c));
    const [err] = await once(sb, 'error');
    expect(err).toBeInstanceOf(MessageTooLongError);
    expect(err.code).toBe('ERR_NETPOLL_MESSAGE_TOO_LONG');
    expect(chunks.map((c) => c.length)).toEqual([100]);
    await a.close();
  });

  it('objectMode can be forced on a byte stream (one chunk per read) or off on a message socket', async () => {
    const [a, b] = await open(socketPair('seqpacket'));
    const sb = b.stream({ objectMode: false });
    expect(sb.messageMode).toBe(false);
    await a.write(Buffer.from('ab'));
    await a.write(Buffer.from('cd'));
    await a.close(); // EOF
    sb.setEncoding('utf8');
    let text = '';
    for await (const s of sb) text += s;
    expect(text).toBe('abcd');

    const [c, d] = await open(socketPair('stream'));
    const sd = d.stream({ objectMode: true, readSize: 1000 });
    expect(sd.readableObjectMode).toBe(true);
    await c.write(Buffer.alloc(5000, 9)); // more than readSize on a byte stream: several chunks, no MessageTooLongError
    await c.close();
    const sizes: number[] = [];
    for await (const chunk of sd) sizes.push((chunk as Buffer).length);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(5000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
  });

  it('stream() on a closed PollFD is a ClosedError', async () => {
    const [a, b] = await open(socketPair('stream'));
    await a.close();
    expect(() => a.stream()).toThrow(ClosedError);
    await b.close();
  });
});

describe('pollfd.stream(): ends, destroy and errors', () => {
  it('end() sends EOF to the peer (shutdown SHUT_WR) while this side keeps reading', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    sa.end('bye');
    await once(sa, 'finish');
    const buf = Buffer.alloc(16);
    expect(buf.subarray(0, await b.read(buf)).toString()).toBe('bye');
    expect(await b.read(buf)).toBe(0); // EOF
    await b.write(Buffer.from('still here'));
    const [chunk] = await once(sa, 'data');
    expect(chunk.toString()).toBe('still here');
    await b.close();
    await once(sa, 'close'); // both sides done: autoDestroy closed the fd
    expect(fdOpen(a.fd)).toBe(false);
  });

  it('destroy() closes the fd, also with a read pending, and emits no error for that read', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    const errors: Error[] = [];
    sa.on('error', (e) => errors.push(e));
    sa.resume(); // a read is now parked in the poller
    await sleep(20);
    expect(poller.stats.waiters).toBeGreaterThan(0);
    sa.destroy();
    await once(sa, 'close');
    expect(fdOpen(a.fd)).toBe(false);
    expect(errors).toEqual([]);
    await b.close();
  });

  it('destroy(err) closes the fd and surfaces err', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    const boom = new Error('boom');
    sa.destroy(boom);
    const [err] = await once(sa, 'error');
    expect(err).toBe(boom);
    expect(fdOpen(a.fd)).toBe(false);
    await b.close();
  });

  it('a write error (EPIPE, peer gone) is a stream error, and the fd is closed', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    await b.close();
    sa.write(Buffer.from('to nobody'));
    const [err] = await once(sa, 'error');
    expect(err.code).toBe('EPIPE');
    expect(fdOpen(a.fd)).toBe(false);
  });

  it('a read deadline is a stream error (DeadlineExceededError), and pipeline() rejects with it', async () => {
    const [a, b] = await open(socketPair('stream'));
    const sa = a.stream();
    a.setReadDeadline(Date.now() + 30);
    await expect(pipeline(sa, hashSink().writable)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(sa.destroyed).toBe(true);
    expect(fdOpen(a.fd)).toBe(false);
    await b.close();
  });

  it('misuse is refused up front: a second stream on one PollFD, bad sizes', async () => {
    const [a, b] = await open(socketPair('stream'));
    expect(() => a.stream({ readSize: 0 })).toThrow(MisuseError);
    expect(() => a.stream({ readableHighWaterMark: 1.5 })).toThrow(MisuseError);
    const s: PollFDStream = a.stream();
    expect(() => a.stream()).toThrow(/already has a stream/);
    s.destroy();
    await once(s, 'close');
    await b.close();
  });
});
