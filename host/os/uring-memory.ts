/**
 * Where a ring's memory lives: the kernel's, mmap'd from the ring fd
 * (FEAT_SINGLE_MMAP: one mapping for the SQ/CQ rings, one for the SQE
 * array), unmapped by Uring.close().
 *
 * Why not IORING_SETUP_NO_MMAP with ArrayBuffers we own (tried): the kernel
 * tears a ring down asynchronously after its fd closes and still stores to
 * the ring header then (the CQ tail on a final flush), so memory that V8 may
 * free and reuse first is not safe for it; a terminated worker crashed the
 * process (SIGSEGV) within a few cycles. A mapping keeps the ring memory the
 * kernel's until both the fd and the mapping are gone.
 *
 * The cost: `worker.terminate()` runs none of our code, so a terminated
 * worker's rings are never unmapped. Its ring fd is closed by the
 * environment's teardown (adopted, env-fd.ts), but each ring's two mappings
 * (and with them the kernel's ring) stay until the process exits: about
 * 26 KiB per terminated worker at 256 entries.
 */
import koffi from 'koffi';
import * as libc from './libc.js';
import { SyscallError } from './errors.js';
import { OFF_SQES, OFF_SQ_RING, SQE_SIZE } from './uring-abi.js';

/** A region of ring memory: an ArrayBuffer over the mapping. */
export interface Region {
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

export interface RingMemory {
  rings: Region;
  sqes: Region;
  /** Unmaps both regions. Idempotent; no view of them may be touched afterwards. */
  release(): void;
}

const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

function mapRegion(fd: number, len: number, offset: number): Region & { ptr: unknown } {
  const ptr = libc.mmap(null, len, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
  if (ptr === null || koffi.address(ptr) === MAP_FAILED) throw new SyscallError('mmap', libc.errno(), { fd, info: 'io_uring ring' });
  return { ptr, buffer: koffi.view(ptr, len), byteOffset: 0, byteLength: len };
}

/** The kernel's memory of ring `fd`, mapped: `ringsLen` bytes of rings, the SQEs of `sqEntries`. */
export function mapKernelRingMemory(fd: number, ringsLen: number, sqEntries: number): RingMemory {
  const rings = mapRegion(fd, ringsLen, OFF_SQ_RING);
  let sqes: Region & { ptr: unknown };
  try {
    sqes = mapRegion(fd, SQE_SIZE * sqEntries, OFF_SQES);
  } catch (err) {
    libc.munmap(rings.ptr, rings.byteLength);
    throw err;
  }
  let mapped = true;
  return {
    rings,
    sqes,
    release() {
      if (!mapped) return;
      mapped = false;
      libc.munmap(rings.ptr, rings.byteLength);
      libc.munmap(sqes.ptr, sqes.byteLength);
    },
  };
}
