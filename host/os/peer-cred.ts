/**
 * SO_PEERCRED: who is at the other end of a connected AF_UNIX socket, as the
 * kernel recorded it at connect(2) / listen(2) time. The pid is translated
 * into the caller's pid namespace, and reads 0 when the peer's process is not
 * visible there (another container sharing this network namespace).
 *
 * struct ucred { pid_t pid; uid_t uid; gid_t gid; } — 12 bytes on every Linux arch.
 */
import * as libc from './libc.js';
import { throwErrno } from './errors.js';
import { SOL_SOCKET } from './socket-abi.js';

const SO_PEERCRED = 17;
const UCRED_SIZE = 12;

const ucred = new Int32Array(UCRED_SIZE / 4);
const ucredLen = new Uint32Array(1);

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

/** getsockopt(SO_PEERCRED) of a connected (or listening) AF_UNIX socket. */
export function peerCred(fd: number): PeerCred {
  ucredLen[0] = UCRED_SIZE;
  if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, ucredLen) < 0) throwErrno('getsockopt', { fd, info: 'SO_PEERCRED' });
  return { pid: ucred[0], uid: ucred[1] >>> 0, gid: ucred[2] >>> 0 };
}
