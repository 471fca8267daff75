// Bad arguments get Node's own argument errors (host/os/args.ts): a `code`
// of ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE or ERR_OUT_OF_RANGE on a
// TypeError / RangeError, as fs and net give them — across the library,
// not only for fds (test/sys/fd-args.test.ts).

import { afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { eventFd, eventFdWrite } from '../../host/os/event.js';
import { closeFd } from '../../host/os/fd.js';
import { shutdownFd, socketPair, sockaddrUn, type SocketType } from '../../host/sys/socket.js';
import { sockaddrInet } from '../../host/sys/sockaddr.js';
import { socket } from '../../host/sys/generic-socket.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const code = (c: string) => expect.objectContaining({ code: c });

describe("Node's argument errors", () => {
  it('a wrong buffer: ERR_INVALID_ARG_TYPE (a TypeError) from PollFD.read / write / recvMsg and from the stream', async () => {
    const p = await Poller.create();
    cleanup.push(() => p.close());
    const [a, b] = socketPair('stream');
    cleanup.push(() => closeFd(b));
    const fd = await PollFD.open(a, { poller: p });
    cleanup.push(() => fd.close());
    for (const bad of ['x', 7, [1, 2], new ArrayBuffer(4)]) {
      await expect(fd.read(bad as unknown as Uint8Array)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
      await expect(fd.write(bad as unknown as Uint8Array)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      await expect(fd.recvMsg(bad as unknown as Uint8Array)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    }
    const s = fd.stream({ objectMode: true });
    const failed = new Promise<unknown>((resolve) => s.once('error', resolve));
    s.write(42);
    expect(await failed).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a wrong socket type or shutdown direction: ERR_INVALID_ARG_VALUE', () => {
    expect(() => socketPair('raw' as SocketType)).toThrow(code('ERR_INVALID_ARG_VALUE'));
    const [a, b] = socketPair('stream');
    try {
      expect(() => shutdownFd(a, 'x' as 'r')).toThrow(code('ERR_INVALID_ARG_VALUE'));
    } finally {
      closeFd(a);
      closeFd(b);
    }
    expect(() => sockaddrUn('')).toThrow(code('ERR_INVALID_ARG_VALUE'));
    expect(() => sockaddrInet('256.0.0.1', 1)).toThrow(code('ERR_INVALID_ARG_VALUE'));
  });

  it('numbers out of range: ERR_OUT_OF_RANGE (a RangeError); a non-number: ERR_INVALID_ARG_TYPE', () => {
    expect(() => eventFd(-1)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => eventFd(-1)).toThrow(RangeError);
    expect(() => sockaddrInet('127.0.0.1', 65536)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => sockaddrUn('/' + 'x'.repeat(200))).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => socket(1.5, 1)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => socket('1' as unknown as number, 1)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    const efd = eventFd();
    try {
      expect(() => eventFdWrite(efd, -1)).toThrow(code('ERR_OUT_OF_RANGE'));
      expect(() => eventFdWrite(efd, '1' as unknown as number)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    } finally {
      closeFd(efd);
    }
  });
});
