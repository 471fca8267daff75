/**
 * A listening AF_UNIX stream socket only its owner can connect to.
 *
 * Connecting to a unix socket needs write permission on the socket file,
 * which bind(2) creates with 0777 & ~umask. Changing the process umask is
 * not an option (it is process-wide, and worker threads may not set it), so
 * the file is chmod'ed to 0600 between bind and listen: until listen(2) no
 * one can connect (ECONNREFUSED), so there is no window in which another
 * user could.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import * as libc from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { closeFd } from '../os/fd.js';
import { sockaddrUn, unixSocket } from './socket.js';

/** socket + bind(path) + chmod 0600 + listen: a non-blocking, close-on-exec listener. The path must not exist. */
export function unixListenOwnerOnly(path: string, backlog = 64): number {
  const { addr, len } = sockaddrUn(path);
  const fd = unixSocket('stream');
  let bound = false;
  try {
    if (libc.bind(fd, addr, len) < 0) throwErrno('bind', { fd, path });
    bound = true;
    chmodSync(path, 0o600);
    if (libc.listen(fd, backlog) < 0) throwErrno('listen', { fd, path });
    return fd;
  } catch (err) {
    closeFd(fd);
    if (bound) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
    throw err;
  }
}
