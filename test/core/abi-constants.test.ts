// host/core/abi.ts and epoll-abi.ts restate constants of assembly/ (layout.ts, codes.ts) for TypeScript
// callers. The core writes the originals into its layout table: they must agree.
import { describe, it, expect } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { Code, Misuse, Mode } from '../../host/core/abi.js';
import { Info, Flag, Sema, TimerKind } from '../model/core-constants.js';
import * as Epoll from '../../host/core/epoll-abi.js';
import { HEADER_ANCHOR, SNAPSHOT_HEADER_BASE } from '../../host/core/layout.js';
import { READY_ENTRY } from '../../host/core/events.js';

describe('abi.ts constants', () => {
  it('equal the constants the core publishes in its layout table', () => {
    const c = decodeSnapshot(new Uint8Array(loadCore().memory.buffer)).layout.table['const']!;
    const v = (name: string): number => c[name]!.value;
    expect(Info).toEqual({
      CLOSING: v('infoClosing'),
      EVENT_ERR: v('infoEventErr'),
      EXPIRED_READ: v('infoExpiredRead'),
      EXPIRED_WRITE: v('infoExpiredWrite'),
      SEQ_SHIFT: v('infoSeqShift'),
      SEQ_MASK: v('infoSeqMask'),
    });
    expect(Flag).toEqual({ ALLOCATED: v('flagAllocated'), CLOSING: v('flagClosing'), RRUN: v('flagRrun'), WRUN: v('flagWrun') });
    expect(Sema).toEqual({ NIL: v('pdNil'), READY: v('pdReady'), WAIT: v('pdWait') });
    expect(TimerKind).toEqual({ R: v('kindR'), W: v('kindW'), RW: v('kindRW') });
    expect(Mode).toEqual({ R: v('modeR'), W: v('modeW'), RW: v('modeRW') });
  });

  it('the result codes equal the ones the core publishes (the "code" group, as u32)', () => {
    const t = decodeSnapshot(new Uint8Array(loadCore().memory.buffer)).layout.table['code']!;
    const c = (name: string): number => t[name]!.value | 0;
    expect(Code).toEqual({
      OK: c('ok'), CLOSING: c('closing'), TIMEOUT: c('timeout'), NOT_POLLABLE: c('notPollable'),
      RETRY: c('retry'), PREPARED: c('prepared'), PARKED: c('parked'),
    });
    expect(Misuse).toEqual({
      STALE_HANDLE: c('staleHandle'), DOUBLE_WAIT: c('doubleWait'), BAD_TOKEN: c('badToken'), BAD_ARGUMENT: c('badArgument'),
      ALREADY_CLOSING: c('alreadyClosing'), NOT_CLOSING: c('notClosing'), WAITER_PRESENT: c('waiterPresent'), OUT_OF_MEMORY: c('outOfMemory'),
    });
    expect(Object.keys(t).length).toBe(Object.keys(Code).length + Object.keys(Misuse).length);
  });

  it('host/core/epoll-abi.ts states the epoll facts the core was built with', () => {
    const k = decodeSnapshot(new Uint8Array(loadCore().memory.buffer)).layout.table['const']!;
    const v = (name: string): number => k[name]!.value;
    expect([Epoll.EPOLLIN, Epoll.EPOLLOUT, Epoll.EPOLLERR, Epoll.EPOLLHUP, Epoll.EPOLLRDHUP, Epoll.HOST_SENTINEL])
      .toEqual([v('epollIn'), v('epollOut'), v('epollErr'), v('epollHup'), v('epollRdhup'), v('hostSentinel')]);
    expect([Epoll.EPOLL_STRIDE_PACKED, Epoll.EPOLL_STRIDE_ALIGNED]).toEqual([v('stridePacked'), v('strideAligned')]);
    expect([Epoll.epollDataOffset(Epoll.EPOLL_STRIDE_PACKED), Epoll.epollDataOffset(Epoll.EPOLL_STRIDE_ALIGNED)]).toEqual([v('dataPacked'), v('dataAligned')]);
  });

  it('the header anchor the host reads before it has the table is the one the table describes', () => {
    const core = loadCore();
    const t = decodeSnapshot(new Uint8Array(core.memory.buffer)).layout.table;
    const h = t['header']!;
    expect({ magic: h['magic']!.value, version: h['version']!.value, headerSize: h['headerSize']!.value, layoutOffset: h['layoutOffset']!.value })
      .toEqual({ magic: HEADER_ANCHOR.magic, version: HEADER_ANCHOR.version, headerSize: HEADER_ANCHOR.headerSize, layoutOffset: HEADER_ANCHOR.layoutOffset });
    for (const name of ['magic', 'version', 'headerSize', 'layoutOffset']) expect(h[name]!.value + h[name]!.size).toBeLessThanOrEqual(HEADER_ANCHOR.size);
    expect(core.headerOffset()).toBe(SNAPSHOT_HEADER_BASE);
    expect(t['region']!['headerBase']!.value).toBe(SNAPSHOT_HEADER_BASE);
  });

  it('the ready-entry layout the host decodes is the table\'s', () => {
    const r = decodeSnapshot(new Uint8Array(loadCore().memory.buffer)).layout.table['ready']!;
    expect({ token: r['token']!.value, code: r['code']!.value }).toEqual({ token: READY_ENTRY.token, code: READY_ENTRY.code });
    expect(Math.max(...Object.values(r).map((e) => e.value + e.size))).toBe(READY_ENTRY.size);
  });
});
