/**
 * spawnPty on real ptys and real shells, on both drives: the child's
 * controlling terminal is the pty (bash -i has job control, ^C interrupts the
 * foreground job and $? is 130, `tty` names the slave), resize delivers
 * SIGWINCH, kill and exit report code and signal, the stream ends cleanly
 * after the child exits and no descriptor is left behind; in a worker too,
 * and a terminated worker does not take the process down.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller } from '../../host/index.js';
import type { PtyProcess } from '../../host/sys/pty-process.js';
import { spawnPty } from '../../host/sys/pty-spawn.js';
import { openFdCount as fdCount, settledFdCount } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BASH = ['--norc', '--noprofile', '-i'];
const ENV = { PATH: process.env.PATH, PS1: 'PROMPT> ', HOME: '/tmp' };

/** Collects the child's output and waits for patterns in it. */
function transcript(pty: PtyProcess): { text: () => string; until: (re: RegExp, ms?: number) => Promise<void> } {
  let out = '';
  pty.onData((d) => void (out += d));
  return {
    text: () => out,
    async until(re, ms = 15_000) {
      for (const t0 = Date.now(); !re.test(out); await sleep(10)) {
        if (Date.now() - t0 > ms) throw new Error(`waited for ${re} in ${JSON.stringify(out)}`);
      }
    },
  };
}

for (const drive of ['uv', 'thread'] as const) {
  describe(`spawnPty (${drive} drive)`, () => {
    async function start(file: string, args: string[], opts: Parameters<typeof spawnPty>[2] = {}): Promise<PtyProcess> {
      const poller = await Poller.create({ drive });
      const pty = await spawnPty(file, args, { env: ENV, ...opts, poller });
      cleanup.push(async () => {
        pty.kill('SIGKILL');
        pty.close();
        await poller.close();
      });
      return pty;
    }

    it('bash -i gets job control: tty names the slave, ^C interrupts a foreground sleep, $? is 130', async () => {
      const pty = await start('bash', BASH);
      const t = transcript(pty);
      await t.until(/PROMPT> $/);
      pty.write('tty; echo "pgid=$(ps -o pgid= -p $$) sid=$(ps -o sid= -p $$)"\r');
      await t.until(/sid=\s*\d+/);
      expect(t.text()).toContain(`${pty.path}\r\n`);
      expect(t.text()).toMatch(new RegExp(`pgid=\\s*${pty.pid} sid=\\s*${pty.pid}`)); // a session leader
      expect(t.text()).not.toMatch(/no job control/);
      pty.write('sleep 30; echo not-interrupted\r');
      await sleep(300);
      pty.write('\x03');
      await t.until(/\^C/);
      pty.write('echo "rc=$?"\r');
      await t.until(/rc=\d+/);
      expect(t.text()).toContain('rc=130');
      expect(t.text()).not.toMatch(/\nnot-interrupted\r\n/); // the echoed command line has it after a space
      pty.write('exit 0\r');
      expect(await pty.exited).toEqual({ exitCode: 0, signal: null });
    });

    it('the pty is the controlling terminal of a program that never opens it: ^C on the master ends `sleep` with SIGINT', async () => {
      // bash -i would acquire the tty itself by reopening it as a session leader; sleep does not, so only
      // the launcher's TIOCSCTTY puts the pty's session and foreground group in place.
      const pty = await start('sleep', ['30']);
      pty.onData(() => {});
      // spawnPty resolved after the execve: the ctty is in place, no wait needed
      pty.write('\x03');
      const timeout = sleep(5000).then(() => 'no SIGINT within 5 s');
      expect(await Promise.race([pty.exited, timeout])).toEqual({ exitCode: null, signal: 'SIGINT' });
    });

    it('job control proper: ^Z stops a foreground job, `jobs` lists it, `fg` brings it back to the foreground where ^C reaches it', async () => {
      const pty = await start('bash', BASH);
      const t = transcript(pty);
      await t.until(/PROMPT> $/);
      pty.write('sleep 30\r');
      await sleep(300);
      pty.write('\x1a');
      await t.until(/Stopped/);
      pty.write('jobs\r');
      await t.until(/\[1\]\+\s+Stopped\s+sleep 30[\s\S]*PROMPT> $/);
      pty.write('fg\r');
      await t.until(/fg\r\n[^]*sleep 30\r\n/);
      await sleep(200);
      pty.write('\x03');
      pty.write('echo "rc=$?"\r');
      await t.until(/rc=\d+/);
      expect(t.text()).toContain('rc=130');
    });

    it('resize() delivers SIGWINCH to the foreground job, and stty size reports the new size', async () => {
      const pty = await start('bash', BASH, { cols: 100, rows: 30 });
      const t = transcript(pty);
      await t.until(/PROMPT> $/);
      pty.write('stty size\r');
      await t.until(/30 100\r\n/);
      pty.write(`sh -c 'trap "echo WINCH \\$(stty size)" WINCH; echo armed; while :; do sleep 0.05; done'\r`);
      await t.until(/armed\r\n/);
      pty.resize(132, 43);
      await t.until(/WINCH 43 132/);
      expect([pty.cols, pty.rows]).toEqual([132, 43]);
      expect(() => pty.resize(0, 10)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect([pty.cols, pty.rows]).toEqual([132, 43]);
    });

    it('kill(signal) ends the child with that signal: exit promise and event agree', async () => {
      const pty = await start('sleep', ['30']);
      const events: unknown[] = [];
      pty.onExit((e) => events.push(e));
      expect(pty.kill('SIGTERM')).toBe(true);
      expect(await pty.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
      expect(events).toEqual([{ exitCode: null, signal: 'SIGTERM' }]);
      expect(pty.kill()).toBe(false);
    });

    it('the child gets env (NODE_OPTIONS included, which the launcher ignores), cwd and TERM = name; its signals are at their defaults (SIGPIPE is not ignored)', async () => {
      // NODE_OPTIONS that would break a node started with it: the launcher must not see the child's env.
      const pty = await start('sh', ['-c', 'echo "term=$TERM foo=$FOO cwd=$(pwd) no=$NODE_OPTIONS"; grep -E "^Sig(Ign|Blk)" /proc/self/status'], {
        env: { ...ENV, FOO: 'bar', NODE_OPTIONS: '--require=/no/such/file.js' }, cwd: '/usr', name: 'xterm-256color',
      });
      const t = transcript(pty);
      await pty.exited;
      await t.until(/SigIgn[^\n]*\n/);
      expect(t.text()).toContain('term=xterm-256color foo=bar cwd=/usr no=--require=/no/such/file.js');
      expect(t.text()).toMatch(/SigBlk:\s+0+\r\n/);
      expect(t.text()).toMatch(/SigIgn:\s+0+\r\n/);
    });

    it('after the child exits the stream gets its last output, then ends and closes the master: no fd left', async () => {
      const poller = await Poller.create({ drive });
      cleanup.push(() => poller.close());
      // Settled: the previous case's killed child and launcher pipes may still be closing (CI saw 24 → 22).
      const before = await settledFdCount();
      const pty = await spawnPty('sh', ['-c', 'for i in 1 2 3; do echo line $i; done; exit 7'], { env: ENV, poller });
      const chunks: Buffer[] = [];
      for await (const c of pty.stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('line 1\r\nline 2\r\nline 3\r\n');
      expect(await pty.exited).toEqual({ exitCode: 7, signal: null });
      for (let i = 0; i < 100 && fdCount() !== before; i++) await sleep(10); // the child's stdio pipes close with its exit
      expect(pty.stream.destroyed).toBe(true);
      expect(fdCount()).toBe(before);
      expect(() => pty.resize(10, 10)).toThrow(expect.objectContaining({ code: 'ERR_NETPOLL_CLOSED' }));
    });

    it('handleFlowControl: XOFF pauses reading the master and XON resumes; neither reaches the child', async () => {
      const pty = await start('cat', [], { handleFlowControl: true });
      const t = transcript(pty);
      pty.write('\x13');
      expect(pty.stream.isPaused()).toBe(true);
      pty.write('held\r');
      await sleep(200);
      expect(t.text()).toBe('');
      pty.write('\x11');
      await t.until(/held\r\n[\s\S]*held\r\n/); // the echo and cat's copy, no ^S/^Q in between
      expect(t.text()).not.toMatch(/\^S|\^Q/);
    });
  });
}

describe('spawnPty misuse', () => {
  it('bad arguments are typed errors and nothing is left open', async () => {
    const before = await settledFdCount();
    await expect(spawnPty('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(spawnPty('sh', ['-c', 1 as never])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(spawnPty('sh', [], { cols: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(spawnPty('sh', ['a\0b'])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(spawnPty('no-such-program-here')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(spawnPty('sh', [], { cwd: '/no/such/dir' })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(fdCount()).toBe(before);
  });

  it('a failure inside the launcher (execve ENOEXEC on a file that is not a program) rejects spawnPty; nothing is left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-pty-'));
    try {
      const bogus = join(dir, 'not-a-program');
      writeFileSync(bogus, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3])); // an ELF magic and nothing else
      chmodSync(bogus, 0o755);
      const before = await settledFdCount();
      await expect(spawnPty(bogus)).rejects.toMatchObject({ code: 'ENOEXEC', syscall: 'execve', path: bogus });
      for (let i = 0; i < 100 && fdCount() !== before; i++) await sleep(10); // the launcher's pipes close with its exit
      expect(fdCount()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spawnPty in a worker', () => {
  it('runs a shell session in a worker; terminating a worker with a live pty child leaves this process running', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/pty-worker.mjs', import.meta.url));
    const w = new Worker(fixture, { workerData: { mode: 'session' } });
    const result = await new Promise<{ out: string; exit: unknown }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(result.out).toContain('rc=130');
    expect(result.exit).toEqual({ exitCode: 0, signal: null });

    const w2 = new Worker(fixture, { workerData: { mode: 'abandon' } });
    const pid = await new Promise<number>((resolve, reject) => {
      w2.once('message', resolve);
      w2.once('error', reject);
    });
    await w2.terminate();
    await sleep(100);
    expect(() => process.kill(pid, 0)).not.toThrow(); // the child outlives the worker, as a detached process does
    process.kill(pid, 'SIGKILL');
  });
});
