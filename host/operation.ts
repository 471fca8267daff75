// One operation on a PollFD, as Go's internal/poll runs it, written once for
// read, write, accept and the message calls:
//
//   gate     the direction's lock and the in-flight count (op-gate.ts)
//   fairness a used-up slice waits one event-loop turn first (fairness.ts)
//   reset    pollReset: a closing fd, a passed deadline or a pending EPOLLERR
//            fail before any syscall
//   attempt  the syscall; WOULD_BLOCK (EAGAIN) means not ready
//   wait     for readiness (edge-triggered, so only after EAGAIN), then
//            attempt again; PollDesc.waitOnce, traced when subscribed. On
//            the 'uring' path an attempt that is one ring entry (read,
//            write) is handed to the wait: the batch that wakes it may make
//            the syscall for it, and attempt() then takes that result
//            (wake-ahead.ts)
//
// The ready path (the first attempt succeeds) is synchronous and costs one
// settled promise; only EAGAIN enters the async loop. The syscall wrappers
// have already retried EINTR. `failure` maps an error before it is thrown
// (write adds the count it had written; read turns a pty hangup into EOF).

import type { PollDesc, WaitModeName } from './polldesc.js';
import type { Gate } from './op-gate.js';
import { WOULD_BLOCK } from './os/syscall.js';
import { AbortError } from './errors.js';
import type { RingAttempt } from './wake-ahead.js';

/** One operation's steps: what to try, and how its errors read. */
export interface Attempt<T> extends Partial<RingAttempt> {
  /** The syscall: a result, or WOULD_BLOCK to wait for readiness and try again. */
  attempt(): T | typeof WOULD_BLOCK;
  /** An error of the operation, as the caller sees it: thrown, or a result that replaces it (EOF). */
  failure?(err: unknown): { result: T } | { error: unknown };
}

function failed<T>(op: Attempt<T>, err: unknown): { result: T } | { error: unknown } {
  return op.failure ? op.failure(err) : { error: err };
}

/** Runs `op` through `gate` on `pd` in direction `mode`. */
export function runOperation<T>(gate: Gate, pd: PollDesc, mode: WaitModeName, signal: AbortSignal | undefined, op: Attempt<T>): Promise<T> {
  let queued: Promise<void> | null;
  try {
    queued = gate.enter(signal);
  } catch (err) {
    return Promise.reject(err);
  }
  if (queued) return queued.then(() => held(gate, pd, mode, signal, op));
  return held(gate, pd, mode, signal, op);
}

/** With the gate passed: the fairness check, then the first attempt. */
function held<T>(gate: Gate, pd: PollDesc, mode: WaitModeName, signal: AbortSignal | undefined, op: Attempt<T>): Promise<T> {
  const turn = pd.spend();
  if (turn) return turn.then(() => first(gate, pd, mode, signal, op, true));
  return first(gate, pd, mode, signal, op, false);
}

/** reset, then the first attempt; `afterTurn`: an abort during the event-loop turn wins. */
function first<T>(gate: Gate, pd: PollDesc, mode: WaitModeName, signal: AbortSignal | undefined, op: Attempt<T>, afterTurn: boolean): Promise<T> {
  let r: T | typeof WOULD_BLOCK;
  try {
    if (afterTurn && signal?.aborted) throw new AbortError(signal.reason);
    pd.reset(mode);
    r = op.attempt();
  } catch (err) {
    gate.leave();
    const f = failed(op, err);
    return 'result' in f ? Promise.resolve(f.result) : Promise.reject(f.error);
  }
  if (r !== WOULD_BLOCK) {
    gate.leave();
    return Promise.resolve(r);
  }
  return parked(gate, pd, mode, signal, op);
}

/** Wait for readiness → attempt, until the attempt does not return WOULD_BLOCK. */
async function parked<T>(gate: Gate, pd: PollDesc, mode: WaitModeName, signal: AbortSignal | undefined, op: Attempt<T>): Promise<T> {
  try {
    if (signal?.aborted) throw new AbortError(signal.reason);
    for (;;) {
      let code = pd.waitOnce(mode, signal, op.queueIn ? (op as RingAttempt) : undefined);
      if (typeof code !== 'number') code = await code;
      if (!pd.wakeDone(code)) continue; // woken without readiness: wait again
      const r = op.attempt();
      if (r !== WOULD_BLOCK) return r;
      if (signal?.aborted) throw new AbortError(signal.reason);
    }
  } catch (err) {
    const f = failed(op, err);
    if ('result' in f) return f.result;
    throw f.error;
  } finally {
    gate.leave();
  }
}
