/**
 * Raw glibc bindings the Linux toolkit alone uses: opening ptys, termios,
 * inotify, the generic socket calls. Same conventions as host/os/libc.ts
 * (every pointer is `void *`, results are libc's own: -1 and errno) and the
 * same loaded library; the poller's own bindings are all in host/os/libc.ts.
 */
import type { KoffiFunc } from 'koffi';
import { lib } from '../os/libc.js';
import type { Mem } from '../os/libc.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn<T extends (...args: any) => any> = KoffiFunc<T>;

// --- open (variadic, like fcntl in host/os/libc.ts: a type before each extra value) ---
export const open = lib.func('int open(const char *path, int flags, ...)') as Fn<
  (path: string, flags: number, ...typeAndValue: unknown[]) => number
>;
export const isatty = lib.func('int isatty(int fd)') as Fn<(fd: number) => number>;

// --- ptys ---
export const posix_openpt = lib.func('int posix_openpt(int flags)') as Fn<(flags: number) => number>;
export const grantpt = lib.func('int grantpt(int fd)') as Fn<(fd: number) => number>;
export const unlockpt = lib.func('int unlockpt(int fd)') as Fn<(fd: number) => number>;
/** Returns 0, or an errno number (not -1). */
export const ptsname_r = lib.func('int ptsname_r(int fd, void *buf, size_t buflen)') as Fn<
  (fd: number, buf: Mem, bufLen: number) => number
>;

// --- termios (struct termios is described in termios.ts) ---
export const tcgetattr = lib.func('int tcgetattr(int fd, void *termios)') as Fn<(fd: number, termios: Mem) => number>;
export const tcsetattr = lib.func('int tcsetattr(int fd, int optional_actions, void *termios)') as Fn<
  (fd: number, actions: number, termios: Mem) => number
>;
export const cfmakeraw = lib.func('void cfmakeraw(void *termios)') as Fn<(termios: Mem) => void>;
export const cfsetispeed = lib.func('int cfsetispeed(void *termios, uint32_t speed)') as Fn<
  (termios: Mem, speed: number) => number
>;
export const cfsetospeed = lib.func('int cfsetospeed(void *termios, uint32_t speed)') as Fn<
  (termios: Mem, speed: number) => number
>;
export const cfgetispeed = lib.func('uint32_t cfgetispeed(void *termios)') as Fn<(termios: Mem) => number>;
export const cfgetospeed = lib.func('uint32_t cfgetospeed(void *termios)') as Fn<(termios: Mem) => number>;

// --- inotify ---
export const inotify_init1 = lib.func('int inotify_init1(int flags)') as Fn<(flags: number) => number>;
export const inotify_add_watch = lib.func('int inotify_add_watch(int fd, const char *path, uint32_t mask)') as Fn<
  (fd: number, path: string, mask: number) => number
>;
export const inotify_rm_watch = lib.func('int inotify_rm_watch(int fd, int wd)') as Fn<(fd: number, wd: number) => number>;

// --- generic sockets (socket/bind/connect/getsockopt are in libc.ts) ---
export const setsockopt = lib.func('int setsockopt(int fd, int level, int optname, void *optval, uint32_t optlen)') as Fn<
  (fd: number, level: number, optName: number, optVal: Mem, optLen: number) => number
>;
export const getsockname = lib.func('int getsockname(int fd, void *addr, void *addrlen)') as Fn<
  (fd: number, addr: Mem, addrLen: Mem) => number
>;
export const getpeername = lib.func('int getpeername(int fd, void *addr, void *addrlen)') as Fn<
  (fd: number, addr: Mem, addrLen: Mem) => number
>;
/** Returns 1 on success, 0 for text that is not an address of family `af`. */
export const inet_pton = lib.func('int inet_pton(int af, const char *src, void *dst)') as Fn<
  (af: number, src: string, dst: Mem) => number
>;
/** Returns its `dst` argument, or NULL (errno set) when `size` is too small or `af` unknown. */
export const inet_ntop = lib.func('void *inet_ntop(int af, void *src, void *dst, uint32_t size)') as Fn<
  (af: number, src: Mem, dst: Mem, size: number) => unknown
>;


// --- serial line control ---
/** flock(2): serialport's port lock (LOCK_EX | LOCK_NB), released when the open file is closed. */
export const flock = lib.func('int flock(int fd, int operation)') as Fn<(fd: number, operation: number) => number>;
