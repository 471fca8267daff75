// Capacities and constants of the Wasm core (assembly/layout.ts) that the
// reference model reproduces.

export const DESC_PER_BLOCK = 64;
export const DESC_BLOCKS_MAX = 16384;
export const TIMERS_PER_BLOCK = 256;
export const EVENT_CAPACITY = 1024;
export const READY_CAPACITY = 4096;
export const I64_MAX = (1n << 63n) - 1n;

// The epoll ABI facts are the host's own (one statement of them, in host/core/epoll-abi.ts).
export {
  EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, READ_BITS, WRITE_BITS, HOST_SENTINEL,
} from '../../host/core/epoll-abi.js';
