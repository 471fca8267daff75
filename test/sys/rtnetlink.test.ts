/**
 * rtnetlink beyond links: in a network namespace the test makes, a veth pair
 * is created with this package's RTM_NEWLINK request, set up, given an
 * address, a route and a neighbour entry, and everything is deleted again —
 * each step seen as an event on a socket joined to the groups and in the
 * dumps. Both drives. Then the parsers against lengths that lie (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRIVES, usePoller } from '../go/support.js';
import type { PollFD } from '../../host/index.js';
import { type NetlinkMessage, encodeNetlinkMessage, netlinkMessages } from '../../host/sys/netlink.js';
import { getLink, netlinkCall } from '../../host/sys/netlink-call.js';
import { RTM_NEWLINK, linkDumpRequest, parseLinkMessage } from '../../host/sys/rtnetlink.js';
import { deleteLinkRequest, newVethRequest, setLinkRequest } from '../../host/sys/rtnetlink-link-requests.js';
import {
  IFA_ADDRESS, IFA_LABEL, IFA_LOCAL, RTM_NEWADDR, addressDumpRequest, deleteAddressRequest, newAddressRequest, parseAddressMessage,
} from '../../host/sys/rtnetlink-addr.js';
import { RTA_DST, RTA_GATEWAY, RTA_OIF, RTM_NEWROUTE, deleteRouteRequest, newRouteRequest, parseRouteMessage, routeDumpRequest } from '../../host/sys/rtnetlink-route.js';
import {
  NDA_DST, NDA_LLADDR, NUD_PERMANENT, RTM_NEWNEIGH, deleteNeighbourRequest, neighbourDumpRequest, newNeighbourRequest, parseNeighbourMessage,
} from '../../host/sys/rtnetlink-neigh.js';
import { concatBytes, rtattr, rtattrString, rtattrU32 } from '../../host/sys/rtnetlink-attrs.js';
import { TruncatedRecordError } from '../../host/os/truncated.js';
import { netnsUnavailable, fdsInNewNetns } from './netns.js';

/** Every event parser: each returns a record or null, or throws TruncatedRecordError. */
const parse = (m: NetlinkMessage): string | null => {
  const link = parseLinkMessage(m);
  if (link) return `link ${link.event} ${link.name} ${link.up ? 'up' : 'down'}`;
  const a = parseAddressMessage(m);
  if (a) return `addr ${a.event} ${a.address}/${a.prefixLength} ${a.index}`;
  const r = parseRouteMessage(m);
  if (r) return `route ${r.event} ${r.destination}/${r.prefixLength} via ${r.gateway ?? '-'} dev ${r.index}`;
  const n = parseNeighbourMessage(m);
  if (n) return `neigh ${n.event} ${n.address} ${n.mac} ${n.index}`;
  return null;
};

const skipReason = netnsUnavailable();
if (skipReason) console.log(`rtnetlink.test.ts: the namespace tests are skipped: ${skipReason}`);

for (const drive of DRIVES) {
  describe.skipIf(skipReason !== null)(`rtnetlink requests, dumps and events in a namespace (${drive})${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    const h = usePoller(drive);

    /** Reads events until one starting with `want` arrives. */
    async function eventsUntil(events: PollFD, seen: string[], want: string): Promise<void> {
      const buf = new Uint8Array(65536);
      events.setReadDeadline(Date.now() + 5000);
      while (!seen.some((e) => e.startsWith(want))) {
        const n = await events.read(buf).catch((err: unknown) => {
          throw new Error(`waiting for "${want}", saw ${JSON.stringify(seen)}`, { cause: err });
        });
        for (const m of netlinkMessages(buf.subarray(0, n))) {
          const e = parse(m);
          if (e) seen.push(e);
        }
      }
    }

    const dumped = async (nl: PollFD, request: Uint8Array): Promise<string[]> => (await netlinkCall(nl, request)).map(parse).filter((s) => s !== null);

    it('a veth pair with an address, a route and a neighbour: requests, dumps, events, and the errors', async () => {
      const [nlFd, evFd] = (await fdsInNewNetns(['netlink', 'events'])).map((fd) => h().track(fd));
      const nl = await h().open(nlFd!);
      const events = await h().open(evFd!);
      nl.setReadDeadline(Date.now() + 10_000);
      const seen: string[] = [];
      let seq = 10;

      await netlinkCall(nl, newVethRequest('np0', 'np1', ++seq));
      const np0 = await getLink(nl, 'np0', { seq: ++seq });
      const np1 = await getLink(nl, 'np1', { seq: ++seq });
      await eventsUntil(events, seen, 'link new np0 down');
      await expect(netlinkCall(nl, newVethRequest('np0', 'np2', ++seq))).rejects.toMatchObject({ code: 'EEXIST', syscall: 'netlink' });

      await netlinkCall(nl, setLinkRequest({ index: np1.index, up: true }, ++seq));
      await netlinkCall(nl, setLinkRequest({ index: np0.index, up: true, mtu: 1400 }, ++seq));
      await eventsUntil(events, seen, 'link new np0 up');
      expect((await getLink(nl, 'np0', { seq: ++seq })).mtu).toBe(1400);

      const addr = { index: np0.index, address: '10.88.0.1', prefixLength: 24 };
      await netlinkCall(nl, newAddressRequest(addr, ++seq));
      await eventsUntil(events, seen, `addr new 10.88.0.1/24 ${np0.index}`);
      await expect(netlinkCall(nl, newAddressRequest(addr, ++seq))).rejects.toMatchObject({ code: 'EEXIST' });

      const route = { destination: '10.99.0.0', prefixLength: 16, gateway: '10.88.0.2', index: np0.index };
      await netlinkCall(nl, newRouteRequest(route, ++seq));
      await eventsUntil(events, seen, `route new 10.99.0.0/16 via 10.88.0.2 dev ${np0.index}`);

      const neigh = { index: np0.index, address: '10.88.0.2', mac: '02:00:00:00:00:02', state: NUD_PERMANENT };
      await netlinkCall(nl, newNeighbourRequest(neigh, ++seq));
      await eventsUntil(events, seen, `neigh new 10.88.0.2 02:00:00:00:00:02 ${np0.index}`);

      // The dumps list what was made (and, for links, both ends).
      expect(await dumped(nl, linkDumpRequest(++seq))).toEqual(expect.arrayContaining(['link new lo down', 'link new np0 up', 'link new np1 up']));
      expect(await dumped(nl, addressDumpRequest(++seq, 'inet'))).toContain(`addr new 10.88.0.1/24 ${np0.index}`);
      expect(await dumped(nl, routeDumpRequest(++seq, 'inet'))).toContain(`route new 10.99.0.0/16 via 10.88.0.2 dev ${np0.index}`);
      expect(await dumped(nl, neighbourDumpRequest(++seq, 'inet'))).toContain(`neigh new 10.88.0.2 02:00:00:00:00:02 ${np0.index}`);

      // And deleted again, each with its event; a second delete is an errno.
      await netlinkCall(nl, deleteNeighbourRequest(neigh, ++seq));
      await eventsUntil(events, seen, 'neigh del 10.88.0.2 '); // the kernel's delete event carries no NDA_LLADDR
      await netlinkCall(nl, deleteRouteRequest(route, ++seq));
      await eventsUntil(events, seen, `route del 10.99.0.0/16 via 10.88.0.2 dev ${np0.index}`);
      await expect(netlinkCall(nl, deleteRouteRequest(route, ++seq))).rejects.toMatchObject({ code: 'ESRCH' });
      await netlinkCall(nl, deleteAddressRequest(addr, ++seq));
      await eventsUntil(events, seen, `addr del 10.88.0.1/24 ${np0.index}`);
      await netlinkCall(nl, deleteLinkRequest(np0.index, ++seq));
      await eventsUntil(events, seen, 'link del np1 down');
      await expect(getLink(nl, 'np0', { seq: ++seq })).rejects.toMatchObject({ code: 'ENODEV' });
    });
  });
}

describe('request builders refuse bad input before building anything', () => {
  it('typed errors for addresses, prefixes, indexes, names and MACs', () => {
    const code = (c: string): unknown => expect.objectContaining({ code: c });
    expect(() => newAddressRequest({ index: 1, address: '10.0.0.300', prefixLength: 24 })).toThrow(code('ERR_INVALID_ARG_VALUE'));
    expect(() => newAddressRequest({ index: 1, address: '10.0.0.1', prefixLength: 33 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => newAddressRequest({ index: 0, address: '10.0.0.1', prefixLength: 8 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => newRouteRequest({ destination: '10.0.0.0', prefixLength: 8 })).toThrow(TypeError);
    expect(() => newRouteRequest({ destination: '10.0.0.0', prefixLength: 8, gateway: '::1' })).toThrow(TypeError);
    expect(() => newNeighbourRequest({ index: 1, address: '10.0.0.2', mac: '02:00:00' })).toThrow(code('ERR_INVALID_ARG_VALUE'));
    expect(() => newVethRequest('ok', 'not/ok')).toThrow(code('ERR_INVALID_ARG_VALUE'));
    expect(() => setLinkRequest({ index: 1.5, up: true })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => rtattr(1, new Uint8Array(70000))).toThrow(RangeError);
  });
});

describe('the parsers against lengths that lie', () => {
  /** Well-formed messages of every kind, to mutate. */
  const samples = (): Uint8Array[] => {
    const ifa = new Uint8Array(8);
    ifa[0] = 2;
    ifa[1] = 24;
    const rtm = new Uint8Array(12);
    rtm[0] = 2;
    rtm[1] = 16;
    const nd = new Uint8Array(12);
    nd[0] = 2;
    return [
      encodeNetlinkMessage({ type: RTM_NEWLINK, payload: concatBytes([new Uint8Array(16), rtattrString(3, 'np0'), rtattrU32(4, 1500)]) }),
      encodeNetlinkMessage({ type: RTM_NEWADDR, payload: concatBytes([ifa, rtattr(IFA_LOCAL, Uint8Array.of(10, 0, 0, 1)), rtattr(IFA_ADDRESS, Uint8Array.of(10, 0, 0, 2)), rtattrString(IFA_LABEL, 'np0')]) }),
      encodeNetlinkMessage({ type: RTM_NEWROUTE, payload: concatBytes([rtm, rtattr(RTA_DST, Uint8Array.of(10, 9, 0, 0)), rtattr(RTA_GATEWAY, Uint8Array.of(10, 0, 0, 1)), rtattrU32(RTA_OIF, 2)]) }),
      encodeNetlinkMessage({ type: RTM_NEWNEIGH, payload: concatBytes([nd, rtattr(NDA_DST, Uint8Array.of(10, 0, 0, 2)), rtattr(NDA_LLADDR, Uint8Array.of(2, 0, 0, 0, 0, 2))]) }),
    ];
  };

  it('the samples parse as built', () => {
    const got = samples().flatMap((b) => [...netlinkMessages(b)].map(parse));
    expect(got).toEqual(['link new np0 down', 'addr new 10.0.0.1/24 0', 'route new 10.9.0.0/16 via 10.0.0.1 dev 2', 'neigh new 10.0.0.2 02:00:00:00:00:02 0']);
    expect(parseAddressMessage([...netlinkMessages(samples()[1]!)][0]!)).toMatchObject({ address: '10.0.0.1', peer: '10.0.0.2', label: 'np0' });
  });

  it('any u16/u32 overwritten anywhere (header lengths, attribute lengths), or the bytes cut: a record, null, or TruncatedRecordError', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.nat(200), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), fc.nat(200), (which, at, value, wide, cut) => {
        const bytes = samples()[which]!.slice();
        const view = new DataView(bytes.buffer);
        const off = at % bytes.byteLength;
        if (wide && off + 4 <= bytes.byteLength) view.setUint32(off, value, true);
        else if (off + 2 <= bytes.byteLength) view.setUint16(off, value & 0xffff, true);
        const input = bytes.subarray(0, cut < bytes.byteLength ? cut : bytes.byteLength);
        try {
          for (const m of netlinkMessages(input)) {
            expect(m.payload.byteOffset + m.payload.byteLength).toBeLessThanOrEqual(input.byteOffset + input.byteLength);
            parse(m);
          }
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('random bytes typed as each message kind: a record, null, or TruncatedRecordError', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 17, 20, 21, 24, 25, 28, 29), fc.uint8Array({ maxLength: 300 }), (type, payload) => {
        const m: NetlinkMessage = { type, flags: 0, seq: 0, pid: 0, payload };
        try {
          parse(m);
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });
});
