/**
 * inotify on a real temporary directory, read through a PollFD: creates,
 * renames (with a shared cookie), deletes and IN_IGNORED after removeWatch.
 * The parser is bounded: every truncation of real event bytes, and random
 * bytes, give events or TruncatedRecordError and never read past the buffer.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD, isTimeout } from '../../host/index.js';
import { WOULD_BLOCK, isCloseOnExec, isNonBlocking, readFd } from '../../host/os/fd.js';
import {
  INOTIFY_READ_MIN, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_IGNORED, IN_ISDIR, IN_MOVED_FROM, IN_MOVED_TO,
  type InotifyEvent, addWatch, inotifyEvents, inotifyInit, removeWatch,
} from '../../host/sys/inotify.js';
import { TruncatedRecordError } from '../../host/os/truncated.js';
import { useFdTracker } from './helpers.js';

const fds = useFdTracker();
const dir = mkdtempSync(join(tmpdir(), 'netpoll-inotify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function watcher() {
  const poller = await Poller.create();
  cleanup.push(() => poller.close());
  const fd = inotifyInit();
  const pfd = await PollFD.open(fd, { poller });
  cleanup.push(() => pfd.close());
  return { fd, pfd };
}

/** Reads events through the PollFD until `count` have arrived (each read has a deadline). */
async function collect(pfd: PollFD, count: number): Promise<InotifyEvent[]> {
  const buf = Buffer.alloc(4096);
  const events: InotifyEvent[] = [];
  pfd.setReadDeadline(Date.now() + 5000);
  while (events.length < count) events.push(...inotifyEvents(buf.subarray(0, await pfd.read(buf))));
  pfd.setReadDeadline(null);
  return events;
}

describe('inotify', () => {
  it('inotifyInit gives a non-blocking, close-on-exec fd that reads WOULD_BLOCK when quiet', () => {
    const fd = fds.track(inotifyInit());
    expect(isNonBlocking(fd)).toBe(true);
    expect(isCloseOnExec(fd)).toBe(true);
    expect(readFd(fd, new Uint8Array(INOTIFY_READ_MIN))).toBe(WOULD_BLOCK);
  });

  it('a parked PollFD read wakes on create; rename pairs share a cookie; delete and IN_IGNORED follow', async () => {
    const { fd, pfd } = await watcher();
    const sub = mkdtempSync(join(dir, 'w-'));
    const wd = addWatch(fd, sub, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE);
    expect(addWatch(fd, sub, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE)).toBe(wd);

    const first = collect(pfd, 2); // parked before anything happens
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(sub, 'a.txt'), 'x');
    const created = await first;
    expect(created).toEqual([
      { wd, mask: IN_CREATE, cookie: 0, name: 'a.txt' },
      { wd, mask: IN_CLOSE_WRITE, cookie: 0, name: 'a.txt' },
    ]);

    renameSync(join(sub, 'a.txt'), join(sub, 'b.txt'));
    unlinkSync(join(sub, 'b.txt'));
    const [from, to, del] = await collect(pfd, 3);
    expect(from).toMatchObject({ wd, mask: IN_MOVED_FROM, name: 'a.txt' });
    expect(to).toMatchObject({ wd, mask: IN_MOVED_TO, name: 'b.txt', cookie: from!.cookie });
    expect(from!.cookie).not.toBe(0);
    expect(del).toEqual({ wd, mask: IN_DELETE, cookie: 0, name: 'b.txt' });

    mkdirSync(join(sub, 'd'));
    expect(await collect(pfd, 1)).toEqual([{ wd, mask: IN_CREATE | IN_ISDIR, cookie: 0, name: 'd' }]);

    removeWatch(fd, wd);
    expect(await collect(pfd, 1)).toEqual([{ wd, mask: IN_IGNORED, cookie: 0, name: '' }]);
  });

  it('a quiet watch times out on its read deadline', async () => {
    const { fd, pfd } = await watcher();
    addWatch(fd, mkdtempSync(join(dir, 'q-')), IN_CREATE);
    pfd.setReadDeadline(Date.now() + 30);
    const err = await pfd.read(Buffer.alloc(INOTIFY_READ_MIN)).catch((e: unknown) => e);
    expect(isTimeout(err)).toBe(true);
  });

  it('addWatch and removeWatch errors are SyscallErrors with the path or wd', () => {
    const fd = fds.track(inotifyInit());
    expect(() => addWatch(fd, join(dir, 'missing'), IN_CREATE)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'inotify_add_watch', path: join(dir, 'missing') }),
    );
    expect(() => removeWatch(fd, 12345)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'inotify_rm_watch' }));
    expect(() => addWatch(fd, 'a\0b', IN_CREATE)).toThrow(TypeError);
    expect(() => addWatch(fd, dir, -1)).toThrow(RangeError);
  });
});

describe('inotifyEvents (the parser)', () => {
  /** Real event bytes: three events with names of different lengths, read straight from the fd. */
  function realBytes(): Uint8Array {
    const fd = fds.track(inotifyInit());
    const sub = mkdtempSync(join(dir, 'p-'));
    addWatch(fd, sub, IN_CREATE);
    for (const name of ['x', 'a-longer-name.txt', 'ünïcødé']) writeFileSync(join(sub, name), '');
    const buf = new Uint8Array(4096);
    const n = readFd(fd, buf);
    expect(n).toBeGreaterThan(0);
    return buf.slice(0, n);
  }

  it('decodes names (UTF-8, padding dropped) and an empty buffer as no events', () => {
    const names = [...inotifyEvents(realBytes())].map((e) => e.name);
    expect(names).toEqual(['x', 'a-longer-name.txt', 'ünïcødé']);
    expect([...inotifyEvents(new Uint8Array(0))]).toEqual([]);
  });

  it('every truncation of real bytes either ends on a record boundary or throws TruncatedRecordError', () => {
    const bytes = realBytes();
    const boundaries = new Set<number>([0]);
    const view = new DataView(bytes.buffer);
    for (let off = 0; off < bytes.length; boundaries.add(off)) off += 16 + view.getUint32(off + 12, true);
    for (let cut = 0; cut < bytes.length; cut++) {
      // a copy, so any read past `cut` would see nothing of the original
      const part = bytes.slice(0, cut);
      if (boundaries.has(cut)) expect(() => [...inotifyEvents(part)]).not.toThrow();
      else expect(() => [...inotifyEvents(part)]).toThrow(TruncatedRecordError);
    }
  });

  it('random bytes give events or TruncatedRecordError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, shift) => {
        const view = bytes.subarray(Math.min(shift, bytes.length)); // also at odd byteOffsets
        try {
          let total = 0;
          for (const e of inotifyEvents(view)) total += 16 + Buffer.byteLength(e.name);
          expect(total).toBeLessThanOrEqual(view.byteLength);
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
          expect(err.offset + err.have).toBe(view.byteLength);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
