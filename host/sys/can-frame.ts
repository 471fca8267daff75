/**
 * SocketCAN frames as the bytes a CAN_RAW socket reads and writes
 * (<linux/can.h>); one read(2) or write(2) is one frame. Multi-byte fields
 * are host-endian.
 *
 *   struct can_frame   (16): +0 can_id u32  +4 len u8  +5 pad u8  +6 res0 u8
 *                            +7 len8_dlc u8  +8 data[8]
 *   struct canfd_frame (72): +0 can_id u32  +4 len u8  +5 flags u8  +6 res0 u8
 *                            +7 res1 u8      +8 data[64]
 *
 * can_id holds the identifier (11 bits, or 29 with CAN_EFF_FLAG) and the
 * flag bits CAN_EFF_FLAG, CAN_RTR_FLAG, CAN_ERR_FLAG in its top three bits.
 * A CAN FD payload is 0 … 8, 12, 16, 20, 24, 32, 48 or 64 bytes. The
 * decoders take what the kernel gave and check sizes and lengths first.
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { InvalidArgTypeError, InvalidArgValueError, checkInteger } from '../os/args.js';
import { TruncatedRecordError } from '../os/truncated.js';

export const CAN_MTU = 16;
export const CANFD_MTU = 72;
export const CAN_EFF_FLAG = 0x80000000;
export const CAN_RTR_FLAG = 0x40000000;
export const CAN_ERR_FLAG = 0x20000000;
export const CAN_SFF_MASK = 0x7ff;
export const CAN_EFF_MASK = 0x1fffffff;
/** canfd_frame.flags: bit rate switch, error state indicator, "this is CAN FD". */
export const CANFD_BRS = 0x01;
export const CANFD_ESI = 0x02;
export const CANFD_FDF = 0x04;
const CAN_MAX_DLEN = 8;
const CANFD_MAX_DLEN = 64;
const CANFD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);
const DATA_OFFSET = 8;

export interface CanFrame {
  /** The identifier: 0 … 0x7ff, or 0 … 0x1fffffff when `extended`. */
  id: number;
  data: Uint8Array;
  /** 29-bit identifier (CAN_EFF_FLAG). */
  extended?: boolean;
  /** Remote transmission request (classic CAN only). */
  remote?: boolean;
  /** An error frame (CAN_ERR_FLAG), as the kernel reports bus errors. */
  error?: boolean;
}

export interface CanFdFrame extends Omit<CanFrame, 'remote'> {
  /** Bit rate switch for the data phase (CANFD_BRS). */
  brs?: boolean;
  /** Error state indicator (CANFD_ESI). */
  esi?: boolean;
}

function canId(frame: CanFrame | CanFdFrame, remote: boolean): number {
  if (frame === null || typeof frame !== 'object') throw new InvalidArgTypeError('frame', 'an object', frame);
  const extended = frame.extended === true;
  checkInteger(frame.id, 'id', 0, extended ? CAN_EFF_MASK : CAN_SFF_MASK);
  if (!(frame.data instanceof Uint8Array)) throw new InvalidArgTypeError('data', 'a Uint8Array', frame.data);
  return (frame.id | (extended ? CAN_EFF_FLAG : 0) | (remote ? CAN_RTR_FLAG : 0) | (frame.error ? CAN_ERR_FLAG : 0)) >>> 0;
}

/** The 16 bytes of a classic CAN frame (up to 8 data bytes). */
export function encodeCanFrame(frame: CanFrame): Uint8Array {
  const id = canId(frame, frame?.remote === true);
  if (frame.data.byteLength > CAN_MAX_DLEN) throw new InvalidArgValueError('data', frame.data, `holds at most ${CAN_MAX_DLEN} bytes in a classic CAN frame`);
  const out = new Uint8Array(CAN_MTU);
  new DataView(out.buffer).setUint32(0, id, LITTLE_ENDIAN);
  out[4] = frame.data.byteLength;
  out.set(frame.data, DATA_OFFSET);
  return out;
}

/** The 72 bytes of a CAN FD frame (a payload length CAN FD allows; CANFD_FDF is always set). */
export function encodeCanFdFrame(frame: CanFdFrame): Uint8Array {
  const id = canId(frame, false);
  if (!CANFD_LENGTHS.has(frame.data.byteLength)) throw new InvalidArgValueError('data', frame.data, 'must be 0-8, 12, 16, 20, 24, 32, 48 or 64 bytes long in a CAN FD frame');
  const out = new Uint8Array(CANFD_MTU);
  new DataView(out.buffer).setUint32(0, id, LITTLE_ENDIAN);
  out[4] = frame.data.byteLength;
  out[5] = CANFD_FDF | (frame.brs ? CANFD_BRS : 0) | (frame.esi ? CANFD_ESI : 0);
  out.set(frame.data, DATA_OFFSET);
  return out;
}

function decodeId(raw: number): Pick<CanFrame, 'id' | 'extended' | 'error'> {
  const extended = (raw & CAN_EFF_FLAG) !== 0;
  return { id: raw & (extended ? CAN_EFF_MASK : CAN_SFF_MASK), extended, error: (raw & CAN_ERR_FLAG) !== 0 };
}

/**
 * A frame from the bytes one read returned: 16 bytes are a classic frame,
 * 72 a CAN FD frame (`fd: true`); any other size, or a length field past the
 * frame's data, is TruncatedRecordError. `data` is a copy.
 */
export function decodeCanFrame(bytes: Uint8Array): (CanFrame & { fd: false }) | (CanFdFrame & { fd: true }) {
  const size = bytes.byteLength;
  if (size !== CAN_MTU && size !== CANFD_MTU) throw new TruncatedRecordError(size < CANFD_MTU ? 'can_frame' : 'canfd_frame', 0, size < CAN_MTU ? CAN_MTU : CANFD_MTU, size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const raw = view.getUint32(0, LITTLE_ENDIAN);
  const len = bytes[4]!;
  const max = size === CAN_MTU ? CAN_MAX_DLEN : CANFD_MAX_DLEN;
  if (len > max) throw new TruncatedRecordError(size === CAN_MTU ? 'can_frame' : 'canfd_frame', 4, DATA_OFFSET + len, size);
  const data = new Uint8Array(bytes.subarray(DATA_OFFSET, DATA_OFFSET + len)); // a copy, a plain Uint8Array even from a Buffer
  if (size === CAN_MTU) return { ...decodeId(raw), remote: (raw & CAN_RTR_FLAG) !== 0, data, fd: false };
  const flags = bytes[5]!;
  return { ...decodeId(raw), brs: (flags & CANFD_BRS) !== 0, esi: (flags & CANFD_ESI) !== 0, data, fd: true };
}
