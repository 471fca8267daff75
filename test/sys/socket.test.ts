import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WOULD_BLOCK, isCloseOnExec, isNonBlocking, readFd, writeFd } from '../../host/os/fd.js';
import {
  type SocketType,
  acceptFd,
  connectFd,
  recvFd,
  sendFd,
  shutdownFd,
  sockaddrUn,
  socketError,
  socketPair,
  unixConnect,
  unixListen,
} from '../../host/sys/socket.js';
import { bytes, openFdCount, text, useFdTracker, useTempDir } from './helpers.js';

const fds = useFdTracker();
const tempDir = useTempDir();
let seq = 0;
const sockPath = (): string => join(tempDir(), `s${seq++}.sock`);

describe('socketPair', () => {
  for (const type of ['stream', 'dgram', 'seqpacket'] as SocketType[]) {
    it(`${type}: non-blocking, close-on-exec, both directions, WOULD_BLOCK when empty`, () => {
      const [a, b] = fds.trackAll(socketPair(type));
      for (const fd of [a, b]) {
        expect(isNonBlocking(fd)).toBe(true);
        expect(isCloseOnExec(fd)).toBe(true);
      }
      const buf = new Uint8Array(32);
      expect(recvFd(a, buf)).toBe(WOULD_BLOCK);
      expect(readFd(b, buf)).toBe(WOULD_BLOCK);
      expect(sendFd(a, bytes('ping'))).toBe(4);
      expect(text(buf, recvFd(b, buf))).toBe('ping');
      expect(writeFd(b, bytes('pong'))).toBe(4);
      expect(text(buf, readFd(a, buf))).toBe('pong');
    });
  }

  it('seqpacket and dgram keep message boundaries; stream does not', () => {
    const got: Record<string, string[]> = {};
    for (const type of ['stream', 'dgram', 'seqpacket'] as SocketType[]) {
      const [a, b] = fds.trackAll(socketPair(type));
      sendFd(a, bytes('abc'));
      sendFd(a, bytes('defgh'));
      const buf = new Uint8Array(64);
      const msgs: string[] = [];
      let n: number;
      while ((n = recvFd(b, buf)) !== WOULD_BLOCK) msgs.push(text(buf, n));
      got[type] = msgs;
    }
    expect(got.seqpacket).toEqual(['abc', 'defgh']);
    expect(got.dgram).toEqual(['abc', 'defgh']);
    expect(got.stream!.join('')).toBe('abcdefgh');
  });

  it('seqpacket truncates a message to the buffer and drops the rest', () => {
    const [a, b] = fds.trackAll(socketPair('seqpacket'));
    sendFd(a, bytes('abcdef'));
    sendFd(a, bytes('gh'));
    const small = new Uint8Array(2);
    expect(text(small, recvFd(b, small))).toBe('ab');
    expect(text(small, recvFd(b, small))).toBe('gh');
  });

  it('EOF is 0 after the peer closes, and send gives EPIPE without a signal', () => {
    const [a, b] = fds.trackAll(socketPair('stream'));
    fds.close(b);
    expect(recvFd(a, new Uint8Array(8))).toBe(0);
    expect(() => sendFd(a, bytes('x'))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'send', fd: a }));
  });

  it('shutdownFd(w) gives the peer EOF while the other direction still works', () => {
    const [a, b] = fds.trackAll(socketPair('stream'));
    shutdownFd(a, 'w');
    const buf = new Uint8Array(8);
    expect(recvFd(b, buf)).toBe(0);
    expect(sendFd(b, bytes('ok'))).toBe(2);
    expect(text(buf, recvFd(a, buf))).toBe('ok');
    expect(() => sendFd(a, bytes('x'))).toThrow(expect.objectContaining({ code: 'EPIPE' }));
    expect(() => shutdownFd(a, 'x' as 'r')).toThrow(TypeError);
  });

  it('rejects an unknown type', () => {
    expect(() => socketPair('raw' as SocketType)).toThrow(TypeError);
  });
});

describe('sockaddr_un', () => {
  it('lays out family, NUL-terminated path and length', () => {
    const { addr, len } = sockaddrUn('/a');
    expect(addr.byteLength).toBe(110);
    expect([...addr.subarray(0, 5)]).toEqual([1, 0, 0x2f, 0x61, 0]);
    expect(len).toBe(2 + 2 + 1);
    expect(sockaddrUn('\0abs').len).toBe(2 + 4); // abstract: no terminator
  });

  it('accepts 107 bytes and refuses 108 with a clear error', () => {
    expect(sockaddrUn('/' + 'x'.repeat(106)).len).toBe(110);
    expect(() => sockaddrUn('/' + 'x'.repeat(107))).toThrow(/at most 107 bytes in UTF-8 \(it is 108\)/);
    expect(() => sockaddrUn('/' + 'é'.repeat(60))).toThrow(RangeError); // counted in UTF-8 bytes
    expect(() => sockaddrUn('')).toThrow(TypeError);
    expect(() => sockaddrUn('/a\0b')).toThrow(/NUL/);
  });
});

describe('unix listeners', () => {
  for (const type of ['stream', 'seqpacket'] as const) {
    it(`${type}: listen, connect, accept, exchange`, () => {
      const path = sockPath();
      const l = fds.track(unixListen(path, type));
      expect(existsSync(path)).toBe(true);
      expect(isNonBlocking(l)).toBe(true);
      expect(acceptFd(l)).toBe(WOULD_BLOCK);

      const c = unixConnect(path, type);
      fds.track(c.fd);
      expect(c.pending).toBe(false);
      expect(socketError(c.fd)).toBe(0);

      const s = fds.track(acceptFd(l));
      expect(s).toBeGreaterThan(0);
      expect(isNonBlocking(s)).toBe(true);
      expect(isCloseOnExec(s)).toBe(true);
      expect(acceptFd(l)).toBe(WOULD_BLOCK);

      sendFd(c.fd, bytes('one'));
      sendFd(c.fd, bytes('two'));
      const buf = new Uint8Array(16);
      if (type === 'seqpacket') {
        expect(text(buf, recvFd(s, buf))).toBe('one');
        expect(text(buf, recvFd(s, buf))).toBe('two');
      } else {
        expect(text(buf, recvFd(s, buf))).toBe('onetwo');
      }
      sendFd(s, bytes('back'));
      expect(text(buf, recvFd(c.fd, buf))).toBe('back');
    });
  }

  it('dgram: bind only, then connected datagrams arrive on the bound fd', () => {
    const path = sockPath();
    const l = fds.track(unixListen(path, 'dgram'));
    const c = unixConnect(path, 'dgram');
    fds.track(c.fd);
    expect(c.pending).toBe(false);
    sendFd(c.fd, bytes('d1'));
    sendFd(c.fd, bytes('d2'));
    const buf = new Uint8Array(16);
    expect(text(buf, recvFd(l, buf))).toBe('d1');
    expect(text(buf, recvFd(l, buf))).toBe('d2');
    expect(recvFd(l, buf)).toBe(WOULD_BLOCK);
  });

  it('works in the abstract namespace (nothing on disk)', () => {
    const name = `\0netpoll-sys-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const l = fds.track(unixListen(name, 'stream'));
    const c = unixConnect(name);
    fds.track(c.fd);
    const s = fds.track(acceptFd(l));
    writeFd(c.fd, bytes('abstract'));
    const buf = new Uint8Array(16);
    expect(text(buf, readFd(s, buf))).toBe('abstract');
  });

  it('reports a full backlog as pending (EAGAIN, nothing queued) and connectFd retries', () => {
    const path = sockPath();
    const l = fds.track(unixListen(path, 'stream', 0));
    const first = unixConnect(path);
    fds.track(first.fd);
    expect(first.pending).toBe(false);
    const second = unixConnect(path);
    fds.track(second.fd);
    expect(second.pending).toBe(true);
    fds.track(acceptFd(l)); // frees the backlog slot
    expect(connectFd(second.fd, path)).toBe(true);
    fds.track(acceptFd(l));
    expect(acceptFd(l)).toBe(WOULD_BLOCK);
  });

  it('fails cleanly, without leaking the socket: ENOENT, ECONNREFUSED, EADDRINUSE', () => {
    const before = openFdCount();
    const missing = sockPath();
    expect(() => unixConnect(missing)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'connect', path: missing }),
    );

    const path = sockPath();
    const l = unixListen(path);
    expect(() => unixListen(path)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind', path }));
    fds.close(l); // the socket file stays, with nobody listening
    expect(() => unixConnect(path)).toThrow(expect.objectContaining({ code: 'ECONNREFUSED' }));
    expect(() => unixConnect('/' + 'x'.repeat(200))).toThrow(RangeError);
    expect(openFdCount()).toBe(before);
  });

  it('mode: the socket file gets it before listen (0o600: only its owner may connect); bad modes change nothing', () => {
    const path = sockPath();
    const l = fds.track(unixListen(path, 'stream', 16, { mode: 0o600 }));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { fd: c } = unixConnect(path);
    fds.track(c);
    fds.track(acceptFd(l));

    const before = openFdCount();
    const other = sockPath();
    expect(() => unixListen(other, 'stream', 16, { mode: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => unixListen(other, 'stream', 16, { mode: 0o1000 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => unixListen(other, 'stream', 16, { mode: '600' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => unixListen(other, 'stream', 16, null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => unixListen(`\0netpoll-mode-${process.pid}`, 'stream', 16, { mode: 0o600 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(existsSync(other)).toBe(false);
    expect(openFdCount()).toBe(before);
  });

  it('acceptFd on a non-listening socket throws', () => {
    const [a] = fds.trackAll(socketPair('stream'));
    expect(() => acceptFd(a)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'accept4' }));
  });
});
