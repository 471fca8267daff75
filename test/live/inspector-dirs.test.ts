// The inspector's trust boundary on disk: the conventional directory
// ($XDG_RUNTIME_DIR/netpoll here, /tmp/netpoll-<uid> without it) and the
// socket in it, for the served process and for `netpoll top --pid` alike;
// stale sockets at any path; and what top prints of a frame it did not write.
//
// The two-user attacks run as root with an attacker user the test creates
// (useradd) and removes; the attacker's steps run under setpriv. Without
// root they are skipped, saying why.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller } from '../../host/index.js';
import { unixListen, closeFd } from '../../host/sys/index.js';
import { ask, runCli, startQuiet, root } from './support.js';

// A base every user can traverse, and XDG_RUNTIME_DIR-style parents open to all (1777, as /tmp is).
const base = mkdtempSync(join(tmpdir(), 'netpoll-dirs-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));
let xdgs = 0;
function sharedParent(): string {
  const d = join(base, `xdg-${xdgs++}`);
  mkdirSync(d);
  chmodSync(d, 0o1777);
  return d;
}
/** A directory of this user's own, 0700. */
function ownPrivate(name: string): string {
  const d = join(base, name);
  mkdirSync(d, { mode: 0o700 });
  return d;
}

const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/; // all but the newline
const EVIL = '\x1b]0;pwned\x07\x1b[31mred\x9b2J';

interface Planted {
  connections(): number;
  stop(): void;
}

/** fixtures/planted.mjs at `path`, answering `answer` to every request; as `user` when given. */
async function plant(path: string, answer: string, user?: Attacker): Promise<Planted> {
  const answerFile = join(base, `answer-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(answerFile, answer);
  chmodSync(answerFile, 0o644);
  const argv = [process.execPath, join(root, 'test/live/fixtures/planted.mjs'), path, answerFile];
  const child: ChildProcess = user ? spawn('setpriv', [...user.setpriv, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  let connections = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the planted server did not start')), 20_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l === 'ready') {
        clearTimeout(t);
        resolve();
      } else if (l === 'connection') connections++;
    });
  });
  return { connections: () => connections, stop: () => void child.kill('SIGKILL') };
}

describe('serveInspector({ path }): one rule for a socket already at the path', () => {
  const dir = ownPrivate('explicit');

  it('a socket nobody listens on (its process was killed) is replaced', async () => {
    const path = join(dir, 'stale.sock');
    closeFd(unixListen(path)); // the file stays, as after SIGTERM / SIGKILL without cleanup
    expect(existsSync(path)).toBe(true);
    const p = await Poller.create();
    const s = await p.serveInspector({ path });
    expect((await ask(path, '{"op":"hello"}\n')).ok).toBe(true);
    await s.close();
    await p.close();
  });

  it('a live socket is refused (not stolen), and so is a file that is not a socket; both stay', async () => {
    const live = join(dir, 'live.sock');
    const fd = unixListen(live);
    const file = join(dir, 'file.sock');
    writeFileSync(file, 'mine');
    const p = await Poller.create();
    await expect(p.serveInspector({ path: live })).rejects.toMatchObject({ name: 'MisuseError', message: expect.stringMatching(/in use by a live process/) });
    await expect(p.serveInspector({ path: file })).rejects.toMatchObject({ name: 'MisuseError', message: expect.stringMatching(/already exists and is not a socket/) });
    expect(existsSync(live)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    closeFd(fd);
    await p.close();
  });
});

describe('the conventional directory, one user', () => {
  it('top --pid: the header names the process and its socket once each (not "pid N · pid N")', async () => {
    const xdg = sharedParent();
    const q = await startQuiet('-', { XDG_RUNTIME_DIR: xdg });
    try {
      const pid = q.line.pid as number;
      expect(q.line.path).toBe(join(xdg, 'netpoll', `${pid}.sock`));
      const r = await runCli(['top', '--pid', String(pid), '--once', '--interval', '50'], { XDG_RUNTIME_DIR: xdg });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const header = r.stdout.split('\n')[0]!;
      expect(header).toMatch(new RegExp(`^netpoll top — pid ${pid} · ${join(xdg, 'netpoll', `${pid}.sock`).replace(/[.]/g, '\\.')} · `));
      expect(header).not.toContain(`pid ${pid} · pid ${pid}`);
    } finally {
      q.child.kill('SIGKILL');
    }
  });

  it('a symlink in place of the directory is refused, even to a directory of this user\'s (server and top --pid)', async () => {
    const xdg = sharedParent();
    const target = ownPrivate('symlink-target');
    symlinkSync(target, join(xdg, 'netpoll'));
    const q = await startQuiet('-', { XDG_RUNTIME_DIR: xdg });
    q.child.kill('SIGKILL'); // it exits by itself once refused; not if it was wrongly accepted
    expect(q.line.error).toMatch(/netpoll is a symbolic link; refusing to use it/);
    expect(q.line.code).toBe('ERR_NETPOLL_UNSAFE_DIR');
    const planted = await plant(join(target, `${process.pid}.sock`), '{"ok":true}');
    try {
      const r = await runCli(['top', '--pid', String(process.pid), '--once'], { XDG_RUNTIME_DIR: xdg });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is a symbolic link; refusing to use it/);
      expect(planted.connections()).toBe(0);
    } finally {
      planted.stop();
    }
  });

  it('the directory swapped for a symlink after the server started redirects neither its exit cleanup nor top --pid', async () => {
    const xdg = sharedParent();
    const q = await startQuiet('-', { XDG_RUNTIME_DIR: xdg });
    const pid = q.line.pid as number;
    const real = join(xdg, 'netpoll');
    const moved = join(xdg, 'netpoll-moved');
    const elsewhere = ownPrivate('elsewhere');
    const decoy = join(elsewhere, `${pid}.sock`);
    writeFileSync(decoy, 'not the server\'s');
    renameSync(real, moved);
    symlinkSync(elsewhere, real);
    expect(existsSync(join(moved, `${pid}.sock`))).toBe(true);
    const r = await runCli(['top', '--pid', String(pid), '--once'], { XDG_RUNTIME_DIR: xdg });
    q.child.stdin!.write('exit\n');
    const killer = setTimeout(() => q.child.kill('SIGKILL'), 10_000);
    expect(await q.exited).toBe(0);
    clearTimeout(killer);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a symbolic link/);
    expect(readFileSync(decoy, 'utf8')).toBe('not the server\'s'); // the cleanup went to the directory it opened
    expect(existsSync(join(moved, `${pid}.sock`))).toBe(false);
  });
});

describe('what top prints of a frame it did not write', () => {
  let frame: Record<string, unknown>;
  beforeAll(async () => {
    const xdg = sharedParent();
    const q = await startQuiet(join(ownPrivate('real-frame'), 'q.sock'), { XDG_RUNTIME_DIR: xdg });
    frame = await ask(q.line.path as string, '{"op":"frame"}\n');
    q.child.kill('SIGKILL');
  });

  it('control characters in frame strings are shown as \\xNN: none reaches the terminal (text and --json)', async () => {
    const evil = structuredClone(frame) as { pid: unknown; pollers: { drive: string }[]; inspector: { path: string } };
    evil.pid = `7${EVIL}`;
    evil.pollers[0]!.drive = EVIL;
    evil.inspector.path = EVIL;
    const sock = join(ownPrivate('evil'), 'evil.sock');
    const planted = await plant(sock, JSON.stringify(evil));
    try {
      const text = await runCli(['top', sock, '--once', '--interval', '20']);
      expect(text.stderr).toBe('');
      expect(text.code).toBe(0);
      expect(text.stdout).not.toMatch(CONTROL);
      expect(text.stdout).toContain('pid 7\\x1b]0;pwned\\x07\\x1b[31mred\\x9b2J');
      expect(text.stdout).toContain('poller 1 (\\x1b]0;pwned');
      const json = await runCli(['top', sock, '--once', '--json', '--interval', '20']);
      expect(json.code).toBe(0);
      expect(json.stdout).not.toMatch(CONTROL);
      expect(JSON.parse(json.stdout).pollers[0].drive).toBe(EVIL); // escaped, not altered
    } finally {
      planted.stop();
    }
  });

  it('an error answer with control characters: the message is shown visibly, exit 2', async () => {
    const sock = join(ownPrivate('evil-error'), 'evil.sock');
    const planted = await plant(sock, JSON.stringify({ ok: false, error: '\x1b[2J', message: EVIL }));
    try {
      const r = await runCli(['top', sock, '--once']);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(CONTROL);
      expect(r.stderr).toContain('the inspector answered \\x1b[2J: \\x1b]0;pwned');
    } finally {
      planted.stop();
    }
  });
});

// ── two users ────────────────────────────────────────────────────────────────

interface Attacker {
  name: string;
  uid: number;
  setpriv: string[];
}

/** Create the attacker user, or say why it cannot be done here. */
function makeAttacker(): Attacker | string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root (useradd and setpriv need it)';
  for (const tool of ['useradd', 'userdel', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const name = `np19a${process.pid}`.slice(0, 31);
  const made = spawnSync('useradd', ['-M', '-N', '-s', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  if (made.status !== 0) return `useradd failed: ${made.stderr.trim()}`;
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, setpriv: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'] };
}

const attacker = makeAttacker();
if (typeof attacker === 'string') console.log(`two-user inspector directory attacks skipped: ${attacker}`);
afterAll(() => {
  if (typeof attacker !== 'string') spawnSync('userdel', ['-f', attacker.name]);
});

/** Run a command as the attacker; throws if it fails. */
function asAttacker(a: Attacker, cmd: string[]): void {
  execFileSync('setpriv', [...a.setpriv, ...cmd], { stdio: 'inherit' });
}

describe.skipIf(typeof attacker === 'string')('another user got there first', () => {
  const a = attacker as Attacker;

  it('their 0777 directory with a planted socket: the server refuses it, and top --pid refuses it without connecting', async () => {
    const xdg = sharedParent();
    const dir = join(xdg, 'netpoll');
    asAttacker(a, ['mkdir', '-m', '0777', dir]);
    const planted = await plant(join(dir, `${process.pid}.sock`), JSON.stringify({ ok: true, op: 'frame', pid: EVIL }), a);
    try {
      const q = await startQuiet('-', { XDG_RUNTIME_DIR: xdg });
      q.child.kill('SIGKILL');
      expect(q.line.error).toMatch(new RegExp(`belongs to uid ${a.uid}, not to this user \\(0\\)`));
      const r = await runCli(['top', '--pid', String(process.pid), '--once'], { XDG_RUNTIME_DIR: xdg });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`belongs to uid ${a.uid}, not to this user \\(0\\); refusing to use it`));
      expect(r.stdout + r.stderr).not.toMatch(CONTROL);
      expect(planted.connections()).toBe(0);
    } finally {
      planted.stop();
    }
  });

  it('their symlink to a directory of this user\'s (0700): refused by the server and by top --pid', async () => {
    const xdg = sharedParent();
    const victims = ownPrivate('victims-own');
    asAttacker(a, ['ln', '-s', victims, join(xdg, 'netpoll')]);
    const q = await startQuiet('-', { XDG_RUNTIME_DIR: xdg });
    q.child.kill('SIGKILL');
    expect(q.line.error).toMatch(/is a symbolic link; refusing to use it/);
    const r = await runCli(['top', '--pid', String(process.pid), '--once'], { XDG_RUNTIME_DIR: xdg });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a symbolic link; refusing to use it/);
  });
});
