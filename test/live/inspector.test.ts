// The inspector socket and `netpoll top` against a child process with
// pollers doing real work (fixtures/served.mjs): what top shows, the socket's
// permissions, and hostile clients.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, statSync, existsSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { unixListen, closeFd } from '../../host/sys/index.js';
import { startServed, runCli, rawClient, ask, sleep, root, type Served } from './support.js';
import type { Frame } from '../../host/inspector/protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thresholds = ['--parked-after', '300', '--idle-after', '300', '--interval', '150'];

describe('a served process with serveInspector on', () => {
  const sock = join(dir, 'served.sock');
  let s: Served;
  beforeAll(async () => {
    s = await startServed(sock, { idleMs: 400, writeTimeoutMs: 300, maxClients: 4 });
    await sleep(600); // past the thresholds
  });
  afterAll(() => s?.kill());

  it('the socket is owner-only (0600)', () => {
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('top --once shows the descriptors, parked times and warnings', async () => {
    // The timed fd re-arms a 20 ms read deadline in a loop. A frame can catch
    // it after its timer woke the read and before the loop re-armed it: CI saw
    // one with that fd's deadline "expired", its poller at 0 parked and 0
    // timers, and so not among the soonest. Another frame, a moment later, has it.
    const soonest = new RegExp(`deadlines due soonest: fd ${s.fds.timed} r (in |[\\d.]+ (µs|ms|s) ago)`);
    let r = await runCli(['top', sock, '--once', ...thresholds]);
    for (let tries = 1; tries < 5 && r.code === 0 && !soonest.test(r.stdout); tries++) r = await runCli(['top', sock, '--once', ...thresholds]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^netpoll top — pid \d+/);
    expect(out).toMatch(/totals: events\/s [\d.]+ · wake-ups\/s [\d.]+ · timers fired\/s [\d.]+ · stale\/s [\d.]+/);
    expect(out).toContain(`fd ${s.fds.parked}: read waiter parked`);
    expect(out).toMatch(new RegExp(`fd ${s.fds.parked}: read waiter parked [\\d.]+ (ms|s) with no deadline`));
    expect(out).toMatch(new RegExp(`fd ${s.fds.idle}: registered [\\d.]+ (ms|s) ago .*never waited on`));
    expect(out).not.toContain(`fd ${s.fds.deadline}: read waiter parked`); // it has a deadline
    // …just past due (the timer not yet run) shows as "ago".
    expect(out).toMatch(soonest);
    // The descriptor table: the parked one first (sorted by time parked), with its time.
    const rows = out.split('\n').filter((l) => /^p\d+\s+\d+\s+open/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    const firstFds = rows.slice(0, 2).map((l) => Number(l.split(/\s+/)[1]));
    expect(firstFds.sort()).toEqual([s.fds.parked, s.fds.deadline].sort());
    expect(rows[0]).toMatch(/open\s+[\d.]+ (ms|s)\s+-/);
  });

  it('top --json --once: one frame with host figures, rates and warnings', async () => {
    const r = await runCli(['top', sock, '--once', '--json', ...thresholds]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const f = JSON.parse(lines[0]!) as Frame & { warnings: { kind: string; fd?: number }[]; totals: Record<string, number> };
    expect(f.pid).toBe(s.pid);
    const all = f.pollers.flatMap((p) => p.descriptors);
    const parked = all.find((d) => d.fd === s.fds.parked)!;
    expect(parked.parked.r).toBe(true);
    expect(parked.parkedMs.r!).toBeGreaterThan(300);
    expect(parked.rd).toBe('0');
    const deadlined = all.find((d) => d.fd === s.fds.deadline)!;
    expect(deadlined.rInMs!).toBeGreaterThan(3_000_000);
    expect(all.find((d) => d.fd === s.fds.idle)!.waited).toBe(false);
    const timed = all.find((d) => d.fd === s.fds.timed)!;
    expect(timed.waits.timeout).toBeGreaterThan(5);
    expect(f.totals.timersPerS).toBeGreaterThan(0);
    expect(f.totals.eventsPerS).toBeGreaterThan(0);
    const kinds = f.warnings.map((w) => `${w.kind}:${w.fd}`);
    expect(kinds).toContain(`parked-no-deadline:${s.fds.parked}`);
    expect(kinds).toContain(`never-waited:${s.fds.idle}`);
    expect(kinds.some((k) => k.startsWith('deadline-past-parked'))).toBe(false);
    // The inspector's own descriptors are listed apart and not among the pollers' descriptors.
    expect(f.inspector.ownFds.length).toBeGreaterThanOrEqual(2);
    for (const fd of f.inspector.ownFds) expect(all.some((d) => d.fd === fd)).toBe(false);
    const echoing = f.pollers.find((p) => p.descriptors.some((d) => d.fd === s.fds.parked))!;
    expect(echoing.outcomes.ready).toBeGreaterThan(10);
    expect(echoing.latency.count).toBeGreaterThan(10);
    expect(echoing.latency.p50Ns).toBeGreaterThan(0);
  });

  it('top --json without --once streams frames, one JSON line each', async () => {
    const r = await runCli(['top', sock, '--json', '--interval', '100'], {}, 1500);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines.slice(0, -1)) expect(JSON.parse(l).op).toBe('frame');
  });

  it('survives a client that never reads, garbage, an oversized request and 1,000 connects; RSS flat, echo unaffected', async () => {
    const before = (await s.command('rss')).rss as number;
    // 1. Asks for snapshots and never reads: the server's writes block, the write deadline closes it.
    const ids = (await ask(sock, '{"op":"hello"}\n')).pollers as number[];
    const sink = await rawClient(sock);
    sink.socket.pause();
    for (let i = 0; i < 50; i++) sink.socket.write(`{"op":"snapshot","poller":${ids[0]}}\n`);
    // 2. Garbage with newlines, then one line over the request limit.
    const junk = await rawClient(sock);
    junk.socket.write(Buffer.from('\x00\xff{not json\n[1,2]\n{"op":42}\nnull\n', 'latin1'));
    await sleep(200);
    junk.socket.write(Buffer.alloc(5000, 0x41));
    await junk.closed;
    const answers = junk.received().trim().split('\n').map((l) => JSON.parse(l) as { error: string });
    expect(answers.map((a) => a.error)).toEqual(['bad-json', 'bad-request', 'unknown-op', 'bad-request', 'too-large']);
    // The server gave up on it after its write deadline; the client sees that once it reads again.
    const until = Date.now() + 10_000;
    while (((await ask(sock, '{"op":"frame"}\n')) as unknown as Frame).inspector.closedSlow < 1 && Date.now() < until) await sleep(100);
    sink.socket.resume();
    await sink.closed;
    // 3. A thousand connects in a loop (every tenth asks for a frame). Faster than the server accepts, the
    // listen backlog fills and connect fails with EAGAIN (the kernel's answer, not the server's): wait and retry.
    const backlog = { count: 0 };
    for (let i = 0; i < 1000; i++) {
      const c = await rawClient(sock, backlog);
      if (i % 10 === 0) c.socket.write('{"op":"frame"}\n');
      c.socket.destroy();
    }
    // 4. An idle client is closed by the idle timeout.
    const idle = await rawClient(sock);
    await idle.closed;
    const echo = await s.command('echo 2000', 30_000);
    expect(echo.echo).toBe(2000);
    await sleep(200);
    const f = (await ask(sock, '{"op":"frame"}\n')) as unknown as Frame;
    expect(f.inspector.closedSlow).toBeGreaterThanOrEqual(1);
    expect(f.inspector.closedTooLarge).toBe(1);
    expect(f.inspector.closedIdle).toBeGreaterThanOrEqual(1);
    expect(f.inspector.accepted + f.inspector.refused).toBeGreaterThanOrEqual(1003);
    expect(f.inspector.badRequests).toBeGreaterThanOrEqual(4);
    const after = (await s.command('rss')).rss as number;
    // Generous: the point is that nothing grows with the number of clients or bytes sent.
    expect(after - before).toBeLessThan(64 << 20);
    console.log(`hostile clients: rss ${(before / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MiB; accepted ${f.inspector.accepted}, refused ${f.inspector.refused}, closed slow ${f.inspector.closedSlow}, idle ${f.inspector.closedIdle}, too large ${f.inspector.closedTooLarge}; backlog full ${backlog.count}×; echo 2000 round trips in ${(echo.ms as number).toFixed(0)} ms`);
  });

  it('frames are shared: clients asking as fast as they can do not make the server build more than one per 50 ms', async () => {
    const first = ((await ask(sock, '{"op":"frame"}\n')) as unknown as Frame).inspector;
    const t0 = performance.now();
    const clients = await Promise.all([0, 1, 2].map(() => rawClient(sock)));
    let answered = 0;
    await Promise.all(clients.map(async (c) => {
      let seen = 0;
      while (performance.now() - t0 < 600) {
        c.socket.write('{"op":"frame"}\n');
        while (c.received().split('\n').length - 1 === seen) await sleep(1);
        seen++;
        answered++;
      }
      c.socket.destroy();
    }));
    const elapsed = performance.now() - t0;
    const last = ((await ask(sock, '{"op":"frame"}\n')) as unknown as Frame).inspector;
    const built = last.framesBuilt - first.framesBuilt;
    expect(answered).toBeGreaterThan(built);
    expect(built).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
  });

  it('more clients than maxClients: the extra one is told and closed', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => rawClient(sock)));
    await sleep(100);
    const extra = await rawClient(sock);
    await extra.closed;
    expect(JSON.parse(extra.received().trim())).toMatchObject({ ok: false, error: 'too-many-clients' });
    for (const h of held) h.socket.destroy();
    // The slots come back once the server has read the EOFs (a moment, on a loaded machine).
    const until = Date.now() + 10_000;
    let r = await ask(sock, '{"op":"hello"}\n');
    while (r.ok !== true && Date.now() < until) {
      await sleep(50);
      r = await ask(sock, '{"op":"hello"}\n');
    }
    expect(r.ok).toBe(true);
  });

  it('snapshot op returns the poller memory (netpoll inspect can read it)', async () => {
    const hello = await ask(sock, '{"op":"hello"}\n');
    const ids = hello.pollers as number[];
    expect(ids).toHaveLength(2);
    const snap = await ask(sock, `{"op":"snapshot","poller":${ids[0]}}\n`);
    expect(snap.ok).toBe(true);
    expect(Buffer.from(snap.bytes as string, 'base64').readUInt32LE(0)).toBeGreaterThanOrEqual(0);
    expect(await ask(sock, '{"op":"snapshot","poller":999}\n')).toMatchObject({ ok: false, error: 'no-such-poller' });
  });

  it('closing the pollers stops the inspector and removes the socket; the process exits on its own', async () => {
    const r = await s.command('exit');
    expect(r).toMatchObject({ exited: true, serverClosed: true });
    expect(await s.exited).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });
});

describe('the inspector never holds the process', () => {
  it('a process whose only open thing is an inspector exits on its own, and removes the socket', async () => {
    const sock = join(dir, 'exit.sock');
    const script = `import { Poller } from './build/host/index.js';
      const p = await Poller.create();
      await p.serveInspector({ path: ${JSON.stringify(sock)} });
      console.log('serving');`;
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
      c.on('exit', (code) => {
        clearTimeout(t);
        resolve({ code, out });
      });
    });
    expect(r).toEqual({ code: 0, out: 'serving\n' });
    expect(existsSync(sock)).toBe(false);
  });
});

describe('inconsistencies and churn', () => {
  it('a deadline in the past with its waiter still parked: warned, post-mortem written, exit 1', async () => {
    const sock = join(dir, 'held.sock');
    const pm = join(dir, 'pm');
    mkdirSync(pm);
    const s = await startServed(sock, { holdClock: true });
    try {
      await sleep(1000);
      const r = await runCli(['top', sock, '--once', '--late-after', '200'], { NETPOLL_POSTMORTEM_DIR: pm });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`fd ${s.fds.deadline}: read deadline passed [\\d.]+ (ms|s) ago and its waiter is still parked .*post-mortem: ${pm}/`));
      const files = readdirSync(pm);
      expect(files).toHaveLength(1);
      const inspect = await runCli(['inspect', join(pm, files[0]!), '--json']);
      expect([0, 1]).toContain(inspect.code);
      expect(JSON.parse(inspect.stdout).descriptors.some((d: { fd: number }) => d.fd === s.fds.deadline)).toBe(true);
    } finally {
      s.kill();
    }
  });

  it('fd churn: rising stale events are warned about', async () => {
    const sock = join(dir, 'churn.sock');
    const s = await startServed(sock, { churn: 10 });
    try {
      await sleep(300);
      const r = await runCli(['top', sock, '--once', '--json', '--interval', '300']);
      const f = JSON.parse(r.stdout) as { warnings: { kind: string; message: string }[]; totals: { stalePerS: number } };
      expect(f.totals.stalePerS).toBeGreaterThan(1);
      expect(f.warnings.find((w) => w.kind === 'stale-rising')?.message).toMatch(/stale events rising, [\d.]+\/s → [\d.]+\/s \(fd churn/);
    } finally {
      s.kill();
    }
  });
});

/** Resolves with `p`, or rejects after `ms` saying what did not happen. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const late = new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms));
  return Promise.race([p, late]);
}

const workerFixture = join(root, 'test/live/fixtures/worker-served.mjs');

describe('inside a worker', () => {
  it('serveInspector in a worker answers (its unref\'d poller is polled every 50 ms), and does not keep the worker alive', async () => {
    const sock = join(dir, 'worker.sock');
    const w = new Worker(workerFixture, { workerData: { path: sock } });
    const messages: Record<string, unknown>[] = [];
    w.on('message', (m) => messages.push(m));
    const exited = new Promise<number>((r) => w.once('exit', r));
    try {
      const started = new Promise<Record<string, unknown>>((r, reject) => {
        w.once('message', r);
        w.once('error', reject);
      });
      const ready = await within(started, 10_000, 'worker ready');
      const hello = await within(ask(sock, '{"op":"hello"}\n'), 3000, 'hello from the worker\'s inspector');
      expect(hello).toMatchObject({ ok: true, op: 'hello', pid: process.pid });
      expect(hello.pollers).toHaveLength(1);
      const r = await runCli(['top', sock, '--once', '--json']);
      expect(r.stderr).toBe('');
      const f = JSON.parse(r.stdout) as Frame;
      expect(f.pollers[0]!.descriptors.map((d) => d.fd)).toContain(ready.fd);
      w.postMessage('stop');
      expect(await within(exited, 5000, 'the worker exiting on its own')).toBe(0); // the inspector's polling holds nothing
      expect(messages.at(-1)).toEqual({ stopped: true, inspectorClosed: true });
      expect(existsSync(sock)).toBe(false);
    } finally {
      await w.terminate();
    }
  });
});

describe('NETPOLL_INSPECT and --pid', () => {
  it('NETPOLL_INSPECT=1 serves every poller at the conventional path; top --pid finds it', async () => {
    const xdg = join(dir, 'xdg');
    mkdirSync(xdg, { mode: 0o700 });
    const env = { XDG_RUNTIME_DIR: xdg, NETPOLL_INSPECT: '1' };
    const s = await startServed('-', {}, env);
    try {
      const sock = join(xdg, 'netpoll', `${s.pid}.sock`);
      const until = Date.now() + 5000;
      while (!existsSync(sock) && Date.now() < until) await sleep(20);
      expect(statSync(sock).mode & 0o777).toBe(0o600);
      expect(statSync(join(xdg, 'netpoll')).mode & 0o777).toBe(0o700);
      const r = await runCli(['top', '--pid', String(s.pid), '--once', '--json'], { XDG_RUNTIME_DIR: xdg });
      expect(r.stderr).toBe('');
      const f = JSON.parse(r.stdout) as Frame;
      expect(f.pid).toBe(s.pid);
      expect(f.pollers).toHaveLength(2); // both of the child's pollers, not the inspector's own
      const all = f.pollers.flatMap((p) => p.descriptors);
      expect(all.find((d) => d.fd === s.fds.parked)?.parkedAtLeast.r).toBe(false); // seen from the start
      await s.command('exit');
      expect(await s.exited).toBe(0);
      expect(existsSync(sock)).toBe(false);
    } finally {
      s.kill();
    }
  });

  it('NETPOLL_INSPECT=<path>.sock: a stale socket file is replaced; a live one is not stolen by a second process', async () => {
    const shared = join(dir, 'shared.sock');
    const stale = unixListen(shared);
    closeFd(stale); // the file stays: a process that died without cleaning up
    const first = await startServed('-', {}, { NETPOLL_INSPECT: shared });
    try {
      const until = Date.now() + 5000;
      let hello: Record<string, unknown> | null = null;
      while (!hello && Date.now() < until) hello = await ask(shared, '{"op":"hello"}\n').catch(() => null);
      expect(hello).toMatchObject({ ok: true, pid: first.pid });
      const second = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const script = `import { Poller } from './build/host/index.js'; const p = await Poller.create(); setTimeout(() => p.close(), 500);`;
        const c = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NETPOLL_INSPECT: shared } });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve({ code, err }));
      });
      expect(second.code).toBe(0);
      expect(second.err).toContain(`NETPOLL_INSPECT: the inspector could not start: inspector socket ${shared} is in use by a live process`);
      expect(await ask(shared, '{"op":"hello"}\n')).toMatchObject({ ok: true, pid: first.pid });
    } finally {
      first.kill();
    }
  });

  it('NETPOLL_INSPECT=1 with a worker that creates a poller first: only the main thread serves, at the conventional path', async () => {
    const xdg = join(dir, 'xdg-worker');
    mkdirSync(xdg, { mode: 0o700 });
    const script = [
      `import { Worker } from 'node:worker_threads';`,
      `import { Poller } from './build/host/index.js';`,
      `import { socketPair } from './build/host/sys/index.js';`,
      `const w = new Worker(${JSON.stringify(workerFixture)}, { workerData: { auto: true }, execArgv: [] });`, // not the parent's --input-type
      `await new Promise((r) => w.once('message', r));`,
      `await new Promise((r) => setTimeout(r, 300));`, // a worker's inspector would be listening by now
      `const p = await Poller.create();`,
      `const [a] = socketPair();`,
      `p.open(a);`,
      `console.log(JSON.stringify({ pid: process.pid, fd: a }));`,
      `process.stdin.once('data', async () => { w.postMessage('stop'); await p.close(); process.stdin.destroy(); });`,
    ].join('\n');
    const c = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: xdg, NETPOLL_INSPECT: '1' } });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
    try {
      const until = Date.now() + 10_000;
      while (!out.includes('\n') && Date.now() < until) await sleep(20);
      const ready = JSON.parse(out) as { pid: number; fd: number };
      expect(ready.pid).toBe(c.pid);
      const sock = join(xdg, 'netpoll', `${c.pid}.sock`);
      const hello = await within(ask(sock, '{"op":"hello"}\n'), 3000, 'hello at the conventional path');
      expect(hello).toMatchObject({ ok: true, pid: c.pid });
      expect(hello.pollers).toHaveLength(1); // the main thread's poller; the worker's is not served
      const r = await runCli(['top', '--pid', String(c.pid), '--once', '--json'], { XDG_RUNTIME_DIR: xdg });
      expect(r.stderr).toBe('');
      const f = JSON.parse(r.stdout) as Frame;
      expect(f.pollers.map((p) => p.descriptors.map((d) => d.fd))).toEqual([[ready.fd]]); // the main thread's poller
      c.stdin!.write('stop\n');
      expect(await within(exited, 10_000, 'the child exiting')).toBe(0);
      expect(err).not.toContain('NETPOLL_INSPECT');
      expect(readdirSync(join(xdg, 'netpoll'))).toEqual([]); // one socket, removed at exit
    } finally {
      c.kill('SIGKILL');
    }
  });

  it('--pid of a process without an inspector says how to enable it; of no process, says so', async () => {
    const xdg = join(dir, 'xdg2');
    const r = await runCli(['top', '--pid', String(process.pid), '--once'], { XDG_RUNTIME_DIR: xdg });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`process ${process.pid} serves no inspector at ${join(xdg, 'netpoll', `${process.pid}.sock`)}: start it with NETPOLL_INSPECT=1`);
    const gone = await runCli(['top', '--pid', '999999999', '--once'], { XDG_RUNTIME_DIR: xdg });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no process 999999999');
  });

  it('bad usage exits 2 with the help', async () => {
    const r = await runCli(['top']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing SOCKET (or --pid N)');
    expect(r.stderr).toContain('usage: netpoll top');
  });
});
