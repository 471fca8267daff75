// host/core/abi.ts restates constants of assembly/layout.ts for TypeScript
// callers. The core writes the originals into its layout table: they must agree.
import { describe, it, expect } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { Info, Flag, Sema, TimerKind } from '../../host/core/abi.js';

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
  });
});
