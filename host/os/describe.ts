/**
 * What kind of descriptor an fd is, for code that adapts to it (the stream
 * adapter picks message mode and its directions from these).
 */
import * as libc from './libc.js';
import { ERRNO, SyscallError } from './errors.js';
import { getFl } from './fd.js';
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_TYPE } from './socket-abi.js';

const O_ACCMODE = 0o3;
const SOCK_NAMES: Record<number, 'stream' | 'dgram' | 'seqpacket'> = { [SOCK_STREAM]: 'stream', [SOCK_DGRAM]: 'dgram', [SOCK_SEQPACKET]: 'seqpacket' };

/** The directions an fd was opened for (fcntl F_GETFL & O_ACCMODE): a pipe's read end is 'r', its write end 'w'. */
export function accessMode(fd: number): 'r' | 'w' | 'rw' {
  const mode = getFl(fd) & O_ACCMODE;
  return mode === 0 ? 'r' : mode === 1 ? 'w' : 'rw';
}

const optval = new Int32Array(1);
const optlen = new Uint32Array(1);

/**
 * getsockopt(SO_TYPE): 'stream', 'dgram' or 'seqpacket'; the raw SOCK_*
 * number for other types (SOCK_RAW = 3, …); null when fd is not a socket.
 */
export function socketKind(fd: number): 'stream' | 'dgram' | 'seqpacket' | number | null {
  optlen[0] = 4;
  if (libc.getsockopt(fd, SOL_SOCKET, SO_TYPE, optval, optlen) < 0) {
    const errno = libc.errno();
    if (errno === ERRNO.ENOTSOCK) return null;
    throw new SyscallError('getsockopt', errno, { fd, info: 'SO_TYPE' });
  }
  return SOCK_NAMES[optval[0]] ?? optval[0];
}
