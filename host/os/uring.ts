/**
 * An io_uring used as a syscall batcher: entries are written into the
 * mapped submission ring from JavaScript, one io_uring_enter submits them
 * all, and the completions are read straight from the mapped completion ring.
 * It is not a new I/O model: every entry asks for a non-blocking attempt
 * (RWF_NOWAIT, MSG_DONTWAIT, ACCEPT_DONTWAIT), so a result is exactly what the
 * plain call would have returned — a count, or -EAGAIN meaning "wait for the
 * next epoll edge", which stays the readiness source.
 *
 * The invariant everything here rests on: **when submit() returns, no entry
 * is in flight.** Non-blocking attempts complete inside io_uring_enter, in
 * this thread (open() probes for it and refuses a kernel that queues one
 * instead). An entry that nevertheless did not complete inline is cancelled
 * (ASYNC_CANCEL) and submit() waits for its completion before returning, so
 * a buffer handed to an entry is only ever addressed by the kernel during
 * the synchronous submit() call — exactly the window in which koffi lends a
 * buffer to read(2) today. JavaScript cannot run in that window, so nothing
 * can detach, resize or move the buffer (Wasm memory cannot grow either).
 * Between queueing and submit() JavaScript does run: each entry keeps its
 * views and their lengths, and submit() turns an entry whose view was
 * detached (a transfer, Wasm memory growth) or shrunk (a resizable
 * ArrayBuffer) into a no-op that answers -EFAULT, before the kernel reads it.
 * A backing store never moves while attached (koffi.address takes a small
 * on-heap array's bytes off the V8 heap for good).
 * For the same reason close() never has an entry to cancel, and no result is
 * delivered twice: a slot's result is written once, from its completion.
 *
 * Memory order: the kernel reads the SQ tail inside io_uring_enter (a
 * syscall orders everything before it) and, without SQPOLL, posts the CQEs
 * this ring gets before io_uring_enter returns. The head/tail stores and
 * loads still use Atomics (sequentially consistent, on a non-shared view), so
 * the ring also stays correct were a completion posted from another CPU:
 * that is liburing's rule (store-release of the SQ tail and CQ head,
 * load-acquire of the CQ tail), met with a stronger order.
 *
 * The ring fd is close-on-exec (io_uring fds always are) and adopted so a
 * terminated worker's teardown closes it (env-fd.ts); a child after fork
 * shares the mapping but never enters the ring (SINGLE_ISSUER makes the
 * kernel refuse it, -EEXIST, were it tried).
 */
import koffi from 'koffi';
import * as libc from './libc.js';
import { mapKernelRingMemory, type RingMemory } from './uring-memory.js';
import { ERRNO, SyscallError } from './errors.js';
import { closeAdoptedFd, adoptFd } from './env-fd.js';
import {
  ACCEPT_DONTWAIT, ASYNC_CANCEL_ALL, CQE, CQE_SIZE, CQ_OFF, ENTER_GETEVENTS, FEAT_NODROP, FEAT_SINGLE_MMAP,
  OP_ACCEPT, OP_ASYNC_CANCEL, OP_READ, OP_RECVMSG, OP_SENDMSG, OP_WRITE, PARAMS,
  PARAMS_SIZE, RWF_NOWAIT, SETUP_COOP_TASKRUN, SETUP_SINGLE_ISSUER, SETUP_SUBMIT_ALL, SQE, SQE_SIZE, SQ_OFF,
  SYS_io_uring_enter, SYS_io_uring_setup,
} from './uring-abi.js';
import { MSG_DONTWAIT } from './socket-abi.js';

/**
 * A view's bytes as the engine knows them: the typed-array intrinsics, not
 * properties a subclass could override (the kernel addresses what these
 * say, as koffi reads the internal slots for a plain call).
 */
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (name: string): ((this: ArrayBufferView) => unknown) => Object.getOwnPropertyDescriptor(TYPED_ARRAY, name)!.get! as (this: ArrayBufferView) => unknown;
const bufferGetter = intrinsic('buffer');
const byteOffsetGetter = intrinsic('byteOffset');
const byteLengthGetter = intrinsic('byteLength');
const viewBuffer = (v: Uint8Array): ArrayBufferLike => bufferGetter.call(v) as ArrayBufferLike;
const viewOffset = (v: Uint8Array): number => byteOffsetGetter.call(v) as number;
const viewLength = (v: Uint8Array): number => byteLengthGetter.call(v) as number;

/** The most one read or write moves, as Linux caps read(2)/write(2) (MAX_RW_COUNT); an SQE's length is 32 bits. */
const MAX_RW_COUNT = 0x7fff_f000;

/** Which 32-bit half of a 64-bit SQE field comes first in memory: the low one on a little-endian host. */
const LOW_WORD = libc.LITTLE_ENDIAN ? 0 : 1;

/** The ring sizes accepted (submission entries; the kernel rounds to a power of two, CQ is twice that). */
export const URING_MIN_ENTRIES = 1;
export const URING_MAX_ENTRIES = 4096;

/**
 * io_uring_setup with the flags this ring wants, dropping the newer ones on a
 * kernel that rejects them (EINVAL). Throws SyscallError (ENOSYS, EPERM, …).
 */
function setup(entries: number, params: Uint8Array): number {
  const view = new DataView(params.buffer);
  for (const flags of [SETUP_SUBMIT_ALL | SETUP_COOP_TASKRUN | SETUP_SINGLE_ISSUER, SETUP_SUBMIT_ALL, 0]) {
    params.fill(0);
    view.setUint32(PARAMS.flags, flags, libc.LITTLE_ENDIAN);
    const fd = libc.io_uring_setup(SYS_io_uring_setup, entries, params);
    if (fd >= 0) return fd;
    const errno = libc.errno();
    if (errno !== ERRNO.EINVAL) throw new SyscallError('io_uring_setup', errno);
  }
  throw new SyscallError('io_uring_setup', ERRNO.EINVAL);
}

/**
 * A submission ring and its completion ring. Queue entries with read(),
 * write(), recvmsg(), sendmsg(), accept() — each returns a slot — then
 * submit() once and read each slot's result() (a count or fd, or -errno).
 */
export class Uring {
  /** Submission entries per batch (a power of two). */
  readonly entries: number;
  private fd: number;
  private readonly memory: RingMemory;
  private readonly sqTail: Uint32Array; // one element, the SQ tail
  private readonly sqMask: number;
  private readonly sqArray: Uint32Array;
  private readonly cqHeadTail: Uint32Array; // the ring's u32 words; head at cqHeadIx, tail at cqTailIx
  private readonly cqHeadIx: number;
  private readonly cqTailIx: number;
  private readonly cqMask: number;
  private readonly cqeWords: Int32Array; // the CQE array as i32 words
  private readonly cqeBase: number; // word index of CQE 0 in cqeWords
  private readonly sqe32: Int32Array;
  private readonly sqe64: BigUint64Array;
  /** The address of each ArrayBuffer's first byte (dataAddress). */
  private readonly bases = new WeakMap<ArrayBufferLike, number>();
  /** Entries queued since the last submit, and the buffers they address. */
  private queued = 0;
  /**
   * Per slot: the view its SQE addresses (read/write buffer, msghdr) and its
   * byteLength when queued; for messages also the views the header points
   * to. Checked by checkPinned() at submit, dropped at completion.
   */
  private readonly pinned: (Uint8Array | null)[];
  private readonly pinnedLen: Float64Array; // a view may exceed 2^31 bytes
  private readonly pinnedMore: (readonly Uint8Array[] | null)[];
  private readonly pinnedMoreLens: (readonly number[] | null)[];
  /** Per slot: 1 when submit() found a pinned view detached or shrunk (the result is -EFAULT). */
  private readonly faulted: Uint8Array;
  private readonly results: Int32Array;
  private readonly done: Uint8Array;
  private closed = false;
  /** io_uring_enter calls made (for the benchmarks and stats). */
  enters = 0;

  private constructor(fd: number, params: Uint8Array) {
    const p = new DataView(params.buffer);
    const u32 = (off: number): number => p.getUint32(off, libc.LITTLE_ENDIAN);
    const features = u32(PARAMS.features);
    const sqEntries = u32(PARAMS.sqEntries);
    const cqEntries = u32(PARAMS.cqEntries);
    if ((features & FEAT_SINGLE_MMAP) === 0 || (features & FEAT_NODROP) === 0) {
      throw new SyscallError('io_uring_setup', ERRNO.ENOSYS, { info: 'kernel older than 5.5 (no SINGLE_MMAP/NODROP)' });
    }
    const sqOff = (k: keyof typeof SQ_OFF): number => u32(PARAMS.sqOff + SQ_OFF[k]);
    const cqOff = (k: keyof typeof CQ_OFF): number => u32(PARAMS.cqOff + CQ_OFF[k]);
    const ringLen = Math.max(sqOff('array') + 4 * sqEntries, cqOff('cqes') + CQE_SIZE * cqEntries);
    this.fd = fd;
    this.memory = mapKernelRingMemory(fd, ringLen, sqEntries);
    const { rings, sqes } = this.memory;
    // Every view below indexes from the start of its region.
    const words = new Uint32Array(rings.buffer, rings.byteOffset, rings.byteLength / 4);
    this.entries = sqEntries;
    this.sqTail = new Uint32Array(rings.buffer, rings.byteOffset + sqOff('tail'), 1);
    this.sqMask = words[sqOff('ringMask') / 4];
    // The SQ array maps ring positions to SQE indexes (publish() fills it per batch).
    this.sqArray = new Uint32Array(rings.buffer, rings.byteOffset + sqOff('array'), sqEntries);
    this.cqHeadTail = words;
    this.cqHeadIx = cqOff('head') / 4;
    this.cqTailIx = cqOff('tail') / 4;
    this.cqMask = words[cqOff('ringMask') / 4];
    this.cqeWords = new Int32Array(rings.buffer, rings.byteOffset, rings.byteLength / 4);
    this.cqeBase = cqOff('cqes') / 4;
    this.sqe32 = new Int32Array(sqes.buffer, sqes.byteOffset, sqes.byteLength / 4);
    this.sqe64 = new BigUint64Array(sqes.buffer, sqes.byteOffset, sqes.byteLength / 8);
    this.pinned = new Array<Uint8Array | null>(sqEntries).fill(null);
    this.pinnedLen = new Float64Array(sqEntries);
    this.pinnedMore = new Array<readonly Uint8Array[] | null>(sqEntries).fill(null);
    this.pinnedMoreLens = new Array<readonly number[] | null>(sqEntries).fill(null);
    this.faulted = new Uint8Array(sqEntries);
    this.results = new Int32Array(sqEntries);
    this.done = new Uint8Array(sqEntries);
  }

  /**
   * A ring with room for `entries` submissions per batch. Throws
   * SyscallError when the kernel refuses (ENOSYS: no io_uring; EPERM:
   * seccomp or kernel.io_uring_disabled; ENOMEM: locked-memory limit) or
   * when it queues a non-blocking attempt instead of answering inline.
   */
  static open(entries = 256): Uring {
    if (!Number.isInteger(entries) || entries < URING_MIN_ENTRIES || entries > URING_MAX_ENTRIES) {
      throw new RangeError(`Uring.open: entries must be an integer in [${URING_MIN_ENTRIES}, ${URING_MAX_ENTRIES}], got ${entries}`);
    }
    const params = new Uint8Array(new ArrayBuffer(PARAMS_SIZE));
    const raw = setup(entries, params);
    let fd = raw;
    let ring: Uring | undefined;
    try {
      fd = adoptFd(raw);
      ring = new Uring(fd, params);
      ring.probeInline();
      return ring;
    } catch (err) {
      if (ring) ring.close();
      else closeAdoptedFd(fd);
      throw err;
    }
  }

  /** Refuses a kernel that queues a RWF_NOWAIT read of an empty pipe rather than answering -EAGAIN inline. */
  private probeInline(): void {
    const ends = new Int32Array(2);
    if (libc.pipe2(ends, libc.O_NONBLOCK | libc.O_CLOEXEC) < 0) throw new SyscallError('pipe2', libc.errno());
    try {
      const slot = this.read(ends[0], new Uint8Array(1));
      const cancelled = this.submit();
      if (cancelled > 0 || this.result(slot) !== -ERRNO.EAGAIN) {
        throw new SyscallError('io_uring_enter', ERRNO.EOPNOTSUPP, { info: `non-blocking read not answered inline (${this.result(slot)})` });
      }
    } finally {
      libc.close(ends[0]);
      libc.close(ends[1]);
    }
  }

  /** Entries queued and not yet submitted. */
  get pending(): number {
    return this.queued;
  }

  /** False once closed. */
  get open(): boolean {
    return !this.closed;
  }

  private next(op: number, fd: number, pin: Uint8Array | null): number {
    if (this.closed) throw new SyscallError('io_uring_enter', ERRNO.EBADF, { info: 'ring closed' });
    if (this.queued === this.entries) this.submit();
    const slot = this.queued++;
    const w = slot * (SQE_SIZE / 4);
    const s = this.sqe32;
    for (let i = 0; i < SQE_SIZE / 4; i++) s[w + i] = 0;
    s[w] = op; // opcode (u8) with flags 0 and ioprio 0
    s[w + SQE.fd / 4] = fd;
    s[w + SQE.userData / 4] = slot;
    this.pinned[slot] = pin;
    this.pinnedLen[slot] = pin === null ? 0 : viewLength(pin);
    this.done[slot] = 0;
    return slot;
  }

  private setBuffer(slot: number, buf: Uint8Array): void {
    // A zero-length (or detached) view is passed as NULL with length 0, as koffi does.
    const w = slot * (SQE_SIZE / 4);
    const length = Math.min(viewLength(buf), MAX_RW_COUNT);
    if (length > 0) this.setAddress(w + SQE.addr / 4, this.dataAddress(buf));
    this.sqe32[w + SQE.len / 4] = length;
  }

  /**
   * Where `buf`'s bytes are, as a Number (user-space addresses fit in 53
   * bits). koffi.address answers a BigInt, a heap allocation per call, so
   * each ArrayBuffer's base is asked once and kept: a backing store never
   * moves while attached (see the invariant above), a resizable buffer
   * resizes in place, and a detached one has no bytes to address (its views
   * are empty, never queued with an address).
   */
  private dataAddress(buf: Uint8Array): number {
    const ab = viewBuffer(buf);
    const offset = viewOffset(buf);
    let base = this.bases.get(ab);
    if (base === undefined) {
      base = Number(koffi.address(buf)) - offset;
      this.bases.set(ab, base);
    }
    return base + offset;
  }

  /** A 64-bit address into the two SQE words at `word`, in the host's byte order (the ring's ABI). */
  private setAddress(word: number, addr: number): void {
    const low = addr >>> 0;
    const high = Math.floor(addr / 0x1_0000_0000);
    this.sqe32[word + LOW_WORD] = low;
    this.sqe32[word + 1 - LOW_WORD] = high;
  }

  /** read(2) of `buf` without waiting: count, 0 at EOF, or -errno (-EAGAIN: not ready). */
  read(fd: number, buf: Uint8Array): number {
    const slot = this.next(OP_READ, fd, buf);
    this.setBuffer(slot, buf);
    this.sqe32[slot * (SQE_SIZE / 4) + SQE.opFlags / 4] = RWF_NOWAIT;
    this.sqe64[slot * (SQE_SIZE / 8) + SQE.off / 8] = 0xffff_ffff_ffff_ffffn; // -1: the file position, as read(2)
    return slot;
  }

  /** write(2) of `buf` without waiting: count (maybe partial) or -errno. */
  write(fd: number, buf: Uint8Array): number {
    const slot = this.next(OP_WRITE, fd, buf);
    this.setBuffer(slot, buf);
    this.sqe32[slot * (SQE_SIZE / 4) + SQE.opFlags / 4] = RWF_NOWAIT;
    this.sqe64[slot * (SQE_SIZE / 8) + SQE.off / 8] = 0xffff_ffff_ffff_ffffn;
    return slot;
  }

  /**
   * recvmsg/sendmsg with a struct msghdr the caller filled (msg.ts). `pin`
   * lists every view the header points to (iovec, data, name, control): they
   * are held, and checked as the header is, until submit() returns.
   * MSG_DONTWAIT is added.
   */
  msg(kind: 'recvmsg' | 'sendmsg', fd: number, header: Uint8Array, flags: number, pin: readonly Uint8Array[]): number {
    const slot = this.next(kind === 'recvmsg' ? OP_RECVMSG : OP_SENDMSG, fd, header);
    this.pinnedMore[slot] = pin;
    this.pinnedMoreLens[slot] = pin.map((v) => v.byteLength);
    const w = slot * (SQE_SIZE / 4);
    this.sqe64[w / 2 + SQE.addr / 8] = koffi.address(header);
    this.sqe32[w + SQE.len / 4] = 1;
    this.sqe32[w + SQE.opFlags / 4] = flags | MSG_DONTWAIT;
    return slot;
  }

  /**
   * accept4(fd, NULL, NULL, flags) without waiting: the new fd or -errno.
   * ACCEPT_DONTWAIT needs Linux 6.10; an older kernel answers -EINVAL.
   */
  accept(fd: number, flags: number): number {
    const slot = this.next(OP_ACCEPT, fd, null);
    const w = slot * (SQE_SIZE / 4);
    this.sqe32[w] = OP_ACCEPT | (ACCEPT_DONTWAIT << 16); // ioprio holds the ACCEPT_* flags
    this.sqe32[w + SQE.opFlags / 4] = flags;
    return slot;
  }

  /** Drops the entries queued since the last submit() (none reached the kernel: the tail is published only by submit). */
  discard(): void {
    for (let slot = 0; slot < this.queued; slot++) {
      this.pinned[slot] = null;
      this.pinnedMore[slot] = null;
      this.pinnedMoreLens[slot] = null;
    }
    this.queued = 0;
  }

  /** The result of a slot of the last submit(): a count or fd, or -errno. */
  result(slot: number): number {
    if (!this.hasResult(slot)) throw new RangeError(`Uring.result: slot ${slot} has no completion`);
    return this.results[slot];
  }

  /**
   * Submits every queued entry with one io_uring_enter and reads their
   * completions. Returns how many had to be cancelled (0 when the kernel
   * answered each inline; a cancelled entry's result is -ECANCELED unless it
   * completed first). No entry is in flight afterwards.
   */
  submit(): number {
    const n = this.queued;
    if (n === 0) return 0;
    for (let slot = 0; slot < n; slot++) this.checkPinned(slot);
    this.publish(n);
    this.queued = 0;
    try {
      this.enter(n, 0, 0);
    } catch (err) {
      // The kernel may have consumed some entries before the call failed: their completions are
      // read (result() answers for them), the rest are cancelled and waited for, then the error
      // goes up. An entry that ran must not be made again as a plain call.
      this.settleAfterFailure(n);
      throw err;
    }
    let missing = n - this.reap();
    if (missing === 0) return 0;
    // Not answered inline: cancel each and wait for every completion, so no
    // buffer stays with the kernel past this call.
    const cancelled = missing;
    this.cancelMissing(n);
    while (missing > 0) {
      this.enter(0, 1, ENTER_GETEVENTS);
      missing = n - this.countDone(n);
    }
    return cancelled;
  }

  /** After a failed enter: reap what completed, cancel and wait for the rest (best effort: a ring that fails again is left to close()). */
  private settleAfterFailure(n: number): void {
    try {
      if (n - this.reap() === 0) return;
      this.cancelMissing(n);
      for (let rounds = 0; rounds < 1000 && n - this.countDone(n) > 0; rounds++) this.enter(0, 1, ENTER_GETEVENTS);
    } catch {
      // The ring is failing again: what completed has its result (hasResult); the rest has none, and its operation makes the plain call.
    }
  }

  /** Whether `slot` of the last submit has a completion (after a failed submit, the entries that ran). */
  hasResult(slot: number): boolean {
    return slot >= 0 && slot < this.entries && this.done[slot] !== 0;
  }

  private cancelMissing(n: number): void {
    // Cancel entries go in SQ slots after the batch's (the batch's SQEs are consumed); their
    // user_data is outside [0, entries), so reap() ignores their own completions.
    let k = 0;
    for (let slot = 0; slot < n; slot++) {
      if (this.done[slot] !== 0) continue;
      const w = k * (SQE_SIZE / 4);
      for (let i = 0; i < SQE_SIZE / 4; i++) this.sqe32[w + i] = 0;
      this.sqe32[w] = OP_ASYNC_CANCEL;
      this.sqe32[w + SQE.fd / 4] = -1;
      this.sqe64[w / 2 + SQE.addr / 8] = BigInt(slot);
      this.sqe32[w + SQE.opFlags / 4] = ASYNC_CANCEL_ALL;
      this.sqe32[w + SQE.userData / 4] = this.entries + slot;
      k++;
    }
    this.publish(k);
    this.enter(k, 0, 0);
  }

  /**
   * Makes SQEs 0..n-1 the next n ring positions: points the SQ array's
   * entries at them, then stores the new tail (the kernel reads it in
   * io_uring_enter).
   */
  private publish(n: number): void {
    const tail = this.sqTail[0];
    for (let i = 0; i < n; i++) this.sqArray[(tail + i) & this.sqMask] = i;
    Atomics.store(this.sqTail, 0, (tail + n) >>> 0);
  }

  /** Makes `slot` a no-op answering -EFAULT if a view it addresses was detached or shrunk since it was queued. */
  private checkPinned(slot: number): void {
    this.faulted[slot] = 0;
    const main = this.pinned[slot];
    let shrunk = main !== null && viewLength(main) < this.pinnedLen[slot];
    const more = this.pinnedMore[slot];
    const lens = this.pinnedMoreLens[slot];
    if (more !== null && lens !== null) for (let i = 0; i < more.length; i++) shrunk ||= more[i].byteLength < lens[i];
    if (!shrunk) return;
    const w = slot * (SQE_SIZE / 4);
    for (let k = 0; k < SQE_SIZE / 4; k++) this.sqe32[w + k] = 0; // opcode 0 is IORING_OP_NOP
    this.sqe32[w + SQE.userData / 4] = slot;
    this.faulted[slot] = 1;
  }

  private countDone(n: number): number {
    this.reap();
    let c = 0;
    for (let slot = 0; slot < n; slot++) c += this.done[slot];
    return c;
  }

  /** One io_uring_enter, retried on EINTR until `toSubmit` entries are consumed. */
  private enter(toSubmit: number, minComplete: number, flags: number): void {
    for (;;) {
      this.enters++;
      const r = libc.io_uring_enter(SYS_io_uring_enter, this.fd, toSubmit, minComplete, flags, null, 0);
      if (r >= 0) {
        toSubmit -= r;
        if (toSubmit <= 0) return;
        continue;
      }
      const errno = libc.errno();
      if (errno !== ERRNO.EINTR) throw new SyscallError('io_uring_enter', errno, { fd: this.fd });
    }
  }

  /** Reads every completion posted; returns how many belonged to batch slots. */
  private reap(): number {
    const words = this.cqHeadTail;
    let head = words[this.cqHeadIx];
    const tail = Atomics.load(words, this.cqTailIx);
    let got = 0;
    const cqes = this.cqeWords;
    while (head !== tail) {
      const w = this.cqeBase + (head & this.cqMask) * (CQE_SIZE / 4);
      const slot = cqes[w + CQE.userData / 4];
      if (slot >= 0 && slot < this.entries && cqes[w + CQE.userData / 4 + 1] === 0) {
        this.results[slot] = this.faulted[slot] !== 0 ? -ERRNO.EFAULT : cqes[w + CQE.res / 4];
        this.done[slot] = 1;
        this.pinned[slot] = null;
        this.pinnedMore[slot] = null;
        this.pinnedMoreLens[slot] = null;
        got++;
      }
      head = (head + 1) >>> 0;
    }
    Atomics.store(words, this.cqHeadIx, head);
    return got;
  }

  /** Closes the ring (idempotent). Nothing is in flight between submits, so nothing is cancelled. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = 0;
    this.pinned.fill(null);
    this.pinnedMore.fill(null);
    this.pinnedMoreLens.fill(null);
    this.memory.release();
    closeAdoptedFd(this.fd);
    this.fd = -1;
  }
}
