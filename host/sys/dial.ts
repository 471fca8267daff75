/**
 * dial(network, address, { deadline, signal }): Go's net.Dialer.DialContext
 * for a PollFD. The socket is non-blocking from the start; connect(2) that
 * does not finish at once (EINPROGRESS) is waited for as Go's
 * internal/poll.FD.connect does it — wait for writability through the
 * poller, then read SO_ERROR: 0 is connected, EINPROGRESS/EALREADY/EINTR
 * wait again, anything else is the connect error. The whole dial obeys
 * `deadline` (DeadlineExceededError, "i/o timeout") and `signal`
 * (AbortError), the host name lookup included, as a Go context bounds
 * resolution: a lookup still running then is left to finish on its own (the
 * system resolver cannot be interrupted) and its answer is dropped. Either
 * way the socket is closed and nothing is left behind. The deadline is the
 * dial's only: the PollFD returned has none.
 */
import { Poller } from '../poller.js';
import { PollFD } from '../pollfd.js';
import { AbortError, DeadlineExceededError, NotPollableError } from '../errors.js';
import { epochNowMs, type Deadline } from '../deadline.js';
import { checkOpOptions } from '../validate.js';
import { ERRNO, SyscallError } from '../os/errors.js';
import { closeFd } from '../os/fd.js';
import * as libc from '../os/libc.js';
import { InvalidArgTypeError } from '../os/args.js';
import { type LookupFunction, resolveAddress } from './net-address.js';
import { netSocket } from './net-socket.js';
import { connectDone, socketError } from './socket.js';

export interface DialOptions {
  /** The dial (lookup and connect) must be done by then: a Date or epoch ms, as PollFD deadlines. */
  deadline?: Deadline;
  signal?: AbortSignal;
  poller?: Poller;
  /** Resolves host names in place of `dns.promises.lookup` (as node:net's `lookup` option, promise-shaped). */
  lookup?: LookupFunction;
}

const deadlineMs = (d: Deadline | undefined): number | null => (d === undefined || d === null ? null : d instanceof Date ? d.getTime() : d);

function checkDialOptions(opts: DialOptions): void {
  checkOpOptions(opts, 'dial');
  const d = opts.deadline;
  if (d !== undefined && d !== null && !(d instanceof Date) && (typeof d !== 'number' || Number.isNaN(d))) {
    throw new InvalidArgTypeError('deadline', 'a Date, epoch milliseconds or null', d);
  }
  if (opts.poller !== undefined && !(opts.poller instanceof Poller)) throw new InvalidArgTypeError('poller', 'a Poller', opts.poller);
  if (opts.lookup !== undefined && typeof opts.lookup !== 'function') throw new InvalidArgTypeError('lookup', 'of type function', opts.lookup);
}

/**
 * `work`, unless the deadline passes or the signal fires first: then the
 * rejection comes at once and `work`'s own outcome is dropped (it cannot be
 * stopped).
 */
function bounded<T>(work: Promise<T>, until: number | null, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (until === null && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    // A Node timer may fire up to a millisecond before the wall clock reaches `until` (it counts whole ms
    // on the loop's own clock): it re-arms for what is left, so the deadline never ends the lookup early.
    const expire = (): void => {
      const left = until! - epochNowMs();
      if (left > 0) timer = setTimeout(expire, Math.ceil(left));
      else settle(() => reject(new DeadlineExceededError(`i/o timeout (${what})`)));
    };
    let timer = until === null ? null : setTimeout(expire, Math.max(0, Math.ceil(until - epochNowMs())));
    const onAbort = (): void => settle(() => reject(new AbortError(signal!.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function settle(finish: () => void): void {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    }
    work.then(
      (v) => settle(() => resolve(v)),
      (err: unknown) => settle(() => reject(err)),
    );
  });
}

/** Connects to `address` on `network` ('tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6', 'unix', 'unixpacket', 'unixgram'): a connected PollFD. */
export async function dial(network: string, address: string, opts: DialOptions = {}): Promise<PollFD> {
  checkDialOptions(opts);
  const { signal } = opts;
  if (signal?.aborted) throw new AbortError(signal.reason);
  const until = deadlineMs(opts.deadline);
  const expired = (): DeadlineExceededError => new DeadlineExceededError(`i/o timeout (dial ${network} ${address})`);
  if (until !== null && until <= epochNowMs()) throw expired();
  const target = await bounded(resolveAddress(network, address, false, opts.lookup), until, signal, `dial ${network} ${address}: lookup`);
  if (signal?.aborted) throw new AbortError(signal.reason);
  if (until !== null && until <= epochNowMs()) throw expired();

  const fd = netSocket(target, 'dial');
  let pfd: PollFD | null = null;
  try {
    const connected = startConnect(fd, target.addr);
    pfd = await PollFD.open(fd, { poller: opts.poller });
    if (!connected) await waitConnected(pfd, opts.deadline ?? null, signal);
    return pfd;
  } catch (err) {
    if (pfd) await pfd.close();
    else closeFd(fd);
    throw err;
  }
}

/**
 * connect(2) once: true when connected, false when in progress. EAGAIN is an
 * error here, as in Go: on AF_UNIX it means the listener's backlog is full
 * and nothing was queued, so waiting for writability would wait for nothing.
 */
function startConnect(fd: number, addr: Uint8Array): boolean {
  if (libc.connect(fd, addr, addr.byteLength) === 0) return true;
  const errno = libc.errno();
  const done = errno === ERRNO.EAGAIN ? null : connectDone(errno);
  if (done === null) throw new SyscallError('connect', errno, { fd });
  return done;
}

/** Go's connect wait: writability, then SO_ERROR, until it is not "still in progress". */
async function waitConnected(pfd: PollFD, deadline: Deadline, signal: AbortSignal | undefined): Promise<void> {
  pfd.setWriteDeadline(deadline);
  try {
    for (;;) {
      try {
        await pfd.pollDesc.wait('w', signal && { signal });
      } catch (err) {
        // A refused connect is reported as EPOLLERR; its cause is in SO_ERROR.
        if (!(err instanceof NotPollableError)) throw err;
      }
      const errno = socketError(pfd.fd);
      if (errno === 0) return;
      if (errno === ERRNO.EINPROGRESS || errno === ERRNO.EALREADY || errno === ERRNO.EINTR) continue;
      throw new SyscallError('connect', errno, { fd: pfd.fd });
    }
  } finally {
    pfd.setWriteDeadline(null);
  }
}
