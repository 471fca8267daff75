/**
 * The OS layer: everything in the host that makes a system call or touches
 * koffi lives in host/sys; nothing outside it imports koffi (the layering
 * test, test/architecture/layers.test.ts, checks it). This file is the
 * public `netpoll-wasm/sys` entry.
 */
export * from './errors.js';
export * from './fd.js';
export * from './socket.js';
export * from './event.js';
export * from './epoll.js';
export * from './limits.js';
export * from './time.js';
export * from './describe.js';
