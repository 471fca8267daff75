/**
 * SubmitWave: the attempts of one microtask wave share one io_uring_enter
 * (at least minBatch of them) or are made as plain calls (fewer), and either
 * way each settles with what the plain call returns — the same counts,
 * WOULD_BLOCK, EOF and SyscallError — in the order the attempts were made.
 */
import { constants } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SubmitWave } from '../../host/io-wave.js';
import { Uring } from '../../host/os/uring.js';
import { WOULD_BLOCK, pipe, readFd, writeFd } from '../../host/os/fd.js';
import { SyscallError } from '../../host/os/errors.js';
import { useFdTracker } from '../sys/helpers.js';

const fds = useFdTracker();
const rings: Uring[] = [];
afterEach(() => rings.splice(0).forEach((r) => r.close()));
const ringOf = (entries: number): Uring => {
  const r = Uring.open(entries);
  rings.push(r);
  return r;
};

/** Plain-call results of the same script, for comparison. */
function script(io: { write(fd: number, b: Uint8Array): Promise<number> | number; read(fd: number, b: Uint8Array): Promise<number> | number }) {
  const [r, w] = fds.trackAll(pipe());
  const [r2, w2] = fds.trackAll(pipe());
  fds.close(w2); // r2 reads EOF
  const bufs = [new Uint8Array(3), new Uint8Array(8), new Uint8Array(8), new Uint8Array(1)];
  return {
    calls: [io.write(w, new TextEncoder().encode('hello')), io.read(r, bufs[0]), io.read(r, bufs[1]), io.read(r, bufs[2]), io.read(r2, bufs[3])],
    bufs,
  };
}

describe('SubmitWave', () => {
  it('makes a wave of at least minBatch attempts with one io_uring_enter, with the plain calls\' results in order', async () => {
    const ring = ringOf(8);
    const wave = new SubmitWave(ring, 4);
    const before = ring.enters;
    const { calls, bufs } = script(wave);
    const got = await Promise.all(calls);
    const plain = script({ write: writeFd, read: readFd });
    expect(got).toEqual(await Promise.all(plain.calls));
    expect(got).toEqual([5, 3, 2, WOULD_BLOCK, 0]);
    expect(bufs.map((b) => [...b])).toEqual(plain.bufs.map((b) => [...b]));
    expect(ring.enters - before).toBe(1);
    expect([wave.ringWaves, wave.ringAttempts, wave.plainAttempts]).toEqual([1, 5, 0]);
  });

  it('makes a smaller wave as plain calls: no io_uring_enter, same results', async () => {
    const ring = ringOf(8);
    const wave = new SubmitWave(ring, 16);
    const before = ring.enters;
    const got = await Promise.all(script(wave).calls);
    expect(got).toEqual([5, 3, 2, WOULD_BLOCK, 0]);
    expect(ring.enters).toBe(before);
    expect(wave.plainAttempts).toBe(5);
  });

  it('rejects with the SyscallError the plain call throws (EPIPE on a pipe without a reader)', async () => {
    const wave = new SubmitWave(ringOf(8), 1);
    const [r, w] = fds.trackAll(pipe());
    fds.close(r);
    const err = await wave.write(w, new Uint8Array(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ code: 'EPIPE', syscall: 'write', fd: w });
    expect(() => writeFd(w, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'write', fd: w }));
  });

  it('keeps order across a wave larger than the ring (a full ring is made at once)', async () => {
    const ring = ringOf(2);
    const wave = new SubmitWave(ring, 1);
    const [r, w] = fds.trackAll(pipe());
    const writes = [0, 1, 2, 3, 4].map((i) => wave.write(w, new Uint8Array([i])));
    expect(await Promise.all(writes)).toEqual([1, 1, 1, 1, 1]);
    const got = new Uint8Array(8);
    expect(readFd(r, got)).toBe(5);
    expect([...got.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(wave.ringWaves).toBe(3);
  });

  it('makes an entry the kernel cancelled again as the plain call, so no attempt is lost', async () => {
    const ring = ringOf(8);
    const wave = new SubmitWave(ring, 1);
    const [r, w] = fds.trackAll(pipe());
    writeFd(w, new Uint8Array([5, 6]));
    // The entry goes to an empty pipe (so it consumes nothing) and reads as cancelled.
    const [empty] = fds.trackAll(pipe());
    const queue = ring.read.bind(ring);
    vi.spyOn(ring, 'read').mockImplementationOnce((_fd, b) => queue(empty, b));
    vi.spyOn(ring, 'result').mockReturnValueOnce(-constants.errno.ECANCELED);
    const buf = new Uint8Array(4);
    expect(await wave.read(r, buf)).toBe(2);
    expect([...buf.subarray(0, 2)]).toEqual([5, 6]);
    expect(wave.plainAttempts).toBe(1);
  });

  it('falls back to plain calls once the ring is closed', async () => {
    const ring = ringOf(8);
    const wave = new SubmitWave(ring, 1);
    const [r, w] = fds.trackAll(pipe());
    ring.close();
    expect(await Promise.all([wave.write(w, new Uint8Array([1])), wave.read(r, new Uint8Array(2))])).toEqual([1, 1]);
    expect(wave.plainAttempts).toBe(2);
  });
});
