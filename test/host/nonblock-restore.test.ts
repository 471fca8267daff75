// PollFD.open sets O_NONBLOCK, a flag of the open file description: every fd
// that shares it — a dup, or stdin inherited from a parent shell — sees it.
// A PollFD that set the flag clears it again when it closes (before close(2),
// while its fd still names the description); one that found it set leaves it.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PollFD } from '../../host/index.js';
import { setNonBlocking, isNonBlocking, closeFd } from '../../host/os/fd.js';
import { socketPair } from '../../host/sys/socket.js';
import { DRIVES, usePoller, dupFd, sleep } from '../go/support.js';

const CHILD = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));

for (const drive of DRIVES) {
  describe(`O_NONBLOCK restored on close (${drive})`, () => {
    const h = usePoller(drive);

    it('a blocking fd shared through dup: non-blocking while the PollFD has it, blocking again after close', async () => {
      const [a, b] = socketPair('stream');
      setNonBlocking(a, false);
      const shared = dupFd(a); // same open file description as a
      const pfd = await PollFD.open(shared, { poller: h().poller });
      expect(isNonBlocking(a)).toBe(true); // the description's flag: a sees it too
      await pfd.close();
      expect(isNonBlocking(a)).toBe(false);
      closeFd(a);
      closeFd(b);
    });

    it('two PollFDs on one open file description: the flag stays until the last one closes', async () => {
      const [a, b] = socketPair('stream');
      setNonBlocking(a, false);
      const first = await PollFD.open(dupFd(a), { poller: h().poller }); // sets the flag
      const second = await PollFD.open(dupFd(a), { poller: h().poller }); // finds it set
      await first.close();
      expect(isNonBlocking(second.fd)).toBe(true); // cleared here, second's read(2) would block the thread
      await second.close();
      expect(isNonBlocking(a)).toBe(false);
      closeFd(a);
      closeFd(b);
    });

    it('an fd that was already non-blocking stays so: only what open() changed is undone', async () => {
      const [a, b] = socketPair('stream'); // SOCK_NONBLOCK
      const shared = dupFd(a);
      const pfd = await PollFD.open(shared, { poller: h().poller });
      await pfd.close();
      expect(isNonBlocking(a)).toBe(true);
      closeFd(a);
      closeFd(b);
    });
  });
}

describe('O_NONBLOCK on an inherited stdin', () => {
  // sh runs the child in the background on the shell's own stdin, waits until the child has
  // opened and closed it as a PollFD (the child then stays alive), and reads it with head.
  // Left non-blocking, head's read of the empty pipe fails with EAGAIN at once; restored,
  // it blocks until the test writes "ok".
  it("PollFD.open(0) then close(): a sibling process reading the same stdin is not left with EAGAIN", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-stdin-'));
    const flag = join(dir, 'flag');
    const script = `exec 3<&0; '${process.execPath}' '${CHILD}' stdin-hold uv 0<&3 >'${flag}' & while ! grep -q closed '${flag}' 2>/dev/null; do sleep 0.02; done; head -c 2; echo " head exit $?"; wait`;
    const sh = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    sh.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    sh.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const closed = new Promise<number | null>((resolve) => sh.on('close', resolve));
    for (let i = 0; i < 500 && !(existsSync(flag) && readFileSync(flag, 'utf8').includes('closed')); i++) await sleep(20);
    await sleep(300); // head is reading by now
    sh.stdin.end('ok');
    const code = await Promise.race([closed, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') sh.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    expect(out).not.toMatch(/Resource temporarily unavailable/);
    expect(out).toMatch(/^ok head exit 0$/m);
    expect(code).toBe(0);
  }, 20_000);
});
