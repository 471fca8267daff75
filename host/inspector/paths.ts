// Where an inspector socket lives, by convention, so `netpoll top --pid N`
// can find it without being told:
//
//   $XDG_RUNTIME_DIR/netpoll/<pid>.sock    when XDG_RUNTIME_DIR is set
//   /tmp/netpoll-<uid>/<pid>.sock          otherwise
//
// The directory is created 0700 and must belong to the current user and be
// closed to group and others, and not be a symlink; anything else is refused
// (in /tmp another user could have created it first). private-dir.ts checks
// it and holds it open, for the server and for `netpoll top --pid` alike.
//
// NETPOLL_INSPECT turns the inspector on for every poller in a process:
//   NETPOLL_INSPECT=1 (or "true")   the socket at the conventional path above
//   NETPOLL_INSPECT=<directory>     <directory>/<pid>.sock
//   NETPOLL_INSPECT=<path>.sock     exactly that path
//   unset, "" or "0"                off
// A socket file already at the path — any path, serveInspector({ path }) too —
// is replaced only if nobody listens on it (inspector/server.ts): a process
// never takes over another's live socket.

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
