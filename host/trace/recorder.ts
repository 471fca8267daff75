// TraceRecorder: wraps a core's exports so that every call the host makes is
// appended to a trace (format.ts) before its result goes back to the host.
//
//   const rec = new TraceRecorder();
//   const poller = await Poller.create({ instrument: rec.instrument });
//   … use the poller …
//   await poller.close();
//   writeFileSync('session.trace', rec.finish());   // or new TraceRecorder({ path })
//
// The only other way the host changes core memory is the epoll_event region
// (the kernel writes into it, or the thread drive copies into it), which the
// core reads only inside netpoll: so the recorder copies count × stride bytes
// of that region at each netpoll call. Nothing else is needed to rebuild the
// memory on a fresh core (replay.ts).

import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';
import type { CoreExports } from '../core/abi.js';
import { intercept, type CoreCall } from '../core/intercept.js';
import { loadCore, defaultFlavor, type CoreFlavor } from '../core/load.js';
import { nativeStride } from '../core/epoll-abi.js';
import { layoutVersionOf } from '../core/layout.js';
import { ByteWriter, I32_ARGS, Op, THREW, TRACE_HEADER_SIZE, TRACE_MAGIC, TRACE_VERSION, eventBytes } from './format.js';
import type { WasmMemory } from '../core/wasm.js';

export interface RecorderOptions {
  /** Which core build the poller runs; detected from the initial memory when omitted. */
  flavor?: CoreFlavor;
  /** The epoll_event size stored in the header (default: this machine's, 12 on x64, 16 on arm64). */
  stride?: number;
  /** Stream the trace to this file instead of keeping it in memory. */
  path?: string;
}

/** sha256 of the whole memory, hex. */
export function memoryHash(memory: WasmMemory | Uint8Array): string {
  const bytes = memory instanceof Uint8Array ? memory : new Uint8Array(memory.buffer);
  return createHash('sha256').update(bytes).digest('hex');
}

const freshHashes = new Map<CoreFlavor, string>();

/** sha256 of a fresh core's memory, per build. */
export function freshCoreHash(flavor: CoreFlavor): string {
  let h = freshHashes.get(flavor);
  if (h === undefined) {
    h = memoryHash(loadCore(flavor).memory);
    freshHashes.set(flavor, h);
  }
  return h;
}

function detectFlavor(initialHash: string): CoreFlavor {
  for (const f of ['release', 'debug'] as const) {
    try {
      if (freshCoreHash(f) === initialHash) return f;
    } catch {
      // that build is not present
    }
  }
  return defaultFlavor();
}

const FLUSH_AT = 1 << 16;

const toI32 = (x: unknown): number => (typeof x === 'number' ? x | 0 : typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : 0);
const toU32 = (x: unknown): number => toI32(x) >>> 0;
const toI64 = (x: unknown): bigint =>
  typeof x === 'bigint' ? BigInt.asIntN(64, x) : typeof x === 'number' && Number.isFinite(x) ? BigInt.asIntN(64, BigInt(Math.trunc(x))) : 0n;

export class TraceRecorder {
  private readonly w = new ByteWriter();
  private core: CoreExports | null = null;
  private lastNow = 0n;
  private fd: number | null = null;
  private finished = false;
  private written: Uint8Array | null = null;
  /** Records written so far (hash records included, the end record not). */
  records = 0;
  /** Hex sha256 of the memory at the last hash() / finish(). */
  lastHash: string | null = null;

  constructor(private readonly opts: RecorderOptions = {}) {
    if (opts.path !== undefined) this.fd = openSync(opts.path, 'w');
  }

  /** Pass as PollerOptions.instrument (or SimOptions.instrument). Records one core. */
  readonly instrument = (core: CoreExports): CoreExports => this.wrap(core);

  /** The recorded core's exports, or null before instrument ran. */
  get target(): CoreExports | null {
    return this.core;
  }

  wrap(core: CoreExports): CoreExports {
    if (this.core) throw new Error('TraceRecorder: one recorder records one core');
    this.core = core;
    this.writeHeader(core);
    return intercept(core, (call, args, invoke) => {
      // The event region is the one input the core reads that is not an argument: copy what netpoll will read.
      const events = call === 'netpoll' ? this.batch(core, args) : null;
      let result: number | bigint;
      try {
        result = invoke();
      } catch (err) {
        this.record(call, args, events, true);
        throw err;
      }
      this.record(call, args, events, false, result);
      return result;
    });
  }

  private batch(core: CoreExports, args: readonly unknown[]): Uint8Array | null {
    const n = eventBytes(toU32(args[0]), toU32(args[1]), core.eventCapacity());
    return n > 0 ? new Uint8Array(core.memory.buffer, core.eventsOffset(), n).slice() : null;
  }

  /** One record: the op (with THREW if the call threw), its arguments in the call's encoding, then its result. */
  private record(call: CoreCall, args: readonly unknown[], events: Uint8Array | null, threw: boolean, result?: number | bigint): void {
    const w = this.w;
    w.u8(Op[call] | (threw ? THREW : 0));
    switch (call) {
      case 'setDeadline':
        w.s32(toI32(args[0]));
        w.s32(toI32(args[1]));
        w.s32(toI32(args[2]));
        w.s64(toI64(args[3]));
        this.now(toI64(args[4]));
        if (!threw) w.s32(toI32(result));
        break;
      case 'netpoll':
        w.uvar(toU32(args[0]));
        w.uvar(toU32(args[1]));
        this.now(toI64(args[2]));
        if (events) w.bytes(events);
        if (!threw) w.s32(toI32(result));
        break;
      case 'nextDeadline':
        if (!threw) w.s64(toI64(result));
        break;
      default:
        for (let i = 0; i < I32_ARGS[call]; i++) w.s32(toI32(args[i]));
        if (!threw) w.s32(toI32(result));
    }
    this.done();
  }

  private writeHeader(core: CoreExports): void {
    const mem = new Uint8Array(core.memory.buffer);
    const initialHash = memoryHash(mem);
    const flavor = this.opts.flavor ?? detectFlavor(initialHash);
    const layoutVersion = layoutVersionOf(core.memory, core.headerOffset());
    const stride = this.opts.stride ?? nativeStride();
    const w = this.w;
    w.u32(TRACE_MAGIC);
    w.u16(TRACE_VERSION);
    w.u16(TRACE_HEADER_SIZE);
    w.u32(layoutVersion);
    w.u8(stride);
    w.u8(flavor === 'debug' ? 1 : 0);
    w.u16(core.eventCapacity());
    w.u32(mem.byteLength);
    w.u32(0);
    w.bytes(Buffer.from(initialHash, 'hex'));
  }

  private now(v: bigint): void {
    this.w.s64(BigInt.asIntN(64, v - this.lastNow));
    this.lastNow = v;
  }

  private done(): void {
    this.records++;
    if (this.fd !== null && this.w.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.fd === null) return;
    const chunk = this.w.take();
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }

  private need(): CoreExports {
    if (!this.core) throw new Error('TraceRecorder: nothing recorded yet (pass recorder.instrument to the poller)');
    if (this.finished) throw new Error('TraceRecorder: already finished');
    return this.core;
  }

  /** Append a hash record: the sha256 of the whole memory now. Returns it (hex). */
  hash(): string {
    const core = this.need();
    const mem = new Uint8Array(core.memory.buffer);
    const h = memoryHash(mem);
    this.w.u8(Op.hash);
    this.w.uvar(mem.byteLength);
    this.w.bytes(Buffer.from(h, 'hex'));
    this.done();
    this.flush();
    this.lastHash = h;
    return h;
  }

  /**
   * Append the final hash and the end record. Returns the whole trace (in
   * memory), or an empty array when streaming to a file (which is closed).
   * Idempotent.
   */
  finish(): Uint8Array {
    if (this.finished) return this.written ?? new Uint8Array(0);
    this.hash();
    this.w.u8(Op.end);
    this.w.uvar(this.records);
    this.finished = true;
    if (this.fd !== null) {
      this.flush();
      closeSync(this.fd);
      this.fd = null;
      this.written = new Uint8Array(0);
    } else {
      this.written = this.w.take();
    }
    return this.written;
  }

  /** The trace so far (in-memory recorders only): a copy, without an end record until finish(). */
  bytes(): Uint8Array {
    if (this.opts.path !== undefined) throw new Error('TraceRecorder: streaming to a file; read the file instead');
    return this.written ? this.written.slice() : this.w.peek().slice();
  }
}
