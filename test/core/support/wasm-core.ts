// The Wasm core behind the same surface as the reference model: the epoll
// batch is written into core memory as raw epoll_events, the ready list is read
// back from it.

import type { CoreExports } from '../../../host/core/abi.js';
import { loadCore } from '../../../host/core/load.js';
import type { PollEvent, RawPollerCore, ReadyEntry } from '../../model/types.js';
import { CoreReader } from './memory.js';
import { encodeEvent, isEpollStride } from '../../../host/core/epoll-abi.js';

/** What the 16-byte layout's padding word holds in every batch: the core must ignore it. */
const PADDING = 0xa5a5a5a5;

export class WasmCore implements RawPollerCore {
  readonly reader: CoreReader;

  constructor(readonly x: CoreExports = loadCore()) {
    this.reader = new CoreReader(x);
  }

  open(fd: number): number { return this.x.open(fd); }
  seqOf(index: number): number { return this.x.seqOf(index); }
  abandon(index: number, seq: number): number { return this.x.abandon(index, seq); }
  checkErr(index: number, seq: number, mode: number): number { return this.x.checkErr(index, seq, mode); }
  reset(index: number, seq: number, mode: number): number { return this.x.reset(index, seq, mode); }
  prepareWait(index: number, seq: number, mode: number): number { return this.x.prepareWait(index, seq, mode); }
  commitWait(index: number, seq: number, mode: number, token: number): number {
    return this.x.commitWait(index, seq, mode, token);
  }
  cancelWait(index: number, seq: number, mode: number, token: number): number {
    return this.x.cancelWait(index, seq, mode, token);
  }
  setDeadline(index: number, seq: number, mode: number, d: bigint, now: bigint): number {
    return this.x.setDeadline(index, seq, mode, d, now);
  }
  unblock(index: number, seq: number): number { return this.x.unblock(index, seq); }
  close(index: number, seq: number): number { return this.x.close(index, seq); }
  nextDeadline(): bigint { return this.x.nextDeadline(); }
  readyList(): ReadyEntry[] { return this.reader.ready(); }

  netpoll(events: readonly PollEvent[], now: bigint): ReadyEntry[] {
    const n = this.netpollCode(events, 12, now);
    if (n < 0) throw new RangeError(`netpoll: batch refused (${n})`);
    return this.readyList();
  }

  /**
   * Write `events` at eventsOffset() as epoll_events of `stride` bytes
   * (host/core/epoll-abi.ts; the 16-byte layout's pad word is filled with PADDING)
   * and call netpoll(count, stride, now). A batch the core must refuse (too
   * many events, bad stride) is not written, only passed on.
   */
  netpollCode(events: readonly PollEvent[], stride: number, now: bigint): number {
    const count = events.length;
    if (count <= this.x.eventCapacity() && isEpollStride(stride)) {
      const dv = new DataView(this.x.memory.buffer, this.x.eventsOffset());
      events.forEach((ev, i) => encodeEvent(dv, i, stride, ev, PADDING));
    }
    return this.x.netpoll(count, stride, now);
  }

  /** A copy of the whole linear memory. */
  memory(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer).slice();
  }
}
