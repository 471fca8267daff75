// CoreJournal: an in-memory log of every call a host makes into the core,
// with its result, the decoded epoll batch of each netpoll and the ready list
// each waking call wrote. Tests read it to check properties at the level of
// the core (which waiter token was woken with which code, in which call),
// which the promises the host hands out can only show later and less
// precisely. For a compact file of the same calls, see host/trace.

import type { CoreExports } from '../core/abi.js';
import { CORE_CALLS, intercept, type CoreCall } from '../core/intercept.js';
import { decodeReadyList, type PollEvent, type ReadyEntry } from '../core/events.js';
import { batchBytes, decodeEvents, type EpollStride } from '../core/epoll-abi.js';

export type JournalCall = CoreCall;

/** A decoded epoll_event (index = data hi half, 0xffffffff for the host's own fds; tag = data lo half). */
export type JournalEvent = PollEvent;
export type { ReadyEntry };

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

export class CoreJournal {
  readonly entries: JournalEntry[] = [];

  /** Wrap a core's exports; every call through the result is logged. */
  wrap(core: CoreExports): CoreExports {
    return intercept(core, (call, args, invoke) => {
      const entry: JournalEntry = { n: this.entries.length, call, args };
      if (call === 'netpoll') entry.events = readEvents(core, Number(args[0]) >>> 0, Number(args[1]) >>> 0);
      this.entries.push(entry);
      try {
        entry.result = invoke();
      } catch (err) {
        entry.threw = err;
        throw err;
      }
      if (CORE_CALLS[call].wakes) entry.ready = readReady(core, Number(entry.result));
      return entry.result;
    });
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
  const bytes = batchBytes(count, stride, core.eventCapacity());
  if (bytes === 0) return [];
  return decodeEvents(new DataView(core.memory.buffer, core.eventsOffset(), bytes), count, stride as EpollStride);
}

function readReady(core: CoreExports, n: number): ReadyEntry[] {
  if (!(n > 0)) return [];
  return decodeReadyList(core.memory.buffer, core.readyOffset(), n, core.readyCapacity());
}
