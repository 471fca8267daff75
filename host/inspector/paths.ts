// Where an inspector socket lives, by convention, so `netpoll top --pid N`
// can find it without being told:
//
//   $XDG_RUNTIME_DIR/netpoll/<pid>.sock    when XDG_RUNTIME_DIR is set
//   /tmp/netpoll-<uid>/<pid>.sock          otherwise
//
// The directory is created 0700 and must belong to the current user and be
// closed to group and others; anything else is refused (in /tmp another user
// could have created it first).
//
// NETPOLL_INSPECT turns the inspector on for every poller in a process:
//   NETPOLL_INSPECT=1 (or "true")   the socket at the conventional path above
//   NETPOLL_INSPECT=<directory>     <directory>/<pid>.sock
//   NETPOLL_INSPECT=<path>.sock     exactly that path
//   unset, "" or "0"                off
// A socket file already at the path is replaced only if nobody listens on it
// (inspector/server.ts): a process never takes over another's live socket.

import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const INSPECT_ENV = 'NETPOLL_INSPECT';

/** The conventional directory (not created). */
export function inspectorDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg) return join(xdg, 'netpoll');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  // Fixed, not os.tmpdir(): the process and `netpoll top` may run with different TMPDIRs.
  return join('/tmp', `netpoll-${uid}`);
}

/** The conventional socket path of process `pid`. */
export function socketPathForPid(pid: number, env: NodeJS.ProcessEnv = process.env): string {
  return join(inspectorDir(env), `${pid}.sock`);
}

/** The socket path NETPOLL_INSPECT asks for in this process, or null when it is off. */
export function socketPathFromEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): string | null {
  const v = env[INSPECT_ENV];
  if (v === undefined || v === '' || v === '0' || v === 'false') return null;
  if (v === '1' || v === 'true') return socketPathForPid(pid, env);
  if (v.endsWith('.sock')) return v;
  return join(v, `${pid}.sock`);
}

/** Create `dir` 0700 if missing; refuse one that another user owns or that group / others can enter. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory()) throw new Error(`netpoll inspector: ${dir} is not a directory`);
  if (st.uid !== uid) throw new Error(`netpoll inspector: ${dir} belongs to uid ${st.uid}, not to this user (${uid}); refusing to put a socket there`);
  if ((st.mode & 0o077) !== 0) throw new Error(`netpoll inspector: ${dir} has mode 0${(st.mode & 0o777).toString(8)}; it must be closed to group and others (0700)`);
}
