// Relative timeouts next to Go's absolute deadlines: `{ timeout: ms }` on one
// operation, net.Socket's idle timeout on stream(), and the error that
// explains a deadline given as a duration (setReadDeadline(5000) is 1970).

import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, DeadlineExceededError, Poller, PollFD } from '../../host/index.js';
import { socketPair, unixListen, type SocketType } from '../../host/sys/socket.js';
import { closeFd } from '../../host/os/fd.js';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rejection } from '../go/support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function poller(): Promise<Poller> {
  const p = await Poller.create();
  cleanup.push(() => p.close());
  return p;
}

async function pair(type: SocketType = 'stream'): Promise<[PollFD, PollFD, Poller]> {
  const p = await poller();
  const [a, b] = socketPair(type);
  const pa = await PollFD.open(a, { poller: p });
  const pb = await PollFD.open(b, { poller: p });
  cleanup.push(() => pa.close(), () => pb.close());
  return [pa, pb, p];
}

describe('{ timeout } on an operation', () => {
  it('read: DeadlineExceededError after the timeout, not before; the descriptor keeps no deadline and works on', async () => {
    const [a, b] = await pair();
    const buf = Buffer.alloc(16);
    const t0 = performance.now();
    const err = await rejection(b.read(buf, { timeout: 60 }));
    const waited = performance.now() - t0;
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', timeout: true });
    expect((err as Error).message).toMatch(/read: no result within its timeout of 60 ms/);
    expect(waited).toBeGreaterThanOrEqual(55); // a timer may fire a little early on its ms grid, never much
    expect(b.pollDesc.live()?.readDeadline ?? null).toBeNull();
    await a.write(Buffer.from('later'));
    expect(await b.read(buf)).toBe(5); // no timeout this time: waits as long as it takes
  });

  it('read: resolves normally when data comes first; a zero timeout on ready data still reads it', async () => {
    const [a, b] = await pair();
    const buf = Buffer.alloc(16);
    const pending = b.read(buf, { timeout: 5_000 });
    setTimeout(() => void a.write(Buffer.from('soon')), 10);
    expect(await pending).toBe(4);
    await a.write(Buffer.from('ready'));
    expect(await b.read(buf, { timeout: 0 })).toBe(5);
  });

  it('write: times out on a full socket buffer with bytesWritten; accept and recvFrom time out too', async () => {
    const [a] = await pair();
    const big = Buffer.alloc(16 << 20);
    const err = await rejection(a.write(big, { timeout: 50 }));
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).bytesWritten).toBeGreaterThan(0);
    expect((err as DeadlineExceededError).bytesWritten).toBeLessThan(big.length);

    const dir = mkdtempSync(join(tmpdir(), 'netpoll-timeout-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const listener = await PollFD.open(unixListen(join(dir, 's')), { poller: await poller() });
    cleanup.push(() => listener.close());
    expect(await rejection(listener.accept({ timeout: 30 }))).toBeInstanceOf(DeadlineExceededError);

    const [, d] = await pair('dgram');
    expect(await rejection(d.recvFrom(Buffer.alloc(8), { timeout: 30 }))).toBeInstanceOf(DeadlineExceededError);
    expect(await rejection(d.recvMsg(Buffer.alloc(8), { timeout: 30 }))).toBeInstanceOf(DeadlineExceededError);
  });

  it("the caller's own AbortSignal still aborts with AbortError; PollDesc.wait takes a timeout as well", async () => {
    const [, b, p] = await pair();
    const ac = new AbortController();
    const pending = b.read(Buffer.alloc(8), { timeout: 5_000, signal: ac.signal });
    ac.abort();
    expect(await rejection(pending)).toBeInstanceOf(AbortError);
    const [x, y] = socketPair('stream');
    cleanup.push(() => closeFd(x), () => closeFd(y));
    const pd = p.open(x);
    cleanup.push(() => pd.close());
    expect(await rejection(pd.wait('r', { timeout: 30 }))).toBeInstanceOf(DeadlineExceededError);
  });

  it('refuses a timeout that is not a number of ms in [0, 2^31 - 1], before anything happens', async () => {
    const [, b] = await pair();
    const buf = Buffer.alloc(8);
    await expect(b.read(buf, { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(b.read(buf, { timeout: NaN })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(b.read(buf, { timeout: 2 ** 31 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(b.write(buf, { timeout: '5' as unknown as number })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => b.stream({ timeout: -5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('stream() idle timeout', () => {
  it("emits 'timeout' after the idle time, keeps the stream open, and I/O postpones it", async () => {
    const [a, b] = await pair();
    const s = b.stream({ timeout: 300 });
    cleanup.push(() => void s.destroy());
    let dataAt = 0;
    s.on('data', () => (dataAt = performance.now()));
    const fired = new Promise<number>((resolve) => s.once('timeout', () => resolve(performance.now())));
    await new Promise((r) => setTimeout(r, 20));
    await a.write(Buffer.from('x')); // activity: the idle period starts again when it is read
    const firedAt = await fired;
    expect(dataAt).toBeGreaterThan(0);
    expect(firedAt - dataAt).toBeGreaterThanOrEqual(290);
    expect(s.destroyed).toBe(false);
    await a.write(Buffer.from('still open'));
    const got = await new Promise<Buffer>((resolve) => s.once('data', resolve));
    expect(got.toString()).toBe('still open');
  });

  it('setTimeout(ms, cb) as on net.Socket; setTimeout(0) turns it off', async () => {
    const [, b] = await pair();
    const s = b.stream();
    cleanup.push(() => void s.destroy());
    let fired = 0;
    expect(s.setTimeout(30, () => fired++)).toBe(s);
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toBe(1);
    s.setTimeout(30);
    s.setTimeout(0);
    s.on('timeout', () => fired++);
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toBe(1);
  });
});

describe('absolute deadlines, explained', () => {
  it('setReadDeadline(5000) — 1970 — times out at once with a message that deadlines are absolute; no error when set', async () => {
    const [, b] = await pair();
    expect(() => b.setReadDeadline(5000)).not.toThrow();
    const err = await rejection(b.read(Buffer.alloc(8)));
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as Error).message).toMatch(/deadlines are absolute .*Date\.now\(\) \+ ms/);
    // the write direction's deadline was not set: its errors say nothing of it
    b.setWriteDeadline(Date.now() - 1);
    expect((await rejection(b.write(Buffer.alloc(8)))) as Error).toMatchObject({ message: expect.not.stringMatching(/absolute/) });
    // a deadline in the future, then one just passed: no note any more
    b.setReadDeadline(Date.now() - 1);
    expect(((await rejection(b.read(Buffer.alloc(8)))) as Error).message).not.toMatch(/absolute/);
  });

  it("Go's idiom still works: a parked read is unblocked by a deadline long past (new Date(0))", async () => {
    const [, b] = await pair();
    const parked = b.read(Buffer.alloc(8));
    await new Promise((r) => setTimeout(r, 10));
    b.setReadDeadline(new Date(0));
    const err = await rejection(parked);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    b.setReadDeadline(null);
  });
});
