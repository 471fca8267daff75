/**
 * IP addresses as text and as the bytes the kernel uses (network order):
 * 4 bytes for IPv4, 16 for IPv6, through inet_pton / inet_ntop.
 */
import * as libc from './libc-fds.js';
import { throwErrno } from '../os/errors.js';
import { AF_INET, AF_INET6 } from '../os/socket-abi.js';
import { InvalidArgValueError, checkString } from '../os/args.js';

export interface IpBytes {
  family: typeof AF_INET | typeof AF_INET6;
  bytes: Uint8Array;
}

/** The bytes of `text` as family `af`, written into `dst` (4 or 16 bytes); InvalidArgValueError when it is not one. */
export function ptonInto(af: number, text: string, dst: Uint8Array, name = 'address'): void {
  checkString(text, name);
  if (text.includes('\0') || libc.inet_pton(af, text, dst) !== 1) {
    throw new InvalidArgValueError(name, text, `must be an ${af === AF_INET ? 'IPv4' : 'IPv6'} address`);
  }
}

/** '10.0.0.1' → AF_INET + 4 bytes, 'fe80::1' → AF_INET6 + 16 bytes; InvalidArgValueError for anything else. */
export function ipBytes(text: string, name = 'address'): IpBytes {
  const v4 = new Uint8Array(4);
  if (typeof text === 'string' && !text.includes('\0') && libc.inet_pton(AF_INET, text, v4) === 1) return { family: AF_INET, bytes: v4 };
  const v6 = new Uint8Array(16);
  if (typeof text === 'string' && !text.includes('\0') && libc.inet_pton(AF_INET6, text, v6) === 1) return { family: AF_INET6, bytes: v6 };
  throw new InvalidArgValueError(name, text, 'must be an IPv4 or IPv6 address');
}

const ntopBuf = new Uint8Array(64); // INET6_ADDRSTRLEN is 46

/** Text for 4 (IPv4) or 16 (IPv6) address bytes; null for any other length. */
export function ipText(bytes: Uint8Array): string | null {
  const af = bytes.byteLength === 4 ? AF_INET : bytes.byteLength === 16 ? AF_INET6 : 0;
  if (af === 0) return null;
  if (libc.inet_ntop(af, bytes, ntopBuf, ntopBuf.byteLength) === null) throwErrno('inet_ntop');
  return Buffer.from(ntopBuf.subarray(0, ntopBuf.indexOf(0))).toString('latin1');
}
