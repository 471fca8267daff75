/**
 * RLIMIT_NOFILE: how many descriptors this process may hold. Benchmarks with
 * many sockets raise the soft limit up to the hard one.
 */
import * as libc from './libc.js';
import { throwErrno } from './errors.js';
import { OutOfRangeError, validateInteger } from './args.js';

const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = (1n << 64n) - 1n;

/** struct rlimit { u64 rlim_cur; u64 rlim_max; } in host byte order. */
const rlimit = new BigUint64Array(2);

export interface NoFileLimit {
  /** Enforced limit (rlim_cur). Infinity for RLIM_INFINITY. */
  soft: number;
  /** Ceiling the soft limit may be raised to without privilege (rlim_max). */
  hard: number;
}

const toNumber = (v: bigint): number => (v === RLIM_INFINITY ? Infinity : Number(v));
const toRlim = (n: number): bigint => (n === Infinity ? RLIM_INFINITY : BigInt(n));

export function getNoFileLimit(): NoFileLimit {
  if (libc.getrlimit(RLIMIT_NOFILE, rlimit) < 0) throwErrno('getrlimit', { info: 'RLIMIT_NOFILE' });
  return { soft: toNumber(rlimit[0]), hard: toNumber(rlimit[1]) };
}

/**
 * Sets the soft limit, keeping the hard limit unless `hard` is given (raising
 * it needs CAP_SYS_RESOURCE: EPERM otherwise).
 */
export function setNoFileLimit(soft: number, hard: number = getNoFileLimit().hard): void {
  for (const [name, v] of [['soft', soft], ['hard', hard]] as const) {
    if (v !== Infinity) validateInteger(v, name, 0, Number.MAX_SAFE_INTEGER);
  }
  if (soft > hard) throw new OutOfRangeError('soft', `<= hard (${hard})`, soft);
  rlimit[0] = toRlim(soft);
  rlimit[1] = toRlim(hard);
  if (libc.setrlimit(RLIMIT_NOFILE, rlimit) < 0) throwErrno('setrlimit', { info: `RLIMIT_NOFILE ${soft}/${hard}` });
}
