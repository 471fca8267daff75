// A client of the inspector protocol (inspector/protocol.ts) over node:net:
// one request at a time, one response line each, responses bounded in size.

import { connect, type Socket } from 'node:net';
import type { Frame } from '../../inspector/protocol.js';

/** Largest response line accepted (a base64 snapshot of the largest core the server sends, with room). */
const MAX_RESPONSE_BYTES = 96 << 20;

/**
 * Response lines cut out of the byte stream as it arrives. Each chunk is
 * scanned once, for its own newlines, and a line's chunks are joined once,
 * when its newline comes: the cost is linear in the bytes received (joining
 * everything buffered on every chunk made an 85 MiB response quadratic).
 * What is held — complete lines not yet taken plus the partial one — is
 * bounded by MAX_RESPONSE_BYTES.
 */
class LineBuffer {
  private partial: Buffer[] = [];
  private readonly lines: Buffer[] = [];
  private held = 0;

  /** Add a chunk; false when what is held (newlines not counted) exceeds MAX_RESPONSE_BYTES: the caller drops the connection. */
  push(chunk: Buffer): boolean {
    this.held += chunk.length;
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      this.partial.push(chunk.subarray(from, nl));
      this.lines.push(this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial));
      this.held -= 1; // the newline is not kept
      this.partial = [];
      from = nl + 1;
    }
    if (from < chunk.length) this.partial.push(chunk.subarray(from));
    return this.held <= MAX_RESPONSE_BYTES;
  }

  /** The oldest complete line, if any. */
  take(): string | undefined {
    const line = this.lines.shift();
    if (line === undefined) return undefined;
    this.held -= line.length;
    return line.toString('utf8');
  }
}

export class InspectorClient {
  private readonly received = new LineBuffer();
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const gone = 'the inspector closed the connection (has the process exited?)';
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? new Error(gone) : err));
    socket.on('close', () => this.fail(new Error(gone)));
  }

  static open(path: string, timeoutMs = 5000): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      const timer = setTimeout(() => s.destroy(new Error(`connecting to ${path} timed out`)), timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeListener('error', reject);
        resolve(new InspectorClient(s));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private onData(chunk: Buffer): void {
    if (!this.received.push(chunk)) return this.fail(new Error(`an inspector response exceeded ${MAX_RESPONSE_BYTES} bytes`));
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const line = this.received.take();
    if (line === undefined) return;
    const w = this.waiting;
    this.waiting = null;
    w.resolve(line);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }

  /** Send one request, resolve with its parsed response (ok or not). */
  request(req: object, timeoutMs = 5000): Promise<Record<string, unknown>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`the inspector did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        resolve: (line) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line) as Record<string, unknown>);
          } catch {
            reject(new Error('the inspector sent a line that is not JSON'));
          }
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.socket.write(`${JSON.stringify(req)}\n`);
      this.deliver();
    });
  }

  async frame(): Promise<Frame> {
    const r = await this.request({ op: 'frame' });
    if (r.ok !== true) throw new Error(`the inspector answered ${String(r.error)}: ${String(r.message)}`);
    return r as unknown as Frame;
  }

  /** The raw snapshot bytes of poller `id`. */
  async snapshot(id: number): Promise<Uint8Array> {
    const r = await this.request({ op: 'snapshot', poller: id }, 30_000);
    if (r.ok !== true || typeof r.bytes !== 'string') throw new Error(`the inspector answered ${String(r.error)}: ${String(r.message)}`);
    return new Uint8Array(Buffer.from(r.bytes, 'base64'));
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }
}
