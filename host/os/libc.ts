/**
 * Raw glibc bindings through koffi. Nothing here interprets a result: each
 * function returns exactly what libc returns (-1 and errno on failure), and
 * the small files next to this one (fd.ts, socket.ts, event.ts, epoll.ts, …)
 * turn that into counts, WOULD_BLOCK and SyscallError.
 *
 * Calling convention used throughout (verified in test/sys/koffi.test.ts):
 *
 * - Every pointer parameter is declared `void *`. Koffi passes a TypedArray,
 *   Buffer, DataView or ArrayBuffer by address, without a copy, and honours
 *   the view's byteOffset — so a `subarray()` of WebAssembly memory points
 *   into that memory. The callee may write through it.
 * - Koffi also accepts a plain number (taken as a raw address!) and a string
 *   (copied, NUL-terminated) for `void *`. The wrappers therefore check that
 *   buffers really are views before calling.
 * - A detached view (e.g. after memory.grow) has byteLength 0 and is passed
 *   as NULL: a wrapper that passes `view.byteLength` as the count reads or
 *   writes nothing rather than faulting.
 * - `errno()` reads the calling thread's errno. Read it immediately after the
 *   failing call, before anything else can touch libc. In the callback of an
 *   `.async` call koffi restores the errno of the worker thread that made it.
 * - `ssize_t` is spelled `long` (koffi has no ssize_t; LP64 on every Linux
 *   target we support). Results come back as JS numbers.
 */
import { endianness } from 'node:os';
import koffi from 'koffi';
import type { KoffiFunc } from 'koffi';

if (process.platform !== 'linux') {
  throw new Error(`netpoll-wasm: host/os needs Linux (epoll, eventfd, timerfd), not ${process.platform}`);
}

function loadLibc(): ReturnType<typeof koffi.load> {
  try {
    return koffi.load('libc.so.6');
  } catch (cause) {
    throw new Error(`netpoll-wasm: cannot load glibc's libc.so.6 (musl and other libcs are not supported)`, { cause });
  }
}

/** The loaded libc; host/sys/libc-fds.ts declares the toolkit's bindings on the same handle. */
export const lib = loadLibc();

/** Memory handed to a syscall by address (see the header). `null` is NULL. */
export type Mem = ArrayBufferView | ArrayBuffer | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn<T extends (...args: any) => any> = KoffiFunc<T>;

// --- Linux ABI constants shared by several files (same on x86_64 and aarch64). ---
/** Host byte order, for DataView access to kernel structs (true on x86_64 and aarch64). */
export const LITTLE_ENDIAN = endianness() === 'LE';
/** O_NONBLOCK = SOCK_NONBLOCK = EFD_NONBLOCK = TFD_NONBLOCK (04000). */
export const O_NONBLOCK = 0o4000;
/** open(2) flags the toolkit's device opens use (ptys, serial ports, /dev/net/tun). */
export const O_RDWR = 0o2;
export const O_NOCTTY = 0o400;
/** O_CLOEXEC = SOCK_CLOEXEC = EFD_CLOEXEC = TFD_CLOEXEC = EPOLL_CLOEXEC (02000000). */
export const O_CLOEXEC = 0o2000000;

// --- epoll ---
export const epoll_create1 = lib.func('int epoll_create1(int flags)') as Fn<(flags: number) => number>;
export const epoll_ctl = lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)') as Fn<
  (epfd: number, op: number, fd: number, event: Mem) => number
>;
export const epoll_wait = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)') as Fn<
  (epfd: number, events: Mem, maxEvents: number, timeoutMs: number) => number
>;
/**
 * A second, separate declaration of epoll_wait, used only through `.async`
 * (epoll.ts/epollWaitAsync) so that the synchronous one never shares state
 * with a call in flight on a worker thread.
 */
export const epoll_wait_blocking = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)') as Fn<
  (epfd: number, events: Mem, maxEvents: number, timeoutMs: number) => number
>;

// --- eventfd / timerfd / clocks ---
export const eventfd = lib.func('int eventfd(unsigned int initval, int flags)') as Fn<
  (initval: number, flags: number) => number
>;
export const timerfd_create = lib.func('int timerfd_create(int clockid, int flags)') as Fn<
  (clockid: number, flags: number) => number
>;
export const timerfd_settime = lib.func(
  'int timerfd_settime(int fd, int flags, void *new_value, void *old_value)',
) as Fn<(fd: number, flags: number, newValue: Mem, oldValue: Mem) => number>;
export const clock_gettime = lib.func('int clock_gettime(int clockid, void *tp)') as Fn<
  (clockid: number, tp: Mem) => number
>;

// --- plain descriptors ---
export const read = lib.func('long read(int fd, void *buf, size_t count)') as Fn<
  (fd: number, buf: Mem, count: number) => number
>;
export const write = lib.func('long write(int fd, void *buf, size_t count)') as Fn<
  (fd: number, buf: Mem, count: number) => number
>;
export const close = lib.func('int close(int fd)') as Fn<(fd: number) => number>;
/** dup3(oldfd, newfd, flags): makes newfd refer to oldfd's open file (closing newfd's first), atomically. */
export const dup3 = lib.func('int dup3(int oldfd, int newfd, int flags)') as Fn<
  (oldFd: number, newFd: number, flags: number) => number
>;
/** poll(2), used only through `.async` (sys/poll.ts): a readiness wait that consumes nothing. */
export const poll_blocking = lib.func('int poll(void *fds, unsigned long nfds, int timeout)') as Fn<
  (fds: Mem, nfds: number, timeoutMs: number) => number
>;
/**
 * fcntl is variadic in C and declared so here: call it as
 * `fcntl(fd, F_GETFL)` or `fcntl(fd, F_SETFL, 'int', flags)` (koffi wants a
 * type before each variadic value).
 */
export const fcntl = lib.func('int fcntl(int fd, int cmd, ...)') as Fn<
  (fd: number, cmd: number, ...typeAndValue: unknown[]) => number
>;
export const pipe2 = lib.func('int pipe2(void *pipefd, int flags)') as Fn<(pipefd: Mem, flags: number) => number>;

// --- sockets (socklen_t is uint32_t) ---
export const socket = lib.func('int socket(int domain, int type, int protocol)') as Fn<
  (domain: number, type: number, protocol: number) => number
>;
export const socketpair = lib.func('int socketpair(int domain, int type, int protocol, void *sv)') as Fn<
  (domain: number, type: number, protocol: number, sv: Mem) => number
>;
export const bind = lib.func('int bind(int fd, void *addr, uint32_t addrlen)') as Fn<
  (fd: number, addr: Mem, addrLen: number) => number
>;
export const listen = lib.func('int listen(int fd, int backlog)') as Fn<(fd: number, backlog: number) => number>;
export const connect = lib.func('int connect(int fd, void *addr, uint32_t addrlen)') as Fn<
  (fd: number, addr: Mem, addrLen: number) => number
>;
export const accept4 = lib.func('int accept4(int fd, void *addr, void *addrlen, int flags)') as Fn<
  (fd: number, addr: Mem, addrLen: Mem, flags: number) => number
>;
export const recv = lib.func('long recv(int fd, void *buf, size_t len, int flags)') as Fn<
  (fd: number, buf: Mem, len: number, flags: number) => number
>;
export const send = lib.func('long send(int fd, void *buf, size_t len, int flags)') as Fn<
  (fd: number, buf: Mem, len: number, flags: number) => number
>;
export const shutdown = lib.func('int shutdown(int fd, int how)') as Fn<(fd: number, how: number) => number>;
export const getsockopt = lib.func(
  'int getsockopt(int fd, int level, int optname, void *optval, void *optlen)',
) as Fn<(fd: number, level: number, optName: number, optVal: Mem, optLen: Mem) => number>;

// --- resource limits ---
export const getrlimit = lib.func('int getrlimit(int resource, void *rlim)') as Fn<
  (resource: number, rlim: Mem) => number
>;
export const setrlimit = lib.func('int setrlimit(int resource, void *rlim)') as Fn<
  (resource: number, rlim: Mem) => number
>;

// --- io_uring (uring.ts) and the mappings its rings live in ---
// glibc's syscall(2) is variadic; it is declared here with fixed prototypes,
// one per system call. That is sound on both targets: on x86_64 the only
// difference a variadic call makes is %al (the count of vector registers),
// which glibc's assembly syscall() ignores; on aarch64 Linux variadic integer
// arguments travel in the same registers as fixed ones.
export const io_uring_setup = lib.func('long syscall(long nr, uint32_t entries, void *params)') as Fn<
  (nr: number, entries: number, params: Mem) => number
>;
export const io_uring_enter = lib.func(
  'long syscall(long nr, int fd, uint32_t toSubmit, uint32_t minComplete, uint32_t flags, void *sig, size_t sigsz)',
) as Fn<(nr: number, fd: number, toSubmit: number, minComplete: number, flags: number, sig: Mem, sigsz: number) => number>;
/** mmap(2); returns koffi's pointer object (MAP_FAILED is address 2^64 - 1). */
export const mmap = lib.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)') as Fn<
  (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown
>;
export const munmap = lib.func('int munmap(void *addr, size_t len)') as Fn<(addr: unknown, len: number) => number>;

/** The calling thread's errno; read it right after the call that failed. */
export function errno(): number {
  return koffi.errno();
}

// --- ioctl (variadic, like fcntl: a type before each extra value) ---
export const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)') as Fn<
  (fd: number, request: number, ...typeAndValue: unknown[]) => number
>;

// --- messages (msg.ts) ---
export const recvmsg = lib.func('long recvmsg(int fd, void *msg, int flags)') as Fn<
  (fd: number, msg: Mem, flags: number) => number
>;
export const sendmsg = lib.func('long sendmsg(int fd, void *msg, int flags)') as Fn<
  (fd: number, msg: Mem, flags: number) => number
>;

/**
 * The address of a view's first byte (its byteOffset included), for structs
 * that hold pointers (struct msghdr, struct iovec). Taking it moves a small
 * on-heap typed array's bytes off the V8 heap for good, so the address stays
 * valid; it must still only be used synchronously, while `view` is alive.
 */
export function addressOf(view: ArrayBufferView): bigint {
  return koffi.address(view);
}
