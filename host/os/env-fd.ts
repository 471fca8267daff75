/**
 * Descriptors the Node.js environment closes when it is torn down.
 *
 * `worker.terminate()` runs no JavaScript in the worker: nothing of ours can
 * close the worker's fds. Node does close, at the end of a worker's
 * environment cleanup, every fd the worker opened through `fs.open` /
 * `fs.openSync` and has not closed through `fs.close` / `fs.closeSync` (the
 * Worker option `trackUnmanagedFds`, on by default). `adoptFd` puts an fd of
 * ours under that rule: it opens a placeholder with `fs.openSync` and
 * `dup3`s the fd onto the placeholder's number, so the number Node tracks now
 * names our open file. `closeAdoptedFd` closes through `fs.closeSync`, which
 * also stops the tracking — closing with close(2) instead would leave Node to
 * close that number at teardown, when it may name someone else's file.
 *
 * On the main thread nothing is tracked (the process exit closes everything);
 * the same calls are used there so one path is exercised everywhere.
 */
import { closeSync, openSync } from 'node:fs';
import * as libc from './libc.js';
import { throwErrno } from './errors.js';
import { closeFd } from './fd.js';
import { validateFd } from './args.js';

/** Numbers currently adopted (closed with fs.closeSync); any other fd is closed with close(2). */
const adopted = new Set<number>();

/**
 * Moves `fd` to a number the environment tracks and returns that number; `fd`
 * itself is closed. Close-on-exec is set on the new number. If no
 * placeholder can be opened (no /dev/null), `fd` is returned unchanged and
 * untracked.
 */
export function adoptFd(fd: number): number {
  validateFd(fd);
  let slot: number;
  try {
    slot = openSync('/dev/null', 'r');
  } catch {
    return fd;
  }
  if (libc.dup3(fd, slot, libc.O_CLOEXEC) < 0) {
    closeSync(slot);
    throwErrno('dup3', { fd });
  }
  adopted.add(slot);
  closeFd(fd);
  return slot;
}

/** Closes an fd returned by adoptFd (or any fd: an unadopted one is closed with close(2)). */
export function closeAdoptedFd(fd: number): void {
  if (!adopted.delete(fd)) return closeFd(fd);
  closeSync(fd);
}
