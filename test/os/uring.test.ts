/**
 * host/os/uring.ts on real descriptors: results are exactly the plain
 * calls' (counts, EOF, -EAGAIN, -EPIPE, accept's new fd, SCM_RIGHTS through
 * recvmsg/sendmsg), nothing is in flight after submit() (an entry the kernel
 * did not answer inline is cancelled and waited for), the ring fd is
 * close-on-exec, and a closed ring refuses new entries.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';
import koffi from 'koffi';
import { afterEach, describe, expect, it } from 'vitest';
import { Uring } from '../../host/os/uring.js';
import { isCloseOnExec, pipe, readFd, writeFd } from '../../host/os/fd.js';
import { LITTLE_ENDIAN, O_CLOEXEC, O_NONBLOCK } from '../../host/os/libc.js';
import { socketPair, unixListen, unixConnect } from '../../host/sys/socket.js';
import { SyscallError } from '../../host/os/errors.js';
import { SCM_RIGHTS, SOL_SOCKET } from '../../host/os/socket-abi.js';
import { useFdTracker, useTempDir } from '../sys/helpers.js';
import { uringSkip, uringSkipNote } from './uring-available.js';

const fds = useFdTracker();
const tempDir = useTempDir();
const { EAGAIN, EPIPE, ECANCELED, EBADF, EFAULT } = constants.errno;
const rings: Uring[] = [];
afterEach(() => rings.splice(0).forEach((r) => r.close()));
const open = (entries = 8): Uring => {
  const r = Uring.open(entries);
  rings.push(r);
  return r;
};

describe.skipIf(uringSkip !== null)(`Uring batches${uringSkipNote}`, () => {
  it('runs a batch in order with one io_uring_enter: write, short read, read to EAGAIN', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    const small = new Uint8Array(3);
    const rest = new Uint8Array(16);
    const empty = new Uint8Array(16);
    const enters = ring.enters;
    const sw = ring.write(w, new TextEncoder().encode('hello'));
    const s1 = ring.read(r, small);
    const s2 = ring.read(r, rest);
    const s3 = ring.read(r, empty);
    expect(ring.pending).toBe(4);
    expect(ring.submit()).toBe(0);
    expect(ring.enters - enters).toBe(1);
    expect([ring.result(sw), ring.result(s1), ring.result(s2), ring.result(s3)]).toEqual([5, 3, 2, -EAGAIN]);
    expect(new TextDecoder().decode(small)).toBe('hel');
    expect(new TextDecoder().decode(rest.subarray(0, 2))).toBe('lo');
  });

  it('reads 0 at EOF and -EPIPE writing to a pipe with no reader (no SIGPIPE kills the process)', () => {
    const ring = open();
    const [r1, w1] = fds.trackAll(pipe());
    const [r2, w2] = fds.trackAll(pipe());
    fds.close(w1);
    fds.close(r2);
    const eof = ring.read(r1, new Uint8Array(4));
    const broken = ring.write(w2, new Uint8Array(4));
    ring.submit();
    expect(ring.result(eof)).toBe(0);
    expect(ring.result(broken)).toBe(-EPIPE);
  });

  it('passes a subarray at its byteOffset and a zero-length view as an empty transfer', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    const src = Uint8Array.from({ length: 16 }, (_, i) => i);
    const dst = new Uint8Array(16).fill(0xee);
    const sw = ring.write(w, src.subarray(4, 8));
    const sr = ring.read(r, dst.subarray(2, 10));
    const sz = ring.write(w, new Uint8Array(0));
    ring.submit();
    expect([ring.result(sw), ring.result(sr), ring.result(sz)]).toEqual([4, 4, 0]);
    expect([...dst.subarray(0, 7)]).toEqual([0xee, 0xee, 4, 5, 6, 7, 0xee]);
  });

  it('submits on its own when more entries are queued than the ring holds', () => {
    const ring = open(2);
    const [r, w] = fds.trackAll(pipe());
    for (let i = 0; i < 5; i++) ring.write(w, new Uint8Array([i]));
    ring.submit();
    const got = new Uint8Array(8);
    expect(readFd(r, got)).toBe(5);
    expect([...got.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
  });

  it('accepts a pending connection (non-blocking, close-on-exec) and answers -EAGAIN on an empty queue', () => {
    const ring = open();
    const path = `${tempDir()}/accept.sock`;
    const listener = fds.track(unixListen(path));
    const first = ring.accept(listener, O_NONBLOCK | O_CLOEXEC);
    ring.submit();
    expect(ring.result(first)).toBe(-EAGAIN);
    fds.track(unixConnect(path).fd);
    const second = ring.accept(listener, O_NONBLOCK | O_CLOEXEC);
    ring.submit();
    const fd = fds.track(ring.result(second));
    expect(fd).toBeGreaterThan(0);
    expect(isCloseOnExec(fd)).toBe(true);
    expect(readFd(fd, new Uint8Array(1))).toBe(-1); // WOULD_BLOCK: the new fd is non-blocking
  });

  it('sends and receives a SEQPACKET record with SCM_RIGHTS through sendmsg/recvmsg entries', () => {
    const ring = open();
    const [a, b] = fds.trackAll(socketPair('seqpacket'));
    const [pr, pw] = fds.trackAll(pipe());
    const out = msghdr(new TextEncoder().encode('rec'), rights([pr]));
    const inBuf = new Uint8Array(16);
    const inControl = new Uint8Array(new ArrayBuffer(32));
    const inn = msghdr(inBuf, inControl);
    const empty = msghdr(new Uint8Array(16), null);
    const ss = ring.msg('sendmsg', a, out.header, 0, out.pin);
    const sr = ring.msg('recvmsg', b, inn.header, 0x40000000 /* MSG_CMSG_CLOEXEC */, inn.pin);
    const se = ring.msg('recvmsg', b, empty.header, 0, empty.pin);
    ring.submit();
    expect([ring.result(ss), ring.result(sr), ring.result(se)]).toEqual([3, 3, -EAGAIN]);
    const control = new DataView(inControl.buffer);
    expect(control.getInt32(8, LITTLE_ENDIAN)).toBe(SOL_SOCKET);
    expect(control.getInt32(12, LITTLE_ENDIAN)).toBe(SCM_RIGHTS);
    const passed = fds.track(control.getInt32(16, LITTLE_ENDIAN));
    expect(isCloseOnExec(passed)).toBe(true);
    writeFd(pw, new Uint8Array([42]));
    const one = new Uint8Array(1);
    expect(readFd(passed, one)).toBe(1); // the received fd is the pipe's read end
    expect(one[0]).toBe(42);
  });

  it('cancels an entry the kernel did not answer inline and waits for it: nothing in flight after submit', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    const slot = ring.read(r, new Uint8Array(8));
    forceAsync(ring, slot); // IOSQE_ASYNC: handed to an io-wq worker, not answered inside io_uring_enter
    const cancelled = ring.submit();
    // Either the worker answered before the cancel reached it (-EAGAIN) or it was cancelled: never both, never pending.
    expect([-EAGAIN, -ECANCELED]).toContain(ring.result(slot));
    expect(cancelled).toBeLessThanOrEqual(1);
    // The ring is usable afterwards and no late completion lands on the next batch's slot 0.
    const next = ring.write(w, new Uint8Array([1, 2]));
    ring.submit();
    expect(ring.result(next)).toBe(2);
    const again = ring.read(r, new Uint8Array(8));
    ring.submit();
    expect(ring.result(again)).toBe(2);
  });
});

describe.skipIf(uringSkip !== null)(`Uring buffers between queueing and submit${uringSkipNote}`, () => {
  // The kernel reads an entry's buffer only inside submit(); these change the buffer before it.
  it('answers -EFAULT for a buffer detached by a transfer, and reads nothing', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    writeFd(w, new Uint8Array([7]));
    const buf = new Uint8Array(new ArrayBuffer(8));
    const slot = ring.read(r, buf);
    const moved = structuredClone(buf.buffer, { transfer: [buf.buffer] });
    ring.submit();
    expect(ring.result(slot)).toBe(-EFAULT);
    expect(new Uint8Array(moved)[0]).toBe(0);
    expect(readFd(r, new Uint8Array(8))).toBe(1); // the byte is still in the pipe
  });

  it('answers -EFAULT for a view of Wasm memory that grew (its old buffer is detached)', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    writeFd(w, new Uint8Array([7]));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const view = new Uint8Array(memory.buffer, 64, 8);
    const slot = ring.read(r, view);
    memory.grow(1);
    ring.submit();
    expect(ring.result(slot)).toBe(-EFAULT);
    expect(new Uint8Array(memory.buffer, 64, 8).every((b) => b === 0)).toBe(true);
  });

  it('answers -EFAULT for a view a resizable ArrayBuffer shrank under, and writes through one it grew', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    type Resizable = ArrayBuffer & { resize(n: number): void };
    const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
    const shrinking = new Ctor(16, { maxByteLength: 64 });
    const growing = new Ctor(16, { maxByteLength: 64 });
    const s1 = ring.write(w, new Uint8Array(shrinking, 0, 16).fill(1));
    const s2 = ring.write(w, new Uint8Array(growing, 0, 16).fill(2));
    shrinking.resize(4);
    growing.resize(64);
    ring.submit();
    expect([ring.result(s1), ring.result(s2)]).toEqual([-EFAULT, 16]);
    const got = new Uint8Array(32);
    expect(readFd(r, got)).toBe(16);
    expect(got.subarray(0, 16).every((b) => b === 2)).toBe(true);
  });
});

describe.skipIf(uringSkip !== null)(`Uring lifetime${uringSkipNote}`, () => {
  it('is close-on-exec: a child process does not inherit the ring', () => {
    const ring = open();
    const fd = (ring as unknown as { fd: number }).fd;
    expect(isCloseOnExec(fd)).toBe(true);
    const target = execFileSync('readlink', [`/proc/${process.pid}/fd/${fd}`]).toString().trim();
    expect(target).toBe('anon_inode:[io_uring]');
    const inherited = execFileSync('sh', ['-c', `readlink /proc/self/fd/${fd} || true`], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    expect(inherited).not.toBe('anon_inode:[io_uring]');
  });

  it('refuses entries once closed (typed error, nothing mapped is touched) and closes idempotently', () => {
    const ring = Uring.open(4);
    const [r] = fds.trackAll(pipe());
    ring.close();
    ring.close();
    expect(ring.open).toBe(false);
    expect(() => ring.read(r, new Uint8Array(1))).toThrow(SyscallError);
    try {
      ring.read(r, new Uint8Array(1));
    } catch (err) {
      expect((err as SyscallError).errno).toBe(EBADF);
    }
    expect(ring.submit()).toBe(0);
  });

  it("addresses views of one ArrayBuffer at their own offsets (Node's pooled Buffers share one)", () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    const a = Buffer.from('first');
    const b = Buffer.from('second');
    expect(a.buffer).toBe(b.buffer); // both from Node's 8 KiB pool
    for (const v of [a, b, a.subarray(1), b.subarray(2, 4)]) ring.write(w, v);
    ring.submit();
    const got = Buffer.alloc(64);
    expect(readFd(r, got)).toBe(5 + 6 + 4 + 2);
    expect(got.toString('latin1', 0, 17)).toBe('firstsecondirstco');
  });

  it('discards queued entries: the next submit sends only what was queued after', () => {
    const ring = open();
    const [r, w] = fds.trackAll(pipe());
    writeFd(w, new Uint8Array([1, 2, 3]));
    ring.read(r, new Uint8Array(3));
    ring.discard();
    expect(ring.pending).toBe(0);
    const buf = new Uint8Array(3);
    const slot = ring.read(r, buf);
    ring.submit();
    expect(ring.result(slot)).toBe(3); // the discarded read took nothing
    expect([...buf]).toEqual([1, 2, 3]);
  });

  it('validates the ring size with a RangeError and opens nothing', () => {
    for (const bad of [0, -1, 1.5, 5000, Number.NaN]) expect(() => Uring.open(bad)).toThrow(RangeError);
  });

  it('names a slot without a completion with a RangeError', () => {
    const ring = open();
    expect(() => ring.result(7)).toThrow(RangeError);
    expect(() => ring.result(-1)).toThrow(RangeError);
  });
});

// --- helpers: struct msghdr / iovec / cmsghdr (layout in host/os/msg.ts) ---

function rights(list: number[]): Uint8Array {
  const control = new Uint8Array(new ArrayBuffer(16 + 8 * Math.ceil((4 * list.length) / 8)));
  const v = new DataView(control.buffer);
  v.setBigUint64(0, BigInt(16 + 4 * list.length), LITTLE_ENDIAN);
  v.setInt32(8, SOL_SOCKET, LITTLE_ENDIAN);
  v.setInt32(12, SCM_RIGHTS, LITTLE_ENDIAN);
  list.forEach((fd, i) => v.setInt32(16 + 4 * i, fd, LITTLE_ENDIAN));
  return control;
}

function msghdr(buf: Uint8Array, control: Uint8Array | null): { header: Uint8Array; pin: Uint8Array[] } {
  const header = new Uint8Array(new ArrayBuffer(56));
  const iov = new Uint8Array(new ArrayBuffer(16));
  const h = new DataView(header.buffer);
  const i = new DataView(iov.buffer);
  i.setBigUint64(0, koffi.address(buf), LITTLE_ENDIAN);
  i.setBigUint64(8, BigInt(buf.byteLength), LITTLE_ENDIAN);
  h.setBigUint64(16, koffi.address(iov), LITTLE_ENDIAN);
  h.setBigUint64(24, 1n, LITTLE_ENDIAN);
  if (control) {
    h.setBigUint64(32, koffi.address(control), LITTLE_ENDIAN);
    h.setBigUint64(40, BigInt(control.byteLength), LITTLE_ENDIAN);
  }
  return { header, pin: control ? [iov, buf, control] : [iov, buf] };
}

/** White box: sets IOSQE_ASYNC on a queued entry's SQE, the one way to get an entry not answered inline. */
function forceAsync(ring: Uring, slot: number): void {
  const sqe32 = (ring as unknown as { sqe32: Int32Array }).sqe32;
  sqe32[slot * 16] |= (1 << 4) << 8; // flags byte (+1) of the SQE: IOSQE_ASYNC
}

describe.skipIf(uringSkip !== null)(`Uring memory${uringSkipNote}`, () => {
  it('maps the rings from the ring fd and unmaps them on close', () => {
    const maps = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('io_uring')).length;
    const before = maps();
    const ring = Uring.open(256);
    expect(maps()).toBe(before + 2);
    ring.close();
    expect(maps()).toBe(before);
  });

  it('survives 20 terminated workers with rings: no crash, no ring fd left; each leaves its two mappings (documented)', () => {
    const child = fileURLToPath(new URL('./fixtures/terminate-rings.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [child], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ live: ['uring'], fds: 0, maps: 40 });
  });
});
