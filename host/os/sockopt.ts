/**
 * getsockopt(2) of an int option, written once: the socket type
 * (describe.ts), the pending error (sys/socket.ts socketError) and the
 * toolkit's getSockOptInt all read through here. Returns the value, or
 * throws SyscallError (ENOTSOCK for an fd that is not a socket).
 */
import * as libc from './libc.js';
import { throwErrno } from './errors.js';

// Scratch for the value and its length. Safe to share: every use is synchronous.
const intOpt = new Int32Array(1);
const optLen = new Uint32Array(1);

export function getSockOptInt(fd: number, level: number, option: number, info = `level ${level} option ${option}`): number {
  optLen[0] = 4;
  if (libc.getsockopt(fd, level, option, intOpt, optLen) < 0) throwErrno('getsockopt', { fd, info });
  return intOpt[0];
}
