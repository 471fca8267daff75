/**
 * SocketCAN raw sockets (<linux/can.h>, <linux/can/raw.h>): a CAN_RAW socket
 * bound to one interface by name, optionally taking CAN FD frames. Frames
 * are can-frame.ts's bytes; hand the descriptor to PollFD.open and read 72
 * bytes at a time (a read returns 16 for a classic frame, 72 for an FD one).
 *
 *   struct sockaddr_can (24): +0 can_family u16  +2 pad u16  +4 can_ifindex i32
 *                             +8 can_addr (transport-protocol ids, unused by CAN_RAW)
 *
 * Needs the kernel's can and can_raw modules (socket(2) fails with
 * EAFNOSUPPORT without them) and a CAN interface (vcan for tests).
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { closingOnError } from '../os/fd.js';
import { bind, setSockOpt, socket } from './generic-socket.js';
import { interfaceIndex } from './interface-name.js';
import { InvalidArgTypeError, checkInteger } from '../os/args.js';
import { AF_CAN, SOCK_RAW } from '../os/socket-abi.js';

export const CAN_RAW = 1;
export const SOL_CAN_RAW = 101;
export const CAN_RAW_FILTER = 1;
export const CAN_RAW_LOOPBACK = 3;
export const CAN_RAW_RECV_OWN_MSGS = 4;
/** Let the socket read and write struct canfd_frame too. */
export const CAN_RAW_FD_FRAMES = 5;
const SOCKADDR_CAN_SIZE = 24;

/** struct sockaddr_can for CAN_RAW on interface `ifindex` (0 = every CAN interface, for reading). */
export function sockaddrCan(ifindex: number): Uint8Array {
  checkInteger(ifindex, 'ifindex', 0, 0x7fff_ffff);
  const out = new Uint8Array(SOCKADDR_CAN_SIZE);
  const view = new DataView(out.buffer);
  view.setUint16(0, AF_CAN, LITTLE_ENDIAN);
  view.setInt32(4, ifindex, LITTLE_ENDIAN);
  return out;
}

export interface CanSocketOptions {
  /** Also read and write CAN FD frames (CAN_RAW_FD_FRAMES). Default false. */
  fd?: boolean;
}

/** A non-blocking, close-on-exec CAN_RAW socket bound to interface `name` (e.g. 'can0', 'vcan0'). */
export function openCanSocket(name: string, opts: CanSocketOptions = {}): number {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgTypeError('options', 'an object', opts);
  if (opts.fd !== undefined && typeof opts.fd !== 'boolean') throw new InvalidArgTypeError('fd', 'of type boolean', opts.fd);
  const addr = sockaddrCan(interfaceIndex(name));
  const fd = socket(AF_CAN, SOCK_RAW, CAN_RAW);
  return closingOnError(fd, () => {
    if (opts.fd) setSockOpt(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, 1);
    bind(fd, addr);
    return fd;
  });
}
