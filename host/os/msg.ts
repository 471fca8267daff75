/**
 * sendmsg/recvmsg: one message with its peer address and ancillary data
 * (SCM_RIGHTS descriptors, credentials, anything else as raw control
 * messages). Results follow fd.ts: a result, WOULD_BLOCK, or SyscallError;
 * EINTR is retried.
 *
 * The structs, glibc LP64 (the same on x86_64 and aarch64):
 *
 *   struct msghdr (56)                     struct iovec (16)
 *   +0  msg_name        void *             +0  iov_base  void *
 *   +8  msg_namelen     u32 (+4 padding)   +8  iov_len   size_t
 *   +16 msg_iov         struct iovec *
 *   +24 msg_iovlen      size_t             struct cmsghdr (16, then data)
 *   +32 msg_control     void *             +0  cmsg_len    size_t (header + data)
 *   +40 msg_controllen  size_t             +8  cmsg_level  int
 *   +48 msg_flags       int (+4 padding)   +12 cmsg_type   int
 *                                          +16 data; the next cmsghdr starts at
 *                                              CMSG_ALIGN(cmsg_len), 8-aligned
 *
 * The pointers are the addresses of the caller's views (libc.ts
 * addressOf), filled in right before the call, so nothing is copied.
 */
import { LITTLE_ENDIAN, addressOf, errno as lastErrno, recvmsg, sendmsg } from './libc.js';
import { ERRNO } from './errors.js';
import { EINTR_RETRY, WOULD_BLOCK, ioResult } from './syscall.js';
import { InvalidArgTypeError, OutOfRangeError, validateBytes, validateFd, validateInteger } from './args.js';
import { MSG_CMSG_CLOEXEC, MSG_DONTWAIT, MSG_NOSIGNAL, SCM_RIGHTS, SOCKADDR_STORAGE_SIZE, SOL_SOCKET } from './socket-abi.js';
import { TruncatedRecordError, alignUp } from './truncated.js';

export { WOULD_BLOCK };

const MSGHDR_SIZE = 56;
const IOVEC_SIZE = 16;
const CMSG_HDR = 16;
const CMSG_ALIGN_TO = 8;
/** The most descriptors one SCM_RIGHTS message may carry (the kernel's SCM_MAX_FD). */
export const SCM_MAX_FD = 253;

const align = (n: number): number => alignUp(n, CMSG_ALIGN_TO);
/** CMSG_SPACE: the control-buffer bytes one message with `dataLen` bytes of data takes. */
export const cmsgSpace = (dataLen: number): number => CMSG_HDR + align(dataLen);

/** One ancillary message. For SCM_RIGHTS use `fds` instead. */
export interface ControlMessage {
  level: number;
  type: number;
  data: Uint8Array;
}

export interface RecvMsgResult {
  /** Bytes of the message placed in the buffer (0 may be an empty datagram, or EOF on a stream). */
  n: number;
  /** The sender's address bytes (decodeSockaddr), or null when the socket gives none (connected stream). */
  addr: Uint8Array | null;
  /** Descriptors received with SCM_RIGHTS: now open in this process, close-on-exec, and the caller's to close. */
  fds: number[];
  /** Every other control message, in order. */
  control: ControlMessage[];
  /**
   * MSG_TRUNC (the message was longer than the buffer: the rest is gone),
   * MSG_CTRUNC (control data was cut), … as recvmsg set them. The
   * MSG_CMSG_CLOEXEC this module asks for is not among them.
   */
  flags: number;
}

export interface RecvMsgOptions {
  /** Control buffer size in bytes; default room for 32 descriptors (cmsgSpace(4 * 32)). */
  controlSize?: number;
  /** Extra MSG_* flags (MSG_PEEK, …); MSG_DONTWAIT is always added, and MSG_CMSG_CLOEXEC with a control buffer. */
  flags?: number;
}

export interface SendMsgOptions {
  /** Destination address bytes (sockaddr.ts); none for a connected socket. */
  to?: Uint8Array;
  /** Descriptors to pass (SCM_RIGHTS). They stay open here; the peer gets its own copies. */
  fds?: number[];
  /** Other control messages to send. */
  control?: ControlMessage[];
  /** Extra MSG_* flags; MSG_DONTWAIT and MSG_NOSIGNAL are always added. */
  flags?: number;
}

const DEFAULT_CONTROL = cmsgSpace(4 * 32);
const MAX_CONTROL = 1 << 20;

// Scratch structs, off the V8 heap (an ArrayBuffer's store never moves). Every use is synchronous.
const hdr = new Uint8Array(new ArrayBuffer(MSGHDR_SIZE));
const hdrView = new DataView(hdr.buffer);
const iov = new Uint8Array(new ArrayBuffer(IOVEC_SIZE));
const iovView = new DataView(iov.buffer);
const name = new Uint8Array(new ArrayBuffer(SOCKADDR_STORAGE_SIZE));
let controlScratch = new Uint8Array(new ArrayBuffer(DEFAULT_CONTROL));

const addr = (view: Uint8Array | null): bigint => (view === null || view.byteLength === 0 ? 0n : addressOf(view));
const setU64 = (v: DataView, off: number, value: bigint | number): void => v.setBigUint64(off, BigInt(value), LITTLE_ENDIAN);

function fillHeader(buf: Uint8Array, nameView: Uint8Array | null, control: Uint8Array | null): void {
  setU64(iovView, 0, addr(buf));
  setU64(iovView, 8, buf.byteLength);
  setU64(hdrView, 0, addr(nameView));
  hdrView.setUint32(8, nameView?.byteLength ?? 0, LITTLE_ENDIAN);
  setU64(hdrView, 16, addressOf(iov));
  setU64(hdrView, 24, 1);
  setU64(hdrView, 32, addr(control));
  setU64(hdrView, 40, control?.byteLength ?? 0);
  hdrView.setInt32(48, 0, LITTLE_ENDIAN);
}

/** Runs a msg syscall: its count, WOULD_BLOCK, or throws; EINTR is retried. */
function call(syscall: 'recvmsg' | 'sendmsg', fd: number, flags: number): number {
  for (;;) {
    const raw = syscall === 'recvmsg' ? recvmsg(fd, hdr, flags) : sendmsg(fd, hdr, flags);
    if (raw < 0 && (flags & MSG_CMSG_CLOEXEC) !== 0 && lastErrno() === ERRNO.EINVAL) {
      // Some families (AF_PACKET) refuse the flag. Only AF_UNIX passes descriptors, and it accepts it: drop it.
      flags &= ~MSG_CMSG_CLOEXEC;
      continue;
    }
    const n = ioResult(raw, syscall, fd);
    if (n !== EINTR_RETRY) return n;
  }
}

/**
 * The control messages in `control` (the bytes recvmsg filled), bounded:
 * a header or length running past the end throws TruncatedRecordError.
 */
export function* controlMessages(control: Uint8Array): Generator<ControlMessage> {
  const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
  let off = 0;
  while (off < control.byteLength) {
    const have = control.byteLength - off;
    if (have < CMSG_HDR) throw new TruncatedRecordError('cmsghdr', off, CMSG_HDR, have);
    const len = Number(view.getBigUint64(off, LITTLE_ENDIAN));
    if (len < CMSG_HDR || len > have) throw new TruncatedRecordError('cmsghdr', off, Math.max(len, CMSG_HDR), have);
    yield {
      level: view.getInt32(off + 8, LITTLE_ENDIAN),
      type: view.getInt32(off + 12, LITTLE_ENDIAN),
      data: control.subarray(off + CMSG_HDR, off + len),
    };
    off += align(len);
  }
}

/** The descriptors in an SCM_RIGHTS message's data (host-endian ints). */
function rightsOf(data: Uint8Array): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fds: number[] = [];
  for (let off = 0; off + 4 <= data.byteLength; off += 4) fds.push(view.getInt32(off, LITTLE_ENDIAN));
  return fds;
}

/** recvmsg(2) into all of `buf`, with the sender's address and control messages. */
/** recvMsgFd's options, checked (PollFD.recvMsg checks them before it takes its lock, so a refusal changes nothing). */
export function checkRecvMsgOptions(opts: RecvMsgOptions): void {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgTypeError('opts', 'of type object', opts);
  if (opts.controlSize !== undefined) validateInteger(opts.controlSize, 'opts.controlSize', 0, MAX_CONTROL);
  if (opts.flags !== undefined) validateInteger(opts.flags, 'opts.flags', 0, 0x7fff_ffff);
}

export function recvMsgFd(fd: number, buf: Uint8Array, opts: RecvMsgOptions = {}): RecvMsgResult | typeof WOULD_BLOCK {
  validateFd(fd);
  validateBytes(buf, 'buf');
  checkRecvMsgOptions(opts);
  const size = opts.controlSize ?? DEFAULT_CONTROL;
  if (controlScratch.byteLength < size) controlScratch = new Uint8Array(new ArrayBuffer(size));
  const control = controlScratch.subarray(0, size);
  fillHeader(buf, name, size > 0 ? control : null);
  // Without a control buffer no descriptor can arrive, so MSG_CMSG_CLOEXEC is only asked for with one.
  const n = call('recvmsg', fd, (opts.flags ?? 0) | MSG_DONTWAIT | (size > 0 ? MSG_CMSG_CLOEXEC : 0));
  if (n === WOULD_BLOCK) return WOULD_BLOCK;
  const nameLen = Math.min(hdrView.getUint32(8, LITTLE_ENDIAN), name.byteLength);
  const controlLen = Math.min(Number(hdrView.getBigUint64(40, LITTLE_ENDIAN)), size);
  const result: RecvMsgResult = {
    n: Math.min(n, buf.byteLength), // with MSG_TRUNC a datagram socket returns the full length
    addr: nameLen > 0 ? name.slice(0, nameLen) : null,
    fds: [],
    control: [],
    // The kernel echoes MSG_CMSG_CLOEXEC back in msg_flags; it is our request, not news about the message.
    flags: hdrView.getInt32(48, LITTLE_ENDIAN) & ~MSG_CMSG_CLOEXEC,
  };
  for (const m of controlMessages(control.subarray(0, controlLen))) {
    if (m.level === SOL_SOCKET && m.type === SCM_RIGHTS) result.fds.push(...rightsOf(m.data));
    else result.control.push({ level: m.level, type: m.type, data: m.data.slice() });
  }
  return result;
}

/**
 * sendMsgFd's options, checked (PollFD.sendMsg checks them before it takes
 * its lock, so a refusal changes nothing). Anything but an array for `fds` is
 * refused: `fds: 5` must not send a message without the descriptor meant.
 */
export function checkSendMsgOptions(opts: SendMsgOptions): void {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgTypeError('opts', 'of type object', opts);
  if (opts.to !== undefined) validateBytes(opts.to, 'opts.to');
  if (opts.flags !== undefined) validateInteger(opts.flags, 'opts.flags', 0, 0x7fff_ffff);
  const fds: unknown = opts.fds;
  if (fds !== undefined && !Array.isArray(fds)) throw new InvalidArgTypeError('opts.fds', 'an array of file descriptors', fds);
  if (fds && fds.length > SCM_MAX_FD) throw new OutOfRangeError('opts.fds.length', `<= ${SCM_MAX_FD} (the kernel's SCM_MAX_FD)`, fds.length);
  fds?.forEach((f: unknown, i) => validateFd(f, `opts.fds[${i}]`));
  const control: unknown = opts.control;
  if (control !== undefined && !Array.isArray(control)) throw new InvalidArgTypeError('opts.control', 'an array of control messages', control);
  control?.forEach((m: unknown, i) => {
    if (m === null || typeof m !== 'object') throw new InvalidArgTypeError(`opts.control[${i}]`, 'of type object', m);
    const { level, type, data } = m as Partial<ControlMessage>;
    validateInteger(level, `opts.control[${i}].level`, -0x8000_0000, 0x7fff_ffff);
    validateInteger(type, `opts.control[${i}].type`, -0x8000_0000, 0x7fff_ffff);
    validateBytes(data, `opts.control[${i}].data`);
  });
}

/** The control buffer for checked options (checkSendMsgOptions); null when there is nothing to send. */
function encodeControl(opts: SendMsgOptions): Uint8Array | null {
  const msgs: ControlMessage[] = [];
  if (opts.fds && opts.fds.length > 0) {
    const data = new Uint8Array(4 * opts.fds.length);
    const view = new DataView(data.buffer);
    opts.fds.forEach((f, i) => view.setInt32(4 * i, f, LITTLE_ENDIAN));
    msgs.push({ level: SOL_SOCKET, type: SCM_RIGHTS, data });
  }
  for (const m of opts.control ?? []) msgs.push(m);
  if (msgs.length === 0) return null;
  const out = new Uint8Array(new ArrayBuffer(msgs.reduce((s, m) => s + cmsgSpace(m.data.byteLength), 0)));
  const view = new DataView(out.buffer);
  let off = 0;
  for (const m of msgs) {
    setU64(view, off, CMSG_HDR + m.data.byteLength);
    view.setInt32(off + 8, m.level, LITTLE_ENDIAN);
    view.setInt32(off + 12, m.type, LITTLE_ENDIAN);
    out.set(m.data, off + CMSG_HDR);
    off += cmsgSpace(m.data.byteLength);
  }
  return out;
}

/**
 * One sendmsg(2) of all of `buf`: the count sent (a stream socket may take
 * less; on a datagram socket it is all or EMSGSIZE), or WOULD_BLOCK.
 * On a stream socket, descriptors need at least one byte of data to ride on.
 */
export function sendMsgFd(fd: number, buf: Uint8Array, opts: SendMsgOptions = {}): number {
  validateFd(fd);
  validateBytes(buf, 'buf');
  checkSendMsgOptions(opts);
  const control = encodeControl(opts);
  fillHeader(buf, opts.to ?? null, control);
  return call('sendmsg', fd, (opts.flags ?? 0) | MSG_DONTWAIT | MSG_NOSIGNAL);
}
