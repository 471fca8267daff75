#!/usr/bin/env node
// The `netpoll` command.
//
//   netpoll inspect FILE [--json]    decode a snapshot of the core's memory
//   netpoll replay TRACE [--json]    re-run a recorded trace on a fresh core
//   netpoll demo [options]           what `npm start` runs
//
// Exit codes: 0 success (and, for inspect / replay, a consistent result);
// 1 the input was read but is not consistent (invariant violations, a replay
// that diverged or whose memory hash differs from the recording) or the demo
// failed; 2 the input could not be read (missing file, not a snapshot / trace,
// truncated, malformed) or the command line is wrong.
//
// Each subcommand imports only what it needs, so `inspect` never loads koffi.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InputFormat } from './read-input.js';

const EXIT_OK = 0;
const EXIT_INCONSISTENT = 1;
const EXIT_UNREADABLE = 2;

/** How long an input may send nothing (a FIFO without a writer, a stalled producer) before it is given up on. */
const DEFAULT_WAIT_MS = 5000;

interface IO {
  out(text: string): void;
  err(text: string): void;
  /** Where large output (--json) is streamed with backpressure; without it, io.out gets the pieces. */
  stream?: NodeJS.WritableStream;
}

const HELP = `usage: netpoll <command> [options]

Go's network poller for Node.js — tools for the poller core's memory.

commands:
  inspect FILE [--json]   decode a snapshot (a copy of the core's memory, e.g. from
                          poller.snapshot() or a post-mortem file) and print its
                          descriptors, free list, timer heap, counters and violations
  replay TRACE [--json]   replay a trace recorded with TraceRecorder on a fresh core;
                          print the final state and the sha256 of its memory
  demo [options]          a live demonstration (what \`npm start\` runs)
  top SOCKET | --pid N    a live view of a running process's pollers (its inspector socket)
  help [COMMAND]          this text, or a command's

The simulator (SimPoller: virtual time, scripted epoll events) is a library,
not a command: import { SimPoller } from 'netpoll-wasm/sim'.

Run \`netpoll COMMAND --help\` for a command's options.

exit codes: 0 ok · 1 read but inconsistent (violations, diverged replay) · 2 unreadable input or bad usage
`;

const INSPECT_HELP = `usage: netpoll inspect FILE [--json]

  Decode a snapshot of the poller core's memory: FILE holds the bytes of
  poller.snapshot() (or a post-mortem snapshot the poller wrote); "-" reads
  standard input. The decoder reads only the layout table stored in the
  snapshot, and checks the structure's invariants.

  Prints: a summary; the descriptors (free descriptors never used are counted,
  not listed); the free list (top first); the timer heap sorted by deadline,
  times relative to the earliest; the counters; the violated invariants.

  --json      print the Inspection as JSON instead (what decodeSnapshot returns),
              written as it is produced, so any snapshot the decoder accepts prints
  --wait SEC  give up on an input that sends nothing for SEC seconds (default ${DEFAULT_WAIT_MS / 1000})
  -h, --help  this text

  Input is untrusted and bounded: reading stops at the largest possible snapshot
  plus one byte (devices, FIFOs and standard input too), and the header is checked
  before the rest is read. A FIFO is opened without blocking: if no process opens
  it for writing within --wait seconds, the command gives up (exit 2). Standard
  input is read like any filter reads it, until its end; a terminal is refused.

  exit codes: 0 consistent · 1 invariant violations found · 2 unreadable (missing file,
  not a snapshot, unsupported version, truncated or out-of-range offsets)
`;

const REPLAY_HELP = `usage: netpoll replay TRACE [--json] [--core release|debug]

  Replay a trace — every call a poller made into its core, with the raw epoll
  batches and the times it passed — on a fresh core, then print the final
  state (as \`netpoll inspect\` does) and the sha256 of the whole memory. The
  core is deterministic: the same trace always gives the same hash, and it
  equals the hash the recorder stored at the end.

  --json          print {trace, replay, hash, checkpoints, inspection} as JSON
  --core FLAVOR   replay on this core build instead of the one the trace names
                  (skips the check that the build starts from the same memory)
  --wait SEC      give up on an input that sends nothing for SEC seconds (default ${DEFAULT_WAIT_MS / 1000})
  -h, --help      this text

  Input is bounded as for inspect: reading stops at the trace size limit plus one
  byte, the header is checked first, and a FIFO nobody writes to is given up on
  after --wait seconds.

  exit codes: 0 replayed, hashes match, consistent · 1 diverged from the recording, a
  hash mismatch, or invariant violations · 2 unreadable or malformed trace
`;

/** What `netpoll sim` answers: the simulator has no command of its own. */
const SIM_IS_A_LIBRARY = `netpoll: the simulator is a library, not a command. In your code or tests:

  import { SimPoller } from 'netpoll-wasm/sim';
  const sim = SimPoller.create();   // a real Poller on virtual time: open(fd), ready(fd, 'r'), advance(ms)

(README: "Simulation"). To re-run a recorded session, use \`netpoll replay TRACE\`.
`;

class UsageError extends Error {}

export async function main(argv: readonly string[], io: IO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.err(HELP);
      return EXIT_UNREADABLE;
    case '-h':
    case '--help':
      io.out(HELP);
      return EXIT_OK;
    case 'help': {
      const topic = rest[0];
      const text = topic === undefined ? HELP : topic === 'inspect' ? INSPECT_HELP : topic === 'replay' ? REPLAY_HELP : topic === 'demo' ? await demoUsage() : topic === 'top' ? (await import('./top/command.js')).TOP_HELP : null;
      if (text === null) {
        io.err(`netpoll: unknown command ${JSON.stringify(topic)}\n\n${HELP}`);
        return EXIT_UNREADABLE;
      }
      io.out(text);
      return EXIT_OK;
    }
    case '-v':
    case '--version':
      io.out(`${version()}\n`);
      return EXIT_OK;
    case 'inspect':
      return guarded(io, INSPECT_HELP, () => inspect(rest, io));
    case 'replay':
      return guarded(io, REPLAY_HELP, () => replay(rest, io));
    case 'demo':
      return demo(rest, io);
    case 'top': // host/tools/top/command.ts
      return (await import('./top/command.js')).runTop(rest, io);
    case 'sim':
      io.err(SIM_IS_A_LIBRARY);
      return EXIT_UNREADABLE;
    default:
      io.err(`netpoll: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
      return EXIT_UNREADABLE;
  }
}

/** Usage errors → 2 with the command's help; unexpected errors → 2 with a message (never a bare stack trace). */
async function guarded(io: IO, help: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`netpoll: ${err.message}\n\n${help}`);
      return EXIT_UNREADABLE;
    }
    const e = err as Error;
    io.err(`netpoll: internal error: ${e?.message ?? String(err)}\n${process.env.NETPOLL_DEBUG ? `${e?.stack ?? ''}\n` : ''}`);
    return EXIT_UNREADABLE;
  }
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Read an input file (or stdin for "-") through the bounded reader; null after printing why it cannot be read. */
async function readInput(path: string, format: InputFormat, waitMs: number, io: IO, headerError: new (...a: never[]) => Error): Promise<Uint8Array | null> {
  const { readBoundedInput, InputError } = await import('./read-input.js');
  try {
    return await readBoundedInput(path, format, { waitMs });
  } catch (err) {
    const name = path === '-' ? 'standard input' : path;
    if (err instanceof InputError) io.err(`netpoll: ${err.namesInput ? '' : `${name}: `}${err.message}\n`);
    else if (err instanceof headerError) io.err(`netpoll: ${name}: ${err.message}\n`);
    else io.err(`netpoll: cannot read ${format.what} ${name}: ${(err as Error)?.message ?? String(err)}\n`);
    return null;
  }
}

/** --wait SEC → ms. */
function waitOption(v: unknown): number {
  if (v === undefined) return DEFAULT_WAIT_MS;
  const sec = Number(v);
  if (!(sec >= 0 && sec <= 86_400)) throw new UsageError(`--wait takes seconds (0 … 86400), got ${JSON.stringify(v)}`);
  return sec * 1000;
}

/** Large JSON goes out in pieces, with backpressure: one string could exceed V8's length limit. */
async function outJson(io: IO, value: unknown): Promise<void> {
  const { writeJson, jsonChunks } = await import('./json-stream.js');
  if (io.stream) return writeJson(value, io.stream);
  for (const s of jsonChunks(value)) io.out(s);
  io.out('\n');
}

function onePath(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`one ${what} at a time (got ${positionals.length})`);
  return positionals[0]!;
}

// ── inspect ──────────────────────────────────────────────────────────────────

async function inspect(args: readonly string[], io: IO): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(INSPECT_HELP);
    return EXIT_OK;
  }
  const path = onePath(positionals, 'FILE');
  const waitMs = waitOption(values.wait);
  const { decodeSnapshot, SnapshotError } = await import('../inspect/decode.js');
  const { SNAPSHOT_INPUT, refuseTrace } = await import('./input-formats.js');
  const bytes = await readInput(path, SNAPSHOT_INPUT, waitMs, io, SnapshotError);
  if (!bytes) return EXIT_UNREADABLE;
  const { formatInspection } = await import('../inspect/format.js');
  let x;
  try {
    refuseTrace(bytes); // a trace shorter than a snapshot's header reaches here unchecked
    x = decodeSnapshot(bytes);
  } catch (err) {
    if (err instanceof SnapshotError) {
      io.err(`netpoll: ${path === '-' ? 'standard input' : path}: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    throw err;
  }
  if (values.json) await outJson(io, x);
  else io.out(formatInspection(x, { title: `netpoll snapshot ${path === '-' ? '(stdin)' : path} (${bytes.length} bytes)` }));
  return x.violations.length === 0 ? EXIT_OK : EXIT_INCONSISTENT;
}

// ── replay ───────────────────────────────────────────────────────────────────

async function replay(args: readonly string[], io: IO): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, core: { type: 'string' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(REPLAY_HELP);
    return EXIT_OK;
  }
  const core = values.core as string | undefined;
  if (core !== undefined && core !== 'release' && core !== 'debug') throw new UsageError(`--core must be 'release' or 'debug', got ${JSON.stringify(core)}`);
  const path = onePath(positionals, 'TRACE');
  const waitMs = waitOption(values.wait);
  const { TraceError } = await import('../trace/format.js');
  const { TRACE_INPUT } = await import('./input-formats.js');
  const bytes = await readInput(path, TRACE_INPUT, waitMs, io, TraceError);
  if (!bytes) return EXIT_UNREADABLE;
  const { replayTrace } = await import('../trace/replay.js');
  const { SnapshotError } = await import('../inspect/decode.js');
  const { formatInspection } = await import('../inspect/format.js');
  let r;
  try {
    r = replayTrace(bytes, { core });
  } catch (err) {
    if (err instanceof TraceError) {
      io.err(`netpoll: ${path}: ${err.message}\n`);
      return EXIT_UNREADABLE;
    }
    if (err instanceof SnapshotError) {
      io.err(`netpoll: ${path}: the replayed memory cannot be decoded: ${err.message}\n`);
      return EXIT_INCONSISTENT;
    }
    throw err;
  }
  const last = r.checkpoints.at(-1);
  const mismatches = r.checkpoints.filter((c) => !c.match);
  const ok = !r.divergence && mismatches.length === 0 && r.inspection.violations.length === 0;
  if (values.json) {
    await outJson(io, {
      trace: { ...r.summary, path },
      replay: { flavor: r.flavor, replayed: r.replayed, divergence: r.divergence },
      hash: r.hash,
      memoryBytes: r.memoryBytes,
      recordedHash: last?.expected ?? null,
      checkpoints: r.checkpoints,
      ok,
      inspection: r.inspection,
    });
    return ok ? EXIT_OK : EXIT_INCONSISTENT;
  }
  const s = r.summary;
  const calls = Object.entries(s.calls).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `netpoll replay ${path} (${bytes.length} bytes)`,
    `  trace        format v${s.header.version}, core layout v${s.header.layoutVersion}, ${s.header.flavor} core, epoll_event stride ${s.header.stride}`,
    `  records      ${s.records} (${calls || 'no calls'}); ${s.netpollEvents} epoll events; ${s.hashes} hash record${s.hashes === 1 ? '' : 's'}`,
    `  ended        ${s.ended ? 'yes' : 'no — the trace has no end record: the recording did not finish (cut short?)'}`,
    `  replayed     ${r.replayed} record${r.replayed === 1 ? '' : 's'} on a fresh ${r.flavor} core`,
  ];
  if (r.divergence) {
    const d = r.divergence;
    lines.push(`  DIVERGED     at record ${d.record} (byte ${d.at}): ${d.call}(${d.args}) returned ${d.actual}, the recording says ${d.expected}; replay stopped there`);
  }
  lines.push(`  memory       sha256 ${r.hash} (${r.memoryBytes} bytes)`);
  if (last) {
    lines.push(`  recorded     sha256 ${last.expected} (${last.expectedBytes} bytes) at record ${last.record} — ${last.match ? 'matches' : 'MISMATCH'}`);
    for (const c of mismatches.filter((c) => c !== last)) lines.push(`  MISMATCH     at hash record ${c.record}: replayed ${c.actual}, recorded ${c.expected}`);
  } else {
    lines.push('  recorded     no hash record in the trace: nothing to compare with');
  }
  io.out(`${lines.join('\n')}\n\n`);
  io.out(formatInspection(r.inspection, { title: 'final state' }));
  return ok ? EXIT_OK : EXIT_INCONSISTENT;
}

// ── demo ─────────────────────────────────────────────────────────────────────

interface DemoModule {
  runDemo(args: readonly string[]): Promise<number>;
  USAGE?: string;
}

/** The demo module, or null when this build has none. */
async function loadDemo(): Promise<DemoModule | null> {
  try {
    return (await import(new URL('./demo/index.js', import.meta.url).href)) as DemoModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && /[/\\]demo[/\\]index\.js/.test(e.message ?? '') && !/imported from .*[/\\]demo[/\\]/.test(e.message ?? '')) return null;
    throw err;
  }
}

async function demoUsage(): Promise<string> {
  const mod = await loadDemo().catch(() => null);
  return mod?.USAGE ?? 'usage: netpoll demo [options]\n\n  (the demo is not part of this build)\n';
}

async function demo(args: readonly string[], io: IO): Promise<number> {
  const mod = await loadDemo();
  if (!mod) {
    io.err('netpoll: the demo is not available in this build (build/host/tools/demo/index.js is missing); run `npm run build`\n');
    return EXIT_INCONSISTENT;
  }
  return mod.runDemo(args);
}

// ── entry ────────────────────────────────────────────────────────────────────

function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'netpoll-wasm') return `netpoll-wasm ${pkg.version}`;
    } catch {
      // try the next
    }
  }
  return 'netpoll-wasm (unknown version)';
}

const stdio: IO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stream: process.stdout,
};

/** Whether this module is the program (node build/host/tools/cli.js, npx netpoll through a bin link), not imported by a test. */
function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // `netpoll inspect x | head`: the reader went away; stop quietly instead of dying on EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  main(process.argv.slice(2), stdio).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`netpoll: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT_INCONSISTENT;
    },
  );
}
