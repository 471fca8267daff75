/**
 * The koffi conventions host/sys relies on (see host/os/libc.ts), checked on
 * real pipes: views are passed by address with their byteOffset, WebAssembly
 * memory works, detached views become NULL, errno is readable after a call.
 */
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import * as libc from '../../host/os/libc.js';
import { WOULD_BLOCK, pipe, readFd, writeFd } from '../../host/os/fd.js';
import { useFdTracker } from './helpers.js';

const fds = useFdTracker();

describe('koffi pointer conventions', () => {
  it('passes a subarray view at its byteOffset, for writes and for reads', () => {
    const [r, w] = fds.trackAll(pipe());
    const src = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    expect(writeFd(w, src.subarray(4, 8))).toBe(4); // bytes 5..8

    const dst = new Uint8Array(16).fill(0xee);
    expect(readFd(r, dst.subarray(10, 14))).toBe(4);
    expect([...dst]).toEqual([...Array(10).fill(0xee), 5, 6, 7, 8, 0xee, 0xee]);
  });

  it('reads straight into a view of WebAssembly memory', () => {
    const [r, w] = fds.trackAll(pipe());
    const memory = new WebAssembly.Memory({ initial: 1 });
    writeFd(w, new TextEncoder().encode('wasm!'));
    expect(readFd(r, new Uint8Array(memory.buffer, 1001, 5))).toBe(5);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 1000, 7))).toBe('\0wasm!\0');
  });

  it('accepts Int32Array and DataView as void *', () => {
    const sv = new Int32Array(2).fill(-1);
    expect(libc.pipe2(sv, libc.O_NONBLOCK | libc.O_CLOEXEC)).toBe(0);
    fds.trackAll([sv[0], sv[1]]);
    expect(sv[0]).toBeGreaterThan(2);
    const dv = new DataView(new ArrayBuffer(8), 2, 3);
    expect(libc.write(sv[1], dv, dv.byteLength)).toBe(3);
  });

  it('passes a detached view as NULL with length 0: reads nothing instead of faulting', () => {
    const [r, w] = fds.trackAll(pipe());
    writeFd(w, new Uint8Array([1, 2, 3]));
    const ab = new ArrayBuffer(8);
    const view = new Uint8Array(ab);
    structuredClone(ab, { transfer: [ab] });
    expect(view.byteLength).toBe(0);
    expect(readFd(r, view)).toBe(0); // NB: indistinguishable from EOF — never keep views across memory.grow
    expect(readFd(r, new Uint8Array(8))).toBe(3);
  });

  it('reports errno through koffi.errno() right after the failing call', () => {
    expect(libc.close(-1)).toBe(-1);
    expect(libc.errno()).toBe(koffi.os.errno.EBADF);
    const [r] = fds.trackAll(pipe());
    expect(libc.read(r, new Uint8Array(4), 4)).toBe(-1);
    expect(libc.errno()).toBe(koffi.os.errno.EAGAIN);
  });

  it('returns ssize_t (declared long) as a plain number', () => {
    const [r, w] = fds.trackAll(pipe());
    const n = libc.write(w, new Uint8Array(3), 3);
    expect(typeof n).toBe('number');
    expect(readFd(r, new Uint8Array(8))).toBe(3);
    expect(readFd(r, new Uint8Array(8))).toBe(WOULD_BLOCK);
  });

  it('refuses non-buffers in the wrappers (koffi would take a number as an address)', () => {
    const [r, w] = fds.trackAll(pipe());
    expect(() => readFd(r, 0 as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => writeFd(w, 'hi' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
