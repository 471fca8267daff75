/**
 * struct termios2: the kernel's own termios, which carries the line speed as
 * a number (c_ispeed/c_ospeed with BOTHER) so any rate the driver can make is
 * reachable, not only the B* table. Read and written with TCGETS2/TCSETS2,
 * bypassing glibc's struct termios (which has no BOTHER path).
 *
 * Layout (<asm-generic/termbits.h>, x86_64 and aarch64; kernel NCCS = 19):
 *
 *   +0 c_iflag u32   +4 c_oflag u32   +8 c_cflag u32   +12 c_lflag u32
 *   +16 c_line u8    +17 c_cc[19] u8  +36 c_ispeed u32  +40 c_ospeed u32   sizeof = 44
 *
 * c_cflag bits used here are the generic ones (same on both archs).
 */
import { LITTLE_ENDIAN, ioctl } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { validateFd } from '../os/args.js';
import { CBAUD } from './termios.js';

export const TERMIOS2_SIZE = 44;
const KERNEL_NCCS = 19;
const OFF = { iflag: 0, oflag: 4, cflag: 8, lflag: 12, line: 16, cc: 17, ispeed: 36, ospeed: 40 } as const;

// _IOR('T', 0x2A, struct termios2) and _IOW('T', 0x2B, struct termios2): 44 = 0x2C is the size field.
const TCGETS2 = 0x802c542a;
const TCSETS2 = 0x402c542b;

// c_cflag (CBAUD, CSIZE, CS8, PARENB, IXON, VMIN and VTIME are in termios.ts: glibc and the kernel agree on them)
/** CBAUD code meaning "the rate is in c_ispeed/c_ospeed". */
export const BOTHER = 0o10000;
/** The input-speed code sits IBSHIFT bits up; 0 there means "same as output". */
export const CIBAUD = CBAUD << 16;
export const CS5 = 0o0;
export const CS6 = 0o20;
export const CS7 = 0o40;
export const CSTOPB = 0o100;
export const CREAD = 0o200;
export const PARODD = 0o1000;
export const HUPCL = 0o2000;
export const CLOCAL = 0o4000;
/** Stick parity: with PARENB, the parity bit is always 1 (PARODD) or always 0 (mark/space parity). */
export const CMSPAR = 0o10000000000;
export const CRTSCTS = 0o20000000000;
// c_iflag
export const INPCK = 0o20;
export const IXANY = 0o4000;
export const IXOFF = 0o10000;

/** A decoded struct termios2. */
export interface Termios2 {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  /** c_cc[0..18]. */
  cc: Uint8Array;
  ispeed: number;
  ospeed: number;
}

export function decodeTermios2(bytes: Uint8Array): Termios2 {
  if (bytes.byteLength < TERMIOS2_SIZE) throw new RangeError(`struct termios2 is ${TERMIOS2_SIZE} bytes, got ${bytes.byteLength}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, TERMIOS2_SIZE);
  const u32 = (at: number): number => v.getUint32(at, LITTLE_ENDIAN);
  return {
    iflag: u32(OFF.iflag), oflag: u32(OFF.oflag), cflag: u32(OFF.cflag), lflag: u32(OFF.lflag),
    line: bytes[OFF.line]!,
    cc: bytes.slice(OFF.cc, OFF.cc + KERNEL_NCCS),
    ispeed: u32(OFF.ispeed), ospeed: u32(OFF.ospeed),
  };
}

export function encodeTermios2(t: Termios2): Uint8Array {
  const bytes = new Uint8Array(TERMIOS2_SIZE);
  const v = new DataView(bytes.buffer);
  const u32 = (at: number, x: number): void => v.setUint32(at, x >>> 0, LITTLE_ENDIAN);
  u32(OFF.iflag, t.iflag); u32(OFF.oflag, t.oflag); u32(OFF.cflag, t.cflag); u32(OFF.lflag, t.lflag);
  bytes[OFF.line] = t.line;
  bytes.set(t.cc.subarray(0, KERNEL_NCCS), OFF.cc);
  u32(OFF.ispeed, t.ispeed); u32(OFF.ospeed, t.ospeed);
  return bytes;
}

/** ioctl(TCGETS2). ENOTTY for an fd that is not a terminal. */
export function getTermios2(fd: number): Termios2 {
  validateFd(fd);
  const bytes = new Uint8Array(TERMIOS2_SIZE);
  if (ioctl(fd, TCGETS2, 'void *', bytes) < 0) throwErrno('ioctl', { fd, info: 'TCGETS2' });
  return decodeTermios2(bytes);
}

/** ioctl(TCSETS2), applied at once (like TCSANOW). The kernel may adjust what it cannot hold: read back to know. */
export function setTermios2(fd: number, t: Termios2): void {
  validateFd(fd);
  if (ioctl(fd, TCSETS2, 'void *', encodeTermios2(t)) < 0) throwErrno('ioctl', { fd, info: 'TCSETS2' });
}
