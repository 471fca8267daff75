/**
 * A libuv poll handle on an fd (koffi.node.poll): Node's own event loop
 * watches the fd and calls back on the main thread when it is readable. The
 * handle keeps the process alive while referenced, like any Node handle.
 */
import koffi from 'koffi';
import { validateFd } from './args.js';

export type PollHandle = ReturnType<typeof koffi.node.poll>;

/** Watch `fd` for readability in Node's loop; `onReadable` runs on each wake-up. */
export function pollReadable(fd: number, onReadable: () => void): PollHandle {
  validateFd(fd);
  return koffi.node.poll(fd, { readable: true }, onReadable);
}
