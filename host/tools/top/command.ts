// `netpoll top`: a live view of a running process's pollers, read from its
// inspector socket (poller.serveInspector() or NETPOLL_INSPECT).
//
//   netpoll top SOCKET | --pid N [--once] [--json] [--interval MS] [thresholds]
//
// --once prints one frame (two samples --interval apart, so rates are real)
// and exits; --json prints frames as JSON lines (with --once, one); otherwise
// a full-screen view refreshed every --interval ms on the alternate screen,
// keys: s cycle the sort, / filter (Enter applies, Esc clears), q or Ctrl-C
// quit. The terminal is restored on every exit path (q, SIGINT, SIGTERM,
// the inspected process going away, an error).
//
// A deadline in the past with its waiter still parked is an inconsistency:
// top fetches that poller's snapshot and writes it as a post-mortem file
// (once per descriptor per run), naming the file in the warning.

import { parseArgs } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { emitKeypressEvents } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { InspectorClient } from './client.js';
import { TopModel, DEFAULT_THRESHOLDS, type View, type Thresholds } from './model.js';
import { renderView, SORT_KEYS, KEYS_HELP, type SortKey } from './render.js';
import { inspectorDir, INSPECT_ENV } from '../../inspector/paths.js';
import { openPrivateDir, UnsafeDirectoryError } from '../../inspector/private-dir.js';
import { visible, visibleJson } from './visible.js';
import { writePostMortem } from '../../inspect/postmortem.js';

export interface TopIO {
  out(text: string): void;
  err(text: string): void;
}

export const TOP_HELP = `usage: netpoll top SOCKET [options]
       netpoll top --pid N [options]

  A live view of a running process's pollers, read from its inspector socket:
  totals and rates, descriptors sorted by how long their waiter has been parked,
  the deadlines due soonest, and warnings with a one-line reason each.

  The process serves the socket when it calls poller.serveInspector({ path }),
  or for every poller when it runs with ${INSPECT_ENV}=1 (socket at
  $XDG_RUNTIME_DIR/netpoll/<pid>.sock, or /tmp/netpoll-<uid>/<pid>.sock when
  XDG_RUNTIME_DIR is unset — what --pid looks for).

  --pid N             attach to process N through that conventional path (its
                      directory must be this user's own, 0700, not a symlink:
                      the same checks as the process's)
  --once              print one frame (two samples --interval apart) and exit
  --json              frames as JSON lines (the frame, rates and warnings)
  --interval MS       refresh period (default 250)
  --parked-after MS   warn about a waiter parked longer with no deadline (default ${DEFAULT_THRESHOLDS.parkedAfterMs})
  --idle-after MS     warn about a descriptor registered longer and never waited on (default ${DEFAULT_THRESHOLDS.idleAfterMs})
  --late-after MS     a deadline passed by more with its waiter parked is an inconsistency (default ${DEFAULT_THRESHOLDS.lateAfterMs})
  --stale-rate N      stale events/s from which a rise is reported (default ${DEFAULT_THRESHOLDS.staleRate})
  --sort KEY          initial sort: ${SORT_KEYS.join(', ')} (default parked)
  -h, --help          this text

  ${KEYS_HELP}

  exit codes: 0 ok · 1 an inconsistency was seen (post-mortem written) · 2 cannot
  connect, bad usage
`;

class TopUsage extends Error {}

function num(v: unknown, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new TopUsage(`${name} must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

interface Parsed {
  /** SOCKET as given; with --pid, the conventional path (where it is shown; top connects through the checked directory). */
  path: string;
  pid: number | null;
  once: boolean;
  json: boolean;
  intervalMs: number;
  thresholds: Thresholds;
  sort: SortKey;
}

function parse(args: readonly string[]): Parsed | 'help' {
  let r;
  try {
    r = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        pid: { type: 'string' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        interval: { type: 'string' },
        'parked-after': { type: 'string' },
        'idle-after': { type: 'string' },
        'late-after': { type: 'string' },
        'stale-rate': { type: 'string' },
        sort: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new TopUsage((err as Error).message);
  }
  const v = r.values;
  if (v.help) return 'help';
  let path: string;
  if (v.pid !== undefined) {
    if (r.positionals.length > 0) throw new TopUsage('give SOCKET or --pid N, not both');
    if (!/^[1-9][0-9]*$/.test(v.pid)) throw new TopUsage(`--pid must be a process id, got ${JSON.stringify(v.pid)}`);
    path = join(inspectorDir(), `${v.pid}.sock`);
  } else {
    if (r.positionals.length !== 1) throw new TopUsage(r.positionals.length === 0 ? 'missing SOCKET (or --pid N)' : 'one SOCKET at a time');
    path = r.positionals[0]!;
  }
  const sort = (v.sort ?? 'parked') as SortKey;
  if (!SORT_KEYS.includes(sort)) throw new TopUsage(`--sort must be one of ${SORT_KEYS.join(', ')}, got ${JSON.stringify(v.sort)}`);
  return {
    path,
    pid: v.pid === undefined ? null : Number(v.pid),
    once: v.once === true,
    json: v.json === true,
    intervalMs: num(v.interval, '--interval', 250, 20),
    thresholds: {
      parkedAfterMs: num(v['parked-after'], '--parked-after', DEFAULT_THRESHOLDS.parkedAfterMs),
      idleAfterMs: num(v['idle-after'], '--idle-after', DEFAULT_THRESHOLDS.idleAfterMs),
      lateAfterMs: num(v['late-after'], '--late-after', DEFAULT_THRESHOLDS.lateAfterMs),
      staleRate: num(v['stale-rate'], '--stale-rate', DEFAULT_THRESHOLDS.staleRate),
    },
    sort,
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why connecting failed, in a sentence that says what to do. */
function cannotConnect(p: Parsed, err: NodeJS.ErrnoException, pid: number | null): string {
  if (pid !== null) {
    if (!processExists(pid)) return `no process ${pid}`;
    if (!existsSync(p.path)) {
      return `process ${pid} serves no inspector at ${p.path}: start it with ${INSPECT_ENV}=1, or have it call poller.serveInspector() and pass that socket's path`;
    }
  }
  if (err.code === 'ENOENT') return `no inspector socket at ${p.path}`;
  if (err.code === 'ECONNREFUSED') return `nothing listens on ${p.path} (a stale socket of a process that exited?)`;
  if (err.code === 'EACCES') return `permission denied on ${p.path}: the socket is owner-only (0600); run top as the process's user`;
  return `cannot connect to ${p.path}: ${err.message}`;
}

/**
 * SOCKET as given; with --pid, the socket in the conventional directory,
 * reached through that directory held open after the server's own checks
 * (inspector/private-dir.ts): one another user made, or a symlink, is refused.
 */
async function connectTo(p: Parsed): Promise<InspectorClient> {
  if (p.pid === null) return InspectorClient.open(p.path);
  const dir = openPrivateDir(dirname(p.path), false);
  try {
    return await InspectorClient.open(dir.at(basename(p.path)));
  } finally {
    dir.close();
  }
}

export async function runTop(args: readonly string[], io: TopIO): Promise<number> {
  let p: Parsed | 'help';
  try {
    p = parse(args);
  } catch (err) {
    if (err instanceof TopUsage) {
      io.err(`netpoll: ${err.message}\n\n${TOP_HELP}`);
      return 2;
    }
    throw err;
  }
  if (p === 'help') {
    io.out(TOP_HELP);
    return 0;
  }
  let client: InspectorClient;
  try {
    client = await connectTo(p);
  } catch (err) {
    io.err(`netpoll top: ${visible(err instanceof UnsafeDirectoryError ? err.message : cannotConnect(p, err as NodeJS.ErrnoException, p.pid))}\n`);
    return 2;
  }
  const model = new TopModel(p.thresholds);
  const postMortems = new Map<string, string | null>();
  let inconsistent = false;

  /** One view: a frame through the model; post-mortems for new inconsistencies. */
  const sample = async (): Promise<View> => {
    const v = model.update(await client.frame());
    for (const w of v.warnings) {
      if (w.kind !== 'deadline-past-parked') continue;
      inconsistent = true;
      const key = `${w.poller}:${w.index}:${w.fdseq}`;
      if (!postMortems.has(key)) postMortems.set(key, writePostMortem(await client.snapshot(w.poller), 'deadline-past-parked'));
      const file = postMortems.get(key);
      w.message += file ? `; post-mortem: ${file}` : '; the post-mortem could not be written';
    }
    return v;
  };
  const jsonLine = (v: View): string => `${visibleJson(JSON.stringify({ ...v.frame, rates: Object.fromEntries(v.pollers.map((x) => [x.frame.id, x.rates])), totals: v.totals, warnings: v.warnings }))}\n`;

  try {
    if (p.once) {
      await sample();
      let v: View;
      // Rates need a second, newer frame; a busy server may answer from its shared frame for a while.
      for (let tries = 0; ; tries++) {
        await sleep(p.intervalMs);
        v = await sample();
        if (v.totals !== null || v.pollers.length === 0 || tries >= 20) break;
      }
      io.out(p.json ? jsonLine(v) : `${renderView(v, { sort: p.sort, filter: '', columns: 200, rows: 60, prompt: null, source: p.path }).join('\n')}\n`);
      return inconsistent ? 1 : 0;
    }
    if (p.json || !process.stdout.isTTY || !process.stdin.isTTY) {
      for (;;) {
        const v = await sample();
        if (p.json) io.out(jsonLine(v));
        else io.out(`${renderView(v, { sort: p.sort, filter: '', columns: 200, rows: 60, prompt: null, source: p.path }).join('\n')}\n\n`);
        await sleep(p.intervalMs);
      }
    }
    return await live(p, sample, () => inconsistent);
  } catch (err) {
    io.err(`netpoll top: ${visible((err as Error).message)}\n`);
    return 2;
  } finally {
    client.close();
  }
}

// ── the live terminal view ─────────────────────────────────────────────────────

const ALT_ON = '\x1b[?1049h\x1b[?25l';
const ALT_OFF = '\x1b[?25h\x1b[?1049l';

async function live(p: Parsed, sample: () => Promise<View>, inconsistent: () => boolean): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  let sort = p.sort;
  let filter = '';
  let typing: string | null = null;
  let last: View | null = null;
  let done: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (done = resolve));

  const draw = (): void => {
    if (!last) return;
    const lines = renderView(last, { sort, filter, columns: stdout.columns || 80, rows: stdout.rows || 24, prompt: typing === null ? KEYS_HELP : `filter: ${typing}█`, source: p.path });
    stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  };
  const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean; sequence?: string }): void => {
    if (key.ctrl && key.name === 'c') return done(inconsistent() ? 1 : 0);
    if (typing !== null) {
      if (key.name === 'return' || key.name === 'enter') {
        filter = typing;
        typing = null;
      } else if (key.name === 'escape') {
        filter = '';
        typing = null;
      } else if (key.name === 'backspace') typing = typing.slice(0, -1);
      else if (str && str.length === 1 && str >= ' ') typing += str;
      return draw();
    }
    if (key.name === 'q') return done(inconsistent() ? 1 : 0);
    if (key.name === 's') sort = SORT_KEYS[(SORT_KEYS.indexOf(sort) + 1) % SORT_KEYS.length]!;
    else if (str === '/') typing = '';
    draw();
  };
  const onSignal = (): void => done(130);
  let restored = false;
  /** Once only: leaving the alternate screen twice would move the cursor back over what was printed since. */
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdin.removeListener('keypress', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    stdout.write(ALT_OFF);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', restoreAtExit);
  };
  const restoreAtExit = (): void => {
    if (!restored) stdout.write(ALT_OFF);
  };

  emitKeypressEvents(stdin);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('keypress', onKey);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', restoreAtExit);
  stdout.write(ALT_ON);
  stdout.on('resize', draw);
  let stop = false;
  const loop = (async (): Promise<void> => {
    while (!stop) {
      last = await sample();
      draw();
      await Promise.race([sleep(p.intervalMs), finished]);
    }
  })();
  loop.catch((err: unknown) => {
    if (stop) return; // the connection closed because we are leaving
    restore();
    process.stderr.write(`netpoll top: ${visible((err as Error).message)}\n`);
    done(2);
  });
  try {
    const code = await finished;
    stop = true;
    return code;
  } finally {
    stdout.removeListener('resize', draw);
    restore();
  }
}
