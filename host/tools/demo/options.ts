// Command-line options of `netpoll demo` (what `npm start` runs).

import { parseArgs } from 'node:util';
import type { DriveMode } from '../../poller.js';

export interface DemoOptions {
  /** The poller's drive: 'uv' (Node's loop watches the epoll fd) or 'thread' (blocking epoll_wait on the threadpool). */
  drive: DriveMode;
  /** How long the clients and the eventfd worker run, in seconds (the whole demo takes about one more). */
  seconds: number;
  /** SOCK_SEQPACKET echo clients. */
  clients: number;
  /** No live progress line (the summary and the table are still printed). */
  quiet: boolean;
}

export const DEFAULTS: DemoOptions = { drive: 'uv', seconds: 8, clients: 8, quiet: false };

export const USAGE = `usage: netpoll demo [--drive uv|thread] [--seconds N] [--clients N] [--quiet]

  A SOCK_SEQPACKET echo server and N clients with read deadlines, plus an
  eventfd signalled from a worker thread, all on one Poller; then a summary
  and the inspection table of the poller core's memory.

  --drive uv|thread   how the poller waits for epoll (default uv)
  --seconds N         how long the clients run (default ${DEFAULTS.seconds}; 0.5 … 600)
  --clients N         echo clients (default ${DEFAULTS.clients}; 1 … 64)
  --quiet             no live progress line
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** parseArgs' description of the options; values are checked below, after parsing. */
const SPEC = {
  drive: { type: 'string' },
  seconds: { type: 'string' },
  clients: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** 'help' for --help / -h; otherwise the options. Throws UsageError on anything it does not understand. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions | 'help' {
  const args = argv[0] === 'demo' ? argv.slice(1) : [...argv]; // `netpoll demo …`: the subcommand may still be in argv
  let values: { drive?: string; seconds?: string; clients?: string; quiet?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: SPEC, strict: true, allowPositionals: true }));
  } catch (err) {
    // Unknown option, missing value, a value given to --quiet. parseArgs' hint about positionals does not apply here.
    const e = err as Error & { code?: string };
    const name = /'([^']+)'/.exec(e.message)?.[1];
    throw new UsageError(e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && name ? `unknown option ${JSON.stringify(name)}` : e.message);
  }
  if (positionals.length > 0) throw new UsageError(`unknown argument ${JSON.stringify(positionals[0])}`);
  if (values.help) return 'help';
  const opts: DemoOptions = { ...DEFAULTS, quiet: values.quiet ?? DEFAULTS.quiet };
  if (values.drive !== undefined) {
    const v = values.drive;
    if (v !== 'uv' && v !== 'thread') throw new UsageError(`--drive must be 'uv' or 'thread', got ${JSON.stringify(v)}`);
    opts.drive = v;
  }
  if (values.seconds !== undefined) {
    const v = values.seconds;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0.5 || n > 600) {
      throw new UsageError(`--seconds must be a number from 0.5 to 600, got ${JSON.stringify(v)}`);
    }
    opts.seconds = n;
  }
  if (values.clients !== undefined) {
    const v = values.clients;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 64) throw new UsageError(`--clients must be an integer from 1 to 64, got ${JSON.stringify(v)}`);
    opts.clients = n;
  }
  return opts;
}
