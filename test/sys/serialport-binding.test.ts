/**
 * The serialport binding: @serialport/stream's SerialPortStream runs on it,
 * unchanged, over a pty pair (the port is the slave; this test plays the
 * device on the master), on both drives and in a terminated worker; and the
 * expectations serialport's own binding tests have of every binding that can
 * run without hardware, each with the error serialport's Linux binding gives.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, PollFD } from '../../host/index.js';
import { openPty } from '../../host/sys/pty.js';
import { closeFd } from '../../host/os/fd.js';
import { getTermios2 } from '../../host/sys/termios2.js';
import { CBAUD } from '../../host/sys/termios.js';
import { NetpollBinding, type NetpollPortBinding, PortNotOpenError, createSerialBinding } from '../../host/sys/serialport-binding.js';
import { openFdCount as fdCount, settledFdCount } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Compile-time: the binding is a BindingInterface (the test's typecheck fails otherwise).
const typed: BindingInterface = NetpollBinding;
void typed;

/** A pty whose slave path is the "serial port"; the master (a PollFD) is the device at the other end. */
async function device(poller: Poller): Promise<{ path: string; master: PollFD }> {
  const { master, slave, path } = openPty();
  closeFd(slave);
  const pfd = await PollFD.open(master, { poller });
  cleanup.push(() => pfd.close());
  return { path, master: pfd };
}

const defaultOpenOptions = { baudRate: 9600, dataBits: 8, hupcl: true, lock: true, parity: 'none', rtscts: false, stopBits: 1, xany: false, xoff: false, xon: false } as const;

for (const drive of ['uv', 'thread'] as const) {
  describe(`SerialPortStream on the netpoll binding (${drive} drive)`, () => {
    async function setup() {
      const poller = await Poller.create({ drive });
      cleanup.push(() => poller.close());
      const binding = createSerialBinding({ poller });
      const dev = await device(poller);
      return { binding, ...dev };
    }

    it('opens at a non-standard rate, carries bytes both ways, updates the rate and closes with a clean end', async () => {
      const { binding, path, master } = await setup();
      const port = new SerialPortStream({ binding, path, baudRate: 250000 });
      await once(port, 'open');
      const netpollPort = port.port as NetpollPortBinding;
      expect(await netpollPort.getBaudRate()).toEqual({ baudRate: 250000 });
      expect(getTermios2(netpollPort.fd!).cflag & CBAUD).toBe(0o10000); // BOTHER

      const got: Buffer[] = [];
      port.on('data', (d: Buffer) => got.push(d));
      await master.write(Buffer.from('hello from the device\n'));
      for (let i = 0; i < 200 && Buffer.concat(got).length < 22; i++) await sleep(10);
      expect(Buffer.concat(got).toString()).toBe('hello from the device\n');

      port.write(Buffer.from([0, 1, 2, 0x11, 0x13, 0x03, 0xff, 10, 13]));
      await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(err) : resolve())));
      const buf = Buffer.alloc(64);
      const n = await master.read(buf);
      expect([...buf.subarray(0, n)]).toEqual([0, 1, 2, 0x11, 0x13, 0x03, 0xff, 10, 13]); // raw: nothing translated

      await new Promise<void>((resolve, reject) => port.update({ baudRate: 57600 }, (err) => (err ? reject(err) : resolve())));
      expect(await netpollPort.getBaudRate()).toEqual({ baudRate: 57600 });

      const errors: unknown[] = [];
      port.on('error', (e) => errors.push(e));
      port.close();
      await once(port, 'close');
      expect(errors).toEqual([]); // the read in flight was canceled, not an error
      expect(port.isOpen).toBe(false);
    });

    it('the stream ends when the device hangs up (EOF, not an error)', async () => {
      const { binding, path, master } = await setup();
      const port = new SerialPortStream({ binding, path, baudRate: 9600 });
      await once(port, 'open');
      const errors: unknown[] = [];
      port.on('error', (e) => errors.push(e));
      port.resume();
      await master.write(Buffer.from('bye'));
      await sleep(50);
      await master.close();
      await Promise.race([once(port, 'end'), once(port, 'close')]);
      expect(errors).toEqual([]);
    });

    it('lock: a second port on the same path fails as serialport\'s does; lock: false lets it in', async () => {
      const { binding, path } = await setup();
      const a = new SerialPortStream({ binding, path, baudRate: 9600 });
      await once(a, 'open');
      const b = new SerialPortStream({ binding, path, baudRate: 9600, autoOpen: false });
      const err = await new Promise<Error & { code?: string }>((resolve) => b.open((e) => resolve(e!)));
      expect(err.message).toContain('Error Resource temporarily unavailable Cannot lock port');
      expect(err.code).toBe('EAGAIN');
      const c = new SerialPortStream({ binding, path, baudRate: 9600, lock: false });
      await once(c, 'open');
      // a double open of one stream is the stream's own error
      await new Promise<void>((resolve) => a.open((e) => (expect(e?.message).toMatch(/already open/), resolve())));
      a.close();
      c.close();
      await Promise.all([once(a, 'close'), once(c, 'close')]);
    });
  });
}

describe('serialport\'s binding expectations that need no hardware', () => {
  const binding = NetpollBinding;
  const closedPort = async (): Promise<NetpollPortBinding> => {
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const { path } = await device(poller);
    const port = await createSerialBinding({ poller }).open({ ...defaultOpenOptions, path });
    await port.close();
    return port;
  };

  it('list(): an array; fields are strings or undefined, never empty or null', async () => {
    const ports = await binding.list();
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) for (const v of Object.values(p)) expect(v === undefined || (typeof v === 'string' && v !== '')).toBe(true);
  });

  it('open: a bad port names the path; no path, no options or no baudRate is a TypeError; nothing is left open', async () => {
    const before = await settledFdCount();
    const err = await binding.open({ ...defaultOpenOptions, path: 'COMBAD' }).catch((e: Error & { code?: string }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Error: No such file or directory, cannot open COMBAD');
    expect((err as { code?: string }).code).toBe('ENOENT');
    await expect(binding.open({ ...defaultOpenOptions, path: '' })).rejects.toMatchObject({ name: 'TypeError', message: '"path" is not a valid port', code: 'ERR_INVALID_ARG_TYPE' });
    await expect((binding.open as (o?: unknown) => Promise<unknown>)()).rejects.toMatchObject({ name: 'TypeError', message: '"options" is not an object', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(binding.open({ path: '/dev/null', baudRate: 0 })).rejects.toMatchObject({ name: 'TypeError', message: '"baudRate" is not a valid baudRate', code: 'ERR_INVALID_ARG_TYPE' });
    // a path that opens but is not a tty: ENOTTY, closed again
    await expect(binding.open({ ...defaultOpenOptions, path: '/dev/null', lock: false })).rejects.toMatchObject({ code: 'ENOTTY' });
    expect(fdCount()).toBe(before);
  });

  it('a setting the port cannot hold fails the open (read back, not assumed) and closes the fd', async () => {
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const { path } = await device(poller);
    const before = await settledFdCount();
    await expect(createSerialBinding({ poller }).open({ ...defaultOpenOptions, path, dataBits: 7 })).rejects.toMatchObject({ code: 'ERR_NETPOLL_LINE_SETTINGS_NOT_APPLIED' });
    await expect(createSerialBinding({ poller }).open({ ...defaultOpenOptions, path, parity: 'bogus' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(fdCount()).toBe(before);
  });

  it('every operation on a closed port rejects asynchronously (no zalgo) with "Port is not open"', async () => {
    const port = await closedPort();
    expect(port.isOpen).toBe(false);
    const ops: [string, () => Promise<unknown>][] = [
      ['close', () => port.close()],
      ['read', () => port.read(Buffer.alloc(5), 0, 5)],
      ['write', () => port.write(Buffer.from([]))],
      ['update', () => port.update({ baudRate: 9600 })],
      ['set', () => port.set({ dtr: true })],
      ['get', () => port.get()],
      ['getBaudRate', () => port.getBaudRate()],
      ['flush', () => port.flush()],
      ['drain', () => port.drain()],
    ];
    for (const [name, op] of ops) {
      let noZalgo = false;
      const settled = op().then(
        () => { throw new Error(`${name} resolved on a closed port`); },
        (err: unknown) => {
          expect(noZalgo, name).toBe(true);
          expect(err, name).toBeInstanceOf(PortNotOpenError);
          expect(err, name).toMatchObject({ message: 'Port is not open', code: 'ERR_NETPOLL_PORT_NOT_OPEN', canceled: false });
        },
      );
      noZalgo = true;
      await settled;
    }
  });

  it('argument checks come first, with serialport\'s TypeErrors', async () => {
    const port = await closedPort();
    await expect((port.update as (o?: unknown) => Promise<void>)()).rejects.toMatchObject({ name: 'TypeError', message: '"options" is not an object', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.update({} as never)).rejects.toMatchObject({ name: 'TypeError', message: '"options.baudRate" is not a number', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.write(null as never)).rejects.toMatchObject({ name: 'TypeError', message: '"buffer" is not a Buffer', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.set((() => {}) as never)).rejects.toMatchObject({ name: 'TypeError', message: '"options" is not an object', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.read('x' as never, 0, 1)).rejects.toMatchObject({ name: 'TypeError', message: '"buffer" is not a Buffer', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.read(Buffer.alloc(1), NaN, 1)).rejects.toMatchObject({ name: 'TypeError', message: '"offset" is not an integer got "NaN"', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(port.read(Buffer.alloc(1), 0, 5)).rejects.toThrow('buffer is too small');
  });

  it('on an open port: a read in flight is canceled by close (canceled: true); drain waits for the write in progress; flush works; set/get meet a pty\'s lack of modem lines (ENOTTY, as bindings-cpp)', async () => {
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const { path, master } = await device(poller);
    const port = await createSerialBinding({ poller }).open({ ...defaultOpenOptions, path });
    expect(port.openOptions).toMatchObject({ ...defaultOpenOptions, path, vmin: 1, vtime: 0 });
    await port.write(Buffer.from('abc'));
    expect(await port.write(Buffer.from([]))).toBeUndefined();
    let finishedWrite = false;
    const write = port.write(Buffer.alloc(2048, 0x41)).then(() => void (finishedWrite = true));
    const sink = (async () => {
      const buf = Buffer.alloc(4096);
      for (let got = 0; got < 2051; ) got += await master.read(buf);
    })();
    await port.drain();
    expect(finishedWrite).toBe(true);
    await write;
    await sink;
    await port.flush();
    await expect(port.set({ dtr: true })).rejects.toMatchObject({ code: 'ENOTTY' });
    await expect(port.get()).rejects.toMatchObject({ code: 'ENOTTY' });
    await master.write(Buffer.from('xy'));
    const first = await port.read(Buffer.alloc(1), 0, 1);
    expect(first.bytesRead).toBe(1); // at most what was asked
    const pending = port.read(Buffer.alloc(100), 1, 50).then(({ bytesRead }) => bytesRead);
    expect(await pending).toBe(1);
    const parked = port.read(Buffer.alloc(100), 0, 100).catch((e: unknown) => e);
    await sleep(20);
    await port.close();
    expect(await parked).toMatchObject({ canceled: true, message: 'Port is not open' });
  });
});

describe('in a worker', () => {
  it('SerialPortStream on the binding echoes inside a worker; terminating it with a read in flight leaves this process running', async () => {
    const { master, slave, path } = openPty();
    closeFd(slave);
    const dev = await PollFD.open(master);
    cleanup.push(() => dev.close());
    const w = new Worker(fileURLToPath(new URL('./fixtures/serialport-worker.mjs', import.meta.url)), { workerData: { path } });
    const errors: unknown[] = [];
    w.on('error', (e) => errors.push(e));
    await once(w, 'message'); // open
    await dev.write(Buffer.from('ping'));
    const [reply] = (await once(w, 'message')) as [string];
    expect(reply).toBe('got ping');
    await w.terminate(); // the port's read is parked in the worker's poller
    await sleep(100);
    expect(errors).toEqual([]);
    // the port's descriptor was the worker's; this process carries on and can open the path again
    const poller = await Poller.create();
    cleanup.push(() => poller.close());
    const again = await createSerialBinding({ poller }).open({ ...defaultOpenOptions, path, lock: false });
    await again.close();
  });
});
