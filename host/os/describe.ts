/**
 * What kind of descriptor an fd is, for code that adapts to it (the stream
 * adapter picks message mode and its directions from these).
 */
import { isSyscallError } from './errors.js';
import { getFl } from './fd.js';
import { getSockOptInt } from './sockopt.js';
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_TYPE } from './socket-abi.js';

const O_ACCMODE = 0o3;
const SOCK_NAMES: Record<number, 'stream' | 'dgram' | 'seqpacket'> = { [SOCK_STREAM]: 'stream', [SOCK_DGRAM]: 'dgram', [SOCK_SEQPACKET]: 'seqpacket' };

/** The directions an fd was opened for (fcntl F_GETFL & O_ACCMODE): a pipe's read end is 'r', its write end 'w'. */
export function accessMode(fd: number): 'r' | 'w' | 'rw' {
  const mode = getFl(fd) & O_ACCMODE;
  return mode === 0 ? 'r' : mode === 1 ? 'w' : 'rw';
}

/**
 * getsockopt(SO_TYPE): 'stream', 'dgram' or 'seqpacket'; the raw SOCK_*
 * number for other types (SOCK_RAW = 3, …); null when fd is not a socket.
 */
export function socketKind(fd: number): 'stream' | 'dgram' | 'seqpacket' | number | null {
  let type: number;
  try {
    type = getSockOptInt(fd, SOL_SOCKET, SO_TYPE, 'SO_TYPE');
  } catch (err) {
    if (isSyscallError(err, 'ENOTSOCK')) return null;
    throw err;
  }
  return SOCK_NAMES[type] ?? type;
}
