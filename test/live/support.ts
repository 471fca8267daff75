// Helpers for the live-inspection tests: the served child process
// (fixtures/served.mjs), `netpoll top` runs, and raw inspector clients.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(root, 'build/host/tools/cli.js');
const fixture = join(root, 'test/live/fixtures/served.mjs');

export interface Served {
  child: ChildProcess;
  pid: number;
  fds: { parked: number; idle: number; deadline: number; timed: number };
  /** Send a command line; resolves with the next JSON line the child prints. */
  command(line: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(): void;
}

export async function startServed(path: string, opts: object = {}, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [fixture, path, JSON.stringify(opts)], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  let waiter: ((l: string) => void) | null = null;
  lines.on('line', (l) => {
    if (waiter) {
      const w = waiter;
      waiter = null;
      w(l);
    } else queue.push(l);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = (timeoutMs: number): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const q = queue.shift();
      if (q !== undefined) return resolve(JSON.parse(q));
      const t = setTimeout(() => reject(new Error('the served child did not answer')), timeoutMs);
      waiter = (l) => {
        clearTimeout(t);
        resolve(JSON.parse(l));
      };
    });
  const ready = (await next(20_000)) as { pid: number; fds: Served['fds'] };
  return {
    child,
    pid: ready.pid,
    fds: ready.fds,
    command: (line, timeoutMs = 20_000) => {
      child.stdin!.write(`${line}\n`);
      return next(timeoutMs);
    },
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * Start fixtures/quiet.mjs serving `path` ("-": serveInspector()'s
 * conventional path): a process whose event loop only the inspector's
 * clients wake. Resolves with its first line: {pid, path}, or {error, code}
 * when serveInspector refused. "exit" on its stdin ends it cleanly.
 */
export async function startQuiet(path: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; line: Record<string, unknown>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(root, 'test/live/fixtures/quiet.mjs'), path], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the quiet fixture did not start')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
  });
  return { child, line: JSON.parse(first) as Record<string, unknown>, exited };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RawClient {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

/**
 * A raw client: connect, and collect what the server sends. A full listen
 * backlog (EAGAIN: the kernel's answer while the server has not accepted yet,
 * e.g. right after a burst of connects) is retried for up to 10 s; `retries`
 * counts those.
 */
export async function rawClient(path: string, retries = { count: 0 }): Promise<RawClient> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      return await connectOnce(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > until) throw err;
      retries.count++;
      await sleep(5);
    }
  }
}

function connectOnce(path: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let data = '';
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      resolve({ socket, received: () => data, closed });
    });
  });
}

/** One request → one response line, on a fresh connection. */
export async function ask(path: string, req: string): Promise<Record<string, unknown>> {
  const c = await rawClient(path);
  c.socket.write(req);
  let closed = false;
  void c.closed.then(() => (closed = true));
  const deadline = Date.now() + 20_000;
  while (!c.received().includes('\n')) {
    if (closed) throw new Error(`the server closed the connection after ${c.received().length} bytes without a full line`);
    if (Date.now() > deadline) throw new Error('no response');
    await new Promise((r) => setTimeout(r, 10));
  }
  c.socket.destroy();
  return JSON.parse(c.received().split('\n')[0]!);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
