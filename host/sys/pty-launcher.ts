/**
 * The first program a pty child runs: it makes the pty its controlling
 * terminal and then becomes the program the user asked for (execve, same
 * pid). Run as `node -e LAUNCHER_SOURCE <koffi path> <spec JSON>` with the
 * pty slave as fds 0, 1 and 2.
 *
 * Why node itself: a controlling terminal needs a session leader to call
 * ioctl(TIOCSCTTY) (or to open the tty without O_NOCTTY) between fork and
 * exec, and Node cannot run code there. The other launchers were weighed:
 * python3 and perl are not on every machine; util-linux's `setsid --ctty` is
 * missing from minimal and distroless images; a compiled helper needs a
 * compiler at install. `process.execPath` is always there, and so is koffi
 * (our one dependency). It costs one Node start (~0.1 s on a quiet machine)
 * per spawn.
 *
 * Steps, in order, each needed:
 *   - The child was spawned `detached`, so libuv already made it a session
 *     and process-group leader (setsid) before running node.
 *   - ioctl(0, TIOCSCTTY, 0): the slave on fd 0 becomes the session's
 *     controlling tty, and this process group its foreground group, so ^C
 *     typed on the master signals it and job control works.
 *   - Node marks fds 0-2 close-on-exec at startup
 *     (uv_disable_stdio_inheritance); fcntl(F_SETFD, 0) undoes that or the
 *     program would start without stdio.
 *   - Node ignores SIGPIPE (and SIGXFSZ); execve keeps ignored signals
 *     ignored, so every signal goes back to SIG_DFL, and the signal mask is
 *     emptied, as a shell would give a new program.
 *   - fd 3 is the report pipe: close-on-exec, so a successful execve closes
 *     it with nothing written (the parent then knows the program runs, with
 *     its controlling tty in place); on failure the launcher writes
 *     `{"syscall", "errno"}` there and exits 127.
 */

/** The launcher program, CommonJS for `node -e`. argv: [node, koffiPath, specJson]; fd 3 the report pipe. */
export const LAUNCHER_SOURCE = String.raw`
const koffi = require(process.argv[1]);
const spec = JSON.parse(process.argv[2]);
const libc = koffi.load('libc.so.6');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
const signal = libc.func('void *signal(int sig, void *handler)');
const sigprocmask = libc.func('int sigprocmask(int how, void *set, void *oldset)');
const execve = libc.func('int execve(const char *path, const char **argv, const char **envp)');
const fail = (syscall) => {
  const errno = koffi.errno();
  require('fs').writeSync(3, JSON.stringify({ syscall, errno }));
  process.exit(127);
};
if (fcntl(3, 2, 'int', 1) < 0) fail('fcntl');
if (ioctl(0, 0x540e, 'int', 0) < 0) fail('ioctl');
for (const fd of [0, 1, 2]) if (fcntl(fd, 2, 'int', 0) < 0) fail('fcntl');
for (let sig = 1; sig < 65; sig++) if (sig !== 9 && sig !== 19) signal(sig, null);
if (sigprocmask(2, Buffer.alloc(128), null) < 0) fail('sigprocmask');
execve(spec.file, [...spec.argv, null], [...spec.env, null]);
fail('execve');
`;
