// Whether this machine lets a process set up an io_uring. The tests that need
// a live ring skip where it does not, saying why (a container's seccomp
// profile, kernel.io_uring_disabled, an old kernel), as the vcan and netns
// tests do; the fallback itself is tested everywhere, under a real seccomp
// filter (uring-open.test.ts, io-path.test.ts).
import { openUring } from '../../host/os/uring-open.js';

/** Why no ring can be set up here, or null where one can. */
export const uringSkip: string | null = (() => {
  const { ring, reason } = openUring(1);
  ring?.close();
  return reason;
})();

/** A title suffix for a skipped block. */
export const uringSkipNote = uringSkip === null ? '' : ` (skipped: ${uringSkip})`;

/** The path a poller asked for 'uring' is on here. */
export const uringLivePath: 'uring' | 'syscall' = uringSkip === null ? 'uring' : 'syscall';
