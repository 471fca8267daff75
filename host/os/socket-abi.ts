/**
 * Socket ABI numbers shared by the socket modules (socket.ts, sockaddr.ts,
 * generic-socket.ts, msg.ts, netlink.ts). Linux's values, the same on x86_64
 * and aarch64.
 */

// Address families (sa_family).
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const AF_CAN = 29;

// Socket types (the SOCK_NONBLOCK / SOCK_CLOEXEC flags are O_NONBLOCK / O_CLOEXEC in libc.ts).
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;

// SOL_SOCKET options.
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_PASSCRED = 16;

// IP-level options (setsockopt levels are the protocol numbers).
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
/** IPPROTO_TCP: send small segments at once (no Nagle delay); Go's default for every TCP conn. */
export const TCP_NODELAY = 1;
/** IPPROTO_IPV6: 0 makes an AF_INET6 socket dual-stack (IPv4 peers appear as ::ffff:a.b.c.d). */
export const IPV6_V6ONLY = 26;

// SOL_SOCKET control message types.
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;

// MSG_* flags.
export const MSG_PEEK = 0x2;
/** recvmsg: the control buffer was too small; some control data (and descriptors) were dropped. */
export const MSG_CTRUNC = 0x8;
/** recvmsg: the datagram was longer than the buffer (the rest is gone). */
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
/** Without it a send on a socket whose peer is gone raises SIGPIPE; with it, EPIPE is just an error. */
export const MSG_NOSIGNAL = 0x4000;
/** Descriptors received with SCM_RIGHTS are opened close-on-exec. */
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** Offset of sun_path in struct sockaddr_un (after the u16 family). */
export const SUN_PATH_OFFSET = 2;
/** sizeof(struct sockaddr_storage): room for any address the kernel returns. */
export const SOCKADDR_STORAGE_SIZE = 128;
