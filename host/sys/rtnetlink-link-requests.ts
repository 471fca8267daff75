/**
 * NETLINK_ROUTE link requests: look a link up by name, set it up or down,
 * create a veth pair, delete a link (parsing the answers is rtnetlink.ts).
 * Each asks for an ACK; send it with netlink-call.ts.
 */
import { LITTLE_ENDIAN } from '../os/libc.js';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, encodeNetlinkMessage } from './netlink.js';
import { IFF_UP, IFINFOMSG_SIZE, IFLA_IFNAME, IFLA_MTU, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from './rtnetlink.js';
import { concatBytes, rtattr, rtattrString, rtattrU32 } from './rtnetlink-attrs.js';
import { InvalidArgValueError, checkInteger } from '../os/args.js';
import { checkLinkName } from './interface-name.js';

export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
/** Inside IFLA_INFO_DATA of a veth: the peer, as an ifinfomsg and its attributes. */
export const VETH_INFO_PEER = 1;


function ifinfomsg(index: number, flags = 0, change = 0): Uint8Array {
  const out = new Uint8Array(IFINFOMSG_SIZE);
  const view = new DataView(out.buffer);
  view.setInt32(4, index, LITTLE_ENDIAN);
  view.setUint32(8, flags, LITTLE_ENDIAN);
  view.setUint32(12, change, LITTLE_ENDIAN);
  return out;
}

/** RTM_GETLINK for one link by name: answered by one RTM_NEWLINK (ENODEV if there is none). */
export function getLinkRequest(name: string, seq = 1): Uint8Array {
  checkLinkName(name);
  return encodeNetlinkMessage({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: concatBytes([ifinfomsg(0), rtattrString(IFLA_IFNAME, name)]) });
}

export interface LinkChange {
  index: number;
  /** Set administratively up (true) or down (false); unchanged when absent. */
  up?: boolean;
  mtu?: number;
}

/** RTM_NEWLINK on an existing link (`ip link set`): up/down through ifi_change, the MTU through IFLA_MTU. */
export function setLinkRequest(change: LinkChange, seq = 1): Uint8Array {
  checkInteger(change.index, 'index', 1, 0x7fff_ffff);
  if (change.up !== undefined && typeof change.up !== 'boolean') throw new InvalidArgValueError('up', change.up, 'must be a boolean');
  const head = change.up === undefined ? ifinfomsg(change.index) : ifinfomsg(change.index, change.up ? IFF_UP : 0, IFF_UP);
  const parts = [head];
  if (change.mtu !== undefined) parts.push(rtattrU32(IFLA_MTU, checkInteger(change.mtu, 'mtu', 68, 0xffff_ffff)));
  return encodeNetlinkMessage({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: concatBytes(parts) });
}

/** RTM_NEWLINK creating a veth pair `name` ↔ `peer` (`ip link add NAME type veth peer name PEER`); both start down. */
export function newVethRequest(name: string, peer: string, seq = 1): Uint8Array {
  checkLinkName(name);
  checkLinkName(peer, 'peer');
  const peerInfo = rtattr(VETH_INFO_PEER, [ifinfomsg(0), rtattrString(IFLA_IFNAME, peer)]);
  const linkinfo = rtattr(IFLA_LINKINFO, [rtattrString(IFLA_INFO_KIND, 'veth'), rtattr(IFLA_INFO_DATA, [peerInfo])]);
  return encodeNetlinkMessage({
    type: RTM_NEWLINK,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    seq,
    payload: concatBytes([ifinfomsg(0), rtattrString(IFLA_IFNAME, name), linkinfo]),
  });
}

/** RTM_DELLINK (`ip link del`); deleting one end of a veth removes both. */
export function deleteLinkRequest(index: number, seq = 1): Uint8Array {
  checkInteger(index, 'index', 1, 0x7fff_ffff);
  return encodeNetlinkMessage({ type: RTM_DELLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: ifinfomsg(index) });
}
