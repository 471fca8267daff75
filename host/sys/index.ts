/**
 * The public `netpoll-wasm/sys` entry: the Linux toolkit (host/sys) and the
 * calls of the poller's own OS layer (host/os) that users need too. Only
 * host/os and host/sys make system calls or touch koffi (the layering test,
 * test/architecture/layers.test.ts, checks it).
 */
export * from '../os/errors.js';
export * from '../os/args.js';
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
export * from './ip-address.js';
export * from './rtnetlink-attrs.js';
export * from './rtnetlink-addr.js';
export * from './rtnetlink-route.js';
export * from './rtnetlink-neigh.js';
export * from './rtnetlink-link-requests.js';
export * from './netlink-call.js';
export * from './tun.js';
export * from './net-address.js';
export * from './net-socket.js';
export * from './conn-address.js';
export * from './dial.js';
export * from './listen.js';
export * from './datagram-address.js';
export * from './can-frame.js';
export * from './can.js';
export * from './tun-pollfd.js';
export * from './interface-name.js';
export * from './termios2.js';
export * from './serial-line.js';
export * from './serial-control.js';
export * from './serial-open.js';
export * from './pty-process.js';
export * from './pty-spawn.js';
export * from './serial-list.js';
export * from './serialport-types.js';
export * from './serialport-binding.js';
