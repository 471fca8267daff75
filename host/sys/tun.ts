/**
 * TUN (layer 3, IP packets) and TAP (layer 2, Ethernet frames) devices
 * (<linux/if_tun.h>): open /dev/net/tun and attach it to an interface with
 * the TUNSETIFF ioctl. One read(2) is one packet; one write(2) injects one.
 * Needs CAP_NET_ADMIN in the network namespace's user namespace (root, or
 * `unshare -rn`). The device lives while a descriptor is attached to it
 * (unless made persistent with `ip tuntap`), and starts down.
 *
 *   struct ifreq (40): +0 ifr_name char[16]  +16 ifr_flags short  (rest unused here)
 */
import * as libc from './libc-fds.js';
import { O_CLOEXEC, O_NONBLOCK, O_RDWR, LITTLE_ENDIAN, ioctl } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { closingOnError } from '../os/fd.js';
import { InvalidArgTypeError, InvalidArgValueError, checkString } from '../os/args.js';
import { checkLinkName } from './interface-name.js';

const TUN_PATH = '/dev/net/tun';
/** _IOW('T', 202, int) */
const TUNSETIFF = 0x400454ca;
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_MULTI_QUEUE = 0x0100;
/** Without it every packet read or written starts with 4 bytes of struct tun_pi (flags u16, proto u16 BE). */
export const IFF_NO_PI = 0x1000;
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;

export interface TunOptions {
  /** 'tun' (IP packets, the default) or 'tap' (Ethernet frames). */
  mode?: 'tun' | 'tap';
  /** The interface name; a pattern such as 'tun%d', or absent to let the kernel name it. An existing device of that name is attached to. */
  name?: string;
  /** Prefix each packet with struct tun_pi (default false: IFF_NO_PI). */
  packetInfo?: boolean;
  /** IFF_MULTI_QUEUE: open the same name again for more queues, each its own fd. */
  multiQueue?: boolean;
}

export interface TunDevice {
  /** Non-blocking, close-on-exec; hand it to PollFD.open. */
  fd: number;
  /** The name the kernel gave the interface. */
  name: string;
}

function checkTunOptions(opts: TunOptions): number {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgTypeError('options', 'an object', opts);
  const { mode = 'tun', name, packetInfo = false, multiQueue = false } = opts;
  if (mode !== 'tun' && mode !== 'tap') throw new InvalidArgValueError('mode', mode, "must be 'tun' or 'tap'");
  if (name !== undefined) checkLinkName(checkString(name, 'name').replace('%d', '0'), 'name'); // a string first: a number had no .replace
  if (typeof packetInfo !== 'boolean') throw new InvalidArgTypeError('packetInfo', 'of type boolean', packetInfo);
  if (typeof multiQueue !== 'boolean') throw new InvalidArgTypeError('multiQueue', 'of type boolean', multiQueue);
  return (mode === 'tap' ? IFF_TAP : IFF_TUN) | (packetInfo ? 0 : IFF_NO_PI) | (multiQueue ? IFF_MULTI_QUEUE : 0);
}

/** Opens a TUN/TAP device: the descriptor and the interface name. Nothing is left open if the ioctl fails (EPERM without CAP_NET_ADMIN). */
export function openTunFd(opts: TunOptions = {}): TunDevice {
  const flags = checkTunOptions(opts);
  const ifr = new Uint8Array(IFREQ_SIZE);
  if (opts.name !== undefined) ifr.set(Buffer.from(opts.name, 'utf8'), 0);
  new DataView(ifr.buffer).setInt16(IFNAMSIZ, flags << 16 >> 16, LITTLE_ENDIAN);
  const fd = libc.open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throwErrno('open', { path: TUN_PATH });
  closingOnError(fd, () => {
    if (ioctl(fd, TUNSETIFF, 'void *', ifr) < 0) throwErrno('ioctl', { fd, info: 'TUNSETIFF' });
  });
  const nul = ifr.subarray(0, IFNAMSIZ).indexOf(0);
  return { fd, name: Buffer.from(ifr.subarray(0, nul < 0 ? IFNAMSIZ : nul)).toString('utf8') };
}
