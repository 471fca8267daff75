// AF_UNIX sockets for the toolkit's users: the calls live in the poller's OS
// layer (host/os/socket.ts), where the worker waiter needs them too.
export * from '../os/socket.js';
