/**
 * openTun: a TUN/TAP device (tun.ts) as a PollFD in one call. One read is
 * one packet (or frame); give read a buffer of at least the MTU plus the
 * 4-byte tun_pi header when packetInfo is on, or the packet is cut short.
 */
import { Poller } from '../poller.js';
import { PollFD } from '../pollfd.js';
import { closeFd } from '../os/fd.js';
import { InvalidArgTypeError } from '../os/args.js';
import { type TunOptions, openTunFd } from './tun.js';

export interface TunPollFD {
  pollfd: PollFD;
  /** The interface name the kernel gave. */
  name: string;
}

/** openTunFd + PollFD.open; the descriptor is closed again if registering it fails. */
export async function openTun(opts: TunOptions & { poller?: Poller } = {}): Promise<TunPollFD> {
  if (opts?.poller !== undefined && !(opts.poller instanceof Poller)) throw new InvalidArgTypeError('poller', 'a Poller', opts.poller);
  const { fd, name } = openTunFd(opts);
  try {
    return { pollfd: await PollFD.open(fd, { poller: opts.poller }), name };
  } catch (err) {
    closeFd(fd);
    throw err;
  }
}
