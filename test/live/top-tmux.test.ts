// `netpoll top`'s live view in a real terminal: tmux runs it against a served
// child, the test presses keys and reads the screen with capture-pane, then
// checks that quitting restored the terminal (normal screen, cooked mode).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServed, cli, root, sleep, type Served } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-tmux-'));
const server = `netpoll-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'top');

async function waitFor(pred: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const until = Date.now() + ms;
  let s = '';
  while (Date.now() < until) {
    s = screen();
    if (pred(s)) return s;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
}

describe('netpoll top in a terminal (tmux)', () => {
  const sock = join(dir, 'tmux.sock');
  let s: Served;
  beforeAll(async () => {
    s = await startServed(sock);
    tmux('new-session', '-d', '-s', 'top', '-x', '160', '-y', '45', '-c', root, 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile');
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    s?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const descriptorFds = (text: string): number[] =>
    text.split('\n').filter((l) => /^p\d+\s+\d+\s+open/.test(l)).map((l) => Number(l.split(/\s+/)[1]));

  it('shows the view, cycles the sort with s, filters with /, quits with q and restores the terminal', async () => {
    tmux('send-keys', '-t', 'top', `clear; echo BEFORE-TOP; ${process.execPath} ${cli} top ${sock} --interval 100; echo "TOP-EXITED $?"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'`, 'Enter');
    let text = await waitFor((x) => x.includes('netpoll top — pid') && x.includes('sort: parked'), 'the first frame');
    expect(text).toContain('totals: events/s');
    expect(text).toContain('keys: s sort · / filter · q quit');
    expect(text).not.toContain('BEFORE-TOP'); // the alternate screen
    expect(descriptorFds(text).slice(0, 2).sort()).toEqual([s.fds.parked, s.fds.deadline].sort());

    tmux('send-keys', '-t', 'top', 's');
    text = await waitFor((x) => x.includes('sort: fd'), 'sort: fd');
    const byFd = descriptorFds(text);
    expect(byFd.length).toBeGreaterThanOrEqual(6);
    expect(byFd).toEqual([...byFd].sort((a, b) => a - b));

    tmux('send-keys', '-t', 'top', '/');
    await waitFor((x) => x.includes('filter: █'), 'the filter prompt');
    tmux('send-keys', '-t', 'top', String(s.fds.idle), 'Enter');
    text = await waitFor((x) => x.includes(`filter: ${s.fds.idle} ·`), 'the filter applied');
    expect(descriptorFds(text)).toEqual([s.fds.idle]);

    tmux('send-keys', '-t', 'top', 'q');
    text = await waitFor((x) => /^-?icanon$/m.test(x), 'the shell after top');
    expect(text).toContain('TOP-EXITED 0');
    expect(text).toContain('BEFORE-TOP'); // back on the normal screen
    expect(text).not.toContain('netpoll top — pid');
    expect(text).toMatch(/^icanon$/m); // cooked mode again, not -icanon
  });

  it('Ctrl-C quits as cleanly', async () => {
    tmux('send-keys', '-t', 'top', `clear; ${process.execPath} ${cli} top ${sock} --interval 100; echo "TOP-EXITED $?"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo'`, 'Enter');
    await waitFor((x) => x.includes('netpoll top — pid'), 'the first frame');
    tmux('send-keys', '-t', 'top', 'C-c');
    const text = await waitFor((x) => /^-?echo$/m.test(x), 'the shell after top');
    expect(text).toContain('TOP-EXITED 0');
    expect(text).toMatch(/^echo$/m);
    expect(text).not.toContain('netpoll top — pid');
  });

  it('the inspected process going away: top says so, exits 2 and restores the terminal', async () => {
    const sock2 = join(dir, 'gone.sock');
    const gone = await startServed(sock2);
    try {
      tmux('send-keys', '-t', 'top', `clear; ${process.execPath} ${cli} top ${sock2} --interval 100; echo "TOP-EXITED $?"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'`, 'Enter');
      await waitFor((x) => x.includes('netpoll top — pid') && x.includes(sock2), 'the first frame');
      gone.kill();
      const text = await waitFor((x) => /^-?icanon$/m.test(x), 'the shell after top');
      expect(text).toContain('netpoll top: the inspector closed the connection');
      expect(text).toContain('TOP-EXITED 2');
      expect(text).toMatch(/^icanon$/m);
      expect(text).not.toContain('netpoll top — pid');
    } finally {
      gone.kill();
    }
  });
});
