/**
 * SyscallError: a failed system call, shaped like Node's own errors
 * (`code`, `errno`, `syscall`) so callers can branch on `err.code === 'EAGAIN'`.
 *
 * Unlike Node's fs errors, `errno` is the positive Linux number (EBADF = 9).
 */
import { constants } from 'node:os';
import koffi from 'koffi';

/** Errno numbers by name (Node's `os.constants.errno`). */
export const ERRNO = constants.errno;

/**
 * Names by number. Aliases share a number on Linux (EAGAIN = EWOULDBLOCK,
 * ENOTSUP = EOPNOTSUPP); the first name Node lists wins, and EAGAIN is pinned
 * because callers compare against it.
 */
const NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!NAMES.has(num)) NAMES.set(num, name);
}
NAMES.set(constants.errno.EAGAIN, 'EAGAIN');

/** 'EBADF' for 9; 'UNKNOWN' for a number Node does not name. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? 'UNKNOWN';
}

/** What the failed call was about; shown in the message and kept as properties. */
export interface SyscallDetail {
  fd?: number;
  path?: string;
  /** Free text, e.g. 'EPOLL_CTL_ADD'. */
  info?: string;
}

export class SyscallError extends Error {
  /** 'EAGAIN', 'EBADF', … ('UNKNOWN' if Node has no name for the number). */
  readonly code: string;
  /** Positive errno. */
  readonly errno: number;
  /** The libc function that failed, e.g. 'read', 'epoll_ctl'. */
  readonly syscall: string;
  readonly fd?: number;
  readonly path?: string;

  constructor(syscall: string, errno: number, detail: SyscallDetail = {}) {
    const code = errnoName(errno);
    const parts: string[] = [];
    if (detail.fd !== undefined) parts.push(`fd ${detail.fd}`);
    if (detail.path !== undefined) parts.push(`path ${JSON.stringify(detail.path)}`);
    if (detail.info !== undefined) parts.push(detail.info);
    super(`${syscall} ${code}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`);
    this.name = 'SyscallError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (detail.fd !== undefined) this.fd = detail.fd;
    if (detail.path !== undefined) this.path = detail.path;
  }
}

/** Throws a SyscallError for the current errno. Call it right after the failing call. */
export function throwErrno(syscall: string, detail?: SyscallDetail): never {
  throw new SyscallError(syscall, koffi.errno(), detail);
}

/** `err` is a SyscallError, optionally with the given code. */
export function isSyscallError(err: unknown, code?: string): err is SyscallError {
  return err instanceof SyscallError && (code === undefined || err.code === code);
}
