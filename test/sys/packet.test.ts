/**
 * AF_PACKET through the generic calls: an address family this library has
 * no builder for, laid out by hand (struct sockaddr_ll), bound to the
 * loopback interface, and read with PollFD.recvFrom while a UDP datagram
 * crosses loopback. Needs CAP_NET_RAW; skipped (with the reason) without it.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { closeFd } from '../../host/os/fd.js';
import { bind, getSockName, socket } from '../../host/sys/generic-socket.js';
import { decodeSockaddr, sockaddrInet } from '../../host/sys/sockaddr.js';
import { AF_INET, AF_PACKET, SOCK_DGRAM } from '../../host/os/socket-abi.js';

const ETH_P_IP = 0x0800;
const htons = (v: number): number => ((v & 0xff) << 8) | (v >> 8);

/**
 * struct sockaddr_ll (20): +0 family u16  +2 protocol u16 BE  +4 ifindex i32
 *                          +8 hatype u16  +10 pkttype u8  +11 halen u8  +12 addr[8]
 */
function sockaddrLl(protocol: number, ifindex: number): Uint8Array {
  const a = new Uint8Array(20);
  const v = new DataView(a.buffer);
  v.setUint16(0, AF_PACKET, true);
  v.setUint16(2, protocol, false);
  v.setInt32(4, ifindex, true);
  return a;
}

function unavailable(): string | null {
  try {
    closeFd(socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP)));
    return null;
  } catch (err) {
    return `AF_PACKET socket refused (${(err as { code?: string }).code}): needs CAP_NET_RAW`;
  }
}
const skip = unavailable();

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe.skipIf(skip !== null)(`AF_PACKET on loopback${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('recvFrom returns the IP packet of a UDP datagram and a sockaddr_ll naming the interface', async () => {
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const open = async (fd: number): Promise<PollFD> => {
      const p = await PollFD.open(fd, { poller });
      cleanup.push(() => p.close());
      return p;
    };
    const lo = Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8'));
    const pkt = await open(socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP)));
    bind(pkt.fd, sockaddrLl(ETH_P_IP, lo));

    const rx = socket(AF_INET, SOCK_DGRAM);
    bind(rx, sockaddrInet('127.0.0.1', 0));
    const tx = await open(socket(AF_INET, SOCK_DGRAM));
    await open(rx);
    const port = (decodeSockaddr(getSockName(rx)) as { port: number }).port;
    const marker = Buffer.from(`netpoll-packet-${process.pid}-${port}`);
    await tx.sendTo(marker, getSockName(rx));

    // Loopback carries other traffic too: look for ours, each read under a deadline.
    const buf = Buffer.alloc(65536);
    pkt.setReadDeadline(Date.now() + 5000);
    for (;;) {
      const { n, addr } = await pkt.recvFrom(buf);
      const ip = buf.subarray(0, n);
      if (!ip.includes(marker)) continue;
      const ll = new DataView(addr!.buffer, addr!.byteOffset, addr!.byteLength);
      expect(decodeSockaddr(addr!)).toMatchObject({ family: AF_PACKET }); // no builder: comes back as bytes
      expect(ll.getUint16(2, false)).toBe(ETH_P_IP);
      expect(ll.getInt32(4, true)).toBe(lo);
      expect(ip[0]! >> 4).toBe(4); // IPv4
      expect(ip[9]).toBe(17); // UDP
      const udp = (ip[0]! & 0xf) * 4;
      expect(ip.readUInt16BE(udp + 2)).toBe(port);
      break;
    }

    // recvMsg with a control buffer too: AF_PACKET refuses MSG_CMSG_CLOEXEC (EINVAL), which recvMsgFd then drops.
    await tx.sendTo(marker, getSockName(rx));
    for (;;) {
      const msg = await pkt.recvMsg(buf);
      if (!buf.subarray(0, msg.n).includes(marker)) continue;
      expect(msg.fds).toEqual([]);
      break;
    }
  });
});
