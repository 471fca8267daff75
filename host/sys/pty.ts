/**
 * Pseudo-terminals: the stand-in for a serial port in tests, and what a
 * terminal emulator or `script(1)` is built on. The master is the end this
 * process reads and writes; the slave is a tty to hand to a child process.
 *
 * When the last descriptor of the slave closes, read(2) on the master fails
 * with EIO instead of returning 0. PollFD.read reports that as EOF, as
 * serialport and node-pty do — only on a pty master (isPtyMaster), so EIO
 * from any other device is still an error.
 */
import * as libc from './libc-fds.js';
import { O_CLOEXEC, O_NOCTTY, O_RDWR } from '../os/libc.js';
import { SyscallError, throwErrno } from '../os/errors.js';
import { closeFd } from '../os/fd.js';


export interface Pty {
  /** The master end (close-on-exec, not a controlling tty of this process). */
  master: number;
  /** The slave end, opened O_NOCTTY | O_CLOEXEC: pass it to a child's stdio, then close it here. */
  slave: number;
  /** The slave's path, e.g. /dev/pts/3. */
  path: string;
}

const nameBuf = new Uint8Array(128);

/**
 * posix_openpt + grantpt + unlockpt + ptsname_r, then opens the slave. Both
 * ends are blocking as created; PollFD.open makes them non-blocking.
 */
export function openPty(): Pty {
  const master = libc.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) throwErrno('posix_openpt');
  try {
    if (libc.grantpt(master) < 0) throwErrno('grantpt', { fd: master });
    if (libc.unlockpt(master) < 0) throwErrno('unlockpt', { fd: master });
    const err = libc.ptsname_r(master, nameBuf, nameBuf.byteLength);
    if (err !== 0) throw new SyscallError('ptsname_r', err, { fd: master });
    const end = nameBuf.indexOf(0);
    const path = Buffer.from(nameBuf.subarray(0, end < 0 ? nameBuf.byteLength : end)).toString('utf8');
    const slave = libc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) throwErrno('open', { path });
    return { master, slave, path };
  } catch (err) {
    closeFd(master);
    throw err;
  }
}

export { isPtyHangup, isPtyMaster } from '../os/pty-master.js';
