/**
 * Address builders and the decoder, checked against addresses the kernel
 * itself reports (getsockname on real sockets), plus generic socket(),
 * bind, connect and socket options.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import {
  bind, connect, getPeerName, getSockName, getSockOptBytes, getSockOptInt, listenFd, setSockOpt, socket,
} from '../../host/sys/generic-socket.js';
import { decodeSockaddr, sockaddrInet, sockaddrInet6, sockaddrNetlink, sockaddrUnix } from '../../host/sys/sockaddr.js';
import {
  AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, SO_TYPE,
} from '../../host/os/socket-abi.js';
import { acceptFd } from '../../host/sys/socket.js';
import { useFdTracker, useTempDir } from './helpers.js';

const fds = useFdTracker();
const tempDir = useTempDir();

describe('sockaddr builders and decodeSockaddr', () => {
  it('AF_INET: 16 bytes, port big-endian; what the kernel reports after bind decodes back', () => {
    const a = sockaddrInet('127.0.0.1', 0x1234);
    expect(a.byteLength).toBe(16);
    expect([...a.subarray(2, 8)]).toEqual([0x12, 0x34, 127, 0, 0, 1]);
    const fd = fds.track(socket(AF_INET, SOCK_DGRAM));
    bind(fd, sockaddrInet('127.0.0.1', 0));
    const got = decodeSockaddr(getSockName(fd));
    expect(got).toMatchObject({ family: 'inet', address: '127.0.0.1' });
    expect((got as { port: number }).port).toBeGreaterThan(0);
  });

  it('AF_INET6: 28 bytes with flowinfo and scope; ::1 round-trips through the kernel', () => {
    const a = sockaddrInet6('fe80::1', 443, { scopeId: 1, flowinfo: 7 });
    expect(a.byteLength).toBe(28);
    expect(decodeSockaddr(a)).toEqual({ family: 'inet6', address: 'fe80::1', port: 443, flowinfo: 7, scopeId: 1 });
    const fd = fds.track(socket(AF_INET6, SOCK_DGRAM));
    bind(fd, sockaddrInet6('::1', 0));
    expect(decodeSockaddr(getSockName(fd))).toMatchObject({ family: 'inet6', address: '::1', scopeId: 0 });
  });

  it('AF_UNIX: path, abstract and unnamed addresses as the kernel reports them', () => {
    const path = join(tempDir(), 'named.sock');
    const fd = fds.track(socket(AF_UNIX, SOCK_DGRAM));
    bind(fd, sockaddrUnix(path));
    expect(decodeSockaddr(getSockName(fd))).toEqual({ family: 'unix', path });
    const abs = fds.track(socket(AF_UNIX, SOCK_DGRAM));
    const name = `\0netpoll-test-${process.pid}`;
    bind(abs, sockaddrUnix(name));
    expect(decodeSockaddr(getSockName(abs))).toEqual({ family: 'unix', path: name });
    const unnamed = fds.track(socket(AF_UNIX, SOCK_DGRAM));
    expect(decodeSockaddr(getSockName(unnamed))).toEqual({ family: 'unix', path: '' });
  });

  it('AF_NETLINK: 12 bytes; the kernel assigns a pid on bind', () => {
    expect(decodeSockaddr(sockaddrNetlink(5, 1))).toEqual({ family: 'netlink', pid: 5, groups: 1 });
    const fd = fds.track(socket(AF_NETLINK, SOCK_RAW, 0));
    bind(fd, sockaddrNetlink());
    const got = decodeSockaddr(getSockName(fd)) as { family: string; pid: number };
    expect(got.family).toBe('netlink');
    expect(got.pid).not.toBe(0);
  });

  it('bad input is a TypeError or RangeError before any syscall', () => {
    expect(() => sockaddrInet('256.0.0.1', 1)).toThrow(TypeError);
    expect(() => sockaddrInet('::1', 1)).toThrow(TypeError);
    expect(() => sockaddrInet('1.2.3.4\0', 1)).toThrow(TypeError);
    expect(() => sockaddrInet('1.2.3.4', 65536)).toThrow(RangeError);
    expect(() => sockaddrInet6('1.2.3.4', 1)).toThrow(TypeError);
    expect(() => sockaddrInet6('::1', 1, { scopeId: -1 })).toThrow(RangeError);
    expect(() => sockaddrNetlink(2 ** 32)).toThrow(RangeError);
    expect(() => sockaddrUnix('x'.repeat(200))).toThrow(RangeError);
  });

  it('decodeSockaddr never reads past its bytes: short or unknown families come back as bytes', () => {
    expect(decodeSockaddr(new Uint8Array(0))).toEqual({ family: 0, bytes: new Uint8Array(0) });
    const shortInet = sockaddrInet('10.0.0.1', 80).slice(0, 10);
    expect(decodeSockaddr(shortInet)).toEqual({ family: AF_INET, bytes: shortInet });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const got = decodeSockaddr(bytes.slice()); // a copy: nothing past its end to read
        expect(got).toHaveProperty('family');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('generic sockets', () => {
  it('socket() is non-blocking and close-on-exec; SO_TYPE reports the type', () => {
    for (const type of [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET]) {
      const fd = fds.track(socket(AF_UNIX, type));
      expect(isNonBlocking(fd)).toBe(true);
      expect(isCloseOnExec(fd)).toBe(true);
      expect(getSockOptInt(fd, SOL_SOCKET, SO_TYPE)).toBe(type);
    }
    expect(() => socket(12345, SOCK_STREAM)).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT', syscall: 'socket' }));
    expect(() => socket(AF_UNIX, 1.5)).toThrow(RangeError);
  });

  it('setSockOpt with an int and with bytes; getSockOptBytes returns what the kernel filled', () => {
    const fd = fds.track(socket(AF_UNIX, SOCK_DGRAM));
    setSockOpt(fd, SOL_SOCKET, SO_RCVBUF, 65536);
    expect(getSockOptInt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(2 * 65536); // Linux doubles it for bookkeeping
    setSockOpt(fd, SOL_SOCKET, SO_RCVBUF, new Uint8Array(new Int32Array([32768]).buffer));
    const bytes = getSockOptBytes(fd, SOL_SOCKET, SO_RCVBUF, 16);
    expect(bytes.byteLength).toBe(4);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true)).toBe(2 * 32768);
    expect(() => setSockOpt(fd, SOL_SOCKET, 9999, 1)).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT', syscall: 'setsockopt' }));
  });

  it('TCP on loopback: listen, a pending connect, accept, peer names agree', () => {
    const l = fds.track(socket(AF_INET, SOCK_STREAM));
    bind(l, sockaddrInet('127.0.0.1', 0));
    listenFd(l);
    const where = getSockName(l);
    const c = fds.track(socket(AF_INET, SOCK_STREAM));
    expect(() => getPeerName(c)).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
    connect(c, where); // loopback may finish at once or be in progress
    let s = -1;
    for (let i = 0; i < 1000 && s < 0; i++) s = acceptFd(l);
    fds.track(s);
    expect(connect(c, where)).toBe(true); // EISCONN counts as connected
    expect(decodeSockaddr(getPeerName(c))).toEqual(decodeSockaddr(where));
    expect(decodeSockaddr(getPeerName(s))).toEqual(decodeSockaddr(getSockName(c)));
  });

  it('connect errors other than in-progress throw with the errno', () => {
    const c = fds.track(socket(AF_UNIX, SOCK_STREAM));
    expect(() => connect(c, sockaddrUnix(join(tempDir(), 'nobody.sock')))).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'connect', fd: c }),
    );
  });
});
