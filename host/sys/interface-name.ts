/**
 * Network interface names: the kernel's rule for them, and their index in
 * this process's network namespace.
 */
import * as libc from '../os/libc.js';
import { if_nametoindex } from './libc-net.js';
import { ERRNO, SyscallError } from '../os/errors.js';
import { InvalidArgValueError, checkString } from '../os/args.js';

/** IFNAMSIZ is 16 with the NUL. */
const MAX_IFNAME = 15;

/** A link name as the kernel takes it (dev_valid_name): 1 … 15 bytes, not '.' or '..', no '/', ':', whitespace or NUL. */
export function checkLinkName(name: unknown, what = 'name'): string {
  checkString(name, what);
  const n = name as string;
  if (Buffer.byteLength(n) < 1 || Buffer.byteLength(n) > MAX_IFNAME || /[\s/:\0]/.test(n) || n === '.' || n === '..') {
    throw new InvalidArgValueError(what, n, 'must be an interface name of 1 to 15 bytes without whitespace, "/", ":" or NUL');
  }
  return n;
}

/** if_nametoindex(3): the interface's index in this process's network namespace; SyscallError ENODEV when there is none. */
export function interfaceIndex(name: string): number {
  checkLinkName(name);
  const index = if_nametoindex(name);
  if (index === 0) throw new SyscallError('if_nametoindex', libc.errno() || ERRNO.ENODEV, { info: name });
  return index;
}
