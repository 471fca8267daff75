// Reading an untrusted input file for the CLI, bounded in size, time and memory.
//
// Whatever FILE is — a regular file, a device (/dev/zero, /dev/urandom), a
// FIFO, standard input — reading stops at the format's limit plus one byte,
// and the format's header is checked before the body is read:
//
//   1. open with O_NONBLOCK, so open(2) never waits (a FIFO with no writer
//      would block it forever); a terminal or a directory is refused;
//   2. a regular file larger than the limit is refused from fstat, unread;
//   3. the first `headerBytes` bytes are read and checked (magic, version): a
//      wrong file costs one small read, whatever its size;
//   4. the rest is read into the same buffer, which is allocated once at the
//      limit + 1 byte: its pages are committed by the kernel only as bytes
//      arrive, so memory follows what was read, and nothing is copied.
//
// Time: a read that finds no data (EAGAIN, or a FIFO nobody has opened for
// writing yet, which reads as end-of-file until a writer comes) is retried
// with short sleeps; after `waitMs` without a byte the input is refused. Once
// a byte has arrived, end-of-file is the end. Standard input ("-") is read as
// a filter reads it: fd 0 is shared with the parent, so its flags are not
// touched (O_NONBLOCK belongs to the open file description, which the parent
// shares): a blocking stdin blocks until its writer sends or closes, and only
// an already non-blocking one is bounded by `waitMs`.

import { openSync, closeSync, fstatSync, readSync, constants } from 'node:fs';
import { isatty } from 'node:tty';

/** Why an input was refused; the message is for the user, prefixed with the input's name by the caller. */
export class InputError extends Error {
  /** True when the message already names the input. */
  constructor(message: string, readonly namesInput = false) {
    super(message);
    this.name = 'InputError';
  }
}

export interface InputFormat {
  /** What the file should be ('snapshot', 'trace'), for messages. */
  what: string;
  /** The largest input that can be valid: more is refused after reading maxBytes + 1. */
  maxBytes: number;
  /** Bytes `checkHeader` needs; a shorter input is returned whole, for the decoder to refuse. */
  headerBytes: number;
  /** Throws the format's own error for a bad header (wrong magic, unknown version). */
  checkHeader(prefix: Uint8Array): void;
}

export interface ReadOptions {
  /** Give up after this long without a byte arriving. */
  waitMs: number;
}

/** Bytes per read(2): big enough that a large file takes few calls, small enough to stop near the limit. */
const CHUNK = 4 << 20;
/** Sleeps between reads that found nothing: short at first (a writer is usually about to come), then 50 ms. */
const FIRST_SLEEP_MS = 2;
const MAX_SLEEP_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The bytes of `path` ("-" for standard input). Throws InputError (or the format's header error). */
export async function readBoundedInput(path: string, format: InputFormat, opts: ReadOptions): Promise<Uint8Array> {
  const waitMs = opts.waitMs;
  const stdin = path === '-';
  const fd = stdin ? 0 : openInput(path, format.what);
  try {
    if (isatty(fd)) throw new InputError(`${stdin ? 'standard input' : 'it'} is a terminal: give a file, or pipe or redirect the ${format.what} into standard input`);
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`is a directory, not a ${format.what}`);
    if (st.isFile() && st.size > format.maxBytes) {
      throw new InputError(`${st.size} bytes is larger than any ${format.what} (limit ${format.maxBytes} bytes); not read`);
    }
    // A FIFO opened O_NONBLOCK reads as end-of-file while no writer has opened it: wait for one.
    const eofMeansNoWriterYet = !stdin && st.isFIFO();
    const buf = new Uint8Array(new ArrayBuffer(format.maxBytes + 1));
    let have = 0;
    let idleSince = -1;
    let pause = FIRST_SLEEP_MS;
    let checked = false;
    for (;;) {
      const want = Math.min(CHUNK, buf.byteLength - have, checked ? Infinity : format.headerBytes - have);
      let n: number;
      try {
        n = readSync(fd, buf, have, want, null);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'EAGAIN' && e.code !== 'EWOULDBLOCK') throw err;
        n = -1;
      }
      if (n === 0 && !(eofMeansNoWriterYet && have === 0)) break; // end of input
      if (n <= 0) {
        // Nothing yet: EAGAIN, or a FIFO without a writer so far.
        const now = performance.now();
        if (idleSince < 0) idleSince = now;
        else if (now - idleSince >= waitMs) {
          const why = have === 0 && eofMeansNoWriterYet ? 'no process opened the FIFO for writing' : 'no data arrived';
          throw new InputError(`${why} within ${waitMs / 1000} s after ${have} bytes; giving up (see --wait)`);
        }
        await sleep(pause);
        pause = Math.min(MAX_SLEEP_MS, pause * 2);
        continue;
      }
      idleSince = -1;
      pause = FIRST_SLEEP_MS;
      have += n;
      if (!checked && have >= format.headerBytes) {
        format.checkHeader(buf.subarray(0, have));
        checked = true;
      }
      if (have > format.maxBytes) {
        throw new InputError(`more than ${format.maxBytes} bytes: larger than any ${format.what}; stopped reading at ${have} bytes`);
      }
    }
    if (have >= format.headerBytes && !checked) format.checkHeader(buf.subarray(0, have));
    return buf.subarray(0, have);
  } finally {
    if (!stdin) closeSync(fd);
  }
}

function openInput(path: string, what: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'ENXIO' ? 'cannot be opened for reading (a socket?)' : e.message;
    throw new InputError(`cannot read ${what} ${path}: ${why}`, true);
  }
}
