// PollFD edge cases beyond the Go scenarios: argument errors are rejections,
// empty writes still reach write(2), a refused regular file is left as it was,
// and deadlines are measured against the clock users read (Date.now()).
import { describe, it, expect, afterEach } from 'vitest';
import { openSync, closeSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller, PollFD, NotPollableError } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { isNonBlocking, closeFd } from '../../host/os/fd.js';
import { epochNowMs, relativeNs } from '../../host/deadline.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function pair(type: 'stream' | 'seqpacket' | 'dgram') {
  const poller = await Poller.create();
  cleanup.push(() => poller.close());
  const [a, b] = socketPair(type);
  const fa = await PollFD.open(a, { poller });
  const fb = await PollFD.open(b, { poller });
  cleanup.push(() => fa.close(), () => fb.close());
  return [fa, fb] as const;
}

describe('PollFD edges', () => {
  it('a buffer that is not a Uint8Array is a rejected promise, not a synchronous throw', async () => {
    const [fa] = await pair('stream');
    const r = fa.read('nope' as unknown as Uint8Array);
    const w = fa.write(42 as unknown as Uint8Array);
    await expect(r).rejects.toBeInstanceOf(TypeError);
    await expect(w).rejects.toBeInstanceOf(TypeError);
  });

  it('an empty write on a SOCK_SEQPACKET socket sends an empty message', async () => {
    const [fa, fb] = await pair('seqpacket');
    expect(await fa.write(new Uint8Array(0))).toBe(0);
    await fa.write(Buffer.from('after'));
    const buf = Buffer.alloc(16);
    expect(await fb.read(buf)).toBe(0); // the empty message
    const n = await fb.read(buf);
    expect(buf.subarray(0, n).toString()).toBe('after');
  });

  it('PollFD.open on a regular file fails as not pollable and leaves the fd blocking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-edge-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'f'), 'x');
    const fd = openSync(join(dir, 'f'), 'r');
    cleanup.push(() => closeSync(fd));
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    await expect(PollFD.open(fd, { poller })).rejects.toBeInstanceOf(NotPollableError);
    expect(isNonBlocking(fd)).toBe(false);
    expect(poller.stats.descriptors).toBe(0);
  });

  it('epochNowMs stays within the millisecond Date.now() reports (to 50 µs), and relativeNs measures against it', () => {
    for (let i = 0; i < 1000; i++) {
      const before = Date.now();
      const t = epochNowMs();
      const after = Date.now();
      expect(t).toBeGreaterThanOrEqual(before - 0.05);
      expect(t).toBeLessThan(after + 1 + 0.05);
    }
    expect(relativeNs(1_000_500.25, 1_000_000)).toBe(500_250_000n);
    expect(relativeNs(1_000_000, 1_000_000)).toBe(-1n); // "now" is expired, not "none"
    expect(relativeNs(null)).toBe(0n);
    expect(relativeNs(Infinity)).toBe(0x7fffffffffffffffn);
    void closeFd;
  });
});
