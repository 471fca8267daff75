/**
 * Serial line control on real pty pairs (the only tty a test machine has):
 * settings through termios2 round-trip and are verified, bad values change
 * nothing, flush discards queued input, drain polls TIOCOUTQ on timers, the
 * exclusive flag is set, read and released on close, and serialport's flock
 * keeps a second opener out. Modem lines: a pty has none (ENOTTY), so the
 * TIOCM bit coding is tested on its own and the ioctl path up to the kernel's
 * answer.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WOULD_BLOCK, pipe, readFd, writeFd } from '../../host/os/fd.js';
import { openPty } from '../../host/sys/pty.js';
import { CBAUD, CSIZE, IXON, PARENB, getSpeed } from '../../host/sys/termios.js';
import {
  BOTHER, CMSPAR, CRTSCTS, CS7, CSTOPB, HUPCL, IXOFF, PARODD,
  TERMIOS2_SIZE, decodeTermios2, encodeTermios2, getTermios2,
} from '../../host/sys/termios2.js';
import { LineSettingsNotAppliedError, getLineSettings, lineSettingsOf, setLineSettings, withLineSettings } from '../../host/sys/serial-line.js';
import {
  MODEM_BITS, clearExclusive, decodeModemBits, drain, flush, getModemLines, isExclusive, outputQueued, sendBreak, setBreak,
  setExclusive, setModemLines,
} from '../../host/sys/serial-control.js';
import { closeSerial, openSerial } from '../../host/sys/serial-open.js';
import { bytes, useFdTracker } from './helpers.js';

const fds = useFdTracker();

function pty() {
  const p = openPty();
  fds.trackAll([p.master, p.slave]);
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('line settings (termios2)', () => {
  it('what a pty holds round-trips through the kernel: stop bits, RTS/CTS, XON/XOFF/XANY and HUPCL, at 8N', () => {
    const { slave } = pty();
    for (const stopBits of [1, 2] as const) {
      for (let bits = 0; bits < 32; bits++) {
        const [rtscts, xon, xoff, xany, hupcl] = [1, 2, 4, 8, 16].map((b) => (bits & b) !== 0) as [boolean, boolean, boolean, boolean, boolean];
        const want = { baudRate: 19200, dataBits: 8, parity: 'none', stopBits, rtscts, xon, xoff, xany, hupcl } as const;
        expect(setLineSettings(slave, want)).toEqual(want);
        expect(getLineSettings(slave)).toEqual(want);
      }
    }
    const t = getTermios2(slave);
    expect(t.cflag & (CSTOPB | CRTSCTS | HUPCL)).toBe(CSTOPB | CRTSCTS | HUPCL);
    expect(t.iflag & (IXON | IXOFF)).toBe(IXON | IXOFF);
  });

  it('data bits and parity a pty cannot hold (it forces CS8 and clears PARENB): read back, refused, and the old settings are back', () => {
    const { slave } = pty();
    const before = setLineSettings(slave, { baudRate: 38400, stopBits: 2, rtscts: true });
    const raw = getTermios2(slave);
    for (const bad of [{ dataBits: 7 }, { parity: 'even' }, { parity: 'mark', dataBits: 5 }, { parity: 'space', stopBits: 1 }] as const) {
      const err = (() => {
        try {
          setLineSettings(slave, bad);
        } catch (e) {
          return e as LineSettingsNotAppliedError;
        }
        throw new Error('expected a refusal');
      })();
      expect(err).toBeInstanceOf(LineSettingsNotAppliedError);
      expect(err.code).toBe('ERR_NETPOLL_LINE_SETTINGS_NOT_APPLIED');
      expect(err.fields.every((f) => f === 'dataBits' || f === 'parity')).toBe(true);
      expect(getLineSettings(slave)).toEqual(before);
      expect(getTermios2(slave)).toEqual(raw);
    }
  });

  it('struct level: every data bits × parity × stop bits combination encodes to the kernel\'s bits and decodes back', () => {
    const { slave } = pty();
    const base = getTermios2(slave);
    const PARITY = { none: 0, even: PARENB, odd: PARENB | PARODD, mark: PARENB | PARODD | CMSPAR, space: PARENB | CMSPAR };
    const CS = { 5: 0, 6: 0o20, 7: CS7, 8: 0o60 };
    for (const dataBits of [5, 6, 7, 8] as const) {
      for (const parity of ['none', 'even', 'odd', 'mark', 'space'] as const) {
        for (const stopBits of [1, 2] as const) {
          const s = { baudRate: 9600, dataBits, parity, stopBits, rtscts: false, xon: false, xoff: false, xany: false, hupcl: true };
          const t = withLineSettings(base, s);
          expect(lineSettingsOf(decodeTermios2(encodeTermios2(t)))).toEqual(s);
          expect(t.cflag & CSIZE).toBe(CS[dataBits]);
          expect(t.cflag & (PARENB | PARODD | CMSPAR)).toBe(PARITY[parity]);
          expect(t.cflag & CSTOPB).toBe(stopBits === 2 ? CSTOPB : 0);
        }
      }
    }
  });

  it('standard rates use their B* code (glibc sees them); any other rate goes through BOTHER', () => {
    const { slave } = pty();
    setLineSettings(slave, { baudRate: 115200 });
    expect(getSpeed(slave)).toEqual({ in: 115200, out: 115200 });
    expect(getTermios2(slave).cflag & CBAUD).not.toBe(BOTHER);
    for (const rate of [250000, 25000, 31250, 1234567]) {
      expect(setLineSettings(slave, { baudRate: rate }).baudRate).toBe(rate);
      const t = getTermios2(slave);
      expect(t.cflag & CBAUD).toBe(BOTHER);
      expect([t.ispeed, t.ospeed]).toEqual([rate, rate]);
    }
  });

  it('a bad value is a typed error with a code, and nothing changes', () => {
    const { slave } = pty();
    const before = setLineSettings(slave, { baudRate: 9600, stopBits: 2 });
    const raw = getTermios2(slave);
    const cases: [unknown, string][] = [
      [{ baudRate: 0 }, 'ERR_OUT_OF_RANGE'],
      [{ baudRate: 1.5 }, 'ERR_OUT_OF_RANGE'],
      [{ baudRate: '9600' }, 'ERR_INVALID_ARG_TYPE'],
      [{ dataBits: 9 }, 'ERR_INVALID_ARG_VALUE'],
      [{ parity: 'Even' }, 'ERR_INVALID_ARG_VALUE'],
      [{ stopBits: 1.5 }, 'ERR_INVALID_ARG_VALUE'],
      [{ rtscts: 1 }, 'ERR_INVALID_ARG_TYPE'],
      [{ baudRate: 57600, parity: 'odd', hupcl: 'yes' }, 'ERR_INVALID_ARG_TYPE'], // the valid fields are not applied either
      [null, 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [bad, code] of cases) {
      expect(() => setLineSettings(slave, bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code }));
      expect(getLineSettings(slave)).toEqual(before);
      expect(getTermios2(slave)).toEqual(raw);
    }
  });

  it('struct level: encode/decode is the kernel\'s layout, and settings map to the documented bits', () => {
    const { slave } = pty();
    const raw = getTermios2(slave);
    expect(decodeTermios2(encodeTermios2(raw))).toEqual(raw);
    expect(encodeTermios2(raw).byteLength).toBe(TERMIOS2_SIZE);
    const s = { baudRate: 3_000_000, dataBits: 5, parity: 'space', stopBits: 2, rtscts: true, xon: false, xoff: true, xany: false, hupcl: false } as const;
    const t = withLineSettings(raw, s);
    expect(lineSettingsOf(t)).toEqual(s);
    expect(t.cflag & CBAUD).toBe(0o10015); // B3000000
    expect(() => decodeTermios2(new Uint8Array(40))).toThrow(RangeError);
  });

});

describe('line control', () => {
  it('flush("input") discards what arrived unread; flush("output") and "both" succeed', async () => {
    const { master, slave } = pty();
    const raw = openSerial(`/proc/self/fd/${slave}`, { lock: false });
    fds.track(raw);
    writeFd(master, bytes('stale\n'));
    await sleep(50);
    flush(raw, 'input');
    expect(readFd(raw, new Uint8Array(16))).toBe(WOULD_BLOCK);
    writeFd(master, bytes('fresh'));
    await sleep(50);
    const buf = new Uint8Array(16);
    expect(Buffer.from(buf.subarray(0, readFd(raw, buf))).toString()).toBe('fresh');
    flush(raw, 'output');
    flush(raw);
    expect(() => flush(raw, 'all' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('drain resolves once nothing is queued; on a non-tty it rejects ENOTTY', async () => {
    const { slave } = pty();
    writeFd(slave, bytes('x'.repeat(1000)));
    expect(outputQueued(slave)).toBe(0); // a pty hands bytes to the master at once: nothing is ever queued
    await drain(slave);
    const [r] = fds.trackAll(pipe());
    await expect(drain(r)).rejects.toMatchObject({ code: 'ENOTTY', syscall: 'ioctl' });
  });

  it('break: set and clear succeed on a pty (no break hardware: the kernel accepts and ignores it); sendBreak times it on the loop', async () => {
    const { slave } = pty();
    setBreak(slave, true);
    setBreak(slave, false);
    const t0 = Date.now();
    await sendBreak(slave, 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    await expect(sendBreak(slave, 0)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  });

  it('modem lines: the TIOCM bits decode by name; a pty has no lines (ENOTTY), and a bad line name is refused before the ioctl', () => {
    expect(decodeModemBits(MODEM_BITS.cts | MODEM_BITS.dtr | MODEM_BITS.ri)).toEqual({ dtr: true, rts: false, cts: true, dcd: false, ri: true, dsr: false });
    expect(MODEM_BITS).toEqual({ dtr: 0x002, rts: 0x004, cts: 0x020, dcd: 0x040, ri: 0x080, dsr: 0x100 }); // <asm-generic/termios.h>
    const { slave } = pty();
    expect(() => getModemLines(slave)).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl' }));
    expect(() => setModemLines(slave, { dtr: true })).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    expect(() => setModemLines(slave, { cts: true } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => setModemLines(slave, { rts: 'on' } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('exclusive: TIOCEXCL keeps an unprivileged opener out (EBUSY) until TIOCNXCL; closeSerial releases it', () => {
    const { slave, path } = pty();
    chmodSync(path, 0o666);
    const tryOpen = (): string => {
      // A non-root opener: root (CAP_SYS_ADMIN) is let through TIOCEXCL by design.
      const js = `try { require('fs').closeSync(require('fs').openSync(${JSON.stringify(path)}, 'r+')); console.log('ok') } catch (e) { console.log(e.code) }`;
      return execFileSync(process.execPath, ['-e', js], { encoding: 'utf8', uid: 65534, gid: 65534 }).trim();
    };
    expect(isExclusive(slave)).toBe(false);
    const port = openSerial(path, { lock: false, exclusive: true });
    fds.track(port);
    expect(isExclusive(slave)).toBe(true);
    expect(tryOpen()).toBe('EBUSY');
    setExclusive(port, false);
    expect(tryOpen()).toBe('ok');
    setExclusive(port, true);
    fds.close(port);
    expect(isExclusive(slave)).toBe(true); // a plain close leaves the flag: the slave is still open here
    clearExclusive(slave);
    const again = openSerial(path, { lock: false, exclusive: true });
    closeSerial(again);
    expect(isExclusive(slave)).toBe(false);
    expect(tryOpen()).toBe('ok');
  });

  it('lock: a second locked open fails with EWOULDBLOCK (serialport\'s "Cannot lock port"), and works after the first closes', () => {
    const { path } = pty();
    const a = openSerial(path);
    expect(() => openSerial(path)).toThrow(expect.objectContaining({ code: 'EAGAIN', syscall: 'flock' }));
    const unlocked = openSerial(path, { lock: false });
    closeSerial(unlocked);
    closeSerial(a);
    closeSerial(openSerial(path));
    expect(() => openSerial('', {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => openSerial(path, { vmin: 256 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});
