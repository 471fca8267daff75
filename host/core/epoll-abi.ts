// struct epoll_event as the kernel writes it and the Wasm core reads it: the
// one statement of the epoll ABI facts (event bits, the interest every
// descriptor is registered with, the per-arch layout, how `data` carries a
// descriptor's handle). No koffi and no syscalls here, so the simulator,
// the trace tools and the reference model use the same facts as host/sys.
//
//   x86_64: packed, 12 bytes         aarch64: natural alignment, 16 bytes
//   +0  events   u32                 +0  events   u32
//   +4  data     u64                 +4  (padding, ignored)
//   +12 next event                   +8  data     u64
//                                    +16 next event
//
// data = index << 32 | tag: the low half is the descriptor's fdseq at
// registration (its tag), the high half its index in the descriptor table;
// a high half of HOST_SENTINEL marks one of the host's own fds. Core memory
// is little-endian, so the tag (low word) comes first.

import type { PollEvent } from './events.js';

export const EPOLLIN = 0x1;
export const EPOLLPRI = 0x2;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLONESHOT = 0x40000000;
/** Bit 31: kept unsigned here. `EPOLLIN | EPOLLET` in JS is negative; apply `>>> 0` after or-ing it in. */
export const EPOLLET = 0x80000000 >>> 0;

/** The bits that make a read waiter ready (Go's netpoll: 'r' on IN, RDHUP, HUP, ERR). */
export const READ_BITS = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
/** The bits that make a write waiter ready ('w' on OUT, HUP, ERR). */
export const WRITE_BITS = EPOLLOUT | EPOLLHUP | EPOLLERR;

/** epoll registration for every descriptor: edge-triggered, both directions, peer hang-up (Go's netpollopen). */
export const REGISTER_EVENTS = (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) >>> 0;

/** Data hi half that marks the host's own fds; the core sets bit (lo & 31) of header.hostEvents for them. */
export const HOST_SENTINEL = 0xffffffff;

/** sizeof(struct epoll_event) on x86_64 (packed). */
export const EPOLL_STRIDE_PACKED = 12;
/** sizeof(struct epoll_event) on aarch64 (natural alignment). */
export const EPOLL_STRIDE_ALIGNED = 16;
export type EpollStride = typeof EPOLL_STRIDE_PACKED | typeof EPOLL_STRIDE_ALIGNED;

/** The two strides the core accepts (its netpoll refuses any other with BAD_ARGUMENT). */
export function isEpollStride(stride: number): stride is EpollStride {
  return stride === EPOLL_STRIDE_PACKED || stride === EPOLL_STRIDE_ALIGNED;
}

/** Offset of `data` inside one event of that stride. */
export function epollDataOffset(stride: EpollStride): number {
  return stride === EPOLL_STRIDE_PACKED ? 4 : 8;
}

export interface EpollEventLayout {
  /** Bytes per struct epoll_event: the stride of the event array. */
  size: EpollStride;
  /** Offset of `data` inside one event. */
  dataOffset: number;
}

/** The struct epoll_event layout for a Node `process.arch`; throws for archs we have not checked. */
export function epollEventLayout(arch: string = process.arch): EpollEventLayout {
  switch (arch) {
    case 'x64':
      return { size: EPOLL_STRIDE_PACKED, dataOffset: epollDataOffset(EPOLL_STRIDE_PACKED) }; // __attribute__((packed)) on x86_64 only
    case 'arm64':
      return { size: EPOLL_STRIDE_ALIGNED, dataOffset: epollDataOffset(EPOLL_STRIDE_ALIGNED) };
    default:
      throw new Error(`netpoll-wasm: struct epoll_event layout is unknown for arch '${arch}' (supported: x64, arm64)`);
  }
}

/** This machine's stride, or the packed one on an arch whose layout is unknown (a recording only names it). */
export function nativeStride(arch: string = process.arch): EpollStride {
  return arch === 'arm64' ? EPOLL_STRIDE_ALIGNED : EPOLL_STRIDE_PACKED;
}

/** Bytes the core reads for netpoll(count, stride): 0 unless 0 < count ≤ capacity and the stride is valid. */
export function batchBytes(count: number, stride: number, capacity: number): number {
  return count > 0 && count <= capacity && isEpollStride(stride) ? count * stride : 0;
}

/** Write event i of a little-endian array (as the kernel would on the supported archs). `padding`, if given, fills the 16-byte layout's gap. */
export function encodeEvent(view: DataView, i: number, stride: EpollStride, ev: PollEvent, padding?: number): void {
  const at = i * stride;
  const data = at + epollDataOffset(stride);
  view.setUint32(at, ev.events >>> 0, true);
  if (padding !== undefined && stride === EPOLL_STRIDE_ALIGNED) view.setUint32(at + 4, padding >>> 0, true);
  view.setUint32(data, ev.tag >>> 0, true);
  view.setUint32(data + 4, ev.index >>> 0, true);
}

/** Read event i of a little-endian array. */
export function decodeEvent(view: DataView, i: number, stride: EpollStride): PollEvent {
  const at = i * stride;
  const data = at + epollDataOffset(stride);
  return { events: view.getUint32(at, true), tag: view.getUint32(data, true), index: view.getUint32(data + 4, true) };
}

/** A batch of events as the bytes of an epoll_event array. */
export function encodeEvents(events: readonly PollEvent[], stride: EpollStride): Uint8Array {
  const bytes = new Uint8Array(events.length * stride);
  const view = new DataView(bytes.buffer);
  events.forEach((ev, i) => encodeEvent(view, i, stride, ev));
  return bytes;
}

/** `count` events of an epoll_event array, decoded. */
export function decodeEvents(view: DataView, count: number, stride: EpollStride): PollEvent[] {
  const out: PollEvent[] = [];
  for (let i = 0; i < count; i++) out.push(decodeEvent(view, i, stride));
  return out;
}
