/**
 * Whether an io_uring can be used here, and in words why not: the poller
 * falls back to one syscall per operation and reports the reason.
 *
 *   ENOSYS     the kernel has no io_uring (or a seccomp filter answers ENOSYS)
 *   EPERM      kernel.io_uring_disabled (1: only the io_uring_group, 2: nobody),
 *              or a seccomp filter (Docker's default profile refuses io_uring)
 *   ENOMEM     the ring's pages exceed RLIMIT_MEMLOCK (kernels before 5.12)
 *   EOPNOTSUPP the kernel queued a non-blocking attempt instead of answering
 *              it inline (uring.ts's probe)
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ERRNO, isSyscallError } from './errors.js';
import { Uring } from './uring.js';

/** A ring, or why there is none. */
export type UringOpen = { ring: Uring; reason: null } | { ring: null; reason: string };

const DISABLED_SYSCTL = '/proc/sys/kernel/io_uring_disabled';

/** kernel.io_uring_disabled (0, 1 or 2), or null where the file is absent or unreadable. Reads at most 16 bytes. */
export function ioUringDisabledSetting(path = DISABLED_SYSCTL): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1', 0, n).trim();
    return /^[0-9]$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function reasonFor(err: unknown): string {
  if (!isSyscallError(err)) throw err;
  switch (err.errno) {
    case ERRNO.ENOSYS:
      return 'io_uring_setup: ENOSYS (no io_uring in this kernel, or a seccomp filter)';
    case ERRNO.EPERM: {
      const disabled = ioUringDisabledSetting();
      return disabled !== null && disabled > 0
        ? `io_uring_setup: EPERM (kernel.io_uring_disabled = ${disabled})`
        : 'io_uring_setup: EPERM (a seccomp filter or security policy refuses io_uring)';
    }
    case ERRNO.ENOMEM:
      return 'io_uring_setup: ENOMEM (locked-memory limit, RLIMIT_MEMLOCK)';
    default:
      return err.message;
  }
}

/** Opens a ring of `entries` submissions, or says why it cannot (a RangeError for a bad size is thrown). */
export function openUring(entries: number): UringOpen {
  try {
    return { ring: Uring.open(entries), reason: null };
  } catch (err) {
    return { ring: null, reason: reasonFor(err) };
  }
}
