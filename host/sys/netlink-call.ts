/**
 * Netlink request and answer over any connection that reads and writes
 * whole datagrams (a PollFD on a netlinkSocket): send one request, collect
 * the messages answering it (those with its sequence number), end at the
 * ACK, NLMSG_DONE or a single reply. An NLMSG_ERROR with an errno becomes a
 * SyscallError. Messages for other sequence numbers (multicast events on a
 * socket that joined groups) are skipped, so a socket used for requests is
 * best kept out of groups. Deadlines and cancellation are the connection's:
 * set a read deadline on the PollFD, or pass `signal`.
 */
import { ERRNO, SyscallError } from '../os/errors.js';
import { LITTLE_ENDIAN } from '../os/libc.js';
import { type NetlinkMessage, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLM_F_ACK, NLM_F_MULTI, netlinkErrno, netlinkMessages } from './netlink.js';
import { type LinkMessage, parseLinkMessage } from './rtnetlink.js';
import { getLinkRequest } from './rtnetlink-link-requests.js';
import { TruncatedRecordError } from '../os/truncated.js';
import { InvalidArgTypeError } from '../os/args.js';

/** What netlinkCall needs of a connection: PollFD has it. */
export interface DatagramConn {
  read(buf: Uint8Array, opts?: { signal?: AbortSignal }): Promise<number>;
  write(buf: Uint8Array, opts?: { signal?: AbortSignal }): Promise<number>;
}

/** Big enough for any answer datagram the kernel builds (it sizes dumps to the page or 32 KiB). */
const ANSWER_BUF_SIZE = 65536;

/**
 * Sends `request` (one encoded message) and resolves with the messages that
 * answer it — copies, in order, without the final ACK / NLMSG_DONE. Rejects
 * with SyscallError (syscall 'netlink') for an error reply.
 */
export async function netlinkCall(conn: DatagramConn, request: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<NetlinkMessage[]> {
  if (!(request instanceof Uint8Array)) throw new InvalidArgTypeError('request', 'a Uint8Array', request);
  if (request.byteLength < NLMSG_HDRLEN) throw new TruncatedRecordError('nlmsghdr', 0, NLMSG_HDRLEN, request.byteLength);
  const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
  const seq = view.getUint32(8, LITTLE_ENDIAN);
  const type = view.getUint16(4, LITTLE_ENDIAN);
  await conn.write(request, opts);
  const buf = new Uint8Array(ANSWER_BUF_SIZE);
  const answers: NetlinkMessage[] = [];
  for (;;) {
    const n = await conn.read(buf, opts);
    for (const m of netlinkMessages(buf.subarray(0, n))) {
      if (m.seq !== seq) continue;
      if (m.type === NLMSG_ERROR) {
        const errno = netlinkErrno(m);
        if (errno !== 0) throw new SyscallError('netlink', errno, { info: `request type ${type}` });
        return answers;
      }
      if (m.type === NLMSG_DONE) return answers;
      answers.push({ ...m, payload: m.payload.slice() });
      // Without NLM_F_ACK a plain (non-dump) request is answered by one message.
      if ((m.flags & NLM_F_MULTI) === 0 && !asksForAck(request)) return answers;
    }
  }
}

function asksForAck(request: Uint8Array): boolean {
  return (new DataView(request.buffer, request.byteOffset, 8).getUint16(6, LITTLE_ENDIAN) & NLM_F_ACK) !== 0;
}

/** The link named `name` in the connection's network namespace (its index, flags, …); SyscallError ENODEV if there is none. */
export async function getLink(conn: DatagramConn, name: string, opts: { signal?: AbortSignal; seq?: number } = {}): Promise<LinkMessage> {
  const answers = await netlinkCall(conn, getLinkRequest(name, opts.seq ?? 1), opts);
  for (const m of answers) {
    const link = parseLinkMessage(m);
    if (link) return link;
  }
  throw new SyscallError('netlink', ERRNO.ENODEV, { info: `no RTM_NEWLINK for ${JSON.stringify(name)}` });
}
