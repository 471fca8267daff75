/**
 * Serial line settings on any tty fd: speed (any rate, through termios2 and
 * BOTHER), data bits, parity (none, even, odd, mark, space), stop bits,
 * RTS/CTS and XON/XOFF flow control, HUPCL.
 *
 * setLineSettings validates everything before touching the fd, applies the
 * change in one TCSETS2, reads the settings back, and if the driver did not
 * take them (a pty ignores nothing, a UART driver may refuse CMSPAR or a
 * rate) puts the old settings back and throws: after an error the line is as
 * it was.
 */
import { BAUD_RATES, CBAUD, CS8, CSIZE, IXON, PARENB } from './termios.js';
import {
  BOTHER, CIBAUD, CMSPAR, CRTSCTS, CS5, CS6, CS7, CSTOPB, HUPCL, INPCK, IXANY, IXOFF, PARODD, type Termios2, getTermios2, setTermios2,
} from './termios2.js';
import { InvalidArgTypeError, checkBoolean, checkInteger, checkOneOf, validateFd } from '../os/args.js';

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export const PARITIES: readonly Parity[] = ['none', 'even', 'odd', 'mark', 'space'];
export type DataBits = 5 | 6 | 7 | 8;
export type StopBits = 1 | 2;

export interface LineSettings {
  /** Bits per second, both directions. A rate outside the B* table goes through BOTHER. */
  baudRate: number;
  dataBits: DataBits;
  parity: Parity;
  stopBits: StopBits;
  /** Hardware flow control (CRTSCTS). */
  rtscts: boolean;
  /** Obey XOFF/XON from the other end (IXON). */
  xon: boolean;
  /** Send XOFF/XON when the input buffer fills (IXOFF). */
  xoff: boolean;
  /** Any byte restarts output stopped by XOFF (IXANY). */
  xany: boolean;
  /** Lower DTR and RTS on the last close (HUPCL). */
  hupcl: boolean;
}

/** The highest rate accepted: the kernel keeps the rate in a u32; drivers clamp to what they can make. */
export const MAX_BAUD_RATE = 0x7fffffff;
/** The kernel's own tolerance when it maps a rate to a divisor or a B* code (tty_termios_encode_baud_rate): 2 %. */
const RATE_TOLERANCE = 0.02;

const DATA_BITS: ReadonlyMap<DataBits, number> = new Map([[5, CS5], [6, CS6], [7, CS7], [8, CS8]]);
const PARITY_BITS: Readonly<Record<Parity, number>> = {
  none: 0,
  even: PARENB,
  odd: PARENB | PARODD,
  mark: PARENB | CMSPAR | PARODD,
  space: PARENB | CMSPAR,
};
const CFLAG_MASK = CBAUD | CIBAUD | CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS | HUPCL;
const IFLAG_MASK = IXON | IXOFF | IXANY | INPCK;

/** Checks a partial set of settings; throws ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE. */
export function checkLineSettings(changes: unknown): Partial<LineSettings> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw new InvalidArgTypeError('settings', 'an object', changes);
  const c = changes as Record<string, unknown>;
  const out: Partial<LineSettings> = {};
  if (c.baudRate !== undefined) out.baudRate = checkInteger(c.baudRate, 'settings.baudRate', 1, MAX_BAUD_RATE);
  if (c.dataBits !== undefined) out.dataBits = checkOneOf(c.dataBits, 'settings.dataBits', [...DATA_BITS.keys()]);
  if (c.parity !== undefined) out.parity = checkOneOf(c.parity, 'settings.parity', PARITIES);
  if (c.stopBits !== undefined) out.stopBits = checkOneOf(c.stopBits, 'settings.stopBits', [1, 2] as const);
  for (const flag of ['rtscts', 'xon', 'xoff', 'xany', 'hupcl'] as const) {
    if (c[flag] !== undefined) out[flag] = checkBoolean(c[flag], `settings.${flag}`);
  }
  return out;
}

/** The settings a struct termios2 holds (speed from c_ospeed, which the kernel fills on TCGETS2). */
export function lineSettingsOf(t: Termios2): LineSettings {
  const size = t.cflag & CSIZE;
  const dataBits = [...DATA_BITS].find(([, bits]) => bits === size)![0];
  const parityBits = t.cflag & (PARENB | PARODD | CMSPAR);
  const parity = (t.cflag & PARENB) === 0 ? 'none' : PARITIES.find((p) => PARITY_BITS[p] === parityBits) ?? 'none';
  return {
    baudRate: t.ospeed,
    dataBits,
    parity,
    stopBits: (t.cflag & CSTOPB) !== 0 ? 2 : 1,
    rtscts: (t.cflag & CRTSCTS) !== 0,
    xon: (t.iflag & IXON) !== 0,
    xoff: (t.iflag & IXOFF) !== 0,
    xany: (t.iflag & IXANY) !== 0,
    hupcl: (t.cflag & HUPCL) !== 0,
  };
}

/** `t` with `s` written into it (pure: the struct-level half of setLineSettings). */
export function withLineSettings(t: Termios2, s: LineSettings): Termios2 {
  const code = BAUD_RATES.get(s.baudRate) ?? BOTHER;
  const cflag =
    (t.cflag & ~CFLAG_MASK) | code | DATA_BITS.get(s.dataBits)! | PARITY_BITS[s.parity] |
    (s.stopBits === 2 ? CSTOPB : 0) | (s.rtscts ? CRTSCTS : 0) | (s.hupcl ? HUPCL : 0);
  // INPCK follows parity: check received parity when there is one.
  const iflag =
    (t.iflag & ~IFLAG_MASK) | (s.xon ? IXON : 0) | (s.xoff ? IXOFF : 0) | (s.xany ? IXANY : 0) | (s.parity === 'none' ? 0 : INPCK);
  return { ...t, cflag: cflag >>> 0, iflag, ispeed: s.baudRate, ospeed: s.baudRate };
}

/** The line's settings now. */
export function getLineSettings(fd: number): LineSettings {
  validateFd(fd);
  return lineSettingsOf(getTermios2(fd));
}

/** What the driver did not take, after a set. */
export class LineSettingsNotAppliedError extends Error {
  readonly code = 'ERR_NETPOLL_LINE_SETTINGS_NOT_APPLIED';
  constructor(readonly wanted: LineSettings, readonly got: LineSettings, readonly fields: string[]) {
    super(`the tty did not take ${fields.map((f) => `${f} (wanted ${String(wanted[f as keyof LineSettings])}, got ${String(got[f as keyof LineSettings])})`).join(', ')}; the previous settings are back`);
    this.name = 'LineSettingsNotAppliedError';
  }
}

function differences(wanted: LineSettings, got: LineSettings): string[] {
  return (Object.keys(wanted) as (keyof LineSettings)[]).filter((k) =>
    k === 'baudRate' ? Math.abs(got.baudRate - wanted.baudRate) > wanted.baudRate * RATE_TOLERANCE : got[k] !== wanted[k],
  );
}

/**
 * Changes the given settings, keeps the others, and returns the settings read
 * back. Throws before any change for a bad value; throws
 * LineSettingsNotAppliedError (with the old settings restored) when the
 * driver did not take them.
 */
export function setLineSettings(fd: number, changes: Partial<LineSettings>): LineSettings {
  validateFd(fd);
  const checked = checkLineSettings(changes);
  const before = getTermios2(fd);
  const wanted = { ...lineSettingsOf(before), ...checked };
  setTermios2(fd, withLineSettings(before, wanted));
  const got = getLineSettings(fd);
  const wrong = differences(wanted, got);
  if (wrong.length > 0) {
    setTermios2(fd, before);
    throw new LineSettingsNotAppliedError(wanted, got, wrong);
  }
  return got;
}
