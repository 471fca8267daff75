/**
 * Netlink on real sockets: the link dump of this namespace, an NLMSG_ERROR
 * reply, and link up/down events from a veth pair in a network namespace the
 * test creates (the socket is opened inside it by a child process and passed
 * back with SCM_RIGHTS). The framing parsers are bounded.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import { WOULD_BLOCK, recvMsgFd } from '../../host/os/msg.js';
import {
  NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_MULTI, NLM_F_REQUEST, RTMGRP_LINK,
  encodeNetlinkMessage, netlinkAttributes, netlinkErrno, netlinkMessages, netlinkSocket,
} from '../../host/sys/netlink.js';
import { IFF_LOOPBACK, IFLA_IFNAME, type LinkMessage, RTM_GETLINK, linkDumpRequest, parseLinkMessage } from '../../host/sys/rtnetlink.js';
import { getSockName } from '../../host/sys/generic-socket.js';
import { decodeSockaddr } from '../../host/sys/sockaddr.js';
import { socketPair } from '../../host/sys/socket.js';
import { TruncatedRecordError } from '../../host/os/truncated.js';
import { useFdTracker } from './helpers.js';

const fds = useFdTracker();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function openNetlink(fd: number): Promise<PollFD> {
  const poller = await Poller.create();
  cleanup.push(() => poller.close());
  const pfd = await PollFD.open(fd, { poller });
  cleanup.push(() => pfd.close());
  return pfd;
}

/** Reads one netlink datagram (with a deadline) and returns the bytes. */
async function readBatch(pfd: PollFD, buf: Uint8Array, ms = 5000): Promise<Uint8Array> {
  pfd.setReadDeadline(Date.now() + ms);
  const n = await pfd.read(buf);
  return buf.slice(0, n);
}

/** The dump of this namespace's links, as the raw bytes of each datagram. */
async function dump(): Promise<Uint8Array[]> {
  const pfd = await openNetlink(netlinkSocket(NETLINK_ROUTE));
  await pfd.write(linkDumpRequest(7));
  const batches: Uint8Array[] = [];
  const buf = new Uint8Array(32768);
  for (;;) {
    const batch = await readBatch(pfd, buf);
    batches.push(batch);
    if ([...netlinkMessages(batch)].some((m) => m.type === NLMSG_DONE)) return batches;
  }
}

describe('netlinkSocket', () => {
  it('is non-blocking and close-on-exec, bound to the groups with a kernel-chosen port id', () => {
    const fd = fds.track(netlinkSocket(NETLINK_ROUTE, RTMGRP_LINK));
    expect(isNonBlocking(fd)).toBe(true);
    expect(isCloseOnExec(fd)).toBe(true);
    const addr = decodeSockaddr(getSockName(fd)) as { family: string; pid: number; groups: number };
    expect(addr).toMatchObject({ family: 'netlink', groups: RTMGRP_LINK });
    expect(addr.pid).not.toBe(0);
    expect(() => netlinkSocket(9999)).toThrow(expect.objectContaining({ syscall: 'socket' }));
  });

  it('an RTM_GETLINK dump through a PollFD lists the loopback link and ends with NLMSG_DONE', async () => {
    const links: LinkMessage[] = [];
    for (const batch of await dump()) {
      for (const m of netlinkMessages(batch)) {
        expect(m.seq).toBe(7);
        expect(m.flags & NLM_F_MULTI).toBe(NLM_F_MULTI);
        const link = parseLinkMessage(m);
        if (link) links.push(link);
      }
    }
    const lo = links.find((l) => l.name === 'lo');
    expect(lo).toMatchObject({ event: 'new', index: 1, mtu: 65536 });
    expect(lo!.flags & IFF_LOOPBACK).toBe(IFF_LOOPBACK);
  });

  it('an error reply: NLMSG_ERROR carries the errno (ENODEV for a link that does not exist)', async () => {
    const pfd = await openNetlink(netlinkSocket(NETLINK_ROUTE));
    const ifinfo = new Uint8Array(16);
    new DataView(ifinfo.buffer).setInt32(4, 0x7fff_fff0, true); // ifi_index
    await pfd.write(encodeNetlinkMessage({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 42, payload: ifinfo }));
    const [reply] = [...netlinkMessages(await readBatch(pfd, new Uint8Array(4096)))];
    expect(reply).toMatchObject({ type: NLMSG_ERROR, seq: 42 });
    expect(netlinkErrno(reply!)).toBe(19); // ENODEV
    expect(() => netlinkErrno({ ...reply!, type: 16 })).toThrow(TypeError);
  });
});

describe('netlinkMessages / netlinkAttributes (the parsers)', () => {
  it('every truncation of real dump bytes gives whole messages or TruncatedRecordError', async () => {
    const [bytes] = await dump();
    const ends: [number, number][] = []; // [end of data, end with padding] per message
    let off = 0;
    for (const m of netlinkMessages(bytes!)) {
      const end = m.payload.byteOffset - bytes!.byteOffset + m.payload.byteLength;
      ends.push([end, (end + 3) & ~3]);
      off = end;
    }
    expect(off).toBeGreaterThan(0);
    for (let cut = 0; cut < bytes!.length; cut++) {
      const part = bytes!.slice(0, cut);
      const whole = cut === 0 || ends.some(([a, b]) => cut >= a && cut <= b);
      if (whole) expect(() => [...netlinkMessages(part)]).not.toThrow();
      else expect(() => [...netlinkMessages(part)]).toThrow(TruncatedRecordError);
    }
  });

  it('attributes: a length below 4 or past the end is TruncatedRecordError; names decode', () => {
    const attr = new Uint8Array([7, 0, IFLA_IFNAME, 0, 0x61, 0x62, 0, 0]); // "ab\0" + padding
    expect([...netlinkAttributes(attr)].map((a) => [a.type, Buffer.from(a.data).toString()])).toEqual([[IFLA_IFNAME, 'ab\0']]);
    expect(() => [...netlinkAttributes(new Uint8Array([2, 0, 1, 0]))]).toThrow(TruncatedRecordError);
    expect(() => [...netlinkAttributes(new Uint8Array([9, 0, 1, 0, 0, 0, 0, 0]))]).toThrow(TruncatedRecordError);
    expect(() => [...netlinkAttributes(new Uint8Array([1, 0]))]).toThrow(TruncatedRecordError);
  });

  it('random bytes through messages, link parsing and attributes: results or TruncatedRecordError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (raw, asLink) => {
        const bytes = raw.slice();
        if (asLink && bytes.length >= 6) bytes[4] = 16; // make some of them RTM_NEWLINK
        try {
          for (const m of netlinkMessages(bytes)) {
            expect(m.payload.byteLength).toBeLessThanOrEqual(bytes.length);
            parseLinkMessage(m);
          }
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Why link events cannot be tested here, or null when they can. */
function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN) to create a network namespace';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (`ip`) is not installed';
  }
  return null;
}
const skipReason = netnsUnavailable();
const FIXTURE = fileURLToPath(new URL('./fixtures/netlink-in-netns.mjs', import.meta.url));

describe.skipIf(skipReason !== null)(`link events in a network namespace${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const ns = `netpoll-sys-${process.pid}`;
  const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe' });
  afterAll(() => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // never created
    }
  });

  it('a veth set up and down, then deleted: RTM_NEWLINK up/down and RTM_DELLINK, read through a PollFD', async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    const [mine, theirs] = fds.trackAll(socketPair('stream'));
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, FIXTURE], { stdio: ['ignore', 'inherit', 'inherit', theirs] });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    const got = recvMsgFd(mine, new Uint8Array(1));
    if (got === WOULD_BLOCK) throw new Error('the child sent no socket');
    expect(got.fds).toHaveLength(1);
    const nl = await openNetlink(got.fds[0]!);

    ip('link', 'add', 'np0', 'type', 'veth', 'peer', 'name', 'np1');
    ip('link', 'set', 'np1', 'up');
    ip('link', 'set', 'np0', 'up');
    const events: string[] = [];
    const buf = new Uint8Array(32768);
    const until = async (want: string): Promise<void> => {
      while (!events.includes(want)) {
        for (const m of netlinkMessages(await readBatch(nl, buf))) {
          const l = parseLinkMessage(m);
          if (l?.name === 'np0') events.push(`${l.event} ${l.up ? 'up' : 'down'} ${l.operstate}`);
        }
      }
    };
    await until('new up up');
    ip('link', 'set', 'np0', 'down');
    await until('new down down');
    ip('link', 'del', 'np0');
    await until('del down down');
    expect(events[0]).toBe('new down down'); // created down
    expect(events.indexOf('new up up')).toBeLessThan(events.lastIndexOf('new down down'));
    expect(events.at(-1)).toBe('del down down');
  });
});
