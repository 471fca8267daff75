/**
 * Serial line control besides the settings: modem lines (DTR, RTS out; CTS,
 * DSR, DCD, RI in), break, drain, flush and the exclusive-open lock.
 *
 * The ioctl numbers are the generic ones (<asm-generic/ioctls.h>, x86_64 and
 * aarch64). A pty has no modem lines: TIOCMGET/TIOCMSET answer ENOTTY there.
 */
import { ioctl } from '../os/libc.js';
import { SyscallError, throwErrno } from '../os/errors.js';
import { InvalidArgTypeError, checkBoolean, checkInteger, checkOneOf, validateFd } from '../os/args.js';

const TCFLSH = 0x540b;
const TIOCEXCL = 0x540c;
const TIOCNXCL = 0x540d;
const TIOCMGET = 0x5415;
const TIOCMBIS = 0x5416;
const TIOCMBIC = 0x5417;
const TIOCMSET = 0x5418;
const TIOCSBRK = 0x5427;
const TIOCCBRK = 0x5428;
/** _IOR('T', 0x40, int): the exclusive flag (Linux 3.8+). */
const TIOCGEXCL = 0x80045440;

/** TIOCM_* bits, by the name serialport and users use. */
export const MODEM_BITS = { dtr: 0x002, rts: 0x004, cts: 0x020, dcd: 0x040, ri: 0x080, dsr: 0x100 } as const;
export type ModemLine = keyof typeof MODEM_BITS;
export type ModemLines = Record<ModemLine, boolean>;
/** The lines this end drives; the others are inputs and cannot be set. */
export const OUTPUT_LINES: readonly ModemLine[] = ['dtr', 'rts'];

/** TIOCM_* bits → named lines. */
export function decodeModemBits(bits: number): ModemLines {
  const out = {} as ModemLines;
  for (const [name, bit] of Object.entries(MODEM_BITS)) out[name as ModemLine] = (bits & bit) !== 0;
  return out;
}

function ioctlInt(fd: number, request: number, name: string, value?: Int32Array): void {
  const r = value === undefined ? ioctl(fd, request, 'int', 0) : ioctl(fd, request, 'void *', value);
  if (r < 0) throwErrno('ioctl', { fd, info: name });
}

/** TIOCMGET: every modem line. */
export function getModemLines(fd: number): ModemLines {
  validateFd(fd);
  const bits = new Int32Array(1);
  ioctlInt(fd, TIOCMGET, 'TIOCMGET', bits);
  return decodeModemBits(bits[0]!);
}

/**
 * Raises (true) or lowers (false) the output lines named (DTR, RTS); the
 * others stay. TIOCMBIS for the raised, TIOCMBIC for the lowered.
 */
export function setModemLines(fd: number, lines: Partial<Record<'dtr' | 'rts', boolean>>): void {
  validateFd(fd);
  if (typeof lines !== 'object' || lines === null) throw new InvalidArgTypeError('lines', 'an object', lines);
  let raise = 0;
  let lower = 0;
  for (const [name, on] of Object.entries(lines)) {
    if (on === undefined) continue;
    const line = checkOneOf(name, 'lines', OUTPUT_LINES);
    if (checkBoolean(on, `lines.${line}`)) raise |= MODEM_BITS[line];
    else lower |= MODEM_BITS[line];
  }
  if (raise !== 0) ioctlInt(fd, TIOCMBIS, 'TIOCMBIS', Int32Array.of(raise));
  if (lower !== 0) ioctlInt(fd, TIOCMBIC, 'TIOCMBIC', Int32Array.of(lower));
}

/** TIOCMSET: the output lines exactly as given (a line left out is lowered). */
export function setAllModemLines(fd: number, lines: Partial<Record<'dtr' | 'rts', boolean>>): void {
  validateFd(fd);
  if (typeof lines !== 'object' || lines === null) throw new InvalidArgTypeError('lines', 'an object', lines);
  let bits = 0;
  for (const [name, on] of Object.entries(lines)) {
    if (on === undefined) continue;
    const line = checkOneOf(name, 'lines', OUTPUT_LINES);
    if (checkBoolean(on, `lines.${line}`)) bits |= MODEM_BITS[line];
  }
  ioctlInt(fd, TIOCMSET, 'TIOCMSET', Int32Array.of(bits));
}

/** TIOCSBRK / TIOCCBRK: hold the line in break (on) or release it. A driver without break support ignores both. */
export function setBreak(fd: number, on: boolean): void {
  validateFd(fd);
  if (checkBoolean(on, 'on')) ioctlInt(fd, TIOCSBRK, 'TIOCSBRK');
  else ioctlInt(fd, TIOCCBRK, 'TIOCCBRK');
}

/** A break of `ms` milliseconds (default 250, what tcsendbreak(fd, 0) gives), timed on the event loop, not by blocking. */
export async function sendBreak(fd: number, ms = 250): Promise<void> {
  validateFd(fd);
  checkInteger(ms, 'ms', 1, 10_000);
  setBreak(fd, true);
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    setBreak(fd, false);
  }
}

const TIOCOUTQ = 0x5411;
const TIOCSERGETLSR = 0x5459;
const TIOCSER_TEMT = 0x01;
/** drain's polling interval grows to this (ms): a byte at 9600 baud takes about 1 ms. */
const DRAIN_POLL_MAX_MS = 16;

/** Bytes written but not yet handed to the UART (TIOCOUTQ). */
export function outputQueued(fd: number): number {
  validateFd(fd);
  const n = new Int32Array(1);
  ioctlInt(fd, TIOCOUTQ, 'TIOCOUTQ', n);
  return n[0]!;
}

/** The transmitter has sent its last bit (TIOCSERGETLSR); true where the driver cannot tell (a pty, USB adapters without it). */
function transmitterEmpty(fd: number): boolean {
  const lsr = new Int32Array(1);
  if (ioctl(fd, TIOCSERGETLSR, 'void *', lsr) < 0) return true;
  return (lsr[0]! & TIOCSER_TEMT) !== 0;
}

/**
 * Resolves once everything written has been sent: the output queue is empty
 * and the transmitter idle. tcdrain(3) would block a thread for as long as
 * that takes, forever with flow control holding the line; this polls on
 * timers instead (1 ms, doubling to 16 ms), so it blocks neither the JS
 * thread nor a threadpool thread that a worker's terminate() would wait for.
 * Rejects with the ioctl's error (ENOTTY for a non-tty).
 */
export async function drain(fd: number): Promise<void> {
  validateFd(fd);
  for (let wait = 1; outputQueued(fd) > 0 || !transmitterEmpty(fd); wait = Math.min(wait * 2, DRAIN_POLL_MAX_MS)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

const QUEUES = { input: 0, output: 1, both: 2 } as const; // TCIFLUSH, TCOFLUSH, TCIOFLUSH
export type FlushQueue = keyof typeof QUEUES;

/** TCFLSH: discards received-but-unread input, written-but-unsent output, or both (the default). */
export function flush(fd: number, queue: FlushQueue = 'both'): void {
  validateFd(fd);
  const which = checkOneOf(queue, 'queue', Object.keys(QUEUES) as FlushQueue[]);
  if (ioctl(fd, TCFLSH, 'int', QUEUES[which]) < 0) throwErrno('ioctl', { fd, info: 'TCFLSH' });
}

/**
 * TIOCEXCL (on) / TIOCNXCL (off): while set, further open(2)s of the tty fail
 * with EBUSY (except for CAP_SYS_ADMIN). The kernel drops the flag when the
 * tty's last descriptor closes; closeSerial clears it first so a port shared
 * with another descriptor is not left locked.
 */
export function setExclusive(fd: number, on: boolean): void {
  validateFd(fd);
  if (checkBoolean(on, 'on')) ioctlInt(fd, TIOCEXCL, 'TIOCEXCL');
  else ioctlInt(fd, TIOCNXCL, 'TIOCNXCL');
}

/** TIOCGEXCL: the exclusive flag. */
export function isExclusive(fd: number): boolean {
  validateFd(fd);
  const v = new Int32Array(1);
  ioctlInt(fd, TIOCGEXCL, 'TIOCGEXCL', v);
  return v[0] !== 0;
}

/** TIOCNXCL, for closing: a descriptor that is not a tty (ENOTTY) has no flag to clear. */
export function clearExclusive(fd: number): void {
  validateFd(fd);
  try {
    setExclusive(fd, false);
  } catch (err) {
    if (!(err instanceof SyscallError) || err.code !== 'ENOTTY') throw err;
  }
}
