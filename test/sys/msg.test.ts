/**
 * sendmsg/recvmsg on real sockets, through the sys wrappers and through
 * PollFD's recvFrom/sendTo/recvMsg/sendMsg: peer addresses on datagram unix
 * and UDP sockets, SCM_RIGHTS passing a live descriptor, credentials, the
 * truncation flags, deadlines and close. The control-message parser is bounded.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, DeadlineExceededError, Poller, PollFD } from '../../host/index.js';
import { WOULD_BLOCK, isCloseOnExec, pipe, readFd, writeFd } from '../../host/os/fd.js';
import { bind, getSockName, setSockOpt, socket } from '../../host/sys/generic-socket.js';
import { cmsgSpace, controlMessages, recvMsgFd, sendMsgFd } from '../../host/os/msg.js';
import { decodeSockaddr, sockaddrInet, sockaddrInet6, sockaddrUnix } from '../../host/sys/sockaddr.js';
import {
  AF_INET, AF_INET6, AF_UNIX, MSG_CTRUNC, MSG_TRUNC, SCM_CREDENTIALS, SOCK_DGRAM, SOL_SOCKET, SO_PASSCRED,
} from '../../host/os/socket-abi.js';
import { socketPair } from '../../host/sys/socket.js';
import { TruncatedRecordError } from '../../host/os/truncated.js';
import { bytes, text, useFdTracker, useTempDir } from './helpers.js';

const fds = useFdTracker();
const tempDir = useTempDir();
let seq = 0;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function poller(): Promise<Poller> {
  const p = await Poller.create();
  cleanup.push(() => p.close());
  return p;
}

async function open(fd: number, p: Poller): Promise<PollFD> {
  const pfd = await PollFD.open(fd, { poller: p });
  cleanup.push(() => pfd.close());
  return pfd;
}

/** A bound AF_UNIX datagram socket: [fd, its address bytes]. */
function boundDgram(): [number, Uint8Array] {
  const addr = sockaddrUnix(join(tempDir(), `d${seq++}.sock`));
  const fd = socket(AF_UNIX, SOCK_DGRAM);
  bind(fd, addr);
  return [fd, addr];
}

describe('recvMsgFd / sendMsgFd', () => {
  it('WOULD_BLOCK when empty; MSG_TRUNC when the datagram is longer than the buffer', () => {
    const [a, b] = fds.trackAll(socketPair('dgram'));
    expect(recvMsgFd(b, new Uint8Array(8))).toBe(WOULD_BLOCK);
    expect(sendMsgFd(a, bytes('0123456789'))).toBe(10);
    const buf = new Uint8Array(4);
    const r = recvMsgFd(b, buf);
    expect(r).not.toBe(WOULD_BLOCK);
    if (r === WOULD_BLOCK) return;
    expect(r.n).toBe(4);
    expect(text(buf, r.n)).toBe('0123');
    expect(r.flags & MSG_TRUNC).toBe(MSG_TRUNC);
  });

  it('SCM_RIGHTS: a pipe end crosses a socketpair and works on the other side, close-on-exec', () => {
    const [a, b] = fds.trackAll(socketPair('stream'));
    const [r, w] = fds.trackAll(pipe());
    expect(sendMsgFd(a, bytes('x'), { fds: [w] })).toBe(1);
    const res = recvMsgFd(b, new Uint8Array(8));
    if (res === WOULD_BLOCK) throw new Error('nothing received');
    expect(res.fds).toHaveLength(1);
    const passed = fds.track(res.fds[0]!);
    expect(passed).not.toBe(w);
    expect(isCloseOnExec(passed)).toBe(true);
    fds.close(w); // the received copy keeps the pipe's write end alive
    expect(writeFd(passed, bytes('through the passed fd'))).toBe(21);
    const buf = new Uint8Array(64);
    expect(text(buf, readFd(r, buf))).toBe('through the passed fd');
  });

  it('a control buffer too small for the descriptors sets MSG_CTRUNC and installs none that did not fit', () => {
    const [a, b] = fds.trackAll(socketPair('dgram'));
    const [r, w] = fds.trackAll(pipe());
    sendMsgFd(a, bytes('x'), { fds: [r, w, r, w] });
    const res = recvMsgFd(b, new Uint8Array(8), { controlSize: cmsgSpace(4 * 2) });
    if (res === WOULD_BLOCK) throw new Error('nothing received');
    fds.trackAll(res.fds);
    expect(res.flags & MSG_CTRUNC).toBe(MSG_CTRUNC);
    expect(res.fds).toHaveLength(2);
  });

  it('other control messages come back as { level, type, data }: SCM_CREDENTIALS with SO_PASSCRED', () => {
    const [a, b] = fds.trackAll(socketPair('dgram'));
    setSockOpt(b, SOL_SOCKET, SO_PASSCRED, 1);
    sendMsgFd(a, bytes('who'));
    const res = recvMsgFd(b, new Uint8Array(8));
    if (res === WOULD_BLOCK) throw new Error('nothing received');
    expect(res.control).toHaveLength(1);
    const [cred] = res.control;
    expect(cred).toMatchObject({ level: SOL_SOCKET, type: SCM_CREDENTIALS });
    const v = new DataView(cred!.data.buffer, cred!.data.byteOffset, cred!.data.byteLength);
    expect([v.getInt32(0, true), v.getUint32(4, true), v.getUint32(8, true)]).toEqual([process.pid, process.getuid!(), process.getgid!()]);
  });

  it('refuses bad arguments before any syscall', () => {
    const [a] = fds.trackAll(socketPair('dgram'));
    expect(() => sendMsgFd(a, bytes('x'), { fds: [-1] })).toThrow(RangeError);
    expect(() => sendMsgFd(a, bytes('x'), { fds: new Array(254).fill(0) })).toThrow(RangeError);
    expect(() => sendMsgFd(a, 'x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => recvMsgFd(a, new Uint8Array(1), { controlSize: -1 })).toThrow(RangeError);
    expect(() => sendMsgFd(a, bytes('x'), { fds: [123456] })).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'sendmsg' }));
  });
});

describe('controlMessages (the parser)', () => {
  /** Two control messages of 12 data bytes each (28 bytes, padded to 32), as recvmsg lays them out. */
  function twoMessages(): Uint8Array {
    const out = new Uint8Array(cmsgSpace(12) + cmsgSpace(12));
    const v = new DataView(out.buffer);
    for (const [off, type] of [[0, 2], [cmsgSpace(12), 1]] as const) {
      v.setBigUint64(off, 16n + 12n, true);
      v.setInt32(off + 8, SOL_SOCKET, true);
      v.setInt32(off + 12, type, true);
    }
    return out;
  }

  it('every truncation is complete messages or throws TruncatedRecordError; random bytes too', () => {
    const control = twoMessages();
    expect([...controlMessages(control)].map((m) => m.type)).toEqual([2, 1]);
    for (let cut = 0; cut < control.length; cut++) {
      const part = control.slice(0, cut);
      // complete: nothing, one or both messages (the last one's trailing padding may be missing)
      if (cut === 0 || (cut >= 28 && cut <= 32) || cut >= 60) expect(() => [...controlMessages(part)]).not.toThrow();
      else expect(() => [...controlMessages(part)]).toThrow(TruncatedRecordError);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          for (const m of controlMessages(b.slice())) expect(m.data.byteLength).toBeLessThanOrEqual(b.length);
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('PollFD.recvFrom / sendTo / recvMsg / sendMsg', () => {
  it('datagram unix sockets: the receiver sees the sender\'s path and replies to it', async () => {
    const p = await poller();
    const [fa, addrA] = boundDgram();
    const [fb, addrB] = boundDgram();
    const a = await open(fa, p);
    const b = await open(fb, p);
    const buf = Buffer.alloc(64);
    const got = b.recvFrom(buf); // parked before anything is sent
    await new Promise((r) => setTimeout(r, 10));
    expect(await a.sendTo(bytes('hello'), addrB)).toBe(5);
    const { n, addr } = await got;
    expect(buf.toString('utf8', 0, n)).toBe('hello');
    expect(decodeSockaddr(addr!)).toEqual(decodeSockaddr(addrA));
    await b.sendTo(bytes('hi back'), addr!);
    const back = await a.recvFrom(buf);
    expect(buf.toString('utf8', 0, back.n)).toBe('hi back');
    expect(decodeSockaddr(back.addr!)).toEqual(decodeSockaddr(addrB));
  });

  it('UDP on 127.0.0.1 and ::1: addresses and ports as the kernel reports them', async () => {
    const p = await poller();
    for (const [family, local] of [[AF_INET, sockaddrInet('127.0.0.1', 0)], [AF_INET6, sockaddrInet6('::1', 0)]] as const) {
      const fa = socket(family, SOCK_DGRAM);
      const fb = socket(family, SOCK_DGRAM);
      bind(fa, local);
      bind(fb, local);
      const a = await open(fa, p);
      const b = await open(fb, p);
      await a.sendTo(bytes('udp'), getSockName(fb));
      const buf = new Uint8Array(16);
      const { n, addr } = await b.recvFrom(buf);
      expect(text(buf, n)).toBe('udp');
      expect(decodeSockaddr(addr!)).toEqual(decodeSockaddr(getSockName(fa)));
    }
  });

  it('a recvFrom deadline on a quiet socket fails with DeadlineExceededError, not early', async () => {
    const p = await poller();
    const [fd] = boundDgram();
    const s = await open(fd, p);
    const t0 = performance.now();
    s.setReadDeadline(Date.now() + 40);
    await expect(s.recvFrom(new Uint8Array(8))).rejects.toBeInstanceOf(DeadlineExceededError);
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(35); // Date.now() is whole ms
    expect(waited).toBeLessThan(5000);
    // the deadline stays passed, as for read(), until it is moved
    await expect(s.recvMsg(new Uint8Array(8))).rejects.toBeInstanceOf(DeadlineExceededError);
    s.setReadDeadline(null);
    const other = await open(socket(AF_UNIX, SOCK_DGRAM), p);
    await other.sendTo(bytes('late'), getSockName(fd));
    expect((await s.recvFrom(new Uint8Array(8))).n).toBe(4);
  });

  it('close wakes a parked recvMsg with ClosedError; an AbortSignal withdraws one', async () => {
    const p = await poller();
    const [fa, fb] = socketPair('seqpacket');
    const a = await open(fa, p);
    await open(fb, p);
    const ac = new AbortController();
    const aborted = a.recvMsg(new Uint8Array(8), { signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR' });
    const parked = a.recvMsg(new Uint8Array(8));
    await new Promise((r) => setTimeout(r, 10));
    await a.close();
    await expect(parked).rejects.toBeInstanceOf(ClosedError);
    await expect(a.sendTo(bytes('x'), sockaddrUnix('/nowhere'))).rejects.toBeInstanceOf(ClosedError);
  });

  it('sendMsg passes descriptors; recvMsg on the other PollFD receives them with the data', async () => {
    const p = await poller();
    const [fa, fb] = socketPair('seqpacket');
    const a = await open(fa, p);
    const b = await open(fb, p);
    const [r, w] = fds.trackAll(pipe());
    const incoming = b.recvMsg(Buffer.alloc(16));
    expect(await a.sendMsg(bytes('pipe'), { fds: [r, w] })).toBe(4);
    const msg = await incoming;
    fds.trackAll(msg.fds);
    expect(msg.n).toBe(4);
    expect(msg.fds).toHaveLength(2);
    const [r2, w2] = msg.fds as [number, number];
    writeFd(w2, bytes('both ends'));
    const buf = new Uint8Array(16);
    expect(text(buf, readFd(r2, buf))).toBe('both ends');
  });

  it('a buffer that is not a Uint8Array is a rejected promise', async () => {
    const p = await poller();
    const [fa] = socketPair('dgram');
    const a = await open(fa, p);
    await expect(a.recvFrom('x' as unknown as Uint8Array)).rejects.toBeInstanceOf(TypeError);
    await expect(a.sendMsg(7 as unknown as Uint8Array)).rejects.toBeInstanceOf(TypeError);
  });
});
