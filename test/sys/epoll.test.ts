import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLL_DATA_OFFSET,
  EPOLL_EVENT_SIZE,
  decodeEpollEvent,
  decodeEpollEvents,
  epollAdd,
  epollCreate,
  epollDel,
  epollEventLayout,
  epollMod,
  epollWaitAsync,
  epollWaitInto,
} from '../../host/os/epoll.js';
import { eventFd, eventFdRead, eventFdWrite } from '../../host/os/event.js';
import { isCloseOnExec, pipe } from '../../host/os/fd.js';
import { useFdTracker, useTempDir } from './helpers.js';

const fds = useFdTracker();
const tempDir = useTempDir();

describe('struct epoll_event layout', () => {
  it('is packed 12 bytes on x64 and 16 bytes (data at 8) on arm64; other archs are refused', () => {
    expect(epollEventLayout('x64')).toEqual({ size: 12, dataOffset: 4 });
    expect(epollEventLayout('arm64')).toEqual({ size: 16, dataOffset: 8 });
    expect(() => epollEventLayout('riscv64')).toThrow(/riscv64/);
    expect({ size: EPOLL_EVENT_SIZE, dataOffset: EPOLL_DATA_OFFSET }).toEqual(epollEventLayout(process.arch));
  });

  it('keeps EPOLLET unsigned', () => {
    expect(EPOLLET).toBe(2 ** 31);
    expect(EPOLLIN | EPOLLET).toBeLessThan(0); // why the wrappers apply >>> 0
  });
});

describe('epoll_ctl', () => {
  it('creates a close-on-exec epoll fd', () => {
    expect(isCloseOnExec(fds.track(epollCreate()))).toBe(true);
  });

  it('add, mod and del change what epoll_wait reports', () => {
    const ep = fds.track(epollCreate());
    const efd = fds.track(eventFd());
    const events = new Uint8Array(4 * EPOLL_EVENT_SIZE);
    expect(epollAdd(ep, efd, EPOLLIN, 1, 2)).toBe(0);
    expect(epollWaitInto(ep, events, 4, 0)).toBe(0);
    eventFdWrite(efd, 1);
    expect(epollWaitInto(ep, events, 4, 0)).toBe(1);
    expect(decodeEpollEvent(events, 0)).toEqual({ events: EPOLLIN, dataHi: 1, dataLo: 2 });

    expect(epollMod(ep, efd, EPOLLOUT, 3, 4)).toBe(0);
    expect(epollWaitInto(ep, events, 4, 0)).toBe(1);
    expect(decodeEpollEvent(events, 0)).toEqual({ events: EPOLLOUT, dataHi: 3, dataLo: 4 });

    expect(epollDel(ep, efd)).toBe(0);
    expect(epollWaitInto(ep, events, 4, 0)).toBe(0);
  });

  it('edge-triggered (EPOLLET, bit 31) reports a level once', () => {
    const ep = fds.track(epollCreate());
    const efd = fds.track(eventFd(1));
    epollAdd(ep, efd, EPOLLIN | EPOLLET, 0xffffffff, 0xffffffff);
    const events = new Uint8Array(EPOLL_EVENT_SIZE);
    expect(epollWaitInto(ep, events, 1, 0)).toBe(1);
    expect(decodeEpollEvent(events, 0)).toEqual({ events: EPOLLIN, dataHi: 0xffffffff, dataLo: 0xffffffff });
    expect(epollWaitInto(ep, events, 1, 0)).toBe(0);
  });

  it('keeps the errno: EPERM for a regular file, EEXIST, ENOENT, EBADF', () => {
    const ep = fds.track(epollCreate());
    const file = join(tempDir(), 'regular');
    writeFileSync(file, 'x');
    const ffd = fds.track(openSync(file, 'r'));
    expect(() => epollAdd(ep, ffd, EPOLLIN, 0, 0)).toThrow(
      expect.objectContaining({ code: 'EPERM', errno: 1, syscall: 'epoll_ctl', fd: ffd }),
    );
    expect(() => epollAdd(ep, ffd, EPOLLIN, 0, 0)).toThrow(/EPOLL_CTL_ADD/);

    const efd = fds.track(eventFd());
    epollAdd(ep, efd, EPOLLIN, 0, 0);
    expect(() => epollAdd(ep, efd, EPOLLIN, 0, 0)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    epollDel(ep, efd);
    expect(() => epollMod(ep, efd, EPOLLIN, 0, 0)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => epollDel(ep, efd)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => epollAdd(999_999, efd, EPOLLIN, 0, 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => epollAdd(-1, efd, EPOLLIN, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('refuses data halves that are not u32', () => {
    const ep = fds.track(epollCreate());
    const efd = fds.track(eventFd());
    expect(() => epollAdd(ep, efd, EPOLLIN, -1, 0)).toThrow(RangeError);
    expect(() => epollAdd(ep, efd, EPOLLIN, 0, 2 ** 32)).toThrow(RangeError);
    expect(() => epollAdd(ep, efd, EPOLLIN, 0, 0.5)).toThrow(RangeError);
  });
});

/** Registers `count` readable eventfds with data (hi = i, lo = ~i). */
function readySet(count: number): number {
  const ep = fds.track(epollCreate());
  for (let i = 0; i < count; i++) {
    const efd = fds.track(eventFd(1));
    epollAdd(ep, efd, EPOLLIN, i, (0xffffffff - i) >>> 0);
  }
  return ep;
}

describe('epollWaitInto', () => {
  it('writes events at the arch stride and nothing past the count', () => {
    const ep = readySet(3);
    const events = new Uint8Array(8 * EPOLL_EVENT_SIZE).fill(0xaa);
    const n = epollWaitInto(ep, events, 8, 0);
    expect(n).toBe(3);
    const decoded = decodeEpollEvents(events, n).sort((a, b) => a.dataHi - b.dataHi);
    expect(decoded).toEqual([0, 1, 2].map((i) => ({ events: EPOLLIN, dataHi: i, dataLo: 0xffffffff - i })));
    expect(events.subarray(n * EPOLL_EVENT_SIZE).every((b) => b === 0xaa)).toBe(true);
    // raw bytes: event i's events word at i * stride, data lo word at i * stride + dataOffset
    for (let i = 0; i < n; i++) {
      const dv = new DataView(events.buffer, i * EPOLL_EVENT_SIZE);
      expect(dv.getUint32(0, true)).toBe(EPOLLIN);
      expect(dv.getUint32(EPOLL_DATA_OFFSET, true)).toBe(decodeEpollEvent(events, i).dataLo);
    }
  });

  it('waits into a view of WebAssembly memory at an odd offset', () => {
    const ep = readySet(2);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const all = new Uint8Array(memory.buffer).fill(0x55);
    const view = new Uint8Array(memory.buffer, 1001, 2 * EPOLL_EVENT_SIZE);
    expect(epollWaitInto(ep, view, 2, 0)).toBe(2);
    expect(all[1000]).toBe(0x55);
    expect(all[1001 + 2 * EPOLL_EVENT_SIZE]).toBe(0x55);
    expect(decodeEpollEvents(view, 2).map((e) => e.dataHi).sort()).toEqual([0, 1]);
  });

  it('returns at most maxEvents', () => {
    const ep = readySet(3);
    expect(epollWaitInto(ep, new Uint8Array(8 * EPOLL_EVENT_SIZE), 2, 0)).toBe(2);
  });

  it('reports hang-up of a pipe writer as EPOLLHUP', () => {
    const ep = fds.track(epollCreate());
    const [r, w] = fds.trackAll(pipe());
    epollAdd(ep, r, EPOLLIN, 0, 9);
    fds.close(w);
    const events = new Uint8Array(EPOLL_EVENT_SIZE);
    expect(epollWaitInto(ep, events, 1, 0)).toBe(1);
    expect(decodeEpollEvent(events, 0).events & EPOLLHUP).toBe(EPOLLHUP);
  });

  it('times out with 0', () => {
    const ep = readySet(0);
    expect(epollWaitInto(ep, new Uint8Array(EPOLL_EVENT_SIZE), 1, 10)).toBe(0);
  });

  it('validates buffer size, maxEvents and timeout; EBADF for a bad epfd', () => {
    const ep = readySet(0);
    const buf = new Uint8Array(2 * EPOLL_EVENT_SIZE);
    expect(() => epollWaitInto(ep, buf, 3, 0)).toThrow(/3 events of/);
    expect(() => epollWaitInto(ep, buf.subarray(1), 2, 0)).toThrow(RangeError);
    expect(() => epollWaitInto(ep, buf, 0, 0)).toThrow(RangeError);
    expect(() => epollWaitInto(ep, buf, 1, 1.5)).toThrow(RangeError);
    expect(() => epollWaitInto(ep, buf, 1, -2)).toThrow(RangeError);
    expect(() => epollWaitInto(ep, [] as unknown as Uint8Array, 1, 0)).toThrow(TypeError);
    expect(() => epollWaitInto(999_999, buf, 1, 0)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'epoll_wait' }));
    expect(() => decodeEpollEvent(buf, 2)).toThrow(RangeError);
  });
});

describe('epollWaitAsync', () => {
  it('blocks off the main thread until an eventfd write from the main thread wakes it', async () => {
    const ep = fds.track(epollCreate());
    const efd = fds.track(eventFd());
    epollAdd(ep, efd, EPOLLIN, 0xcafe, 0xf00d);
    const buf = Buffer.alloc(4 * EPOLL_EVENT_SIZE);

    let settled = false;
    const wait = epollWaitAsync(ep, buf, 4, -1).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50)); // the main thread keeps running meanwhile
    expect(settled).toBe(false);

    expect(eventFdWrite(efd, 1)).toBe(8);
    expect(await wait).toBe(1);
    expect(decodeEpollEvent(buf, 0)).toEqual({ events: EPOLLIN, dataHi: 0xcafe, dataLo: 0xf00d });
    expect(eventFdRead(efd)).toBe(1n);
  });

  it('times out with 0', async () => {
    const ep = readySet(0);
    expect(await epollWaitAsync(ep, Buffer.alloc(EPOLL_EVENT_SIZE), 1, 20)).toBe(0);
  });

  it('rejects with SyscallError for a bad epfd, and on misuse', async () => {
    await expect(epollWaitAsync(999_999, Buffer.alloc(EPOLL_EVENT_SIZE), 1, 0)).rejects.toMatchObject({
      code: 'EBADF',
      syscall: 'epoll_wait',
    });
    await expect(epollWaitAsync(readySet(0), Buffer.alloc(4), 1, 0)).rejects.toThrow(RangeError);

    const ep = readySet(0);
    const efd = fds.track(eventFd());
    epollAdd(ep, efd, EPOLLIN, 0, 0);
    const buf = Buffer.alloc(EPOLL_EVENT_SIZE);
    const first = epollWaitAsync(ep, buf, 1, -1);
    await expect(epollWaitAsync(ep, buf, 1, 0)).rejects.toThrow(/already being written/);
    eventFdWrite(efd, 1);
    expect(await first).toBe(1);
  });
});
