/**
 * Go's dial and listen on real sockets, both drives: the socket defaults Go
 * sets (TCP_NODELAY, SO_REUSEADDR, CLOEXEC, non-blocking), addresses decoded,
 * per-direction deadlines on a TCP conn, the connect itself bounded by a
 * deadline or an AbortSignal without leaking the socket, connection refused,
 * UDP readFrom/writeTo, the unix networks, and stream() piped against
 * node:net sockets.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DRIVES, usePoller, timesOut, rejection, nowMs, expectFiredInBounds, until, sleep } from '../go/support.js';
import { AbortError, type Poller, type PollFD, defaultPoller } from '../../host/index.js';
import { dial } from '../../host/sys/dial.js';
import { listen, listenPacket, type Listener } from '../../host/sys/listen.js';
import { formatAddress, localAddress, remoteAddress } from '../../host/sys/conn-address.js';
import { readFrom, writeTo } from '../../host/sys/datagram-address.js';
import { getSockOptInt } from '../../host/sys/generic-socket.js';
import { isCloseOnExec, isNonBlocking } from '../../host/os/fd.js';
import { IPPROTO_TCP, SOL_SOCKET, SO_BROADCAST, SO_REUSEADDR, TCP_NODELAY } from '../../host/os/socket-abi.js';
import { openFdCount, useTempDir } from './helpers.js';

const tempDir = useTempDir();
/** Lets descriptors the previous test's pollers close in the background go first, so a count taken now is stable. */
const settled = (): Promise<void> => sleep(50);
let seq = 0;

for (const drive of DRIVES) {
  describe(`dial and listen (${drive})`, () => {
    const h = usePoller(drive);
    const poller = (): { poller: Poller } => ({ poller: h().poller });
    const owned: { close(): Promise<void> }[] = [];
    const keep = <T extends { close(): Promise<void> }>(x: T): T => (owned.push(x), x);
    const closeAll = async (): Promise<void> => {
      while (owned.length) await owned.pop()!.close();
    };
    const tcpPair = async (l: Listener, network = 'tcp'): Promise<[PollFD, PollFD]> => {
      const addr = formatAddress(l.address());
      const [client, server] = await Promise.all([dial(network, addr, poller()), l.accept()]);
      return [keep(client), keep(server)];
    };

    it("TCP: Go's socket defaults, addresses decoded, bytes both ways", async () => {
      try {
        const l = keep(await listen('tcp4', '127.0.0.1:0', poller()));
        expect(getSockOptInt(l.pollfd.fd, SOL_SOCKET, SO_REUSEADDR)).toBe(1);
        const [client, server] = await tcpPair(l);
        for (const c of [client, server]) {
          expect(getSockOptInt(c.fd, IPPROTO_TCP, TCP_NODELAY)).toBe(1);
          expect(isNonBlocking(c.fd)).toBe(true);
          expect(isCloseOnExec(c.fd)).toBe(true);
        }
        expect(remoteAddress(client)).toEqual(l.address());
        expect(localAddress(client)).toEqual(remoteAddress(server));
        expect(formatAddress(localAddress(server))).toMatch(/^127\.0\.0\.1:\d+$/);
        await client.write(Buffer.from('ping'));
        const buf = new Uint8Array(16);
        expect(Buffer.from(buf.subarray(0, await server.read(buf))).toString()).toBe('ping');
      } finally {
        await closeAll();
      }
    });

    it("Listener.acceptMany: every waiting connection as a PollFD with Go's defaults, in one call", async () => {
      try {
        const l = keep(await listen('tcp4', '127.0.0.1:0', poller()));
        const addr = formatAddress(l.address());
        const clients = await Promise.all([1, 2, 3].map(() => dial('tcp4', addr, poller()).then(keep)));
        const servers: PollFD[] = [];
        while (servers.length < 3) servers.push(...(await l.acceptMany()).map(keep));
        expect(servers).toHaveLength(3);
        for (const c of servers) {
          expect(getSockOptInt(c.fd, IPPROTO_TCP, TCP_NODELAY)).toBe(1);
          expect(isNonBlocking(c.fd)).toBe(true);
        }
        const ends = new Set(servers.map((c) => formatAddress(remoteAddress(c))));
        expect(ends).toEqual(new Set(clients.map((c) => formatAddress(localAddress(c)))));
      } finally {
        await closeAll();
      }
    });

    it('TCP: a read deadline expires while writes go on; a write deadline does not touch reads (Go per-direction deadlines)', async () => {
      try {
        const [client, server] = await tcpPair(keep(await listen('tcp', '127.0.0.1:0', poller())));
        const setAt = nowMs();
        client.setReadDeadline(setAt + 100);
        const reading = client.read(new Uint8Array(16));
        expect(await client.write(Buffer.from('still writing'))).toBe(13); // the write direction has no deadline
        const { at } = await timesOut(reading);
        expectFiredInBounds(at, setAt, setAt + 100);
        client.setWriteDeadline(Date.now() - 1); // expired for writes only
        await timesOut(client.write(Buffer.from('x')));
        client.setReadDeadline(null);
        await server.write(Buffer.from('reply'));
        const buf = new Uint8Array(16);
        expect(Buffer.from(buf.subarray(0, await client.read(buf))).toString()).toBe('reply');
      } finally {
        await closeAll();
      }
    });

    it("tcp6 on [::1], and 'tcp' on ':0' is dual-stack: a tcp4 dial reaches it", async () => {
      try {
        const l6 = keep(await listen('tcp6', '[::1]:0', poller()));
        const [c6] = await tcpPair(l6, 'tcp6');
        expect(remoteAddress(c6)).toMatchObject({ family: 'inet6', address: '::1' });
        const any = keep(await listen('tcp', ':0', poller()));
        const { port } = any.address() as { port: number };
        const [c4, s4] = await Promise.all([dial('tcp4', `127.0.0.1:${port}`, poller()), any.accept()]);
        keep(c4);
        keep(s4);
        expect(remoteAddress(s4)).toMatchObject({ family: 'inet6', address: '::ffff:127.0.0.1' });
        await expect(dial('tcp6', `127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
      } finally {
        await closeAll();
      }
    });

    it("a host name is looked up (localhost); the listener's deadline bounds accept; closing it ends its async iteration", async () => {
      try {
        const l = keep(await listen('tcp4', '127.0.0.1:0', poller()));
        const { port } = l.address() as { port: number };
        const setAt = nowMs();
        l.setDeadline(setAt + 80);
        const { at } = await timesOut(l.accept());
        expectFiredInBounds(at, setAt, setAt + 80);
        l.setDeadline(null);
        const [c, s] = await Promise.all([dial('tcp4', `localhost:${port}`, poller()), l.accept()]);
        keep(c);
        keep(s);
        expect(remoteAddress(c)).toMatchObject({ address: '127.0.0.1', port });
        const conns: PollFD[] = [];
        const loop = (async () => {
          for await (const conn of l) conns.push(keep(conn));
          return 'ended';
        })();
        keep(await dial('tcp', `127.0.0.1:${port}`, poller()));
        await until(() => conns.length === 1);
        await l.close();
        expect(await loop).toBe('ended');
      } finally {
        await closeAll();
      }
    });

    it('connection refused is the connect error (SO_ERROR), and the socket is closed', async () => {
      const l = await listen('tcp', '127.0.0.1:0', poller());
      const addr = formatAddress(l.address());
      await l.close();
      await settled();
      const before = openFdCount();
      await expect(dial('tcp', addr, poller())).rejects.toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
      expect(openFdCount()).toBeLessThanOrEqual(before);
    });

    /** Dials until one connect stays pending (the listener's accept queue is full and SYNs are dropped): returns the options' outcome. */
    async function pendingDial(addr: string, opts: () => { deadline?: number; signal?: AbortSignal }): Promise<{ err: Error; tries: number }> {
      for (let tries = 1; tries <= 64; tries++) {
        try {
          keep(await dial('tcp', addr, { ...poller(), ...opts() }));
        } catch (err) {
          return { err: err as Error, tries };
        }
      }
      throw new Error('every connect finished: the accept queue never filled');
    }

    it('the connect obeys the deadline (i/o timeout) and the signal (AbortError), leaking nothing', async () => {
      try {
        const l = keep(await listen('tcp', '127.0.0.1:0', { ...poller(), backlog: 0 })); // never accepted from
        const addr = formatAddress(l.address());
        let setAt = 0;
        const { err, tries } = await pendingDial(addr, () => ({ deadline: (setAt = nowMs()) + 150 }));
        const at = nowMs();
        expect(err).toMatchObject({ code: 'ETIMEDOUT', timeout: true });
        expectFiredInBounds(at, setAt, setAt + 150);
        expect(tries).toBeGreaterThan(1);

        await settled();
        const before = openFdCount();
        const ac = new AbortController();
        const dialing = dial('tcp', addr, { ...poller(), signal: ac.signal });
        setTimeout(() => ac.abort(new Error('user gave up')), 50);
        const aborted = await rejection(dialing);
        expect(aborted).toBeInstanceOf(AbortError);
        expect(openFdCount()).toBeLessThanOrEqual(before);
        await expect(dial('tcp', addr, { ...poller(), deadline: Date.now() - 1 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(openFdCount()).toBeLessThanOrEqual(before);
      } finally {
        await closeAll();
      }
    });

    it('the deadline and the signal bound the host name lookup too (Go: the context covers resolution); a custom lookup is used and checked', async () => {
      try {
        const l = keep(await listen('tcp4', '127.0.0.1:0', poller()));
        const port = Number(formatAddress(l.address()).split(':').pop());
        const asked: string[] = [];
        const local = async (host: string): Promise<{ address: string; family: number }> => {
          asked.push(host);
          return { address: '127.0.0.1', family: 4 };
        };
        // The caller's lookup is used: a name only it knows reaches the listener.
        const [c, s] = await Promise.all([dial('tcp4', `echo.internal:${port}`, { ...poller(), lookup: local }), l.accept()]);
        keep(c);
        keep(s);
        expect(asked).toEqual(['echo.internal']);

        await settled();
        const before = openFdCount();
        // A lookup that never answers: the deadline ends the dial on time, and no socket was made.
        const hung = (): Promise<never> => new Promise(() => {});
        const setAt = nowMs();
        const err = await rejection(dial('tcp', `slow.example:${port}`, { ...poller(), lookup: hung, deadline: setAt + 100 }));
        expect(err).toMatchObject({ code: 'ETIMEDOUT', timeout: true });
        expect(err.message).toContain('lookup');
        expectFiredInBounds(nowMs(), setAt, setAt + 100);
        // … and the signal.
        const ac = new AbortController();
        const dialing = dial('tcp', `slow.example:${port}`, { ...poller(), lookup: hung, signal: ac.signal });
        setTimeout(() => ac.abort(new Error('user gave up')), 30);
        expect(await rejection(dialing)).toBeInstanceOf(AbortError);
        // A late answer after the deadline is dropped, not dialled.
        let answer!: (a: { address: string; family: number }) => void;
        const late = (): Promise<{ address: string; family: number }> => new Promise((r) => (answer = r));
        await expect(dial('tcp', `late.example:${port}`, { ...poller(), lookup: late, deadline: Date.now() + 30 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        answer({ address: '127.0.0.1', family: 4 });
        await sleep(20);
        expect(openFdCount()).toBeLessThanOrEqual(before);

        // The answer is checked: not an address, or the wrong family, is a typed error; a bad option too.
        const lying = (address: unknown) => async () => ({ address, family: 4 }) as never;
        await expect(dial('tcp4', `x.example:${port}`, { ...poller(), lookup: lying('not an ip') })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
        await expect(dial('tcp4', `x.example:${port}`, { ...poller(), lookup: lying('::1') })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
        await expect(dial('tcp4', `x.example:${port}`, { ...poller(), lookup: lying(undefined) })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
        await expect(dial('tcp4', `x.example:${port}`, { ...poller(), lookup: 'dns' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
        expect(openFdCount()).toBeLessThanOrEqual(before);
      } finally {
        await closeAll();
      }
    });

    it('UDP: listenPacket + dial, readFrom names the sender, writeTo answers it', async () => {
      try {
        const server = keep(await listenPacket('udp4', '127.0.0.1:0', poller()));
        const client = keep(await dial('udp', formatAddress(localAddress(server)), poller()));
        for (const s of [server, client]) expect(getSockOptInt(s.fd, SOL_SOCKET, SO_BROADCAST)).toBe(1);
        await client.write(Buffer.from('question'));
        const buf = new Uint8Array(64);
        server.setReadDeadline(Date.now() + 5000);
        const got = await readFrom(server, buf);
        expect(Buffer.from(buf.subarray(0, got.n)).toString()).toBe('question');
        expect(got.address).toBe(formatAddress(localAddress(client)));
        expect(await writeTo(server, Buffer.from('answer'), got.address)).toBe(6);
        client.setReadDeadline(Date.now() + 5000);
        expect(Buffer.from(buf.subarray(0, await client.read(buf))).toString()).toBe('answer');
        expect(() => writeTo(server, Buffer.from('x'), 'example.com:53')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));

        // 'udp' on ':0' is dual-stack: an IPv4 sender shows as ::ffff:a.b.c.d, and writeTo maps an IPv4 destination the same way.
        const any = keep(await listenPacket('udp', ':0', poller()));
        const v4 = keep(await dial('udp4', `127.0.0.1:${(localAddress(any) as { port: number }).port}`, poller()));
        const v6 = keep(await dial('udp6', `[::1]:${(localAddress(any) as { port: number }).port}`, poller()));
        await v4.write(Buffer.from('four'));
        any.setReadDeadline(Date.now() + 5000);
        const from4 = await readFrom(any, buf);
        expect(from4.address).toBe(`[::ffff:127.0.0.1]:${(localAddress(v4) as { port: number }).port}`);
        await writeTo(any, Buffer.from('mapped'), formatAddress(localAddress(v4)));
        v4.setReadDeadline(Date.now() + 5000);
        expect(Buffer.from(buf.subarray(0, await v4.read(buf))).toString()).toBe('mapped');
        await v6.write(Buffer.from('six'));
        expect((await readFrom(any, buf)).from).toMatchObject({ family: 'inet6', address: '::1' });
      } finally {
        await closeAll();
      }
    });

    it('unix, unixpacket (message boundaries kept) and unixgram; close removes the socket file', async () => {
      try {
        for (const network of ['unix', 'unixpacket'] as const) {
          const path = join(tempDir(), `${network}-${drive}-${++seq}.sock`);
          const l = await listen(network, path, poller());
          const [client, server] = await Promise.all([dial(network, path, poller()), l.accept()]);
          keep(client);
          keep(server);
          expect(localAddress(l.pollfd)).toEqual({ family: 'unix', path });
          expect(remoteAddress(client)).toEqual({ family: 'unix', path });
          await client.write(Buffer.from('one'));
          await client.write(Buffer.from('two'));
          const buf = new Uint8Array(16);
          server.setReadDeadline(Date.now() + 5000);
          const first = Buffer.from(buf.subarray(0, await server.read(buf))).toString();
          if (network === 'unixpacket') expect(first).toBe('one');
          else expect('onetwo'.startsWith(first)).toBe(true);
          await l.close();
          expect(existsSync(path)).toBe(false);
        }
        const gram = join(tempDir(), `gram-${drive}-${++seq}.sock`);
        const server = keep(await listenPacket('unixgram', gram, poller()));
        const client = keep(await dial('unixgram', gram, poller()));
        await client.write(Buffer.from('dgram'));
        const buf = new Uint8Array(16);
        server.setReadDeadline(Date.now() + 5000);
        const got = await readFrom(server, buf);
        expect(Buffer.from(buf.subarray(0, got.n)).toString()).toBe('dgram');
        expect(got.address).toBe(''); // an unnamed client
      } finally {
        await closeAll();
      }
    });

    it('stream() on a dialed TCP PollFD in pipeline() against a node:net echo server, and node:net dialing our listener', async () => {
      const payload = randomBytes(1 << 20);
      const collect = (into: Buffer[]): Writable => new Writable({ write: (c: Buffer, _e, cb) => (into.push(c), cb()) });
      const echo: Server = createServer((s) => s.pipe(s));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
      try {
        const conn = await dial('tcp', `127.0.0.1:${(echo.address() as AddressInfo).port}`, poller());
        const back: Buffer[] = [];
        await pipeline(Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]), conn.stream(), collect(back));
        expect(Buffer.concat(back).equals(payload)).toBe(true);

        const l = keep(await listen('tcp', '127.0.0.1:0', poller()));
        const served = (async () => {
          const c = await l.accept();
          const s = c.stream();
          await pipeline(s, s); // echo, ending our write side when the client ends
        })();
        const nodeSock = createConnection((l.address() as { port: number }).port, '127.0.0.1');
        const got: Buffer[] = [];
        await pipeline(Readable.from([payload]), nodeSock, collect(got));
        await served;
        expect(Buffer.concat(got).equals(payload)).toBe(true);
      } finally {
        await closeAll();
        await new Promise((r) => echo.close(r));
      }
    });
  });
}

describe('dial / listen refuse bad arguments before creating anything', () => {
  it('typed errors', async () => {
    await defaultPoller(); // its own descriptors are not the calls' to leak
    const before = openFdCount();
    await expect(dial('tcp9', '1.2.3.4:1')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(dial('tcp', '1.2.3.4')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(dial('tcp', '::1:80')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(dial('tcp', '1.2.3.4:70000')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(dial('tcp', 42 as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(dial('tcp', '1.2.3.4:1', { deadline: 'soon' as unknown as number })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(dial('tcp', '1.2.3.4:1', { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'ERR_NETPOLL_MISUSE' });
    await expect(listen('udp', '127.0.0.1:0')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(listenPacket('tcp', '127.0.0.1:0')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(listen('tcp', '127.0.0.1:0', { backlog: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(openFdCount()).toBe(before);
  });
});

describe('dial: a deadline never ends the host name lookup early', () => {
  it("even when Node's timer fires before the wall clock reaches the deadline", async () => {
    // Node's timers count whole milliseconds on the loop's own clock and may fire a little before the
    // wall clock reaches the deadline (seen in CI: 0.17 ms). Make every timer fire 5 ms early.
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => real(fn, Math.max(0, (ms ?? 0) - 5))) as typeof setTimeout;
    try {
      const deadline = nowMs() + 30;
      const err = await rejection(dial('tcp', 'slow.example:1', { lookup: () => new Promise<never>(() => {}), deadline }));
      const at = nowMs();
      expect(err).toMatchObject({ code: 'ETIMEDOUT', timeout: true });
      expect(at).toBeGreaterThanOrEqual(deadline);
    } finally {
      globalThis.setTimeout = real;
    }
  });
});
