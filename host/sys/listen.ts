/**
 * listen(network, address): Go's net.Listen for PollFDs. A Listener accepts
 * connections as PollFDs (non-blocking, close-on-exec, TCP_NODELAY on TCP),
 * one at a time or as an async iterator; its deadline bounds accept (Go's
 * Listener.SetDeadline). `listenPacket` is Go's net.ListenPacket: a bound
 * datagram PollFD ('udp', 'udp4', 'udp6', 'unixgram') for readFrom/writeTo.
 *
 * A unix socket path is unlinked on close when this listener created it
 * (Go's UnixListener does the same); an abstract name ('\0…') needs nothing.
 */
import { unlinkSync } from 'node:fs';
import { Poller } from '../poller.js';
import { PollFD, type AcceptManyOptions, type IoOptions, defaultPoller } from '../pollfd.js';
import { ClosedError } from '../errors.js';
import type { Deadline } from '../deadline.js';
import { closeFd } from '../os/fd.js';
import { bind, listenFd } from './generic-socket.js';
import { InvalidArgTypeError, InvalidArgValueError, checkInteger } from '../os/args.js';
import { type Network, resolveAddress } from './net-address.js';
import { netSocket, setNoDelay } from './net-socket.js';
import { localAddress } from './conn-address.js';
import type { SockAddr } from './sockaddr.js';
import { AF_UNIX, SOCK_DGRAM } from '../os/socket-abi.js';

export interface ListenOptions {
  /** listen(2) backlog (default 511, as Node; Go reads somaxconn). */
  backlog?: number;
  poller?: Poller;
}

function checkListenOptions(opts: ListenOptions): void {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgTypeError('options', 'an object', opts);
  if (opts.backlog !== undefined) checkInteger(opts.backlog, 'backlog', 0, 0x7fff_ffff);
  if (opts.poller !== undefined && !(opts.poller instanceof Poller)) throw new InvalidArgTypeError('poller', 'a Poller', opts.poller);
}

/** A bound (and, for 'listen', listening) PollFD for network/address, and the unix path to unlink later. */
async function bound(network: string, address: string, role: 'listen' | 'packet', opts: ListenOptions): Promise<{ pfd: PollFD; path: string | null; network: Network; poller: Poller }> {
  checkListenOptions(opts);
  const poller = opts.poller ?? (await defaultPoller());
  const target = await resolveAddress(network, address, true);
  const datagram = target.type === SOCK_DGRAM;
  if (role === 'listen' && datagram) throw new InvalidArgValueError('network', network, 'is a datagram network: use listenPacket');
  if (role === 'packet' && !datagram) throw new InvalidArgValueError('network', network, 'is not a datagram network: use listen');
  const fd = netSocket(target, 'listen');
  const path = target.family === AF_UNIX && !address.startsWith('\0') ? address : null;
  let created = false;
  try {
    bind(fd, target.addr);
    created = path !== null;
    if (role === 'listen') listenFd(fd, opts.backlog ?? 511);
    return { pfd: await PollFD.open(fd, { poller }), path, network: target.network, poller };
  } catch (err) {
    closeFd(fd);
    if (created) unlinkQuietly(path!);
    throw err;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export class Listener implements AsyncIterable<PollFD> {
  private closed = false;

  private constructor(
    /** The listening socket. */
    readonly pollfd: PollFD,
    readonly network: Network,
    private readonly path: string | null,
    private readonly poller: Poller,
  ) {}

  /** @internal Use listen(). */
  static async create(network: string, address: string, opts: ListenOptions = {}): Promise<Listener> {
    const { pfd, path, network: net, poller } = await bound(network, address, 'listen', opts);
    return new Listener(pfd, net, path, poller);
  }

  /** The next connection: a PollFD (TCP_NODELAY on for TCP, as Go). Rejects with ClosedError once the listener is closed, DeadlineExceededError past its deadline. */
  async accept(opts?: IoOptions): Promise<PollFD> {
    const fd = await this.pollfd.accept(opts);
    try {
      if (this.network.startsWith('tcp')) setNoDelay(fd);
      return await PollFD.open(fd, { poller: this.poller });
    } catch (err) {
      closeFd(fd);
      throw err;
    }
  }

  /**
   * Every connection waiting, up to `max` (default 64), as PollFDs: waits
   * like accept() while none is. Under load, start them all before awaiting
   * again (PollFD.acceptMany says why a loop over accept() lags). If one of
   * them cannot be opened, all of this batch are closed and the error is
   * thrown.
   */
  async acceptMany(opts?: AcceptManyOptions): Promise<PollFD[]> {
    const fds = await this.pollfd.acceptMany(opts);
    const tcp = this.network.startsWith('tcp');
    // Opened together: one await for the batch, not one per connection.
    const opened = await Promise.allSettled(
      fds.map(async (fd) => {
        if (tcp) setNoDelay(fd);
        return PollFD.open(fd, { poller: this.poller });
      }),
    );
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return opened.map((r) => (r as PromiseFulfilledResult<PollFD>).value);
    await Promise.all(opened.map((r, i) => (r.status === 'fulfilled' ? r.value.close() : closeFd(fds[i]))));
    throw failed.reason;
  }

  /** The address bound (with the port the kernel chose for ':0'). */
  address(): SockAddr {
    return localAddress(this.pollfd);
  }

  /** A deadline for accept (Go's Listener.SetDeadline). */
  setDeadline(d: Deadline): void {
    this.pollfd.setReadDeadline(d);
  }

  /** Stops listening: a pending accept rejects with ClosedError; the unix socket file this listener made is removed. Idempotent. */
  async close(): Promise<void> {
    const first = this.path !== null && !this.closed;
    this.closed = true;
    await this.pollfd.close();
    if (first) unlinkQuietly(this.path!);
  }

  /** Connections until the listener is closed (a ClosedError ends the loop; other errors are thrown). */
  async *[Symbol.asyncIterator](): AsyncGenerator<PollFD, void, undefined> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (err instanceof ClosedError) return;
        throw err;
      }
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Listens on `address` for 'tcp', 'tcp4', 'tcp6', 'unix' or 'unixpacket' (Go's net.Listen). */
export function listen(network: string, address: string, opts: ListenOptions = {}): Promise<Listener> {
  return Listener.create(network, address, opts);
}

/** A bound datagram socket for 'udp', 'udp4', 'udp6' or 'unixgram' (Go's net.ListenPacket). A unixgram path is the caller's to unlink. */
export async function listenPacket(network: string, address: string, opts: ListenOptions = {}): Promise<PollFD> {
  return (await bound(network, address, 'packet', opts)).pfd;
}
