// Reads the core's state straight out of its linear memory: header counters,
// descriptor records (through the descriptor directory), the raw timer heap
// and the ready list. Offsets come from the layout table (layout.ts).

import type { CoreExports } from '../../../host/core/abi.js';
import type { Counters, DescFields, ReadyEntry } from '../../model/types.js';
import { entry, readLayoutTable } from './layout.js';
import { decodeReadyList, READY_ENTRY } from '../../../host/core/events.js';

/** A descriptor as stored, with the raw heap links and flags the model does not keep. */
export interface RawDesc extends DescFields {
  flags: number;
  rslot: number;
  wslot: number;
}

/** One heap slot, in array order. */
export interface HeapSlot {
  slot: number;
  when: bigint;
  ref: number;
  seq: number;
}

export class CoreReader {
  private view: DataView;
  private readonly base: number;
  /** Geometry, fixed for the module's life. */
  private readonly geo: { descDir: number; timerDir: number; descSize: number; descPer: number; timerSize: number; timerPer: number };
  private readonly h: Record<string, number> = {};
  private readonly d: Record<string, number> = {};
  private readonly t: Record<string, number> = {};
  readonly k: Record<string, number> = {};

  constructor(private readonly core: CoreExports) {
    const table = readLayoutTable(core);
    this.base = core.headerOffset();
    for (const n of ['descDirOffset', 'timerDirOffset', 'descSize', 'descPerBlock', 'timerSize', 'timerPerBlock',
      'descBlocks', 'timerBlocks', 'freeHead', 'inUse', 'waiters', 'timers', 'readyLength', 'staleEvents',
      'hostEvents', 'eventsSeen', 'wakeups', 'timersFired', 'inconsistent', 'nextWhen', 'readyOffset',
      'readyCapacity', 'chunkBase', 'bump', 'headerSize']) {
      this.h[n] = entry(table, 'header', n);
    }
    for (const n of ['link', 'fd', 'fdseq', 'info', 'rg', 'wg', 'rseq', 'wseq', 'rd', 'wd', 'rslot', 'wslot', 'flags']) {
      this.d[n] = entry(table, 'desc', n);
    }
    for (const n of ['when', 'ref', 'seq']) this.t[n] = entry(table, 'timer', n);
    for (const n of ['flagAllocated', 'flagClosing', 'flagRrun', 'flagWrun', 'infoSeqShift', 'infoSeqMask']) {
      this.k[n] = entry(table, 'const', n);
    }
    this.view = new DataView(core.memory.buffer);
    this.geo = {
      descDir: this.hdr('descDirOffset'), timerDir: this.hdr('timerDirOffset'),
      descSize: this.hdr('descSize'), descPer: this.hdr('descPerBlock'),
      timerSize: this.hdr('timerSize'), timerPer: this.hdr('timerPerBlock'),
    };
  }

  /** memory.grow detaches the old buffer (its byteLength becomes 0); re-take the view when it did. */
  private dv(): DataView {
    if (this.view.buffer.byteLength === 0) this.view = new DataView(this.core.memory.buffer);
    return this.view;
  }

  private u32(addr: number): number {
    return this.dv().getUint32(addr, true);
  }

  private hdr(name: string): number {
    return this.u32(this.base + this.h[name]);
  }

  counters(): Counters {
    return {
      inUse: this.hdr('inUse'),
      waiters: this.hdr('waiters'),
      timers: this.hdr('timers'),
      readyLength: this.hdr('readyLength'),
      staleEvents: this.hdr('staleEvents'),
      hostEvents: this.hdr('hostEvents'),
      eventsSeen: this.hdr('eventsSeen'),
      wakeups: this.hdr('wakeups'),
      timersFired: this.hdr('timersFired'),
      inconsistent: this.hdr('inconsistent'),
      descBlocks: this.hdr('descBlocks'),
      timerBlocks: this.hdr('timerBlocks'),
      freeHead: this.hdr('freeHead'),
      nextWhen: this.dv().getBigInt64(this.base + this.h.nextWhen, true),
    };
  }

  /** Offset of a descriptor field by its layout-table name. */
  descField(name: string): number {
    const off = this.d[name];
    if (off === undefined) throw new Error(`no desc field ${name}`);
    return off;
  }

  descCount(): number {
    return this.hdr('descBlocks') * this.geo.descPer;
  }

  descAddr(index: number): number {
    const { descDir, descPer, descSize } = this.geo;
    return this.u32(descDir + Math.floor(index / descPer) * 4) + (index % descPer) * descSize;
  }

  desc(index: number): RawDesc {
    const a = this.descAddr(index), d = this.d, k = this.k, dv = this.dv();
    const flags = this.u32(a + d.flags);
    return {
      index,
      allocated: (flags & k.flagAllocated) !== 0,
      link: this.u32(a + d.link),
      fd: dv.getInt32(a + d.fd, true),
      fdseq: this.u32(a + d.fdseq),
      info: this.u32(a + d.info),
      closing: (flags & k.flagClosing) !== 0,
      rg: this.u32(a + d.rg),
      wg: this.u32(a + d.wg),
      rseq: this.u32(a + d.rseq),
      wseq: this.u32(a + d.wseq),
      rd: dv.getBigInt64(a + d.rd, true),
      wd: dv.getBigInt64(a + d.wd, true),
      rrun: (flags & k.flagRrun) !== 0,
      wrun: (flags & k.flagWrun) !== 0,
      rtimer: this.u32(a + d.rslot) !== 0,
      wtimer: this.u32(a + d.wslot) !== 0,
      flags,
      rslot: this.u32(a + d.rslot),
      wslot: this.u32(a + d.wslot),
    };
  }

  private slotAddr(j: number): number {
    const { timerDir, timerPer, timerSize } = this.geo;
    return this.u32(timerDir + Math.floor(j / timerPer) * 4) + (j % timerPer) * timerSize;
  }

  slot(j: number): HeapSlot {
    const a = this.slotAddr(j), dv = this.dv();
    return {
      slot: j,
      when: dv.getBigInt64(a + this.t.when, true),
      ref: this.u32(a + this.t.ref),
      seq: this.u32(a + this.t.seq),
    };
  }

  /** The live heap, in array order. */
  heap(): HeapSlot[] {
    const n = this.hdr('timers');
    const out: HeapSlot[] = [];
    for (let j = 0; j < n; j++) out.push(this.slot(j));
    return out;
  }

  /** Every descriptor created so far. */
  descs(): RawDesc[] {
    const out: RawDesc[] = [];
    for (let i = 0, n = this.descCount(); i < n; i++) out.push(this.desc(i));
    return out;
  }

  /** Heap slots allocated (timer blocks × per block). */
  heapCapacity(): number {
    return this.hdr('timerBlocks') * this.geo.timerPer;
  }

  /**
   * [start, end) address ranges the core writes after start-up: the header, the
   * ready list, the used part of both directories (plus the next entry), and
   * the chunk area up to the bump pointer. The events region is written by the host.
   */
  mutableRanges(): Array<[number, number]> {
    const g = this.geo;
    return [
      [this.base, this.base + this.hdr('headerSize')],
      [this.hdr('readyOffset'), this.hdr('readyOffset') + READY_ENTRY.size * this.hdr('readyCapacity')],
      [g.descDir, g.descDir + 4 * (this.hdr('descBlocks') + 1)],
      [g.timerDir, g.timerDir + 4 * (this.hdr('timerBlocks') + 1)],
      [this.hdr('chunkBase'), this.hdr('bump')],
    ];
  }

  ready(): ReadyEntry[] {
    return decodeReadyList(this.dv().buffer, this.hdr('readyOffset'), this.hdr('readyLength'), this.hdr('readyCapacity'));
  }
}
