// Capacities and constants of the Wasm core (assembly/layout.ts) that the
// reference model reproduces.

export const DESC_PER_BLOCK = 64;
export const DESC_BLOCKS_MAX = 16384;
export const TIMERS_PER_BLOCK = 256;
export const EVENT_CAPACITY = 1024;
export const READY_CAPACITY = 4096;
export const HOST_SENTINEL = 0xffffffff;
export const I64_MAX = (1n << 63n) - 1n;

export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const READ_BITS = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
export const WRITE_BITS = EPOLLOUT | EPOLLHUP | EPOLLERR;
