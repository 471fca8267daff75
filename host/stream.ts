// PollFD as a Node stream.Duplex: `pollfd.stream()`.
//
// Backpressure runs both ways through the kernel. The readable side reads
// only while Node asks for data (`_read`) and stops as soon as `push()`
// returns false, so a slow consumer leaves bytes in the socket buffer and
// the peer's writes block there, not in memory. The writable side has one
// PollFD.write in flight at a time; Writable buffers the rest up to its
// high-water mark, where `write()` returns false until 'drain'.
//
// Message mode (objectMode) keeps boundaries: each read(2) is one chunk and
// each chunk written is one write(2), so on SOCK_SEQPACKET / SOCK_DGRAM one
// chunk is one message. It is chosen from SO_TYPE unless `objectMode` says
// otherwise. A message longer than `readSize` is refused with an error rather
// than silently truncated: the adapter reads into readSize + 1 bytes, and a
// full buffer means the kernel cut the message.
//
// Ends: a read of 0 ends the readable side (EOF on a stream; an empty
// message in message mode, the same rule as PollFD's async iterator). The
// adapter has no rule of its own for ttys: where PollFD.read reports a pty
// master's EIO (slave closed) as EOF, the stream ends; any error PollFD.read
// does throw destroys the stream with it.
// `end()` shuts the socket's write direction (shutdown(SHUT_WR)), so the peer
// reads EOF while this side keeps reading; on a non-socket (pipe, tty) it
// does nothing by itself. A pipe end opened for one direction gets a
// one-sided stream (its access mode decides), which closes the fd as soon as
// that side is done. `destroy()`, and the stream's end in both directions
// (Node's autoDestroy), close the PollFD; errors from read or write destroy
// the stream with that error.

import { Duplex, type DuplexOptions } from 'node:stream';
import type { PollFD } from './pollfd.js';
import { ClosedError, MessageTooLongError, MisuseError } from './errors.js';
import { accessMode, socketKind } from './os/describe.js';
import { shutdownFd } from './os/socket-io.js';
import { isSyscallError } from './os/errors.js';
import { InvalidArgTypeError } from './os/args.js';
import { checkTimeout } from './op-timeout.js';

export interface PollFDStreamOptions {
  /**
   * Message mode: one chunk per message, in both directions. Default: true
   * for a socket whose SO_TYPE is not SOCK_STREAM (seqpacket, dgram, raw), else false.
   */
  objectMode?: boolean;
  /** Bytes per read(2) in byte mode; the longest message accepted in message mode. Default 65536. */
  readSize?: number;
  /** Bytes buffered for the consumer (messages, in message mode). Default 65536 (16 messages). */
  readableHighWaterMark?: number;
  /** Bytes queued for writing before write() returns false (messages, in message mode). Default 65536 (16 messages). */
  writableHighWaterMark?: number;
  /** Keep the writable side open after the readable side ended (default true, like Duplex). */
  allowHalfOpen?: boolean;
  /** Which sides exist. Default: from the fd's access mode (a pipe end has one side), both for sockets. */
  readable?: boolean;
  writable?: boolean;
  /**
   * Idle timeout in ms, as net.Socket's setTimeout: 'timeout' is emitted once
   * this long passes with no bytes read or written. The stream stays open
   * (end or destroy it in the handler). 0 or undefined: none.
   */
  timeout?: number;
}


const DEFAULT_READ_SIZE = 65536;
const DEFAULT_BYTES_HWM = 65536;
const MAX_READ_SIZE = 1 << 30;

const streamed = new WeakSet<PollFD>();

function positiveInt(v: unknown, name: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new MisuseError('bad-argument', `stream(): ${name} must be an integer in 1 … ${max}, got ${String(v)}`);
  }
  return v;
}

export class PollFDStream extends Duplex {
  /** True when each chunk is one message. */
  readonly messageMode: boolean;
  private readonly readSize: number;
  /** Message-oriented socket in message mode: a read that fills readSize + 1 bytes means the kernel cut the message. */
  private readonly detectTruncation: boolean;
  private reading = false;
  private wanted = false;
  private buf: Buffer;
  /** The idle timer (setTimeout), refreshed by every read and write; null when there is none. */
  private idle: NodeJS.Timeout | null = null;

  /** @internal Use pollfd.stream(). */
  constructor(readonly pollFD: PollFD, opts: PollFDStreamOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new MisuseError('bad-argument', 'stream(): options must be an object');
    const readSize = positiveInt(opts.readSize, 'readSize', MAX_READ_SIZE) ?? DEFAULT_READ_SIZE;
    const readableHighWaterMark = positiveInt(opts.readableHighWaterMark, 'readableHighWaterMark', MAX_READ_SIZE);
    const writableHighWaterMark = positiveInt(opts.writableHighWaterMark, 'writableHighWaterMark', MAX_READ_SIZE);
    checkTimeout(opts.timeout, 'options.timeout');
    if (streamed.has(pollFD)) throw new MisuseError('bad-argument', `stream(): fd ${pollFD.fd} already has a stream`);
    const kind = socketKind(pollFD.fd);
    const messageMode = opts.objectMode ?? (kind !== null && kind !== 'stream');
    const access = kind === null ? accessMode(pollFD.fd) : 'rw';
    // `readable` / `writable` are Duplex options since Node 15, missing from @types/node 20.
    super({
      objectMode: messageMode,
      readableHighWaterMark: readableHighWaterMark ?? (messageMode ? 16 : DEFAULT_BYTES_HWM),
      writableHighWaterMark: writableHighWaterMark ?? (messageMode ? 16 : DEFAULT_BYTES_HWM),
      allowHalfOpen: opts.allowHalfOpen ?? true,
      readable: opts.readable ?? access !== 'w',
      writable: opts.writable ?? access !== 'r',
      decodeStrings: true,
    } as DuplexOptions);
    streamed.add(pollFD);
    this.messageMode = messageMode;
    this.readSize = readSize;
    this.detectTruncation = messageMode && kind !== null && kind !== 'stream';
    this.buf = Buffer.allocUnsafe(readSize + (this.detectTruncation ? 1 : 0));
    if (opts.timeout) this.setTimeout(opts.timeout);
  }

  /**
   * net.Socket's idle timeout: emit 'timeout' after `ms` without a byte read
   * or written (0 turns it off); `callback`, if given, is added as a one-time
   * 'timeout' listener. Nothing is closed: the handler decides. The timer is
   * unref'd, as Node's is, so it alone does not keep the process alive.
   */
  setTimeout(ms: number, callback?: () => void): this {
    checkTimeout(ms, 'msecs');
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (ms > 0 && !this.destroyed) {
      this.idle = setTimeout(() => this.emit('timeout'), ms);
      this.idle.unref();
    }
    if (callback) this.once('timeout', callback);
    return this;
  }

  /** Some I/O happened: the idle period starts again. */
  private active(): void {
    this.idle?.refresh();
  }

  override _read(): void {
    this.wanted = true;
    if (this.reading) return;
    this.reading = true;
    this.readLoop().catch((err: unknown) => {
      this.reading = false;
      // A read woken by our own destroy() is not an error of the stream.
      if (this.destroyed && err instanceof ClosedError) return;
      this.destroy(err as Error);
    });
  }

  /**
   * Read and push until push() says stop (backpressure), EOF, or an error.
   * `reading` is cleared in the same synchronous step as the last push, and
   * a _read() that arrived during a push (Node may call it from inside
   * push) keeps the loop going, so no request for data is ever lost.
   */
  private async readLoop(): Promise<void> {
    for (;;) {
      this.wanted = false;
      const n = await this.pollFD.read(this.buf);
      if (this.destroyed) {
        this.reading = false;
        return;
      }
      if (n === 0) {
        this.reading = false;
        this.push(null);
        return;
      }
      this.active();
      if (this.detectTruncation && n > this.readSize) throw new MessageTooLongError(this.readSize, 'readSize');
      let chunk: Buffer;
      if (n * 2 >= this.buf.length) {
        // Most of the buffer: hand it over and take a fresh one (no copy).
        chunk = this.buf.subarray(0, n);
        this.buf = Buffer.allocUnsafe(this.buf.length);
      } else {
        chunk = Buffer.from(this.buf.subarray(0, n)); // a small chunk must not pin the whole buffer
      }
      if (!this.push(chunk) && !this.wanted) {
        this.reading = false;
        return;
      }
    }
  }

  override _write(chunk: unknown, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    let bytes: Uint8Array;
    if (chunk instanceof Uint8Array) bytes = chunk;
    else if (typeof chunk === 'string') bytes = Buffer.from(chunk, encoding);
    else return cb(new InvalidArgTypeError('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk));
    this.active();
    this.pollFD.write(bytes).then(() => {
      this.active();
      cb();
    }, cb);
  }

  override _writev(chunks: { chunk: unknown; encoding: BufferEncoding }[], cb: (err?: Error | null) => void): void {
    // Message mode: each chunk stays its own write(2), one message. Byte mode: one write for the whole batch.
    if (this.messageMode) {
      let i = 0;
      const next = (err?: Error | null): void => {
        if (err || i === chunks.length) return cb(err);
        const { chunk, encoding } = chunks[i++];
        this._write(chunk, encoding, next);
      };
      return next();
    }
    const parts = chunks.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array)));
    this._write(Buffer.concat(parts), 'utf8', cb); // the encoding is unused for bytes
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      shutdownFd(this.pollFD.fd, 'w');
    } catch (err) {
      // Not a socket (pipe, tty), or an unconnected datagram socket: there is no write direction to shut.
      if (!isSyscallError(err, 'ENOTSOCK') && !isSyscallError(err, 'ENOTCONN')) return cb(err as Error);
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.pollFD.close().then(
      () => cb(err),
      (closeErr: Error) => cb(err ?? closeErr),
    );
  }
}
