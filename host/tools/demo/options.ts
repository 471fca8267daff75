// Command-line options of `netpoll demo` (what `npm start` runs).

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

/** 'help' for --help / -h; otherwise the options. Throws UsageError on anything it does not understand. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions | 'help' {
  const opts: DemoOptions = { ...DEFAULTS };
  const args = [...argv];
  if (args[0] === 'demo') args.shift(); // `netpoll demo …`: the subcommand may still be in argv
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = (): string => {
      if (value !== undefined) return value;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--quiet':
      case '-q':
        if (value !== undefined) throw new UsageError('--quiet takes no value');
        opts.quiet = true;
        break;
      case '--drive': {
        const v = next();
        if (v !== 'uv' && v !== 'thread') throw new UsageError(`--drive must be 'uv' or 'thread', got ${JSON.stringify(v)}`);
        opts.drive = v;
        break;
      }
      case '--seconds': {
        const v = next();
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n < 0.5 || n > 600) {
          throw new UsageError(`--seconds must be a number from 0.5 to 600, got ${JSON.stringify(v)}`);
        }
        opts.seconds = n;
        break;
      }
      case '--clients': {
        const v = next();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 64) throw new UsageError(`--clients must be an integer from 1 to 64, got ${JSON.stringify(v)}`);
        opts.clients = n;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(args[i])}`);
    }
  }
  return opts;
}
