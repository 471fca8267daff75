import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as libc from '../../host/os/libc.js';
import { ERRNO, SyscallError, errnoName, isSyscallError, throwErrno } from '../../host/os/errors.js';
import { closeFd, pipe, readFd, setNonBlocking } from '../../host/os/fd.js';
import { useFdTracker } from './helpers.js';

const fds = useFdTracker();

describe('errno names', () => {
  it('maps numbers to Node codes, preferring EAGAIN over EWOULDBLOCK', () => {
    expect(errnoName(9)).toBe('EBADF');
    expect(errnoName(constants.errno.EAGAIN)).toBe('EAGAIN');
    expect(errnoName(constants.errno.EWOULDBLOCK)).toBe('EAGAIN');
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(987654)).toBe('UNKNOWN');
    expect(ERRNO.EINTR).toBe(4);
  });
});

describe('SyscallError', () => {
  it('is Node-shaped: code, positive errno, syscall, and a short message', () => {
    const err = new SyscallError('read', 9, { fd: 42 });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SyscallError');
    expect(err.code).toBe('EBADF');
    expect(err.errno).toBe(9);
    expect(err.syscall).toBe('read');
    expect(err.fd).toBe(42);
    expect(err.message).toBe('read EBADF (fd 42)');
    expect(new SyscallError('bind', 98, { fd: 3, path: '/x' }).message).toBe('bind EADDRINUSE (fd 3, path "/x")');
    expect(new SyscallError('pipe2', 24).message).toBe('pipe2 EMFILE');
  });

  it('comes out of a read on a closed fd', () => {
    const [r, w] = pipe();
    closeFd(r);
    closeFd(w);
    let caught: unknown;
    try {
      readFd(r, new Uint8Array(1));
    } catch (err) {
      caught = err;
    }
    expect(isSyscallError(caught, 'EBADF')).toBe(true);
    expect(caught).toMatchObject({ code: 'EBADF', errno: 9, syscall: 'read', fd: r, message: `read EBADF (fd ${r})` });
  });

  it('comes out of close and fcntl on a bad fd', () => {
    // 999_999: a valid fd number that is not open (-1 is refused before any syscall: test/sys/fd-args.test.ts)
    expect(() => closeFd(999_999)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    expect(() => setNonBlocking(999_999)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fcntl' }));
  });

  it('throwErrno reads the errno of the call just made', () => {
    const [r] = fds.trackAll(pipe());
    expect(libc.read(r, new Uint8Array(1), 1)).toBe(-1);
    expect(() => throwErrno('read', { fd: r })).toThrow(
      expect.objectContaining({ code: 'EAGAIN', errno: constants.errno.EAGAIN, syscall: 'read' }),
    );
    expect(isSyscallError(new Error('x'))).toBe(false);
  });
});
