// The inspector's conventional directory (paths.ts), checked and held open.
//
// A directory in /tmp can be pre-created, or replaced by a symlink, by
// another user. So it is accepted only when the path itself (lstat: a
// symlink is refused, whatever it points to) is a directory that belongs to
// this user and is closed to group and others (0700), and it is then opened
// once (O_NOFOLLOW) and the open directory checked to be that same inode.
// Everything after — bind, connect, the stale-socket probe, the unlink at
// exit — goes through /proc/self/fd/<fd>/<name>: that path resolves through
// the open directory itself, so renaming the original path or swapping a
// symlink in after the check cannot redirect it.

import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** The directory is not one this user alone controls: nothing is put in it or read from it. */
export class UnsafeDirectoryError extends Error {
  readonly code = 'ERR_NETPOLL_UNSAFE_DIR';
  constructor(readonly path: string, reason: string) {
    super(`netpoll inspector: ${path} ${reason}; refusing to use it`);
    this.name = 'UnsafeDirectoryError';
  }
}

export class PrivateDir {
  private fd: number;

  constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /** The path of `name` in this directory, resolved through the open fd (see the header). */
  at(name: string): string {
    if (this.fd < 0) throw new Error(`netpoll inspector: ${this.path} was closed`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The path of `name` as people read it (messages, the frame). */
  shown(name: string): string {
    return join(this.path, name);
  }

  /** Close the directory fd. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

const ownUid = (fallback: number): number => (typeof process.getuid === 'function' ? process.getuid() : fallback);

/** Why `st` is not a directory only this user controls, or null when it is. */
function unsafeBecause(st: Stats): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  const uid = ownUid(st.uid);
  if (st.uid !== uid) return `belongs to uid ${st.uid}, not to this user (${uid})`;
  if ((st.mode & 0o077) !== 0) return `has mode 0${(st.mode & 0o777).toString(8)}; it must be closed to group and others (0700)`;
  return null;
}

/**
 * Open `dir` after the checks in the header; with `create`, make it 0700
 * first when it is missing (its parents too). Throws UnsafeDirectoryError for
 * a directory that fails them, the fs error (ENOENT…) for one that is
 * missing when `create` is false.
 */
export function openPrivateDir(dir: string, create: boolean): PrivateDir {
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 }); // not recursive for dir itself: recursive mkdir accepts a symlink to a directory
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') mkdirSync(dir, { recursive: true, mode: 0o700 });
      else if (code !== 'EEXIST') throw err;
    }
  }
  const byPath = lstatSync(dir);
  const why = unsafeBecause(byPath);
  if (why) throw new UnsafeDirectoryError(dir, why);
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW); // Node opens with O_CLOEXEC
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UnsafeDirectoryError(dir, 'changed while it was checked');
    throw err;
  }
  try {
    const opened = fstatSync(fd);
    if (opened.dev !== byPath.dev || opened.ino !== byPath.ino) throw new UnsafeDirectoryError(dir, 'changed while it was checked');
    const whyOpened = unsafeBecause(opened);
    if (whyOpened) throw new UnsafeDirectoryError(dir, whyOpened);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return new PrivateDir(dir, fd);
}
