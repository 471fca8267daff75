// Who may clear the O_NONBLOCK a PollFD set.
//
// O_NONBLOCK belongs to the open file description, not to the fd number:
// every fd that shares the description (a dup, one received with SCM_RIGHTS,
// stdin inherited from a shell) sees the flag. A PollFD needs it set while it
// owns an fd and clears it again when it closes, if it was the one that set
// it — but never while another live PollFD in this thread still uses the same
// file, or that one's read(2) would block the whole thread. So the owners of
// each file are counted here, and the flag is cleared when the last of them
// closes, if any of them set it.
//
// Files are told apart by fstat's (st_dev, st_ino). Two descriptions of one
// file (two open()s of the same tty) share the key, so the restore then
// waits for the last of them: the flag may stay set a little longer, and is
// never cleared under a live user. The count is per JS thread (module state):
// a PollFD in a worker on a description shared with another thread is not
// seen here.

import { fstatSync } from 'node:fs';
import { setNonBlocking } from './os/fd.js';

interface Owners {
  count: number;
  /** Some owner found the flag clear and set it: the last one out clears it. */
  restore: boolean;
}

const byFile = new Map<string, Owners>();

/** Set O_NONBLOCK on fd for a new owner; returns the key to release it with. Throws (recording nothing) if fd is bad. */
export function acquireNonBlocking(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  const key = `${st.dev}:${st.ino}`;
  const changed = setNonBlocking(fd);
  const owners = byFile.get(key);
  if (owners) {
    owners.count++;
    owners.restore ||= changed;
  } else {
    byFile.set(key, { count: 1, restore: changed });
  }
  return key;
}

/**
 * The owner of fd (acquired with `key`) is done with it, before close(2), while
 * fd still names the description. Clears O_NONBLOCK if this was the last owner
 * and an owner had set it. A failure to clear (EBADF: the caller closed the fd
 * under us) is left to close(2) to report.
 */
export function releaseNonBlocking(fd: number, key: string): void {
  const owners = byFile.get(key);
  if (!owners) return;
  if (--owners.count > 0) return;
  byFile.delete(key);
  if (!owners.restore) return;
  try {
    setNonBlocking(fd, false);
  } catch {
    // closeFd reports what is wrong with the fd
  }
}
