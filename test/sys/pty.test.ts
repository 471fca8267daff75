/**
 * ptys and termios on real ptys: raw mode changes what crosses the line,
 * speeds and window sizes round-trip, and a PollFD on the master reads the
 * slave's last bytes and then EOF (not EIO) once the slave has closed.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { SyscallError } from '../../host/os/errors.js';
import { WOULD_BLOCK, isCloseOnExec, pipe, readFd, setNonBlocking, writeFd } from '../../host/os/fd.js';
import * as libc from '../../host/sys/libc-fds.js';
import { LITTLE_ENDIAN } from '../../host/os/libc.js';
import { isPtyHangup, isPtyMaster, openPty } from '../../host/sys/pty.js';
import {
  CS8, CSIZE, ECHO, ICANON, ISIG, OPOST, PARENB, TERMIOS_SIZE, VMIN, VTIME,
  getSpeed, getTermios, getWindowSize, isTty, setRawMode, setSpeed, setWindowSize,
} from '../../host/sys/termios.js';
import { socketPair } from '../../host/sys/socket.js';
import { bytes, text, useFdTracker } from './helpers.js';

const fds = useFdTracker();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function pty() {
  const p = openPty();
  fds.trackAll([p.master, p.slave]);
  return p;
}

/** Reads whatever the master has within `ms` (non-blocking fd). */
async function drain(fd: number, ms = 100): Promise<string> {
  const buf = new Uint8Array(256);
  let out = '';
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const n = readFd(fd, buf);
    if (n === WOULD_BLOCK) await new Promise((r) => setTimeout(r, 5));
    else out += text(buf, n);
  }
  return out;
}

describe('openPty', () => {
  it('gives a master, a slave tty at /dev/pts/N, both close-on-exec; only the master is a pty master', () => {
    const { master, slave, path } = pty();
    expect(path).toMatch(/^\/dev\/pts\/\d+$/);
    expect(isTty(master)).toBe(true);
    expect(isTty(slave)).toBe(true);
    expect(isCloseOnExec(master)).toBe(true);
    expect(isCloseOnExec(slave)).toBe(true);
    expect(isPtyMaster(master)).toBe(true);
    expect(isPtyMaster(slave)).toBe(false);
    const [r] = fds.trackAll(pipe());
    expect(isPtyMaster(r)).toBe(false);
    expect(isTty(r)).toBe(false);
  });
});

describe('termios', () => {
  it('setRawMode clears echo, line editing, signals and output processing; VMIN 1, VTIME 0, 8 bits', () => {
    const { slave } = pty();
    const before = getTermios(slave);
    expect(before.lflag & ICANON).toBe(ICANON); // a fresh pty is cooked
    setRawMode(slave);
    const t = getTermios(slave);
    expect(t.lflag & (ICANON | ECHO | ISIG)).toBe(0);
    expect(t.oflag & OPOST).toBe(0);
    expect(t.cflag & CSIZE).toBe(CS8);
    expect(t.cc[VMIN]).toBe(1);
    expect(t.cc[VTIME]).toBe(0);
  });

  it('in cooked mode a newline leaves the slave as CR LF; in raw mode as itself', async () => {
    const { master, slave } = pty();
    setNonBlocking(master);
    writeFd(slave, bytes('a\n'));
    expect(await drain(master)).toBe('a\r\n');
    setRawMode(slave);
    writeFd(slave, bytes('b\n'));
    expect(await drain(master)).toBe('b\n');
  });

  it('raw mode carries all 256 byte values unchanged both ways, even from settings with every flag set', async () => {
    // cfmakeraw leaves IUCLC, IXOFF, IXANY, IMAXBEL, IUTF8, XCASE, FLUSHO, PENDIN, EXTPROC and the
    // output delays alone. On a Linux pty none of them touches a byte once ICANON, IEXTEN, IXON and
    // OPOST are off, which this pins down.
    const { master, slave } = pty();
    setNonBlocking(master);
    setNonBlocking(slave);
    const t = new Uint8Array(TERMIOS_SIZE);
    expect(libc.tcgetattr(slave, t)).toBe(0);
    const v = new DataView(t.buffer);
    const or = (at: number, bits: number) => v.setUint32(at, v.getUint32(at, LITTLE_ENDIAN) | bits, LITTLE_ENDIAN);
    or(0, 0o77777); // c_iflag: IGNBRK … IUTF8
    or(4, 0o377); // c_oflag: OPOST … OFDEL
    or(8, PARENB | 0o1000); // c_cflag: parity, odd
    or(12, 0o377777); // c_lflag: ISIG … EXTPROC
    expect(libc.tcsetattr(slave, 0, t)).toBe(0);
    setRawMode(slave);
    const every = Uint8Array.from({ length: 1024 }, (_, i) => i & 255);
    async function send(from: number, to: number): Promise<Buffer> {
      expect(writeFd(from, every)).toBe(every.length); // well within the line discipline's buffers
      const got: Buffer[] = [];
      const buf = new Uint8Array(4096);
      let n = 0;
      for (const until = Date.now() + 2000; n < every.length && Date.now() < until; ) {
        const r = readFd(to, buf);
        if (r === WOULD_BLOCK) {
          await new Promise((res) => setTimeout(res, 5));
        } else {
          got.push(Buffer.from(buf.subarray(0, r)));
          n += r;
        }
      }
      await new Promise((res) => setTimeout(res, 50));
      expect(readFd(to, buf)).toBe(WOULD_BLOCK); // nothing added (an echo, a CR)
      return Buffer.concat(got);
    }
    expect((await send(master, slave)).equals(every)).toBe(true);
    expect((await send(slave, master)).equals(every)).toBe(true);
  });

  it('line speeds round-trip through the B* codes', () => {
    const { slave } = pty();
    expect(getSpeed(slave)).not.toEqual({ in: 115200, out: 115200 });
    setSpeed(slave, 115200);
    expect(getSpeed(slave)).toEqual({ in: 115200, out: 115200 });
    setSpeed(slave, 9600);
    expect(getSpeed(slave)).toEqual({ in: 9600, out: 9600 });
    expect(() => setSpeed(slave, 12345)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', name: 'RangeError' }));
    expect(() => setSpeed(slave, '9600' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('the window size set on the master is what the slave reads', () => {
    const { master, slave } = pty();
    setWindowSize(master, { rows: 40, cols: 132 });
    expect(getWindowSize(slave)).toEqual({ rows: 40, cols: 132, xpixel: 0, ypixel: 0 });
    expect(() => setWindowSize(master, { rows: -1, cols: 2 })).toThrow(RangeError);
    expect(() => setWindowSize(master, { rows: 1, cols: 70000 })).toThrow(RangeError);
  });

  it('on an fd that is not a tty: SyscallError ENOTTY', () => {
    const [a] = fds.trackAll(socketPair());
    expect(() => setRawMode(a)).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'tcgetattr', fd: a }));
    expect(() => getWindowSize(a)).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl' }));
  });
});

describe('EIO on a pty master whose slave closed reads as EOF', () => {
  async function master() {
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const { master: m, slave, path } = openPty();
    fds.track(slave);
    const pfd = await PollFD.open(m, { poller });
    cleanup.push(() => pfd.close());
    return { pfd, slave, path };
  }

  it('the raw syscall really fails with EIO (what PollFD maps)', () => {
    const { master: m, slave } = pty();
    setNonBlocking(m);
    fds.close(slave);
    expect(() => readFd(m, new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'EIO', syscall: 'read' }));
  });

  it('read() gets the last bytes, then 0, and 0 again', async () => {
    const { pfd, slave } = await master();
    setRawMode(slave);
    writeFd(slave, bytes('last words'));
    fds.close(slave);
    const buf = new Uint8Array(64);
    expect(text(buf, await pfd.read(buf))).toBe('last words');
    expect(await pfd.read(buf)).toBe(0);
    expect(await pfd.read(buf)).toBe(0);
  });

  it('a read parked before the hang-up resolves 0', async () => {
    const { pfd, slave } = await master();
    const pending = pfd.read(new Uint8Array(8));
    await new Promise((r) => setTimeout(r, 20));
    fds.close(slave);
    expect(await pending).toBe(0);
  });

  it('the async iterator ends cleanly after a child process on the slave exits', async () => {
    const { pfd, slave } = await master();
    setRawMode(slave);
    const child = spawn(process.execPath, ['-e', 'for (let i = 0; i < 50; i++) process.stdout.write("line " + i + "\\n")'], {
      stdio: [slave, slave, 'inherit'],
    });
    fds.close(slave); // the child holds the only slave descriptors now
    let out = '';
    for await (const chunk of pfd) out += Buffer.from(chunk).toString();
    await new Promise((r) => child.once('exit', r));
    expect(out.split('\n').slice(0, -1)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it('only a pty master qualifies: EIO elsewhere, or another errno on a master, stays an error', () => {
    const { master: m } = pty();
    const [r] = fds.trackAll(pipe());
    const eio = (fd: number) => new SyscallError('read', 5, { fd });
    expect(isPtyHangup(eio(m), m)).toBe(true);
    expect(isPtyHangup(eio(r), r)).toBe(false);
    expect(isPtyHangup(new SyscallError('read', 9, { fd: m }), m)).toBe(false);
    expect(isPtyHangup(new Error('EIO'), m)).toBe(false);
  });
});
