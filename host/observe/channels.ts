// Observability hooks on node:diagnostics_channel — a stable interface.
//
// Channel names and payload fields below are public: they change only with a
// major version. Subscribe with `diagnostics_channel.subscribe(name, fn)` (or
// `tracingChannel('netpoll:wait').subscribe({...})`); no import from this
// package is needed.
//
//   TracingChannel 'netpoll:wait'        one PollDesc.wait (PollFD read/write/accept park through it)
//     tracing:netpoll:wait:start         context: WaitContext, before the wait begins
//     tracing:netpoll:wait:end           same context, when wait() has returned its promise
//     tracing:netpoll:wait:asyncStart    same context, when the wait settled; `outcome`, `parkedMs` set
//     tracing:netpoll:wait:asyncEnd      same context, right after asyncStart
//     tracing:netpoll:wait:error         same context, `error` set, before asyncStart (outcome ≠ 'ready')
//   'netpoll:batch'           BatchMessage: one epoll batch (or timer-only run) the core processed
//   'netpoll:deadline:fired'  DeadlineFiredMessage: deadline timers the core fired in that batch
//   'netpoll:event:stale'     StaleEventMessage: events the core dropped in that batch (fdseq mismatch:
//                             the descriptor was closed, or closed and reused, with the event in flight)
//   'netpoll:poller:close'    PollerCloseMessage: a Poller began closing
//
// Zero cost when nobody subscribes: every hook is one `hasSubscribers` check,
// and payloads (and clock reads) are built only inside it. The measured cost
// is in bench/results/observe.md (bench/observe/bench.mjs).
//
// Publishing happens synchronously inside the poller: a subscriber must not
// call back into the same poller (open, setDeadline, close …) from a batch,
// deadline or stale message — it would run in the middle of the poller's
// dispatch. Wait subscribers may do anything a caller of wait() may.

import diagnostics_channel from 'node:diagnostics_channel';

/** The direction of a wait (PollDesc's WaitModeName). */
export type WaitModeName = 'r' | 'w';

export const CHANNEL_WAIT = 'netpoll:wait';
export const CHANNEL_BATCH = 'netpoll:batch';
export const CHANNEL_DEADLINE_FIRED = 'netpoll:deadline:fired';
export const CHANNEL_STALE_EVENT = 'netpoll:event:stale';
export const CHANNEL_POLLER_CLOSE = 'netpoll:poller:close';

/** How a wait ended: readiness, its deadline, the descriptor closing, its AbortSignal, or another error (EPOLLERR, misuse). */
export type WaitOutcome = 'ready' | 'timeout' | 'closed' | 'aborted' | 'error';
export const WAIT_OUTCOMES: readonly WaitOutcome[] = ['ready', 'timeout', 'closed', 'aborted', 'error'];

/**
 * A wait's context. The package entry (host/index.ts) exports it with its
 * Poller and PollDesc filled in; this layer, below them, names neither.
 */
export interface WaitContext<P extends object = object, D extends object = object> {
  poller: P;
  pollDesc: D;
  fd: number;
  mode: WaitModeName;
  /** performance.now() when the wait began. */
  startMs: number;
  /** Set when the wait settled. */
  outcome?: WaitOutcome;
  /** Milliseconds from start to settle (the time the caller was parked). */
  parkedMs?: number;
  /** Set on every outcome but 'ready'. */
  error?: unknown;
}

export interface BatchMessage<P extends object = object> {
  poller: P;
  /** epoll events in the batch (0 for a run that only fired due timers). */
  events: number;
  /** Waiters the batch woke (readiness and deadlines). */
  wakeups: number;
  timersFired: number;
  staleEvents: number;
  /** performance.now() when the batch began, and the core + dispatch time it took. */
  startMs: number;
  coreMs: number;
}

export interface DeadlineFiredMessage<P extends object = object> {
  poller: P;
  /** Deadline timers fired in the batch. Waiters they woke end with outcome 'timeout' on netpoll:wait. */
  count: number;
}

export interface StaleEventMessage<P extends object = object> {
  poller: P;
  /** Events dropped in the batch. */
  count: number;
}

export interface PollerCloseMessage<P extends object = object> {
  poller: P;
}

export const waitChannel = diagnostics_channel.tracingChannel<WaitContext>(CHANNEL_WAIT);
export const batchChannel = diagnostics_channel.channel(CHANNEL_BATCH);
export const deadlineFiredChannel = diagnostics_channel.channel(CHANNEL_DEADLINE_FIRED);
export const staleEventChannel = diagnostics_channel.channel(CHANNEL_STALE_EVENT);
export const pollerCloseChannel = diagnostics_channel.channel(CHANNEL_POLLER_CLOSE);


/** The error class names PollDesc.wait rejects with (checked by `code`, so no import cycle with errors.ts). */
function outcomeOf(err: unknown): WaitOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ERR_NETPOLL_CLOSED') return 'closed';
  if (code === 'ABORT_ERR') return 'aborted';
  return 'error';
}

/**
 * A wait under the 'netpoll:wait' TracingChannel, as a decorator: `wait` is
 * the plain wait's body, called once. Called only when the channel has
 * subscribers, so the plain path pays one `hasSubscribers` check.
 */
export function traceWait<P extends object, D extends object>(poller: P, pollDesc: D & { readonly fd: number }, mode: WaitModeName, wait: () => Promise<void>): Promise<void> {
  const ctx: WaitContext<P, D & { readonly fd: number }> = { poller, pollDesc, fd: pollDesc.fd, mode, startMs: performance.now() };
  // The TracingChannel protocol of tracePromise, published by hand: tracePromise's runStores and extra
  // promise wrapping cost more than the wait itself on a busy echo (bench/observe).
  const c = waitChannel;
  if (c.start.hasSubscribers) c.start.publish(ctx);
  let p: Promise<void>;
  try {
    p = wait();
  } finally {
    if (c.end.hasSubscribers) c.end.publish(ctx);
  }
  return p.then(
    () => {
      ctx.outcome = 'ready';
      ctx.parkedMs = performance.now() - ctx.startMs;
      if (c.asyncStart.hasSubscribers) c.asyncStart.publish(ctx);
      if (c.asyncEnd.hasSubscribers) c.asyncEnd.publish(ctx);
    },
    (err: unknown) => {
      ctx.outcome = outcomeOf(err);
      ctx.parkedMs = performance.now() - ctx.startMs;
      ctx.error = err;
      if (c.error.hasSubscribers) c.error.publish(ctx);
      if (c.asyncStart.hasSubscribers) c.asyncStart.publish(ctx);
      if (c.asyncEnd.hasSubscribers) c.asyncEnd.publish(ctx);
      throw err;
    },
  );
}

/** Core counters a batch is measured by (read before and after it). */
export interface CounterSource {
  readonly eventsSeen: number;
  readonly wakeups: number;
  readonly timersFired: number;
  readonly staleEvents: number;
}

export interface BatchMark {
  startMs: number;
  eventsSeen: number;
  wakeups: number;
  timersFired: number;
  staleEvents: number;
}

/** True when any per-batch channel has a subscriber (the one check Poller.pump makes). */
export function batchObserved(): boolean {
  return batchChannel.hasSubscribers || deadlineFiredChannel.hasSubscribers || staleEventChannel.hasSubscribers;
}

/** Before a batch: the counters and the clock. Call only when batchObserved(). */
export function markBatch(c: CounterSource): BatchMark {
  return { startMs: performance.now(), eventsSeen: c.eventsSeen, wakeups: c.wakeups, timersFired: c.timersFired, staleEvents: c.staleEvents };
}

/** After a batch: publish what changed. Counters are u32 and wrap, hence the `>>> 0`. */
export function publishBatch(poller: object, c: CounterSource, m: BatchMark): void {
  const timersFired = (c.timersFired - m.timersFired) >>> 0;
  const staleEvents = (c.staleEvents - m.staleEvents) >>> 0;
  if (timersFired > 0 && deadlineFiredChannel.hasSubscribers) deadlineFiredChannel.publish({ poller, count: timersFired } satisfies DeadlineFiredMessage);
  if (staleEvents > 0 && staleEventChannel.hasSubscribers) staleEventChannel.publish({ poller, count: staleEvents } satisfies StaleEventMessage);
  if (batchChannel.hasSubscribers) {
    batchChannel.publish({
      poller,
      events: (c.eventsSeen - m.eventsSeen) >>> 0,
      wakeups: (c.wakeups - m.wakeups) >>> 0,
      timersFired,
      staleEvents,
      startMs: m.startMs,
      coreMs: performance.now() - m.startMs,
    } satisfies BatchMessage);
  }
}
