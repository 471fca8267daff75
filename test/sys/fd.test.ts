import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  WOULD_BLOCK,
  closeFd,
  isCloseOnExec,
  isNonBlocking,
  pipe,
  readFd,
  setNonBlocking,
  writeFd,
} from '../../host/os/fd.js';
import { eventFd, timerFd } from '../../host/os/event.js';
import { epollCreate } from '../../host/os/epoll.js';
import { socketPair } from '../../host/sys/socket.js';
import { bytes, openFdCount, text, useFdTracker } from './helpers.js';

const fds = useFdTracker();

describe('pipe', () => {
  it('is non-blocking and close-on-exec at both ends', () => {
    const [r, w] = fds.trackAll(pipe());
    for (const fd of [r, w]) {
      expect(isNonBlocking(fd)).toBe(true);
      expect(isCloseOnExec(fd)).toBe(true);
    }
  });

  it('moves bytes, says WOULD_BLOCK when empty, and 0 at EOF', () => {
    const [r, w] = fds.trackAll(pipe());
    const buf = new Uint8Array(64);
    expect(readFd(r, buf)).toBe(WOULD_BLOCK);
    expect(writeFd(w, bytes('hello'))).toBe(5);
    const n = readFd(r, buf);
    expect(text(buf, n)).toBe('hello');
    expect(readFd(r, buf)).toBe(WOULD_BLOCK);
    fds.close(w);
    expect(readFd(r, buf)).toBe(0);
  });

  it('writes partially when nearly full, then WOULD_BLOCK', () => {
    const [r, w] = fds.trackAll(pipe());
    const chunk = new Uint8Array(100_000);
    let total = 0;
    let n: number;
    while ((n = writeFd(w, chunk)) !== WOULD_BLOCK) total += n;
    expect(total).toBeGreaterThan(0);
    expect(writeFd(w, new Uint8Array(1))).toBe(WOULD_BLOCK);
    let drained = 0;
    while ((n = readFd(r, chunk)) !== WOULD_BLOCK) drained += n;
    expect(drained).toBe(total);
  });

  it('gives EPIPE (Node ignores SIGPIPE) once the reader is gone', () => {
    const [r, w] = fds.trackAll(pipe());
    fds.close(r);
    expect(() => writeFd(w, bytes('x'))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'write', fd: w }));
  });

  it('an empty buffer reads and writes 0', () => {
    const [r, w] = fds.trackAll(pipe());
    expect(writeFd(w, new Uint8Array(0))).toBe(0);
    writeFd(w, bytes('a'));
    expect(readFd(r, new Uint8Array(0))).toBe(0);
    expect(readFd(r, new Uint8Array(1))).toBe(1);
  });
});

describe('O_NONBLOCK', () => {
  it('can be cleared and set again', () => {
    const [r] = fds.trackAll(pipe());
    setNonBlocking(r, false);
    expect(isNonBlocking(r)).toBe(false);
    setNonBlocking(r);
    expect(isNonBlocking(r)).toBe(true);
  });

  it('is set on a descriptor opened elsewhere (a blocking fs fd)', () => {
    const fd = fds.track(openSync('/dev/null', 'r'));
    expect(isNonBlocking(fd)).toBe(false);
    setNonBlocking(fd);
    expect(isNonBlocking(fd)).toBe(true);
  });
});

describe('closeFd', () => {
  it('closes, and a second close is EBADF', () => {
    const [r, w] = pipe();
    closeFd(w);
    closeFd(r);
    expect(() => closeFd(r)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
  });

  it('leaks nothing over 1000 open/close rounds of every kind', () => {
    const before = openFdCount();
    for (let i = 0; i < 1000; i++) {
      const [r, w] = pipe();
      const [a, b] = socketPair(i % 2 === 0 ? 'stream' : 'seqpacket');
      const opened = [r, w, a, b, eventFd(), timerFd(), epollCreate()];
      for (const fd of opened) closeFd(fd);
    }
    closeFd(openSync('/dev/null', 'r')); // closeFd closes descriptors Node opened too
    expect(openFdCount()).toBe(before);
  });
});
