/**
 * PtyProcess: a program running on a pty (made by spawnPty), in node-pty's
 * shape — pid, cols/rows, write, resize, kill, onData/onExit — plus the
 * master as a PollFD (deadlines) and as a Duplex stream, and the exit as a
 * promise.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { PollFD } from '../pollfd.js';
import type { PollFDStream } from '../stream.js';
import { ClosedError } from '../errors.js';
import { setWindowSize } from './termios.js';
import { InvalidArgTypeError, checkInteger } from '../os/args.js';

export interface PtyExit {
  /** The exit status, or null when a signal ended the child. */
  exitCode: number | null;
  /** The signal that ended it ('SIGINT', …), or null. */
  signal: NodeJS.Signals | null;
}

export interface PtyDisposable {
  dispose(): void;
}

/** XOFF and XON, node-pty's flowControlPause / flowControlResume. */
const XOFF = '\x13';
const XON = '\x11';

export class PtyProcess extends EventEmitter {
  /** The child's process id (also its session and process-group id). */
  readonly pid: number;
  /** The slave's path, e.g. /dev/pts/3 (what `tty` prints in the child). */
  readonly path: string;
  /** Resolves when the child has exited. Output may still be unread: the stream ends at EOF after it. */
  readonly exited: Promise<PtyExit>;
  private exit: PtyExit | null = null;
  private size: { cols: number; rows: number };

  /** @internal — made by spawnPty. */
  constructor(
    private readonly child: ChildProcess,
    /** The master end; its deadlines are the pty's. */
    readonly pollfd: PollFD,
    /** The master as a Duplex: what the child writes comes out, what is written goes to the child's input. */
    readonly stream: PollFDStream,
    path: string,
    size: { cols: number; rows: number },
    private readonly handleFlowControl: boolean,
  ) {
    super();
    this.pid = child.pid!;
    this.path = path;
    this.size = size;
    child.once('error', (err) => this.stream.destroy(err)); // the launcher could not be started at all
    this.exited = new Promise<PtyExit>((resolve) => {
      const onExit = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
        this.exit = { exitCode, signal };
        resolve(this.exit);
        this.emit('exit', this.exit);
      };
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode as NodeJS.Signals | null);
      else child.once('exit', onExit);
    });
  }

  get cols(): number {
    return this.size.cols;
  }

  get rows(): number {
    return this.size.rows;
  }

  /** The exit, once it happened (null before). */
  get exitStatus(): PtyExit | null {
    return this.exit;
  }

  /** Writes to the child's input. With handleFlowControl, a lone XOFF/XON pauses/resumes reading instead. */
  write(data: string | Uint8Array): boolean {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new InvalidArgTypeError('data', 'a string or a Uint8Array', data);
    if (this.handleFlowControl && (data === XOFF || data === XON)) {
      if (data === XOFF) this.stream.pause();
      else this.stream.resume();
      return true;
    }
    if (this.stream.destroyed) throw new ClosedError('write after the pty was closed');
    return this.stream.write(data);
  }

  /** TIOCSWINSZ on the master: the child's foreground process group gets SIGWINCH. */
  resize(cols: number, rows: number): void {
    checkInteger(cols, 'cols', 1, 0xffff);
    checkInteger(rows, 'rows', 1, 0xffff);
    if (this.stream.destroyed) throw new ClosedError('resize after the pty was closed');
    setWindowSize(this.pollfd.fd, { cols, rows });
    this.size = { cols, rows };
  }

  /** Sends `signal` (default SIGHUP, as node-pty) to the child. False once it has exited. */
  kill(signal: NodeJS.Signals | number = 'SIGHUP'): boolean {
    if (typeof signal !== 'string' && typeof signal !== 'number') throw new InvalidArgTypeError('signal', 'a signal name or number', signal);
    if (this.exit !== null) return false;
    return this.child.kill(signal);
  }

  /** node-pty's onData: the output as UTF-8 text (characters split across reads are joined). */
  onData(listener: (data: string) => void): PtyDisposable {
    const decoder = new StringDecoder('utf8');
    const onChunk = (chunk: Buffer): void => {
      const text = decoder.write(chunk);
      if (text !== '') listener(text);
    };
    this.stream.on('data', onChunk);
    return { dispose: () => void this.stream.off('data', onChunk) };
  }

  /** node-pty's onExit. */
  onExit(listener: (exit: PtyExit) => void): PtyDisposable {
    this.on('exit', listener);
    return { dispose: () => void this.off('exit', listener) };
  }

  /** Closes the master (the child's session gets SIGHUP from the kernel if it is still there). */
  close(): void {
    this.stream.destroy();
  }
}
