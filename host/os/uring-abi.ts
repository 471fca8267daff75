/**
 * io_uring's kernel ABI (include/uapi/linux/io_uring.h): the numbers and
 * struct layouts uring.ts reads and writes. The same on x86_64 and aarch64
 * (the io_uring syscalls have one number on every architecture; the structs
 * hold only fixed-width fields).
 *
 *   struct io_uring_params (120)           struct io_sqring_offsets (40)
 *   +0   sq_entries      u32               +0  head          +20 dropped
 *   +4   cq_entries      u32               +4  tail          +24 array
 *   +8   flags           u32 (SETUP_*)     +8  ring_mask     +28 resv1
 *   +12  sq_thread_cpu   u32               +12 ring_entries  +32 user_addr u64
 *   +16  sq_thread_idle  u32               +16 flags
 *   +20  features        u32 (FEAT_*)
 *   +24  wq_fd           u32               struct io_cqring_offsets (40)
 *   +28  resv[3]                           +0  head          +20 cqes
 *   +40  sq_off          io_sqring_offsets +4  tail          +24 flags
 *   +80  cq_off          io_cqring_offsets +8  ring_mask     +28 resv1
 *                                          +12 ring_entries  +32 user_addr u64
 *                                          +16 overflow
 *   (every offset in sq_off/cq_off is a u32 byte offset into the mapping)
 *
 *   struct io_uring_sqe (64)               struct io_uring_cqe (16)
 *   +0   opcode    u8                      +0  user_data u64
 *   +1   flags     u8 (IOSQE_*)            +8  res       i32 (count, or -errno)
 *   +2   ioprio    u16 (ACCEPT_* flags)    +12 flags     u32 (CQE_F_*)
 *   +4   fd        i32
 *   +8   off       u64 (accept: &addrlen)
 *   +16  addr      u64 (buffer, msghdr, sockaddr; cancel: target user_data)
 *   +24  len       u32
 *   +28  op_flags  u32 (rw_flags / msg_flags / accept_flags / cancel_flags)
 *   +32  user_data u64
 *   +40  buf_index u16, +42 personality u16, +44 file_index i32, +48 addr3 u64, +56 pad
 */

// Syscall numbers: the same on every architecture (the unified table from 425 on).
export const SYS_io_uring_setup = 425;
export const SYS_io_uring_enter = 426;

export const PARAMS_SIZE = 120;
export const PARAMS = { sqEntries: 0, cqEntries: 4, flags: 8, features: 20, sqOff: 40, cqOff: 80 } as const;
/** Offsets inside io_sqring_offsets (relative to PARAMS.sqOff). */
export const SQ_OFF = { head: 0, tail: 4, ringMask: 8, ringEntries: 12, flags: 16, dropped: 20, array: 24 } as const;
/** Offsets inside io_cqring_offsets (relative to PARAMS.cqOff). */
export const CQ_OFF = { head: 0, tail: 4, ringMask: 8, ringEntries: 12, overflow: 16, cqes: 20 } as const;

export const SQE_SIZE = 64;
export const SQE = { opcode: 0, flags: 1, ioprio: 2, fd: 4, off: 8, addr: 16, len: 24, opFlags: 28, userData: 32 } as const;
export const CQE_SIZE = 16;
export const CQE = { userData: 0, res: 8, flags: 12 } as const;

// mmap offsets of the three regions.
export const OFF_SQ_RING = 0;
export const OFF_CQ_RING = 0x8000000;
export const OFF_SQES = 0x10000000;

// Opcodes (enum io_uring_op).
export const OP_SENDMSG = 9;
export const OP_RECVMSG = 10;
export const OP_ACCEPT = 13;
export const OP_ASYNC_CANCEL = 14;
export const OP_READ = 22;
export const OP_WRITE = 23;

// io_uring_setup flags.
/** Keep submitting the rest of a batch when one entry fails at submission (5.18). */
export const SETUP_SUBMIT_ALL = 1 << 7;
/** No interrupt to run task work: it runs when the submitter enters the kernel next (5.19). */
export const SETUP_COOP_TASKRUN = 1 << 8;
/** Only the creating thread submits (6.0): lets the kernel skip the ring's submission lock. */
export const SETUP_SINGLE_ISSUER = 1 << 12;

/** FEAT_SINGLE_MMAP: the SQ and CQ rings share one mapping (5.4). */
export const FEAT_SINGLE_MMAP = 1 << 0;
/** FEAT_NODROP: a full CQ is held back in an overflow list, never dropped (5.5). */
export const FEAT_NODROP = 1 << 1;

// io_uring_enter flags.
export const ENTER_GETEVENTS = 1 << 0;

/** RWF_NOWAIT (rw_flags of READ/WRITE): fail with -EAGAIN instead of queueing the request until ready. */
export const RWF_NOWAIT = 0x8;
/** ioprio of ACCEPT: fail with -EAGAIN instead of arming the kernel's own poll (6.10). */
export const ACCEPT_DONTWAIT = 1 << 1;
/** cancel_flags of ASYNC_CANCEL: match every request with this user_data (5.19). */
export const ASYNC_CANCEL_ALL = 1 << 0;
