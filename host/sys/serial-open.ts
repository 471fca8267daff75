/**
 * Opening and closing a serial port the way serialport's Linux binding does:
 * non-blocking, not as a controlling tty, optionally locked against other
 * openers with flock(LOCK_EX | LOCK_NB), in raw mode with the receiver on and
 * the modem-control lines ignored for opening (CLOCAL | CREAD).
 */
import * as libc from './libc-fds.js';
import { O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_RDWR } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { closeFd, closingOnError } from '../os/fd.js';
import { CLOCAL, CREAD, getTermios2, setTermios2 } from './termios2.js';
import { VMIN, VTIME, setRawMode } from './termios.js';
import { InvalidArgTypeError, checkBoolean, checkInteger, validateFd } from '../os/args.js';
import { clearExclusive, setExclusive } from './serial-control.js';

const LOCK_EX = 2;
const LOCK_NB = 4;

export interface SerialOpenOptions {
  /** flock(LOCK_EX | LOCK_NB) the port, as serialport does (default true): a second locked open fails with EWOULDBLOCK. */
  lock?: boolean;
  /** Also TIOCEXCL: other open(2)s fail with EBUSY (default false). Cleared again by closeSerial. */
  exclusive?: boolean;
  /** VMIN and VTIME (defaults 1 and 0: a read returns as soon as one byte is there). */
  vmin?: number;
  vtime?: number;
}

/** Opens `path` as a raw serial line. The fd is close-on-exec and non-blocking; close it with closeSerial. */
export function openSerial(path: string, options: SerialOpenOptions = {}): number {
  if (typeof path !== 'string' || path === '') throw new InvalidArgTypeError('path', 'a non-empty string', path);
  const lock = checkBoolean(options.lock ?? true, 'options.lock');
  const exclusive = checkBoolean(options.exclusive ?? false, 'options.exclusive');
  const vmin = checkInteger(options.vmin ?? 1, 'options.vmin', 0, 255);
  const vtime = checkInteger(options.vtime ?? 0, 'options.vtime', 0, 255);
  const fd = libc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throwErrno('open', { path });
  return closingOnError(fd, () => {
    if (lock && libc.flock(fd, LOCK_EX | LOCK_NB) < 0) throwErrno('flock', { fd, path, info: 'the port is locked by another open' });
    setRawMode(fd);
    const t = getTermios2(fd);
    t.cflag |= CLOCAL | CREAD;
    t.cc[VMIN] = vmin;
    t.cc[VTIME] = vtime;
    setTermios2(fd, t);
    if (exclusive) setExclusive(fd, true);
    return fd;
  });
}

/**
 * Clears TIOCEXCL (another descriptor of the same tty would otherwise keep
 * the port locked) and closes. The flock goes with the close.
 */
export function closeSerial(fd: number): void {
  validateFd(fd);
  clearExclusive(fd);
  closeFd(fd);
}
