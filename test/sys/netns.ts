/**
 * Descriptors from a network namespace made for the test: a child runs
 * fixtures/fds-in-netns.mjs under `unshare -rn` (a user namespace whose root
 * is us, and a new network namespace holding only a down loopback), opens
 * what it is asked to there and passes the descriptors back with
 * SCM_RIGHTS. The namespace lives as long as one of them is open.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { recvMsgFd, WOULD_BLOCK } from '../../host/os/msg.js';
import { socketPair } from '../../host/sys/socket.js';
import { closeFd } from '../../host/os/fd.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fds-in-netns.mjs', import.meta.url));

export type NetnsFd = 'tun' | 'netlink' | 'events' | 'icmp' | 'tap' | 'tunpi' | 'tunmq';

/** Why a namespace cannot be made here (printed in the skipped suite's name), or null when it can. */
export function netnsUnavailable(needs: { tun?: boolean } = {}): string | null {
  try {
    execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
  } catch {
    return '`unshare -rn` fails here (no user namespaces, or no unshare(1))';
  }
  if (needs.tun && !existsSync('/dev/net/tun')) return '/dev/net/tun does not exist (no tun module)';
  return null;
}

/** The descriptors named, opened in one new network namespace, in order ('tunmq' gives two). The caller owns them. */
export async function fdsInNewNetns(what: NetnsFd[]): Promise<number[]> {
  const [mine, theirs] = socketPair('stream');
  try {
    const child = spawn('unshare', ['-rn', process.execPath, FIXTURE, ...what], { stdio: ['ignore', 'inherit', 'inherit', theirs] });
    const code = await new Promise((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`fds-in-netns.mjs exited with ${String(code)}`);
    const got = recvMsgFd(mine, new Uint8Array(1));
    const expected = what.reduce((n, w) => n + (w === 'tunmq' ? 2 : 1), 0);
    if (got === WOULD_BLOCK || got.fds.length !== expected) throw new Error('the child sent no descriptors');
    return got.fds;
  } finally {
    closeFd(mine);
    closeFd(theirs);
  }
}
