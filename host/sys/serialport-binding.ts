/**
 * A binding for serialport's streams (@serialport/bindings-interface's
 * BindingInterface), so `new SerialPortStream({ binding, path, baudRate })`
 * from @serialport/stream runs on netpoll-wasm: no native addon, and safe
 * in a worker that is terminated.
 *
 * It mirrors serialport's Linux binding (bindings-cpp): the same defaults,
 * the same checks in the same order with the same messages (so code that
 * matches on them keeps working), errors from a closed port are rejections,
 * never synchronous throws, and a read or write cut short by close() rejects
 * with `canceled: true`. The errors also carry a Node-style `code`.
 * Differences: modem lines and break are set with TIOCMBIS/TIOCMBIC and
 * TIOCSBRK/TIOCCBRK; a read that meets EOF (the other end of a pty hung up)
 * resolves 0 bytes, which ends the stream, rather than failing with EIO; the
 * settings are read back and verified (see serial-line.ts).
 *
 * Nothing of serialport is loaded, not even its types: serialport-types.ts
 * has the interface's shapes.
 */
import type {
  SerialportBinding, SerialportBindingPort, SerialportOpenOptions, SerialportStatus, SerialportSetOptions, SerialportUpdateOptions,
} from './serialport-types.js';
import { getSystemErrorMap } from 'node:util';
import { PollFD } from '../pollfd.js';
import type { Poller } from '../poller.js';
import { ClosedError } from '../errors.js';
import { SyscallError } from '../os/errors.js';
import { closeFd } from '../os/fd.js';
import { type Parity, getLineSettings, setLineSettings } from './serial-line.js';
import { drain, flush, getModemLines, setBreak, setModemLines } from './serial-control.js';
import { openSerial } from './serial-open.js';
import { type SerialPortInfo, listSerialPorts } from './serial-list.js';

export interface NetpollOpenOptions extends SerialportOpenOptions {
  parity?: Parity;
  /** VMIN and VTIME, as serialport's Linux binding (defaults 1 and 0). */
  vmin?: number;
  vtime?: number;
}

/** serialport's "Port is not open", with a code; `canceled` when it cut short a read or write in flight. */
export class PortNotOpenError extends Error {
  readonly code = 'ERR_NETPOLL_PORT_NOT_OPEN';
  readonly canceled: boolean;
  constructor(canceled = false) {
    super('Port is not open');
    this.name = 'PortNotOpenError';
    this.canceled = canceled;
  }
}

function argError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** strerror(3)'s text for a SyscallError (libuv's table, capitalised as glibc writes it). */
function strerror(err: SyscallError): string {
  const text = getSystemErrorMap().get(-err.errno)?.[1] ?? err.code;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** bindings-cpp's wording for a failed open or lock, keeping code, errno and syscall. */
function openError(err: unknown, path: string): unknown {
  if (!(err instanceof SyscallError)) return err;
  err.message = err.syscall === 'flock' ? `Error ${strerror(err)} Cannot lock port` : `Error: ${strerror(err)}, cannot open ${path}`;
  return err;
}

export class NetpollPortBinding implements SerialportBindingPort {
  private pollfd: PollFD | null;
  private writeOperation: Promise<void> | null = null;

  constructor(pollfd: PollFD, readonly openOptions: Required<NetpollOpenOptions>) {
    this.pollfd = pollfd;
  }

  get isOpen(): boolean {
    return this.pollfd !== null;
  }

  /** The port's descriptor (for line control from serial-line.ts and serial-control.ts); null once closed. */
  get fd(): number | null {
    return this.pollfd?.fd ?? null;
  }

  private open(): PollFD {
    if (this.pollfd === null) throw new PortNotOpenError();
    return this.pollfd;
  }

  async close(): Promise<void> {
    const pollfd = this.open();
    this.pollfd = null;
    await pollfd.close(); // reads and writes in flight reject (ClosedError → canceled); the flock goes with the fd
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!Buffer.isBuffer(buffer)) throw argError('"buffer" is not a Buffer');
    if (typeof offset !== 'number' || isNaN(offset)) throw argError(`"offset" is not an integer got "${isNaN(offset) ? 'NaN' : typeof offset}"`);
    if (typeof length !== 'number' || isNaN(length)) throw argError(`"length" is not an integer got "${isNaN(length) ? 'NaN' : typeof length}"`);
    if (buffer.length < offset + length) throw Object.assign(new RangeError('buffer is too small'), { code: 'ERR_OUT_OF_RANGE' });
    const pollfd = this.open();
    try {
      return { buffer, bytesRead: await pollfd.read(buffer.subarray(offset, offset + length)) };
    } catch (err) {
      throw err instanceof ClosedError ? new PortNotOpenError(true) : err;
    }
  }

  async write(buffer: Buffer): Promise<void> {
    if (!Buffer.isBuffer(buffer)) throw argError('"buffer" is not a Buffer');
    const pollfd = this.open();
    this.writeOperation = (async () => {
      if (buffer.length === 0) return;
      try {
        await pollfd.write(buffer);
      } catch (err) {
        throw err instanceof ClosedError ? new PortNotOpenError(true) : err;
      }
      this.writeOperation = null;
    })();
    return this.writeOperation;
  }

  async update(options: SerialportUpdateOptions): Promise<void> {
    if (typeof options !== 'object' || options === null) throw argError('"options" is not an object');
    if (typeof options.baudRate !== 'number') throw argError('"options.baudRate" is not a number');
    setLineSettings(this.open().fd, { baudRate: options.baudRate });
    this.openOptions.baudRate = options.baudRate;
  }

  /** Every call sets DTR, RTS and break to the given or default values (dtr and rts on, brk off), as serialport's bindings do. */
  async set(options: SerialportSetOptions): Promise<void> {
    if (typeof options !== 'object' || options === null) throw argError('"options" is not an object');
    const fd = this.open().fd;
    const { brk = false, dtr = true, rts = true } = options;
    setModemLines(fd, { dtr, rts });
    setBreak(fd, brk);
  }

  async get(): Promise<SerialportStatus> {
    const { cts, dsr, dcd } = getModemLines(this.open().fd);
    return { cts, dsr, dcd };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: getLineSettings(this.open().fd).baudRate };
  }

  async flush(): Promise<void> {
    flush(this.open().fd, 'both');
  }

  async drain(): Promise<void> {
    const fd = this.open().fd;
    await this.writeOperation;
    await drain(fd);
  }
}

const DEFAULTS = {
  vmin: 1, vtime: 0, dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true,
} as const;

export interface NetpollBindingOptions {
  /** The poller the ports' PollFDs use (default: the default poller). */
  poller?: Poller;
}

/** A BindingInterface whose ports use `options.poller`. */
export function createSerialBinding(bindingOptions: NetpollBindingOptions = {}): SerialportBinding<NetpollPortBinding, NetpollOpenOptions, SerialPortInfo> {
  return {
    list: () => listSerialPorts(),
    async open(options) {
      if (!options || typeof options !== 'object' || Array.isArray(options)) throw argError('"options" is not an object');
      if (!options.path) throw argError('"path" is not a valid port');
      if (!options.baudRate) throw argError('"baudRate" is not a valid baudRate');
      const openOptions = { ...DEFAULTS, ...options } as Required<NetpollOpenOptions>;
      let fd: number;
      try {
        fd = openSerial(openOptions.path, { lock: openOptions.lock, vmin: openOptions.vmin, vtime: openOptions.vtime });
      } catch (err) {
        throw openError(err, openOptions.path);
      }
      try {
        setLineSettings(fd, {
          baudRate: openOptions.baudRate,
          dataBits: openOptions.dataBits,
          parity: openOptions.parity as Parity, // checked by setLineSettings
          // Linux has no 1.5 stop bits: like serialport's binding, anything but 1 is CSTOPB (1.5 in hardware with 5 data bits).
          stopBits: openOptions.stopBits === 1 ? 1 : 2,
          rtscts: openOptions.rtscts,
          xon: openOptions.xon,
          xoff: openOptions.xoff,
          xany: openOptions.xany,
          hupcl: openOptions.hupcl,
        });
        return new NetpollPortBinding(await PollFD.open(fd, { poller: bindingOptions.poller }), openOptions);
      } catch (err) {
        closeFd(fd);
        throw err;
      }
    },
  };
}

/** The binding on the default poller: `new SerialPortStream({ binding: NetpollBinding, path, baudRate })`. */
export const NetpollBinding = createSerialBinding();
