// The core's callable exports as one table, and the one interceptor built
// from it. The trace recorder and the simulator's journal both observe every
// call a host makes into the core through `intercept`; neither keeps its own
// list of exports, so an export added to CoreExports and CORE_CALLS reaches
// both.

import { coreRegions, type CoreExports } from './abi.js';

/** The type of one argument or result as it crosses the boundary. */
export type AbiType = 'i32' | 'u32' | 'i64';

interface CallShape {
  readonly args: readonly AbiType[];
  readonly result: 'i32' | 'i64';
  /** The call empties the ready list and writes one entry per waiter it wakes; its result is their count. */
  readonly wakes: boolean;
}

/** Every callable export (CoreExports minus memory and the region accessors), with its signature. */
export const CORE_CALLS = {
  open: { args: ['i32'], result: 'i32', wakes: false },
  seqOf: { args: ['i32'], result: 'i32', wakes: false },
  abandon: { args: ['i32', 'i32'], result: 'i32', wakes: false },
  checkErr: { args: ['i32', 'i32', 'i32'], result: 'i32', wakes: false },
  reset: { args: ['i32', 'i32', 'i32'], result: 'i32', wakes: false },
  prepareWait: { args: ['i32', 'i32', 'i32'], result: 'i32', wakes: false },
  commitWait: { args: ['i32', 'i32', 'i32', 'i32'], result: 'i32', wakes: false },
  cancelWait: { args: ['i32', 'i32', 'i32', 'i32'], result: 'i32', wakes: false },
  setDeadline: { args: ['i32', 'i32', 'i32', 'i64', 'i64'], result: 'i32', wakes: true },
  unblock: { args: ['i32', 'i32'], result: 'i32', wakes: true },
  close: { args: ['i32', 'i32'], result: 'i32', wakes: false },
  netpoll: { args: ['u32', 'u32', 'i64'], result: 'i32', wakes: true },
  nextDeadline: { args: [], result: 'i64', wakes: false },
} as const satisfies Record<string, CallShape>;

export type CoreCall = keyof typeof CORE_CALLS;
export const CORE_CALL_NAMES = Object.keys(CORE_CALLS) as CoreCall[];

// Every callable export is in the table, and nothing else is (checked by tsc).
type Callable = Exclude<keyof CoreExports, 'memory' | 'headerOffset' | 'eventsOffset' | 'eventCapacity' | 'readyOffset' | 'readyCapacity'>;
const exhaustive: [Exclude<Callable, CoreCall>, Exclude<CoreCall, Callable>] extends [never, never] ? true : false = true;
void exhaustive;

/**
 * Runs around every call: `invoke` makes the real call (once) and returns its
 * result or throws; whatever `around` returns goes back to the host.
 */
export type Around = (call: CoreCall, args: (number | bigint)[], invoke: () => number | bigint) => number | bigint;

/** A core whose every call passes through `around`; memory and the region accessors go straight through. */
export function intercept(core: CoreExports, around: Around): CoreExports {
  const wrapped = { ...coreRegions(core) } as Record<string, unknown>;
  const fns = core as unknown as Record<CoreCall, (...a: (number | bigint)[]) => number | bigint>;
  for (const call of CORE_CALL_NAMES) {
    const fn = fns[call];
    wrapped[call] = (...args: (number | bigint)[]) => around(call, args, () => fn.apply(core, args));
  }
  return wrapped as unknown as CoreExports;
}
