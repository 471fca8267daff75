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
export * from './pty.js';
export * from './termios.js';
export * from './truncated.js';
export * from './inotify.js';
export * from './socket-abi.js';
export * from './sockaddr.js';
export * from './generic-socket.js';
export * from './msg.js';
export * from './netlink.js';
export * from './rtnetlink.js';
export * from './arg-errors.js';
export * from './termios2.js';
export * from './serial-line.js';
export * from './serial-control.js';
export * from './serial-open.js';
export * from './pty-process.js';
export * from './pty-spawn.js';
export * from './serial-list.js';
export * from './serialport-types.js';
export * from './serialport-binding.js';
