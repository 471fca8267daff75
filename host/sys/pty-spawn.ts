/**
 * spawnPty: starts a program on a new pty and hands back a PtyProcess
 * (pty-process.ts).
 *
 * The child is a session leader whose controlling terminal is the pty (see
 * pty-launcher.ts for how, without a compiler): job control works, ^C written
 * to the master interrupts the foreground process group, `tty` names the
 * slave. This process keeps only the master: the slave is closed here right
 * after the spawn, so when the child (and anything it left holding the
 * slave) is gone, reads end with EOF (the master's EIO, which PollFD reports
 * as EOF), the stream ends, and the master is closed with it.
 *
 * Imports PollFD from the poller above host/sys: this file, pty-process.ts
 * and serialport-binding.ts are the toolkit's stream-level pieces.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join, resolve as resolvePath } from 'node:path';
import { PollFD } from '../pollfd.js';
import type { Poller } from '../poller.js';
import { closeFd } from '../os/fd.js';
import { openPty } from './pty.js';
import { setWindowSize } from './termios.js';
import { PtyProcess } from './pty-process.js';
import { LAUNCHER_SOURCE } from './pty-launcher.js';
import { InvalidArgTypeError, InvalidArgValueError, checkBoolean, checkInteger } from '../os/args.js';
import { ERRNO, SyscallError } from '../os/errors.js';

export interface PtySpawnOptions {
  /** Columns and rows of the window (defaults 80 × 24). */
  cols?: number;
  rows?: number;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** The child's environment (default process.env); PATH in it is where `file` is looked up. */
  env?: Record<string, string | undefined>;
  /** $TERM for the child (default env.TERM, else 'xterm', as node-pty). */
  name?: string;
  /** node-pty's handleFlowControl: write('\x13') pauses reading the master, write('\x11') resumes; neither reaches the child. */
  handleFlowControl?: boolean;
  /** The poller for the master's PollFD (default: the default poller). */
  poller?: Poller;
}

/** One argument (the spec JSON) may hold at most MAX_ARG_STRLEN = 32 pages of 4 KiB. */
const MAX_SPEC_BYTES = 32 * 4096 - 1;

const koffiPath = createRequire(import.meta.url).resolve('koffi');

/** Where execve will find `file`: as given if it has a slash, else the first executable on the child's PATH. */
function resolveProgram(file: string, env: Record<string, string | undefined>, cwd: string): string {
  const candidates = file.includes('/')
    ? [resolvePath(cwd, file)]
    : (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).filter(Boolean).map((dir) => resolvePath(cwd, join(dir, file)));
  for (const path of candidates) {
    try {
      accessSync(path, fsConstants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not this one
    }
  }
  throw new SyscallError('spawn', ERRNO.ENOENT, { path: file, info: 'not found or not executable on the child\'s PATH' });
}

/** The most a launcher's failure report can be (it is a few dozen bytes of JSON). */
const REPORT_MAX = 4096;

/**
 * Resolves once the launcher has exec'd the program: its report pipe closed
 * with nothing in it. Rejects with the SyscallError it reported instead. (A
 * launcher that died before it could report looks like success here; its
 * 'exit' then says what happened.)
 */
function launched(child: ChildProcess, program: string): Promise<void> {
  const report = child.stdio[3] as Readable;
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    report.on('data', (chunk: Buffer) => {
      if (size < REPORT_MAX) chunks.push(chunk.subarray(0, REPORT_MAX - size));
      size += chunk.length;
    });
    report.once('error', reject);
    child.once('error', reject);
    report.once('close', () => {
      child.off('error', reject);
      if (size === 0) return resolve();
      try {
        const { syscall, errno } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { syscall: string; errno: number };
        reject(new SyscallError(String(syscall), Number(errno), { path: program, info: 'in the pty launcher' }));
      } catch {
        reject(new Error(`the pty launcher sent an unreadable report (${size} bytes)`));
      }
    });
  });
}

function checkOptions(file: unknown, args: unknown, opts: unknown): asserts opts is PtySpawnOptions {
  if (typeof file !== 'string' || file === '') throw new InvalidArgTypeError('file', 'a non-empty string', file);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new InvalidArgTypeError('args', 'an array of strings', args);
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgTypeError('options', 'an object', opts);
  const o = opts as Record<string, unknown>;
  if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new InvalidArgTypeError('options.cwd', 'a string', o.cwd);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) throw new InvalidArgTypeError('options.env', 'an object', o.env);
  if (o.name !== undefined && typeof o.name !== 'string') throw new InvalidArgTypeError('options.name', 'a string', o.name);
  for (const s of [file, ...args, ...Object.entries((o.env ?? {}) as object).flat()]) {
    if (typeof s === 'string' && s.includes('\0')) throw new InvalidArgValueError('file, args and env', s, 'must not contain NUL bytes');
  }
}

/**
 * Starts `file` with `args` on a new pty and resolves once it runs there
 * (exec'd, the pty its controlling terminal). Rejects, with nothing left
 * open, for bad options (ERR_INVALID_ARG_*), a program not found (ENOENT), a
 * missing cwd, or a failure the launcher reports (e.g. execve EACCES).
 */
export async function spawnPty(file: string, args: string[] = [], options: PtySpawnOptions = {}): Promise<PtyProcess> {
  checkOptions(file, args, options);
  const cols = checkInteger(options.cols ?? 80, 'options.cols', 1, 0xffff);
  const rows = checkInteger(options.rows ?? 24, 'options.rows', 1, 0xffff);
  const handleFlowControl = checkBoolean(options.handleFlowControl ?? false, 'options.handleFlowControl');
  const cwd = resolvePath(options.cwd ?? process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new SyscallError('spawn', ERRNO.ENOENT, { path: cwd, info: 'cwd is not a directory' });
  const baseEnv = options.env ?? process.env;
  const env = { ...baseEnv, TERM: options.name ?? baseEnv.TERM ?? 'xterm' };
  const program = resolveProgram(file, env, cwd);
  const spec = JSON.stringify({
    file: program,
    argv: [file, ...args],
    env: Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])),
  });
  if (Buffer.byteLength(spec) > MAX_SPEC_BYTES) throw new InvalidArgValueError('args and env', `${Buffer.byteLength(spec)} bytes`, `together must fit one exec argument (${MAX_SPEC_BYTES} bytes)`);

  const pty = openPty();
  let child: ChildProcess;
  try {
    setWindowSize(pty.master, { cols, rows });
    // detached: libuv calls setsid() in the child, the launcher's first requirement.
    // The launcher's own environment holds nothing of the user's, so NODE_OPTIONS & co. cannot reach it
    // (the program gets `env` through execve); ELECTRON_RUN_AS_NODE makes an Electron execPath behave as node.
    child = spawnChild(process.execPath, ['-e', LAUNCHER_SOURCE, koffiPath, spec], {
      stdio: [pty.slave, pty.slave, pty.slave, 'pipe'],
      detached: true,
      cwd,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  } catch (err) {
    closeFd(pty.master);
    closeFd(pty.slave);
    throw err;
  }
  // The child holds its own copies (fork copied the table); keeping ours would hide the child's hang-up.
  closeFd(pty.slave);
  let pollfd: PollFD;
  try {
    await launched(child, program);
    pollfd = await PollFD.open(pty.master, { poller: options.poller });
  } catch (err) {
    child.kill('SIGKILL');
    closeFd(pty.master);
    throw err;
  }
  // allowHalfOpen false: EOF from the child ends both sides and closes the master.
  const stream = pollfd.stream({ allowHalfOpen: false });
  return new PtyProcess(child, pollfd, stream, pty.path, { cols, rows }, handleFlowControl);
}
