/**
 * inotify: file-system change events on a pollable fd.
 *
 * A read returns whole struct inotify_event records (never part of one),
 * each followed by its NUL-padded name:
 *
 *   +0 wd i32   +4 mask u32   +8 cookie u32   +12 len u32   +16 name[len]
 *
 * so one record is 16 + len bytes and the next starts right after it. A read
 * into a buffer too small for the next record fails with EINVAL: give it at
 * least INOTIFY_READ_MIN bytes.
 */
import * as libc from './libc-fds.js';
import { LITTLE_ENDIAN, O_CLOEXEC, O_NONBLOCK } from '../os/libc.js';
import { throwErrno } from '../os/errors.js';
import { TruncatedRecordError } from '../os/truncated.js';
import { InvalidArgTypeError, InvalidArgValueError, validateFd, validateInteger } from '../os/args.js';

const HEADER = 16;
const NAME_MAX = 255;
/** The smallest read buffer that always holds one event (header + NAME_MAX + NUL). */
export const INOTIFY_READ_MIN = HEADER + NAME_MAX + 1;

// Event bits (<sys/inotify.h>), the same on every Linux arch.
export const IN_ACCESS = 0x1;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_CLOSE_NOWRITE = 0x10;
export const IN_OPEN = 0x20;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
export const IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO;
export const IN_ALL_EVENTS = 0xfff;
// Set by the kernel in an event's mask.
export const IN_UNMOUNT = 0x2000;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ISDIR = 0x40000000;
// Flags for addWatch.
export const IN_ONLYDIR = 0x1000000;
export const IN_DONT_FOLLOW = 0x2000000;
export const IN_EXCL_UNLINK = 0x4000000;
export const IN_MASK_CREATE = 0x10000000;
export const IN_MASK_ADD = 0x20000000;
export const IN_ONESHOT = 0x80000000 >>> 0;

/** inotify_init1(IN_NONBLOCK | IN_CLOEXEC) (the same bits as O_NONBLOCK / O_CLOEXEC). */
export function inotifyInit(): number {
  const fd = libc.inotify_init1(O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throwErrno('inotify_init1');
  return fd;
}

/** inotify_add_watch: the watch descriptor (the same one again for a path already watched). */
export function addWatch(fd: number, path: string, mask: number): number {
  validateFd(fd);
  if (typeof path !== 'string') throw new InvalidArgTypeError('path', 'of type string', path);
  if (path.includes('\0')) throw new InvalidArgValueError('path', path, 'must not contain a NUL byte');
  validateInteger(mask, 'mask', 0, 0xffff_ffff);
  const wd = libc.inotify_add_watch(fd, path, mask >>> 0);
  if (wd < 0) throwErrno('inotify_add_watch', { fd, path });
  return wd;
}

/** inotify_rm_watch; the kernel then queues an IN_IGNORED event for `wd`. */
export function removeWatch(fd: number, wd: number): void {
  validateFd(fd);
  validateInteger(wd, 'wd', 0, 0x7fff_ffff);
  if (libc.inotify_rm_watch(fd, wd) < 0) throwErrno('inotify_rm_watch', { fd, info: `wd ${wd}` });
}

export interface InotifyEvent {
  wd: number;
  mask: number;
  /** Links the IN_MOVED_FROM and IN_MOVED_TO halves of one rename; 0 otherwise. */
  cookie: number;
  /** The entry's name inside a watched directory; '' for the watched object itself. */
  name: string;
}

/**
 * The events in `buf` (the bytes one read returned), in order. Reads only
 * within `buf`; a record that runs past its end throws TruncatedRecordError.
 */
export function* inotifyEvents(buf: Uint8Array): Generator<InotifyEvent> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off < buf.byteLength) {
    const have = buf.byteLength - off;
    if (have < HEADER) throw new TruncatedRecordError('inotify_event', off, HEADER, have);
    const len = view.getUint32(off + 12, LITTLE_ENDIAN);
    if (len > have - HEADER) throw new TruncatedRecordError('inotify_event', off, HEADER + len, have);
    const nameBytes = buf.subarray(off + HEADER, off + HEADER + len);
    const nul = nameBytes.indexOf(0);
    yield {
      wd: view.getInt32(off, LITTLE_ENDIAN),
      mask: view.getUint32(off + 4, LITTLE_ENDIAN),
      cookie: view.getUint32(off + 8, LITTLE_ENDIAN),
      name: Buffer.from(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)).toString('utf8'),
    };
    off += HEADER + len;
  }
}
