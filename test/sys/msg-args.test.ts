/**
 * sendmsg/recvmsg arguments and results at their edges: an `fds` that is not
 * an array is refused with nothing sent, recvMsg's flags never show the
 * MSG_CMSG_CLOEXEC this library asks for, and the record parsers keep their
 * TruncatedRecordError for length fields of 2^31 and more in buffers over
 * 2 GiB (allocated lazily: only the pages the test writes are touched).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { WOULD_BLOCK, pipe } from '../../host/os/fd.js';
import { controlMessages, recvMsgFd, sendMsgFd } from '../../host/os/msg.js';
import { netlinkMessages } from '../../host/sys/netlink.js';
import { MSG_CMSG_CLOEXEC } from '../../host/os/socket-abi.js';
import { socketPair } from '../../host/sys/socket.js';
import { TruncatedRecordError, alignUp } from '../../host/os/truncated.js';
import { bytes, useFdTracker } from './helpers.js';

const fds = useFdTracker();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('sendMsg: fds must be an array of descriptors', () => {
  it('sendMsgFd(…, { fds: 5 }) throws ERR_INVALID_ARG_TYPE and sends nothing', () => {
    const [a, b] = fds.trackAll(socketPair('seqpacket'));
    for (const bad of [5, '5', { 0: 5, length: 1 }, null]) {
      expect(() => sendMsgFd(a, bytes('x'), { fds: bad as unknown as number[] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => sendMsgFd(a, bytes('x'), { fds: [1.5] })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => sendMsgFd(a, bytes('x'), { control: {} as unknown as [] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(recvMsgFd(b, new Uint8Array(8))).toBe(WOULD_BLOCK);
  });

  it('PollFD.sendMsg(buf, { fds: 5 }) rejects and sends nothing', async () => {
    const p = await Poller.create();
    cleanup.push(() => p.close());
    const [fa, fb] = socketPair('seqpacket');
    fds.track(fb);
    const a = await PollFD.open(fa, { poller: p });
    cleanup.push(() => a.close());
    await expect(a.sendMsg(bytes('x'), { fds: 5 as unknown as number[] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(recvMsgFd(fb, new Uint8Array(8))).toBe(WOULD_BLOCK);
  });
});

describe('recvMsg flags', () => {
  it('do not show MSG_CMSG_CLOEXEC, which the library adds to every recvmsg with a control buffer', () => {
    const [a, b] = fds.trackAll(socketPair('stream'));
    const [r] = fds.trackAll(pipe());
    sendMsgFd(a, bytes('x'), { fds: [r] });
    const res = recvMsgFd(b, new Uint8Array(8));
    if (res === WOULD_BLOCK) throw new Error('nothing received');
    fds.trackAll(res.fds);
    expect(res.fds).toHaveLength(1);
    expect(res.flags & MSG_CMSG_CLOEXEC).toBe(0);
    expect(res.flags).toBe(0);
  });
});

describe('record lengths of 2^31 and more', () => {
  it('alignUp rounds in float arithmetic: no 32-bit wrap', () => {
    expect(alignUp(0, 4)).toBe(0);
    expect(alignUp(17, 8)).toBe(24);
    expect(alignUp(2 ** 31 + 1, 4)).toBe(2 ** 31 + 4);
    expect(alignUp(2 ** 32 - 1, 8)).toBe(2 ** 32);
    expect(alignUp(2 ** 52 + 1, 8)).toBe(2 ** 52 + 8);
  });

  // A buffer just over 2 GiB: the kernel gives it zero pages on demand, so only the written pages cost memory.
  const HUGE = 2 ** 31 + 64;

  it('netlinkMessages: a length field of 2^31 + 1 in a 2 GiB buffer yields, then TruncatedRecordError (not RangeError)', () => {
    const buf = new Uint8Array(HUGE);
    const view = new DataView(buf.buffer);
    view.setUint32(0, 2 ** 31 + 1, true); // nlmsg_len: the first message covers 2^31 + 1 bytes
    // the next record starts at alignUp(2^31 + 1, 4) = 2^31 + 4 with a length of 0: impossible
    const seen: number[] = [];
    let err: unknown;
    try {
      for (const m of netlinkMessages(buf)) seen.push(m.payload.byteLength);
    } catch (e) {
      err = e;
    }
    expect(seen).toEqual([2 ** 31 + 1 - 16]);
    expect(err).toBeInstanceOf(TruncatedRecordError);
    expect((err as TruncatedRecordError).offset).toBe(2 ** 31 + 4);
  });

  it('controlMessages: a cmsg_len of 2^31 + 17 in a 2 GiB buffer: the same', () => {
    const buf = new Uint8Array(HUGE);
    const view = new DataView(buf.buffer);
    view.setBigUint64(0, 2n ** 31n + 17n, true);
    let count = 0;
    let err: unknown;
    try {
      for (const m of controlMessages(buf)) count += m.data.byteLength > 0 ? 1 : 0;
    } catch (e) {
      err = e;
    }
    expect(count).toBe(1);
    expect(err).toBeInstanceOf(TruncatedRecordError);
    expect((err as TruncatedRecordError).offset).toBe(2 ** 31 + 24);
  });
});
