// `netpoll demo` (what `npm start` runs): the library doing what Node cannot
// do alone, in about ten seconds, without privileges.
//
//   • a SOCK_SEQPACKET echo server on a unix socket in a temp dir, and N
//     clients, all on one Poller: accept loop, whole messages, read deadlines
//     (the server's slow path makes some clients time out on purpose);
//   • an eventfd signalled from a worker thread, awaited with
//     PollDesc.wait('r') under a read deadline;
//   • a live progress line, then a summary, then the table of the poller
//     core's memory, snapshotted while everything was still open and waiting.
//
// runDemo resolves with the exit code: 0, or 1 when anything unexpected
// happened (an echo mismatch, an unexpected timeout or error, a leak), 2 for
// bad arguments. It closes everything it opened, so the process exits by
// itself.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller } from '../../poller.js';
import type { Inspection } from '../../inspect/types.js';
import { socketPair } from '../../sys/socket.js';
import { readFd, writeFd, closeFd, WOULD_BLOCK } from '../../os/fd.js';
import { DEFAULTS, USAGE, UsageError, parseDemoArgs, type DemoOptions } from './options.js';
import { DemoStats, fmtCount, fmtMs } from './stats.js';
import { EchoServer, EchoClient, TUNING, type ClientControl } from './echo.js';
import { EventFdSignals, SIGNAL_TUNING } from './signals.js';
import { Progress, type Output } from './progress.js';
import { formatInspection, ranges } from '../../inspect/format.js';

export { parseDemoArgs, USAGE, type DemoOptions } from './options.js';

export interface DemoIO {
  stdout: Output;
  stderr: Output;
}

/** Give up (exit 1 with a message) if shutting down takes longer than this after the run. */
const STUCK_AFTER_MS = 20_000;

/**
 * Run the demo. `args` is argv (default: process.argv after the script,
 * a leading 'demo' is skipped) or already-parsed options. Resolves with the
 * process exit code.
 */
export async function runDemo(args: readonly string[] | Partial<DemoOptions> = process.argv.slice(2), io: DemoIO = process): Promise<number> {
  let opts: DemoOptions;
  try {
    if (Array.isArray(args)) {
      const parsed = parseDemoArgs(args as readonly string[]);
      if (parsed === 'help') {
        io.stdout.write(USAGE);
        return 0;
      }
      opts = parsed;
    } else {
      opts = { ...DEFAULTS, ...(args as Partial<DemoOptions>) };
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`netpoll demo: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await demo(opts, io);
  } catch (err) {
    io.stderr.write(`\nnetpoll demo: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

async function demo(opts: DemoOptions, io: DemoIO): Promise<number> {
  const out = (s = ''): void => void io.stdout.write(`${s}\n`);
  const wallStart = performance.now();
  const runMs = Math.round(opts.seconds * 1000);
  const stats = new DemoStats();

  // sun_path holds 107 bytes: a long TMPDIR would not fit, /tmp always does.
  const base = Buffer.byteLength(tmpdir()) > 80 ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'netpoll-demo-'));
  const path = join(dir, 'echo.sock');
  let poller: Poller | null = null;
  let progress: Progress | null = null;
  let onInterrupt: (() => void) | null = null;
  let signals: EventFdSignals | null = null;
  const stuck = setTimeout(() => {
    io.stderr.write(`\nnetpoll demo: still not finished ${STUCK_AFTER_MS / 1000} s after the run should have ended; giving up\n`);
    process.exit(1);
  }, runMs + STUCK_AFTER_MS);
  stuck.unref();

  try {
    poller = await Poller.create({ drive: opts.drive });
    const p = poller;
    out(`netpoll demo · drive ${opts.drive} · ${opts.clients} client${opts.clients === 1 ? '' : 's'} · ${opts.seconds} s · pid ${process.pid}`);
    out(`  SOCK_SEQPACKET echo server at ${path}`);
    out(`  (Node's net module cannot open, accept or wait on SEQPACKET sockets or eventfds, nor give a read a Go-style deadline)`);
    out(`  slow path: the server holds some replies ${TUNING.slowReplyMs} ms, the client waits ${TUNING.slowDeadlineMs} ms → deliberate timeouts`);
    out(`  eventfd: a worker thread writes it; the main thread waits with PollDesc.wait('r'), deadline ${SIGNAL_TUNING.deadlineMs} ms`);
    if (!opts.quiet) out();

    // Everything on one poller.
    const server = new EchoServer(p, stats);
    await server.listen(path);
    const control: ClientControl = { stop: false, onSlowParked: null };
    const clients = Array.from({ length: opts.clients }, (_, i) => new EchoClient(i, path, p, stats, control));
    signals = new EventFdSignals(p, stats);
    const runStart = performance.now();
    const clientsDone = Promise.all(clients.map((c) => c.run()));
    signals.start(runMs);

    // The progress line's rate and p50 are over the last half second or so.
    let lastEchoed = 0;
    let lastAt = runStart;
    let rate = 0;
    let liveP50 = NaN;
    progress = new Progress(
      io.stdout,
      () => {
        const now = performance.now();
        if (now - lastAt >= 500 || lastEchoed === 0) {
          rate = ((stats.echoed - lastEchoed) * 1000) / Math.max(1, now - lastAt);
          liveP50 = stats.rtt.takeRecent(50);
          lastEchoed = stats.echoed;
          lastAt = now;
        }
        const s = p.stats;
        const t = Math.min((now - runStart) / 1000, opts.seconds);
        return [
          ` ${t.toFixed(1).padStart(4)}s/${opts.seconds}s`,
          `echoed ${fmtCount(stats.echoed)} (${fmtCount(Math.round(rate))}/s, p50 ${fmtMs(liveP50)})`,
          `timeouts ${stats.slowTimeouts + stats.unexpectedTimeouts} of ${stats.slowRequests} slow`,
          ...(stats.problems.length ? [`PROBLEMS ${stats.problems.length}`] : []),
          `eventfd ${fmtCount(stats.efdSum)} (${stats.efdTimeouts} t/o)`,
          `core ${s.descriptors} fds, ${s.waiters} parked, ${s.timers} timers`,
        ];
      },
      !opts.quiet,
    );
    progress.start();

    // Ctrl-C ends the run early but still winds down and reports; a second one kills as usual.
    let interrupted = false;
    let runTimer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      runTimer = setTimeout(resolve, runMs);
      onInterrupt = () => {
        interrupted = true;
        clearTimeout(runTimer);
        process.removeListener('SIGINT', onInterrupt!);
        resolve();
      };
      process.on('SIGINT', onInterrupt);
    });

    // The snapshot: now, while every connection is open and operations are
    // parked in the core with their deadlines in the timer heap — including
    // one client caught waiting for a slow reply under its short deadline.
    let slowFd = -1;
    await new Promise<void>((resolve) => {
      const fallback = setTimeout(() => {
        control.onSlowParked = null;
        resolve();
      }, 500);
      control.onSlowParked = (fd) => {
        slowFd = fd;
        clearTimeout(fallback);
        setTimeout(resolve, TUNING.slowDeadlineMs / 2);
      };
    });
    const snapAtS = (performance.now() - runStart) / 1000;
    const snapshot: Inspection = p.inspect();
    const snapStats = p.stats;
    const sorted = (a: number[]): number[] => a.filter((fd) => fd >= 0).sort((x, y) => x - y);
    const whoIsWho = [
      `  fds          ${server.listenerFd} listener (parked in accept) · ${signals.fd} eventfd (${SIGNAL_TUNING.deadlineMs} ms read deadline)`,
      `               ${ranges(sorted(clients.map((c) => c.fd)))} clients (${TUNING.echoDeadlineMs / 1000} s read deadlines` +
        (slowFd >= 0 ? `; ${slowFd} is parked on a slow reply, ${TUNING.slowDeadlineMs} ms deadline half gone)` : ')'),
      `               ${ranges(sorted(server.connectionFds))} server side (${TUNING.idleMs / 1000} s idle deadlines)`,
    ].join('\n');
    progress.stop();
    progress = null;

    // Wind down: clients finish the request in hand and close (the server sees
    // EOF and closes its side), the worker finishes, the listener closes.
    control.stop = true;
    await clientsDone;
    await signals.stop();
    await server.close();

    const final = p.inspect().counters;
    const after = p.stats;
    if (after.descriptors !== 0 || after.waiters !== 0 || after.timers !== 0) {
      stats.problem(`after closing everything the core still holds ${after.descriptors} descriptors, ${after.waiters} waiters, ${after.timers} timers`);
    }
    if (snapshot.violations.length) stats.problem(`inspection invariant violations: ${snapshot.violations.map((v) => v.message).join('; ')}`);
    await p.close();
    poller = null;

    const wr = signals.report;
    if (!wr) stats.problem('the eventfd worker sent no report');
    else if (BigInt(wr.total) !== stats.efdSum) stats.problem(`eventfd: the worker added ${wr.total}, the reader counted ${stats.efdSum}`);
    if (stats.slowTimeouts !== stats.slowRequests) stats.problem(`slow path: ${stats.slowRequests} slow requests but ${stats.slowTimeouts} timeouts`);
    if (stats.echoed === 0) stats.problem('nothing was echoed');
    if (wr && stats.efdTimeouts !== wr.gaps) {
      stats.notes.push(
        `eventfd timeouts ${stats.efdTimeouts} ≠ ${wr.gaps} quiet gaps: timing, not correctness (a busy machine stretches the ${SIGNAL_TUNING.deadlineMs} ms / ${SIGNAL_TUNING.gapMs} ms margins)`,
      );
    }

    // ─── summary ───
    out();
    out(`summary`);
    const [p50, p90, p99, max] = stats.rtt.percentiles([50, 90, 99, 100]);
    const ok = (good: boolean): string => (good ? '✓' : '✗');
    out(`  seqpacket echo  ${fmtCount(stats.echoed)} messages echoed (${fmtCount(stats.bytesEchoed)} B) by ${opts.clients} clients, ${stats.mismatches} mismatches ${ok(stats.mismatches === 0)}`);
    out(`                  round trip p50 ${fmtMs(p50)}  p90 ${fmtMs(p90)}  p99 ${fmtMs(p99)}  max ${fmtMs(max)}  (${fmtCount(stats.rtt.count)} single echoes)`);
    const ex = stats.burstExample;
    if (ex) {
      const sizes = (a: number[]): string => a.map((n) => fmtCount(n)).join(' + ');
      out(`  boundaries      ${fmtCount(stats.bursts)} bursts of 3 back-to-back sends, each read returned exactly one whole message`);
      out(`                  e.g. sent ${sizes(ex.sent)} B → read ${ex.read.map((n) => `${fmtCount(n)} B`).join(', ')}`);
      const coalesced = streamContrast(ex.sent);
      if (coalesced !== null) out(`                  the same 3 writes over SOCK_STREAM: one read got ${sizes(coalesced)} B — the boundaries are gone`);
    }
    out(
      `  deadlines       expected timeouts ${stats.slowRequests} (slow path), seen ${stats.slowTimeouts} ${ok(stats.slowTimeouts === stats.slowRequests)}; ` +
        `unexpected ${stats.unexpectedTimeouts} ${ok(stats.unexpectedTimeouts === 0)}`,
    );
    out(`                  after each timeout the client moved its deadline and read the late reply whole: ${stats.lateReplies}/${stats.slowTimeouts}`);
    out(`  connections     ${fmtCount(stats.accepted)} accepted (${opts.clients} clients + ${stats.reconnects} reconnects), ${stats.serverClosedOnEof} closed by the server on EOF`);
    if (wr) {
      const [w50, w99, wmax] = stats.efdWake.percentiles([50, 99, 100]);
      out(
        `  eventfd         worker wrote ${fmtCount(wr.signals)} signals (sum ${wr.total}); main thread woke ${fmtCount(stats.efdWaits)}×, read ${fmtCount(stats.efdReads)}× (sum ${stats.efdSum}) ${ok(BigInt(wr.total) === stats.efdSum)}`,
      );
      out(`                  wake latency p50 ${fmtMs(w50)}  p99 ${fmtMs(w99)}  max ${fmtMs(wmax)}; timeouts expected ${wr.gaps} (quiet gaps), seen ${stats.efdTimeouts} ${stats.efdTimeouts === wr.gaps ? '✓' : '~'}`);
    }
    out(
      `  poller          ${opts.drive} drive: ${fmtCount(final.eventsSeen)} epoll events, ${fmtCount(final.wakeups)} wake-ups, ${fmtCount(final.timersFired)} deadline timers fired, ${final.staleEvents} stale events dropped`,
    );
    out(
      `                  at the snapshot: ${snapStats.descriptors} descriptors, ${snapStats.waiters} waiters, ${snapStats.timers} timers; after closing: ${after.descriptors}/${after.waiters}/${after.timers} ${ok(after.descriptors + after.waiters + after.timers === 0)}`,
    );
    if (interrupted) out(`  note: interrupted (Ctrl-C) after ${snapAtS.toFixed(1)} s; everything was still closed in order`);
    for (const n of stats.notes) out(`  note: ${n}`);

    // ─── the core's memory ───
    out();
    const table = formatInspection(snapshot, { title: `netpoll inspect — the poller core's memory at ${snapAtS.toFixed(1)} s, connections open` }).trimEnd();
    const firstBreak = table.indexOf('\n');
    out(firstBreak < 0 ? table : table.slice(0, firstBreak));
    out(whoIsWho);
    if (firstBreak >= 0) out(table.slice(firstBreak + 1));

    const wall = (performance.now() - wallStart) / 1000;
    out();
    if (stats.problems.length === 0) {
      out(`ok — ${wall.toFixed(1)} s`);
      return 0;
    }
    out(`FAILED — ${stats.problems.length} unexpected thing${stats.problems.length === 1 ? '' : 's'} (${wall.toFixed(1)} s):`);
    for (const m of stats.problems) out(`  - ${m}`);
    return 1;
  } finally {
    progress?.stop();
    if (onInterrupt) process.removeListener('SIGINT', onInterrupt);
    clearTimeout(stuck);
    await signals?.dispose().catch(() => undefined); // a no-op after the orderly stop
    if (poller) await poller.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Write the burst's sizes into a SOCK_STREAM socket pair and read once: what comes out is one lump. */
function streamContrast(sizes: number[]): number[] | null {
  const [a, b] = socketPair('stream');
  try {
    for (const n of sizes) if (writeFd(a, Buffer.alloc(n, 0x2a)) !== n) return null;
    const buf = Buffer.alloc(65536);
    const got = readFd(b, buf);
    return got === WOULD_BLOCK ? null : [got];
  } finally {
    closeFd(a);
    closeFd(b);
  }
}
