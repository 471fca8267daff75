// Poller.create({ io }): the option is validated, stats / util.inspect /
// netpoll top say which path is live and why, the uring path falls back where
// io_uring_setup is refused (a real seccomp filter around a child), and the
// uring path batches the retries one wake sets off while every read and
// write returns what the syscall path returns.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { MisuseError } from '../../host/errors.js';
import { socketPair } from '../../host/sys/socket.js';
import { IO_ENV } from '../../host/io-path.js';
import * as libc from '../../host/os/libc.js';
import { TopModel } from '../../host/tools/top/model.js';
import { renderView } from '../../host/tools/top/render.js';
import type { Frame, PollerFrame } from '../../host/inspector/protocol.js';
import { uringSkip, uringSkipNote } from '../os/uring-available.js';

const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.close()));
});
const create = async (opts: Parameters<typeof Poller.create>[0]): Promise<Poller> => {
  const p = await Poller.create(opts);
  pollers.push(p);
  return p;
};

describe('Poller io option', () => {
  it("defaults to 'syscall' and reports it", async () => {
    const saved = process.env[IO_ENV];
    delete process.env[IO_ENV];
    try {
      const p = await create({});
      expect(p.stats.io).toEqual({ requested: 'syscall', live: 'syscall', fallback: null, ringBatches: 0, ringEntries: 0, plainWakes: 0 });
    } finally {
      if (saved !== undefined) process.env[IO_ENV] = saved;
    }
  });

  it.skipIf(uringSkip !== null)(`'uring' is live where the kernel allows it, and util.inspect shows it${uringSkipNote}`, async () => {
    const p = await create({ io: 'uring' });
    expect(p.stats.io).toMatchObject({ requested: 'uring', live: 'uring', fallback: null });
    expect(inspect(p)).toMatch(/io: \{[^}]*live: 'uring'/s);
  });

  it('refuses a bad value with MisuseError (bad-argument) before creating anything', async () => {
    for (const bad of ['io_uring', 1, null, 'URING']) {
      await expect(Poller.create({ io: bad as never })).rejects.toThrow(MisuseError);
    }
    await expect(Poller.create({ io: 'epoll' as never })).rejects.toMatchObject({ reason: 'bad-argument' });
  });

  it('takes the default from NETPOLL_IO, validated the same way', async () => {
    const saved = process.env[IO_ENV];
    try {
      process.env[IO_ENV] = 'uring';
      expect((await create({})).stats.io.requested).toBe('uring');
      expect((await create({ io: 'syscall' })).stats.io.requested).toBe('syscall'); // the option wins
      process.env[IO_ENV] = 'fast';
      await expect(Poller.create({})).rejects.toThrow(/NETPOLL_IO must be 'syscall' or 'uring', got "fast"/);
    } finally {
      if (saved === undefined) delete process.env[IO_ENV];
      else process.env[IO_ENV] = saved;
    }
  });

  it('falls back to syscall with the reason where a seccomp filter refuses io_uring_setup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-io-'));
    try {
      const deny = join(dir, 'deny-io-uring');
      execFileSync('cc', ['-O', '-o', deny, fileURLToPath(new URL('../os/fixtures/deny-io-uring.c', import.meta.url))]);
      const child = fileURLToPath(new URL('../os/fixtures/poller-io.mjs', import.meta.url));
      const out = execFileSync(deny, [String(constants.errno.EPERM), process.execPath, child], { encoding: 'utf8', timeout: 30_000 });
      expect(JSON.parse(out.trim().split('\n').at(-1)!).io).toEqual({
        requested: 'uring',
        live: 'syscall',
        fallback: 'io_uring_setup: EPERM (a seccomp filter or security policy refuses io_uring)',
        ringBatches: 0,
        ringEntries: 0,
        plainWakes: 0,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('netpoll top shows the path, with terminal control characters of a frame defused', () => {
    const line = (io: string | undefined): string => {
      const p = { id: 1, drive: 'uv', io, nowNs: '1', counters: { inUse: 0, waiters: 0, timers: 0, staleEvents: 0, eventsSeen: 0, wakeups: 0, timersFired: 0, inconsistent: 0, readyLength: 0, descBlocks: 1, timerBlocks: 1, nextWhen: '0' }, outcomes: { ready: 0, timeout: 0, closed: 0, aborted: 0, error: 0 }, latency: { count: 0, minNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, maxNs: 0 }, batches: 0, coreMs: 0, descriptorsTotal: 0, descriptors: [], timers: [], violations: [] } as PollerFrame;
      const f: Frame = { ok: true, op: 'frame', protocol: 1, pid: 1, timeMs: 0, process: { rss: 0, heapUsed: 0 }, pollers: [p], inspector: { path: '', clients: 0, maxClients: 8, accepted: 0, refused: 0, closedIdle: 0, closedSlow: 0, closedTooLarge: 0, requests: 0, badRequests: 0, framesBuilt: 0, ownFds: [] } } as Frame;
      const lines = renderView(new TopModel().update(f), { sort: 'parked', filter: '', columns: 200, rows: 60, prompt: null, source: 'test' } as Parameters<typeof renderView>[1]);
      return lines.find((l) => l.startsWith('poller 1'))!;
    };
    expect(line('uring')).toMatch(/^poller 1 \(uv, io uring\): /);
    expect(line('syscall (uring unavailable: x)')).toMatch(/^poller 1 \(uv, io syscall \(uring unavailable: x\)\): /);
    expect(line('a\x1b[2Jb')).toContain('io a?[2Jb');
    expect(line(undefined)).toMatch(/^poller 1 \(uv\): /);
  });
});

/** The fd numbers of io_uring rings open in this process. */
function ringFds(): number[] {
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]';
      } catch {
        return false; // the directory's own fd, gone by now
      }
    })
    .map(Number);
}

describe.skipIf(uringSkip !== null)(`the 'uring' path${uringSkipNote}`, () => {
  it('batches the reads one wake sets off (the echo writes are first attempts, plain calls), with the same results as the syscall path', async () => {
    const run = async (io: 'syscall' | 'uring'): Promise<{ echoed: string[]; stats: Poller['stats']['io'] }> => {
      const poller = await create({ io });
      const pairs = await Promise.all(Array.from({ length: 16 }, () => Promise.all(socketPair('stream').map((fd) => PollFD.open(fd, { poller })))));
      // Every server side parks in read first; one burst of writes wakes them in one batch.
      const reads = pairs.map(([, b]) => {
        const buf = Buffer.alloc(32);
        return b.read(buf).then(async (n) => {
          await b.write(buf.subarray(0, n));
          return n;
        });
      });
      await new Promise((r) => setImmediate(r));
      pairs.forEach(([a], i) => void a.write(Buffer.from(`message ${i}`)));
      expect(await Promise.all(reads)).toEqual(pairs.map((_, i) => `message ${i}`.length));
      const echoed = await Promise.all(
        pairs.map(async ([a]) => {
          const buf = Buffer.alloc(32);
          const n = await a.read(buf);
          return buf.toString('latin1', 0, n);
        }),
      );
      for (const [a, b] of pairs) await Promise.all([a.close(), b.close()]);
      return { echoed, stats: poller.stats.io };
    };
    const plain = await run('syscall');
    const uring = await run('uring');
    expect(uring.echoed).toEqual(plain.echoed);
    expect(uring.stats.live).toBe('uring');
    // The 16 parked reads were made by the batches that woke them: 16 entries in fewer io_uring_enter calls.
    expect(uring.stats.ringEntries).toBeGreaterThanOrEqual(16);
    expect(uring.stats.ringBatches).toBeLessThan(uring.stats.ringEntries);
    expect(plain.stats.ringBatches).toBe(0);
  });

  it('an io_uring_enter that fails later: no read is lost, and the path turns to syscall with the reason', async () => {
    const before = new Set(ringFds());
    const poller = await create({ io: 'uring' });
    const [ring] = ringFds().filter((fd) => !before.has(fd));
    // Put /dev/null under the ring's fd number: the next io_uring_enter on it fails (EOPNOTSUPP).
    const devNull = openSync('/dev/null', 'r');
    expect(libc.dup3(devNull, ring!, libc.O_CLOEXEC)).toBe(ring);
    closeSync(devNull);
    const pairs = await Promise.all(Array.from({ length: 6 }, () => Promise.all(socketPair('stream').map((fd) => PollFD.open(fd, { poller })))));
    const reads = pairs.map(([, b]) => {
      const buf = Buffer.alloc(16);
      return b.read(buf).then((n) => buf.toString('latin1', 0, n));
    });
    await new Promise((r) => setImmediate(r));
    pairs.forEach(([a], i) => void a.write(Buffer.from(`m${i}`)));
    expect(await Promise.all(reads)).toEqual(pairs.map((_, i) => `m${i}`));
    expect(poller.stats.io).toMatchObject({ requested: 'uring', live: 'syscall', ringEntries: 0 });
    expect(poller.stats.io.fallback).toMatch(/^io_uring_enter ENOTSUP/);
    expect(inspect(poller)).toMatch(/live: 'syscall'/);
    for (const [a, b] of pairs) await Promise.all([a.close(), b.close()]);
  });

  it('closes the ring with the poller: its fd is gone', async () => {
    const before = ringFds().length;
    const p = await Poller.create({ io: 'uring' });
    expect(ringFds().length).toBe(before + 1);
    await p.close();
    expect(ringFds().length).toBe(before);
  });
});
