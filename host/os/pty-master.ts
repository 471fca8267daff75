/**
 * Whether an fd is a pty master, and the EIO a pty master's read gives once
 * its slave has hung up, which PollFD.read reports as EOF (as serialport and
 * node-pty do). Opening ptys is the Linux toolkit's (host/sys/pty.ts).
 */
import { ioctl } from './libc.js';
import { SyscallError } from './errors.js';
import { validateFd } from './args.js';

/** _IOR('T', 0x30, unsigned int): the pty number; only a pty master answers it. */
const TIOCGPTN = 0x80045430;

const ptn = new Uint32Array(1);

/** `fd` is the master end of a pty (TIOCGPTN succeeds only there). */
export function isPtyMaster(fd: number): boolean {
  validateFd(fd);
  return ioctl(fd, TIOCGPTN, 'void *', ptn) === 0;
}

/**
 * The read error a pty master gives once its slave has hung up (EIO), which
 * callers report as EOF. Checked only when EIO arrives, so other fds pay
 * nothing, and only a pty master qualifies.
 */
export function isPtyHangup(err: unknown, fd: number): boolean {
  return err instanceof SyscallError && err.code === 'EIO' && isPtyMaster(fd);
}
