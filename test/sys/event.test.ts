import { describe, expect, it } from 'vitest';
import { WOULD_BLOCK, isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import { eventFd, eventFdRead, eventFdWrite, timerFd, timerFdRead, timerFdSetAbsolute } from '../../host/os/event.js';
import { EPOLLIN, EPOLL_EVENT_SIZE, decodeEpollEvent, epollAdd, epollCreate, epollWaitInto } from '../../host/os/epoll.js';
import { monotonicNs } from '../../host/os/time.js';
import { useFdTracker } from './helpers.js';

const fds = useFdTracker();
const MS = 1_000_000n;
const U64_MAX = (1n << 64n) - 1n;

describe('eventfd', () => {
  it('is non-blocking and close-on-exec; reads WOULD_BLOCK when 0', () => {
    const fd = fds.track(eventFd());
    expect(isNonBlocking(fd)).toBe(true);
    expect(isCloseOnExec(fd)).toBe(true);
    expect(eventFdRead(fd)).toBe(WOULD_BLOCK);
  });

  it('sums writes and resets on read', () => {
    const fd = fds.track(eventFd(5));
    expect(eventFdWrite(fd, 1)).toBe(8);
    expect(eventFdWrite(fd, 2n)).toBe(8);
    expect(eventFdRead(fd)).toBe(8n);
    expect(eventFdRead(fd)).toBe(WOULD_BLOCK);
  });

  it('semaphore mode hands out one at a time', () => {
    const fd = fds.track(eventFd(3, { semaphore: true }));
    expect([eventFdRead(fd), eventFdRead(fd), eventFdRead(fd), eventFdRead(fd)]).toEqual([1n, 1n, 1n, WOULD_BLOCK]);
  });

  it('returns WOULD_BLOCK (EAGAIN) when the counter would overflow: already readable', () => {
    const fd = fds.track(eventFd());
    expect(eventFdWrite(fd, U64_MAX - 1n)).toBe(8);
    expect(eventFdWrite(fd, 1)).toBe(WOULD_BLOCK);
    expect(eventFdRead(fd)).toBe(U64_MAX - 1n);
    expect(() => eventFdWrite(fd, U64_MAX)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'write' }));
  });

  it('validates its numbers', () => {
    expect(() => eventFd(-1)).toThrow(RangeError);
    expect(() => eventFd(2 ** 32)).toThrow(RangeError);
    const fd = fds.track(eventFd());
    expect(() => eventFdWrite(fd, -1)).toThrow(RangeError);
    expect(() => eventFdWrite(fd, 1.5)).toThrow(RangeError);
    expect(() => eventFdWrite(fd, 1n << 64n)).toThrow(RangeError);
  });
});

describe('timerfd (CLOCK_MONOTONIC, absolute)', () => {
  function setup(dataHi: number, dataLo: number): { ep: number; tfd: number; events: Uint8Array } {
    const ep = fds.track(epollCreate());
    const tfd = fds.track(timerFd());
    epollAdd(ep, tfd, EPOLLIN, dataHi, dataLo);
    return { ep, tfd, events: new Uint8Array(8 * EPOLL_EVENT_SIZE) };
  }

  it('starts disarmed, non-blocking and close-on-exec', () => {
    const tfd = fds.track(timerFd());
    expect(isNonBlocking(tfd)).toBe(true);
    expect(isCloseOnExec(tfd)).toBe(true);
    expect(timerFdRead(tfd)).toBe(WOULD_BLOCK);
  });

  it('fires in epoll 20 ms ahead with the 64-bit data halves intact', () => {
    const { ep, tfd, events } = setup(0xdeadbeef, 0x80000001);
    const when = monotonicNs() + 20n * MS;
    timerFdSetAbsolute(tfd, when);

    let n = 0;
    const giveUp = monotonicNs() + 10_000n * MS;
    while (n === 0 && monotonicNs() < giveUp) n = epollWaitInto(ep, events, 8, 5000);
    expect(monotonicNs()).toBeGreaterThanOrEqual(when); // never early
    expect(n).toBe(1);
    expect(decodeEpollEvent(events, 0)).toEqual({ events: EPOLLIN, dataHi: 0xdeadbeef, dataLo: 0x80000001 });
    expect(timerFdRead(tfd)).toBe(1n);
    expect(timerFdRead(tfd)).toBe(WOULD_BLOCK);
  });

  it('a time already past fires at once; re-arming clears the readiness without a read', () => {
    const { ep, tfd, events } = setup(0, 7);
    timerFdSetAbsolute(tfd, 1n);
    expect(epollWaitInto(ep, events, 8, 5000)).toBe(1);
    timerFdSetAbsolute(tfd, monotonicNs() + 3_600_000n * MS);
    expect(epollWaitInto(ep, events, 8, 0)).toBe(0);
    expect(timerFdRead(tfd)).toBe(WOULD_BLOCK);
  });

  it('0n disarms', () => {
    const { ep, tfd, events } = setup(0, 1);
    timerFdSetAbsolute(tfd, monotonicNs() + 30n * MS);
    timerFdSetAbsolute(tfd, 0n);
    expect(epollWaitInto(ep, events, 8, 100)).toBe(0);
    expect(timerFdRead(tfd)).toBe(WOULD_BLOCK);
  });

  it('validates its arguments', () => {
    const tfd = fds.track(timerFd());
    expect(() => timerFdSetAbsolute(tfd, -1n)).toThrow(RangeError);
    expect(() => timerFdSetAbsolute(tfd, 5 as unknown as bigint)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => timerFdSetAbsolute(999_999, 1n)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'timerfd_settime' }));
  });
});
