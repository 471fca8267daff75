// Argument checks that run before an operation changes anything.
//
// A value the operation would only trip over later — after a waiter is parked
// in the core, say — must be refused first, or the failure leaves state
// behind (a parked ghost waiter that swallows the next readiness). So every
// public method that takes options checks them here, at its top, and the
// poller is exactly as it was when the MisuseError reaches the caller.

import { MisuseError } from './errors.js';
import { checkTimeout } from './op-timeout.js';
import { checkBoolean } from './os/args.js';

/** What the poller uses of an AbortSignal; a signal from another realm passes too. */
function isAbortSignalLike(v: object): v is AbortSignal {
  const s = v as Partial<AbortSignal>;
  return typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

/**
 * Validate `opts` of wait / read / write / accept / the message calls:
 * undefined, or an object whose `signal` is undefined or an AbortSignal,
 * whose `timeout` is undefined or a number of ms (op-timeout.ts), and whose
 * `rejectTruncated` (read) is undefined or a boolean.
 */
export function checkOpOptions(opts: unknown, op: string): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object') {
    throw new MisuseError('bad-argument', `${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  }
  checkTimeout((opts as { timeout?: unknown }).timeout);
  const rejectTruncated = (opts as { rejectTruncated?: unknown }).rejectTruncated;
  if (rejectTruncated !== undefined) checkBoolean(rejectTruncated, 'options.rejectTruncated');
  const signal = (opts as { signal?: unknown }).signal;
  if (signal === undefined) return;
  if (signal instanceof AbortSignal || (signal !== null && typeof signal === 'object' && isAbortSignalLike(signal))) return;
  const got = signal instanceof AbortController ? 'an AbortController: pass controller.signal' : describe(signal);
  throw new MisuseError('bad-argument', `${op}: options.signal must be an AbortSignal, got ${got}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
}
