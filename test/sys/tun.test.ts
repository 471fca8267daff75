/**
 * TUN on real descriptors, in a user + network namespace the test makes: the
 * link is brought up and given an address with this package's rtnetlink
 * requests, an ICMP echo sent from a raw socket in the namespace is read from
 * the TUN PollFD (one read = one packet, with a read deadline), a crafted
 * echo reply is written into the device, and the socket receives it. Both
 * drives. Argument checks need no namespace.
 */
import { describe, expect, it } from 'vitest';
import { DRIVES, usePoller, timesOut } from '../go/support.js';
import { openTunFd } from '../../host/sys/tun.js';
import { getLink, netlinkCall } from '../../host/sys/netlink-call.js';
import { setLinkRequest } from '../../host/sys/rtnetlink-link-requests.js';
import { newAddressRequest } from '../../host/sys/rtnetlink-addr.js';
import { sockaddrInet } from '../../host/sys/sockaddr.js';
import { isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import { netnsUnavailable, fdsInNewNetns } from './netns.js';
import { icmpEcho, ipv4Reply, ipv4Packet } from './ip-packets.js';

describe('openTunFd: arguments are checked before anything is opened', () => {
  it('refuses a bad mode, name or flag with a typed error', () => {
    expect(() => openTunFd({ mode: 'tunnel' as 'tun' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => openTunFd({ name: 'a-name-far-too-long' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => openTunFd({ name: 'a b' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => openTunFd({ name: 5 as unknown as string })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' })); // was a raw TypeError from name.replace
    expect(() => openTunFd({ packetInfo: 1 as unknown as boolean })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => openTunFd(null as unknown as object)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

const skipReason = netnsUnavailable({ tun: true });
if (skipReason) console.log(`tun.test.ts: the namespace tests are skipped: ${skipReason}`);

for (const drive of DRIVES) {
  describe.skipIf(skipReason !== null)(`TUN ping in a network namespace (${drive})${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    const h = usePoller(drive);

    it('a TAP named from a pattern reads Ethernet frames; packet information; a multi-queue TUN has a descriptor per queue', async () => {
      const [tapFd, q0, q1, piFd, nlFd] = (await fdsInNewNetns(['tap', 'tunmq', 'tunpi', 'netlink'])).map((fd) => h().track(fd));
      const nl = await h().open(nlFd!);
      nl.setReadDeadline(Date.now() + 5000);
      const tap = await getLink(nl, 'tap0'); // the fixture checked that openTunFd returned this name
      const mq = await getLink(nl, 'mq0', { seq: 2 });
      expect(tap.type).toBe(1); // ARPHRD_ETHER
      expect(mq.type).toBe(0xfffe); // ARPHRD_NONE: IP packets
      expect(new Set([tapFd, q0, q1]).size).toBe(3);
      for (const q of [q0, q1]) expect(isNonBlocking(q!)).toBe(true);

      const frames = await h().open(tapFd!);
      await netlinkCall(nl, setLinkRequest({ index: tap.index, up: true }, 3));
      // Once up, the kernel's IPv6 sends frames out (router solicitation, MLD): one read is one Ethernet frame.
      const buf = new Uint8Array(2048);
      frames.setReadDeadline(Date.now() + 10_000);
      const n = await frames.read(buf);
      expect(n).toBeGreaterThanOrEqual(14);
      expect((buf[12]! << 8) | buf[13]!).toBe(0x86dd); // EtherType IPv6
      expect(buf[14]! >> 4).toBe(6);

      // With packetInfo each packet starts with struct tun_pi: flags u16, then the protocol (an EtherType, big-endian).
      const pi = await h().open(piFd!);
      await netlinkCall(nl, setLinkRequest({ index: (await getLink(nl, 'pi0', { seq: 4 })).index, up: true }, 5));
      pi.setReadDeadline(Date.now() + 10_000);
      const m = await pi.read(buf);
      expect(m).toBeGreaterThan(4 + 40);
      expect((buf[2]! << 8) | buf[3]!).toBe(0x86dd);
      expect(buf[4]! >> 4).toBe(6); // the IPv6 header follows
    });

    it('link up + address by rtnetlink, an echo read from the TUN, a crafted reply reaches the socket', async () => {
      const [tunFd, nlFd, icmpFd] = (await fdsInNewNetns(['tun', 'netlink', 'icmp'])).map((fd) => h().track(fd));
      expect(isNonBlocking(tunFd!)).toBe(true);
      expect(isCloseOnExec(tunFd!)).toBe(true);
      const tun = await h().open(tunFd!);
      const nl = await h().open(nlFd!);
      const icmp = await h().open(icmpFd!);

      // The link is down: nothing can arrive, and a read deadline ends the wait.
      const buf = new Uint8Array(2048);
      tun.setReadDeadline(Date.now() + 50);
      await timesOut(tun.read(buf));

      nl.setReadDeadline(Date.now() + 5000);
      const link = await getLink(nl, 'tun0');
      expect(link.up).toBe(false);
      await netlinkCall(nl, setLinkRequest({ index: link.index, up: true }, 2));
      await netlinkCall(nl, newAddressRequest({ index: link.index, address: '10.77.0.1', prefixLength: 24 }, 3));
      expect((await getLink(nl, 'tun0', { seq: 4 })).up).toBe(true);

      // The echo request leaves through tun0 (10.77.0.0/24 is routed there): one read is one IPv4 packet.
      await icmp.sendTo(icmpEcho(8, 0x1234, 7, Buffer.from('netpoll')), sockaddrInet('10.77.0.2', 0));
      tun.setReadDeadline(Date.now() + 5000);
      let request: ReturnType<typeof ipv4Packet> | null = null;
      while (!request) {
        const p = ipv4Packet(buf.subarray(0, await tun.read(buf)));
        if (p && p.protocol === 1 && p.payload[0] === 8) request = p; // skip anything else the stack sends (IPv6 router solicitations, …)
      }
      expect(request).toMatchObject({ src: '10.77.0.1', dst: '10.77.0.2' });
      expect(Buffer.from(request.payload.subarray(8)).toString()).toBe('netpoll');

      // Answer as 10.77.0.2 would: the raw socket gets the reply, IP header included.
      const reply = ipv4Reply(request, icmpEcho(0, 0x1234, 7, request.payload.subarray(8)));
      expect(await tun.write(reply)).toBe(reply.byteLength);
      icmp.setReadDeadline(Date.now() + 5000);
      for (;;) {
        const { n } = await icmp.recvFrom(buf);
        const got = ipv4Packet(buf.subarray(0, n));
        if (got?.payload[0] !== 0) continue; // our own echo request is delivered to a raw socket too
        expect(got).toMatchObject({ src: '10.77.0.2', dst: '10.77.0.1' });
        expect(Buffer.from(got.payload.subarray(8)).toString()).toBe('netpoll');
        break;
      }
    });
  });
}
