// AcceptSpreader (host/accept-spread.ts): one thread accepts, each connection
// goes to the least-loaded worker (issue 16, point 6: a shared accept gave 17
// against 47 over two workers). With every connection kept open the spread is
// exact; untaken hand-offs are bounded per worker (the spreader stops
// accepting), and a terminated worker's untaken fds are closed, not leaked.

import { describe, it, expect, afterEach } from 'vitest';
import { Worker, MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { AcceptSpreader } from '../../host/accept-spread.js';
import { MisuseError } from '../../host/errors.js';
import { unixListen, unixConnect } from '../../host/sys/socket.js';
import { openFdCount as fdCount, settledFdCount } from '../sys/helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/spread-worker.mjs', import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'spread-'));
  const path = join(dir, 'l.sock');
  const listenFd = unixListen(path, 'stream', 256);
  const poller = await Poller.create();
  const listener = await PollFD.open(listenFd, { poller });
  cleanups.push(async () => {
    await listener.close();
    await poller.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, poller, listener };
}

async function startWorker(mode: 'echo' | 'stuck') {
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(FIXTURE, { workerData: { port: port2, mode }, transferList: [port2] });
  await new Promise((ok, fail) => {
    w.once('message', ok);
    w.once('error', fail);
  });
  cleanups.push(() => w.terminate());
  return { worker: w, port: port1 };
}

async function connect(path: string, poller: Poller): Promise<PollFD> {
  const c = await PollFD.open(unixConnect(path).fd, { poller });
  cleanups.push(() => c.close());
  return c;
}

async function echoes(c: PollFD, text: string): Promise<boolean> {
  await c.write(Buffer.from(text));
  const buf = Buffer.alloc(64);
  let got = 0;
  while (got < text.length) {
    const n = await c.read(buf.subarray(got));
    if (n === 0) return false;
    got += n;
  }
  return buf.subarray(0, got).toString() === text;
}


/** The workers' 'taken' reports travel on their ports, not with the echoes: wait for them (bounded). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
}

describe('AcceptSpreader', () => {
  for (const workers of [2, 4]) {
    it(`64 connections over ${workers} workers: each gets 64/${workers} (±1), every one echoes`, async () => {
      const { path, poller, listener } = await setup();
      // A bound above 64: no worker is ever full, so the spread is by load alone (a worker still
      // starting its poller while the first connections arrive would otherwise reach the bound
      // and the others take its share: the backpressure case below).
      const spreader = new AcceptSpreader(listener, { maxInFlight: 64 });
      cleanups.push(() => spreader.close());
      for (let i = 0; i < workers; i++) spreader.add((await startWorker('echo')).port);
      const conns = [];
      for (let i = 0; i < 64; i++) conns.push(await connect(path, poller));
      const ok = await Promise.all(conns.map((c, i) => echoes(c, `hello ${i}`)));
      expect(ok.filter(Boolean).length).toBe(64);
      const handed = spreader.loads.map((l) => l.handed);
      expect(handed.reduce((a, b) => a + b, 0)).toBe(64);
      for (const h of handed) expect(Math.abs(h - 64 / workers)).toBeLessThanOrEqual(1);
      await until(() => spreader.loads.every((l) => l.inFlight === 0));
      expect(spreader.loads.map((l) => l.open + l.inFlight)).toEqual(handed);
    });
  }

  it('bounds untaken hand-offs, stops accepting when every worker is full, and closes a terminated worker\'s untaken fds', async () => {
    const { path, poller, listener } = await setup();
    const spreader = new AcceptSpreader(listener, { maxInFlight: 3 });
    cleanups.push(() => spreader.close());
    const stuck = await startWorker('stuck');
    spreader.add(stuck.port);
    const before = await settledFdCount();
    const conns = [];
    for (let i = 0; i < 5; i++) conns.push(await connect(path, poller));
    await new Promise((r) => setTimeout(r, 200));
    // Only 3 were accepted (the stuck worker's bound); 2 wait in the backlog.
    expect(spreader.loads).toEqual([{ open: 0, inFlight: 3, handed: 3 }]);
    expect(fdCount() - before).toBe(5 + 3); // the clients, and the 3 accepted ends in flight

    const healthy = await startWorker('echo');
    spreader.add(healthy.port);
    // The backlog drains to the worker with room; the stuck one's 3 stay untaken.
    expect(await echoes(conns[3], 'late 3')).toBe(true);
    expect(await echoes(conns[4], 'late 4')).toBe(true);

    await stuck.worker.terminate();
    // Its 3 untaken fds are closed by the spreader: those clients see the end of the connection.
    const buf = Buffer.alloc(8);
    for (const c of conns.slice(0, 3)) {
      c.setReadDeadline(Date.now() + 5000);
      expect(await c.read(buf)).toBe(0);
    }
    await until(() => spreader.loads.length === 1 && spreader.loads[0].inFlight === 0);
    expect(spreader.loads).toEqual([{ open: 2, inFlight: 0, handed: 2 }]);
    // New connections go to the remaining worker.
    expect(await echoes(await connect(path, poller), 'after')).toBe(true);
  });

  it('refuses bad arguments and leaves nothing behind', async () => {
    const { listener } = await setup();
    expect(() => new AcceptSpreader(listener, { maxInFlight: 0 })).toThrow(MisuseError);
    expect(() => new AcceptSpreader(3 as unknown as PollFD)).toThrow(MisuseError);
    const spreader = new AcceptSpreader(listener);
    expect(() => spreader.add({} as never)).toThrow(MisuseError);
    const { port1, port2 } = new MessageChannel();
    spreader.add(port1);
    expect(() => spreader.add(port1)).toThrow(MisuseError);
    expect(spreader.loads).toHaveLength(1);
    // Refused from the moment close() is called, not only once its run loop has wound down:
    // a port taken in between would be served by nobody and hold the process open.
    const closing = spreader.close();
    expect(() => spreader.add(port2)).toThrow(MisuseError);
    await closing;
    expect(() => spreader.add(port2)).toThrow(MisuseError);
    port1.close();

  });
});
