// sys/poll.ts: poll(2) on the threadpool reports an epoll set's readiness
// without taking any event off it (what the uv drive relies on in a worker).
import { describe, expect, it } from 'vitest';
import { pollReadableAsync } from '../../host/os/poll.js';
import { closeFd } from '../../host/os/fd.js';
import { epollCreate, epollAdd, epollWaitInto, EPOLLIN, EPOLL_EVENT_SIZE, decodeEpollEvent } from '../../host/os/epoll.js';
import { eventFd, eventFdWrite } from '../../host/os/event.js';

describe('pollReadableAsync', () => {
  it('false after the timeout on an idle fd, true once it is readable', async () => {
    const efd = eventFd();
    try {
      const t0 = performance.now();
      expect(await pollReadableAsync(efd, 30)).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
      setTimeout(() => eventFdWrite(efd, 1), 10);
      expect(await pollReadableAsync(efd, 5000)).toBe(true);
    } finally {
      closeFd(efd);
    }
  });

  it('an epoll set stays readable and keeps its event (edge-triggered included) after the poll', async () => {
    const ep = epollCreate();
    const efd = eventFd();
    try {
      epollAdd(ep, efd, (EPOLLIN | 0x80000000) >>> 0, 7, 9); // EPOLLET
      eventFdWrite(efd, 1);
      expect(await pollReadableAsync(ep, 1000)).toBe(true);
      expect(await pollReadableAsync(ep, 1000)).toBe(true);
      const buf = new Uint8Array(4 * EPOLL_EVENT_SIZE);
      expect(epollWaitInto(ep, buf, 4, 0)).toBe(1);
      expect(decodeEpollEvent(buf, 0)).toMatchObject({ dataHi: 7, dataLo: 9 });
      expect(await pollReadableAsync(ep, 20)).toBe(false); // consumed by the wait, not by the polls
    } finally {
      closeFd(efd);
      closeFd(ep);
    }
  });

  it('refuses a bad fd or timeout before any call (a rejection)', async () => {
    await expect(pollReadableAsync(-1, 0)).rejects.toThrow(RangeError);
    await expect(pollReadableAsync(0, 1.5)).rejects.toThrow(RangeError);
  });
});
