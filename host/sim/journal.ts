// CoreJournal: an in-memory log of every call a host makes into the core,
// with its result, the decoded epoll batch of each netpoll and the ready list
// each waking call wrote. Tests read it to check properties at the level of
// the core (which waiter token was woken with which code, in which call),
// which the promises the host hands out can only show later and less
// precisely. For a compact file of the same calls, see host/trace.

import { coreRegions, type CoreExports } from '../core/abi.js';

export type JournalCall =
  | 'open' | 'seqOf' | 'abandon' | 'checkErr' | 'reset' | 'prepareWait' | 'commitWait' | 'cancelWait'
  | 'setDeadline' | 'unblock' | 'close' | 'netpoll' | 'nextDeadline';

// Declared here, not imported from the reference model: the model is the test oracle and is not shipped.
/** A decoded epoll_event (index = data hi half, 0xffffffff for the host's own fds; tag = data lo half). */
export interface JournalEvent {
  events: number;
  index: number;
  tag: number;
}

/** A ready-list entry: the woken waiter's token and the code its wait returns. */
export interface ReadyEntry {
  token: number;
  code: number;
}

export interface JournalEntry {
  /** Position in the journal. */
  n: number;
  call: JournalCall;
  args: (number | bigint)[];
  /** Undefined if the call threw. */
  result?: number | bigint;
  threw?: unknown;
  /** netpoll: the batch, decoded. */
  events?: JournalEvent[];
  /** netpoll / setDeadline / unblock: the ready list the call wrote (empty when it woke nobody). */
  ready?: ReadyEntry[];
}

const CALLS: JournalCall[] = [
  'open', 'seqOf', 'abandon', 'checkErr', 'reset', 'prepareWait', 'commitWait', 'cancelWait',
  'setDeadline', 'unblock', 'close', 'netpoll', 'nextDeadline',
];
const WAKING = new Set<JournalCall>(['netpoll', 'setDeadline', 'unblock']);

export class CoreJournal {
  readonly entries: JournalEntry[] = [];

  /** Wrap a core's exports; every call through the result is logged. */
  wrap(core: CoreExports): CoreExports {
    const wrapped = { ...coreRegions(core) } as Record<string, unknown>;
    const fns = core as unknown as Record<string, (...a: unknown[]) => number | bigint>;
    for (const call of CALLS) {
      wrapped[call] = (...args: (number | bigint)[]) => {
        const entry: JournalEntry = { n: this.entries.length, call, args };
        if (call === 'netpoll') entry.events = readEvents(core, Number(args[0]) >>> 0, Number(args[1]) >>> 0);
        this.entries.push(entry);
        try {
          entry.result = fns[call]!.apply(core, args);
        } catch (err) {
          entry.threw = err;
          throw err;
        }
        if (WAKING.has(call)) entry.ready = readReady(core, Number(entry.result));
        return entry.result;
      };
    }
    return wrapped as unknown as CoreExports;
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Entries of one call kind. */
  calls(call: JournalCall): JournalEntry[] {
    return this.entries.filter((e) => e.call === call);
  }
}

function readEvents(core: CoreExports, count: number, stride: number): JournalEvent[] {
  if (count === 0 || count > core.eventCapacity() || (stride !== 12 && stride !== 16)) return [];
  const view = new DataView(core.memory.buffer, core.eventsOffset(), count * stride);
  const data = stride === 12 ? 4 : 8;
  const out: JournalEvent[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * stride;
    out.push({ events: view.getUint32(at, true), tag: view.getUint32(at + data, true), index: view.getUint32(at + data + 4, true) });
  }
  return out;
}

function readReady(core: CoreExports, n: number): ReadyEntry[] {
  if (!(n > 0)) return [];
  const view = new DataView(core.memory.buffer, core.readyOffset(), Math.min(n, core.readyCapacity()) * 8);
  const out: ReadyEntry[] = [];
  for (let i = 0; i < n && i < core.readyCapacity(); i++) out.push({ token: view.getUint32(i * 8, true), code: view.getUint32(i * 8 + 4, true) });
  return out;
}
