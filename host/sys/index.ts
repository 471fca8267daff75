/**
 * The OS layer: everything in the host that makes a system call or touches
 * koffi lives in host/sys; nothing outside it imports koffi (the layering
 * test, test/architecture/layers.test.ts, checks it). This file is the
 * public `netpoll-wasm/sys` entry.
 */
export * from '../os/errors.js';
export * from '../os/fd.js';
export * from './socket.js';
export * from '../os/event.js';
export * from '../os/epoll.js';
export * from '../os/limits.js';
export * from '../os/time.js';
export * from '../os/describe.js';
export * from './pty.js';
export * from './termios.js';
export * from '../os/truncated.js';
export * from './inotify.js';
export * from '../os/socket-abi.js';
export * from './sockaddr.js';
export * from './generic-socket.js';
export * from '../os/msg.js';
export * from './netlink.js';
export * from './rtnetlink.js';
