// sys/env-fd.ts: fds moved under a number the Node environment tracks (its
// fs.openSync fds, which a worker's teardown closes), and closed through it.
import { readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { adoptFd, closeAdoptedFd } from '../../host/os/env-fd.js';
import { isCloseOnExec } from '../../host/os/fd.js';
import { epollCreate } from '../../host/os/epoll.js';
import { eventFd, eventFdWrite, eventFdRead } from '../../host/os/event.js';
import { openFdCount } from './helpers.js';

const target = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`);

describe('adoptFd / closeAdoptedFd', () => {
  it('moves the open file to a new number (close-on-exec), closes the old one, and closes without leaking', () => {
    const before = openFdCount();
    const ep = epollCreate();
    const adopted = adoptFd(ep);
    expect(adopted).not.toBe(ep);
    expect(target(adopted)).toBe('anon_inode:[eventpoll]');
    expect(isCloseOnExec(adopted)).toBe(true);
    expect(openFdCount()).toBe(before + 1); // the old number is closed
    closeAdoptedFd(adopted);
    expect(openFdCount()).toBe(before);
  });

  it('the adopted number is the same file: an eventfd keeps its counter', () => {
    const efd = eventFd();
    eventFdWrite(efd, 5);
    const adopted = adoptFd(efd);
    expect(eventFdRead(adopted)).toBe(5n);
    closeAdoptedFd(adopted);
  });

  it('closeAdoptedFd on an fd that was never adopted closes it with close(2)', () => {
    const before = openFdCount();
    closeAdoptedFd(eventFd());
    expect(openFdCount()).toBe(before);
  });

  it('a terminated worker leaves no adopted fd behind (Node closes them at teardown)', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(new URL('../../build/host/os/env-fd.js', import.meta.url).href)}).then(async (m) => {
        const { epollCreate } = await import(${JSON.stringify(new URL('../../build/host/os/epoll.js', import.meta.url).href)});
        const fds = [];
        for (let i = 0; i < 5; i++) fds.push(m.adoptFd(epollCreate()));
        parentPort.postMessage(fds);
        setInterval(() => {}, 1000);
      });`;
    const before = openFdCount();
    const w = new Worker(code, { eval: true });
    const fds = await new Promise<number[]>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(fds).toHaveLength(5);
    expect(openFdCount()).toBeGreaterThanOrEqual(before + 5);
    await w.terminate();
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });
});
