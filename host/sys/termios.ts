/**
 * termios: raw mode, line speed and window size for a tty (a serial port or
 * either end of a pty).
 *
 * struct termios, glibc on x86_64 and on aarch64 (the same layout; Linux's
 * generic termbits, NCCS = 32):
 *
 *   +0   c_iflag   u32        +16  c_line    u8
 *   +4   c_oflag   u32        +17  c_cc[32]  u8 each (VTIME = 5, VMIN = 6)
 *   +8   c_cflag   u32        +52  c_ispeed  u32   (after 3 bytes of padding)
 *   +12  c_lflag   u32        +56  c_ospeed  u32   sizeof = 60
 *
 * The flag and B* values below are the same on both archs (they differ on
 * powerpc, mips, sparc and alpha, which are not supported).
 */
import * as libc from './libc-fds.js';
import { LITTLE_ENDIAN, ioctl } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { OutOfRangeError, validateFd, validateInteger } from '../os/args.js';

export const TERMIOS_SIZE = 60;
const C_IFLAG = 0;
const C_OFLAG = 4;
const C_CFLAG = 8;
const C_LFLAG = 12;
const C_CC = 17;
const NCCS = 32;
const TCSANOW = 0;

/** A decoded struct termios. */
export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  /** The control characters c_cc[0..31] (index with VMIN, VTIME, …). */
  cc: Uint8Array;
}

// Flags a user is likely to test; the full sets are in <asm-generic/termbits.h>.
export const ICRNL = 0o400;
export const IXON = 0o2000;
export const OPOST = 0o1;
export const ONLCR = 0o4;
export const CSIZE = 0o60;
export const CS8 = 0o60;
export const PARENB = 0o400;
export const CBAUD = 0o10017;
export const ISIG = 0o1;
export const ICANON = 0o2;
export const ECHO = 0o10;
export const IEXTEN = 0o100000;
export const VTIME = 5;
export const VMIN = 6;

/** Line speeds in bits/s → their B* code (c_cflag & CBAUD). */
export const BAUD_RATES: ReadonlyMap<number, number> = new Map([
  [0, 0], [50, 0o1], [75, 0o2], [110, 0o3], [134, 0o4], [150, 0o5], [200, 0o6], [300, 0o7],
  [600, 0o10], [1200, 0o11], [1800, 0o12], [2400, 0o13], [4800, 0o14], [9600, 0o15], [19200, 0o16],
  [38400, 0o17], [57600, 0o10001], [115200, 0o10002], [230400, 0o10003], [460800, 0o10004],
  [500000, 0o10005], [576000, 0o10006], [921600, 0o10007], [1000000, 0o10010], [1152000, 0o10011],
  [1500000, 0o10012], [2000000, 0o10013], [2500000, 0o10014], [3000000, 0o10015], [3500000, 0o10016],
  [4000000, 0o10017],
]);
const RATE_OF_CODE = new Map([...BAUD_RATES].map(([rate, code]) => [code, rate]));

function tcget(fd: number): Uint8Array {
  validateFd(fd);
  const t = new Uint8Array(TERMIOS_SIZE);
  if (libc.tcgetattr(fd, t) < 0) throwErrno('tcgetattr', { fd });
  return t;
}

function tcset(fd: number, t: Uint8Array): void {
  if (libc.tcsetattr(fd, TCSANOW, t) < 0) throwErrno('tcsetattr', { fd });
}

/** tcgetattr, decoded. ENOTTY for an fd that is not a terminal. */
export function getTermios(fd: number): Termios {
  const t = tcget(fd);
  const v = new DataView(t.buffer);
  return {
    iflag: v.getUint32(C_IFLAG, LITTLE_ENDIAN),
    oflag: v.getUint32(C_OFLAG, LITTLE_ENDIAN),
    cflag: v.getUint32(C_CFLAG, LITTLE_ENDIAN),
    lflag: v.getUint32(C_LFLAG, LITTLE_ENDIAN),
    cc: t.slice(C_CC, C_CC + NCCS),
  };
}

/**
 * Raw mode, applied at once (TCSANOW): glibc's cfmakeraw on the current
 * settings — no echo, no line editing, no signals from ^C, no CR/NL
 * translation, 8 data bits without parity, and a read returns as soon as one
 * byte is there (VMIN 1, VTIME 0).
 */
export function setRawMode(fd: number): void {
  const t = tcget(fd);
  libc.cfmakeraw(t);
  tcset(fd, t);
}

function baudCode(rate: number): number {
  validateInteger(rate, 'rate', 0, 0x7fff_ffff);
  const code = BAUD_RATES.get(rate);
  if (code === undefined) throw new OutOfRangeError('rate', `a line speed termios has (one of ${[...BAUD_RATES.keys()].join(', ')})`, rate);
  return code;
}

/**
 * Sets the line speed in bits/s, both directions (cfsetispeed and
 * cfsetospeed with the B* code). Split speeds are left out: through glibc's
 * tcsetattr the kernel takes the input speed from the output speed.
 */
export function setSpeed(fd: number, rate: number): void {
  const code = baudCode(rate);
  const t = tcget(fd);
  if (libc.cfsetispeed(t, code) < 0) throwErrno('cfsetispeed', { fd, info: `${rate}` });
  if (libc.cfsetospeed(t, code) < 0) throwErrno('cfsetospeed', { fd, info: `${rate}` });
  tcset(fd, t);
}

/** The line speeds in bits/s (cfgetispeed/cfgetospeed). */
export function getSpeed(fd: number): { in: number; out: number } {
  const t = tcget(fd);
  const rate = (code: number): number => RATE_OF_CODE.get(code) ?? NaN;
  return { in: rate(libc.cfgetispeed(t)), out: rate(libc.cfgetospeed(t)) };
}

// struct winsize { u16 ws_row, ws_col, ws_xpixel, ws_ypixel } — 8 bytes.
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;

export interface WindowSize {
  rows: number;
  cols: number;
  /** Pixel sizes; most programs leave them 0. */
  xpixel?: number;
  ypixel?: number;
}

/** TIOCSWINSZ. On a pty master this is how a terminal emulator resizes; the slave's process group gets SIGWINCH. */
export function setWindowSize(fd: number, size: WindowSize): void {
  validateFd(fd);
  const ws = new Uint16Array(4);
  const fields = [size.rows, size.cols, size.xpixel ?? 0, size.ypixel ?? 0];
  fields.forEach((v, i) => {
    validateInteger(v, `size.${['rows', 'cols', 'xpixel', 'ypixel'][i]}`, 0, 0xffff);
    ws[i] = v;
  });
  if (ioctl(fd, TIOCSWINSZ, 'void *', ws) < 0) throwErrno('ioctl', { fd, info: 'TIOCSWINSZ' });
}

/** TIOCGWINSZ. */
export function getWindowSize(fd: number): Required<WindowSize> {
  validateFd(fd);
  const ws = new Uint16Array(4);
  if (ioctl(fd, TIOCGWINSZ, 'void *', ws) < 0) throwErrno('ioctl', { fd, info: 'TIOCGWINSZ' });
  return { rows: ws[0], cols: ws[1], xpixel: ws[2], ypixel: ws[3] };
}

/** isatty(3): `fd` is a terminal (a serial port, a console, either end of a pty). */
export function isTty(fd: number): boolean {
  validateFd(fd);
  return libc.isatty(fd) === 1;
}
