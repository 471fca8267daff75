// host/core/epoll-abi.ts: the one statement of struct epoll_event's layouts
// and of the strides the core accepts, held to the Wasm core and to itself.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadCore } from '../../host/core/load.js';
import { Misuse } from '../../host/core/abi.js';
import {
  EPOLL_STRIDE_ALIGNED, EPOLL_STRIDE_PACKED, EPOLLET, EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, REGISTER_EVENTS,
  batchBytes, decodeEvents, encodeEvents, epollDataOffset, epollEventLayout, isEpollStride, type EpollStride,
} from '../../host/core/epoll-abi.js';

describe('epoll ABI facts', () => {
  it('the core refuses exactly the strides isEpollStride rejects', () => {
    const core = loadCore();
    for (let stride = 0; stride <= 32; stride++) {
      const r = core.netpoll(1, stride, -1n);
      expect(r === Misuse.BAD_ARGUMENT, `stride ${stride}`).toBe(!isEpollStride(stride));
      expect(batchBytes(1, stride, core.eventCapacity()) > 0, `stride ${stride}`).toBe(isEpollStride(stride));
    }
    expect(batchBytes(core.eventCapacity() + 1, EPOLL_STRIDE_PACKED, core.eventCapacity())).toBe(0);
    expect(core.netpoll(core.eventCapacity() + 1, EPOLL_STRIDE_PACKED, -1n)).toBe(Misuse.BAD_ARGUMENT);
  });

  it('layouts per arch, and the bit values of <sys/epoll.h>', () => {
    expect(epollEventLayout('x64')).toEqual({ size: 12, dataOffset: 4 });
    expect(epollEventLayout('arm64')).toEqual({ size: 16, dataOffset: 8 });
    expect(() => epollEventLayout('ia32')).toThrow(/unknown for arch/);
    expect(EPOLLPRI).toBe(0x2);
    expect(REGISTER_EVENTS).toBe((EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) >>> 0);
    expect(REGISTER_EVENTS).toBeGreaterThan(0);
  });

  it('decode(encode(batch)) is the batch, for both strides', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const event = fc.record({ events: u32, index: u32, tag: u32 });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), fc.constantFrom<EpollStride>(EPOLL_STRIDE_PACKED, EPOLL_STRIDE_ALIGNED), (batch, stride) => {
        const bytes = encodeEvents(batch, stride);
        expect(bytes.byteLength).toBe(batch.length * stride);
        const view = new DataView(bytes.buffer);
        expect(decodeEvents(view, batch.length, stride)).toEqual(batch);
        for (let i = 0; i < batch.length; i++) expect(view.getUint32(i * stride + epollDataOffset(stride), true)).toBe(batch[i]!.tag);
      }),
    );
  });
});
