/**
 * listSerialPorts: serialport's list() from sysfs alone (no udev): every tty
 * in <root>/class/tty backed by a device, with manufacturer, serial number,
 * vendor and product ids read from its USB ancestor, and a pnpId built the
 * way udev names /dev/serial/by-id links.
 *
 * sysfs is read as untrusted input: at most MAX_TTYS entries, each attribute
 * at most ATTR_MAX bytes (sysfs attributes are one page or less), at most
 * MAX_DEPTH ancestors. The root is a parameter so a fake tree in a temporary
 * folder can stand in for /sys.
 */
import { open, opendir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgTypeError } from '../os/args.js';

/** serialport's PortInfo: only `path` is certain; a missing value is undefined, never ''. */
export interface SerialPortInfo {
  path: string;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
  pnpId: string | undefined;
  locationId: string | undefined;
  productId: string | undefined;
  vendorId: string | undefined;
}

export interface ListSerialPortsOptions {
  /** Where sysfs is mounted (default '/sys'). */
  sysfsRoot?: string;
  /** Where the device nodes are (default '/dev'); only used to form `path`. */
  devDir?: string;
}

const MAX_TTYS = 4096;
const ATTR_MAX = 4096;
const MAX_DEPTH = 16;

/** A sysfs attribute, trimmed; undefined when absent, unreadable or empty. Reads at most ATTR_MAX bytes. */
async function readAttr(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(ATTR_MAX);
    const { bytesRead } = await handle.read(buf, 0, ATTR_MAX, 0);
    const text = buf.toString('utf8', 0, bytesRead).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** The USB device above `dir` (the first ancestor with idVendor), and the interface directly below it. */
async function usbAncestor(dir: string, stopAt: string): Promise<{ device: string; iface: string | undefined } | undefined> {
  let below: string | undefined;
  for (let d = dir, depth = 0; depth < MAX_DEPTH && d.startsWith(stopAt) && d !== stopAt; depth++, below = d, d = dirname(d)) {
    if ((await readAttr(join(d, 'idVendor'))) !== undefined) return { device: d, iface: below };
  }
  return undefined;
}

/**
 * udev's util_replace_whitespace + util_replace_chars: whitespace runs → '_',
 * anything outside [A-Za-z0-9#+-.:=@_] → '_' (udev also keeps valid
 * multi-byte UTF-8, which this replaces).
 */
export function udevSafe(s: string): string {
  return s.trim().replace(/\s+/g, '_').replace(/[^A-Za-z0-9#+\-.:=@_]/g, '_');
}

/** The /dev/serial/by-id name udev's 60-serial.rules would give: usb-<vendor>_<model>[_<serial>]-if<NN>[-port<N>]. */
function byIdName(vendor: string, model: string, serial: string | undefined, ifaceNum: string | undefined, port: string | undefined): string {
  const id = [vendor, model, serial].filter((x): x is string => x !== undefined).map(udevSafe).join('_');
  return `usb-${id}${ifaceNum !== undefined ? `-if${ifaceNum}` : ''}${port !== undefined ? `-port${port}` : ''}`;
}

async function describeTty(ttyDir: string, name: string, devicesRoot: string, devDir: string): Promise<SerialPortInfo | undefined> {
  const deviceLink = join(ttyDir, 'device');
  const device = await realpath(deviceLink).catch(() => undefined);
  if (device === undefined || !(await isDir(device))) return undefined; // a virtual tty (console, pty, vt)
  // A legacy 8250 port slot with no UART behind it reports type 0 (PORT_UNKNOWN).
  if ((await readAttr(join(ttyDir, 'type'))) === '0') return undefined;
  const info: SerialPortInfo = {
    path: join(devDir, name), manufacturer: undefined, serialNumber: undefined, pnpId: undefined,
    locationId: undefined, productId: undefined, vendorId: undefined,
  };
  const usb = await usbAncestor(device, devicesRoot);
  if (usb === undefined) return info;
  const [vendorId, productId, manufacturer, product, serialNumber, ifaceNum, port] = await Promise.all([
    readAttr(join(usb.device, 'idVendor')),
    readAttr(join(usb.device, 'idProduct')),
    readAttr(join(usb.device, 'manufacturer')),
    readAttr(join(usb.device, 'product')),
    readAttr(join(usb.device, 'serial')),
    usb.iface === undefined ? undefined : readAttr(join(usb.iface, 'bInterfaceNumber')),
    readAttr(join(device, 'port_number')),
  ]);
  return {
    ...info,
    manufacturer,
    serialNumber,
    vendorId,
    productId,
    pnpId: byIdName(manufacturer ?? vendorId ?? '', product ?? productId ?? '', serialNumber, ifaceNum, port),
  };
}

/** Up to `max` entry names of `dir` (none if it cannot be read), read one by one so a huge directory costs no more. */
async function firstNames(dir: string, max: number): Promise<string[]> {
  const names: string[] = [];
  const d = await opendir(dir).catch(() => null);
  if (d === null) return names;
  try {
    for await (const entry of d) {
      if (!entry.name.startsWith('.') && basename(entry.name) === entry.name) names.push(entry.name);
      if (names.length >= max) break;
    }
  } finally {
    await d.close().catch(() => {}); // for-await closes it on a normal end; a break leaves it to us
  }
  return names;
}

/** The serial ports sysfs knows, sorted by path. */
export async function listSerialPorts(options: ListSerialPortsOptions = {}): Promise<SerialPortInfo[]> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgTypeError('options', 'an object', options);
  const root = options.sysfsRoot ?? '/sys';
  const devDir = options.devDir ?? '/dev';
  if (typeof root !== 'string') throw new InvalidArgTypeError('options.sysfsRoot', 'a string', root);
  if (typeof devDir !== 'string') throw new InvalidArgTypeError('options.devDir', 'a string', devDir);
  const classDir = join(root, 'class', 'tty');
  const names = await firstNames(classDir, MAX_TTYS);
  const devicesRoot = await realpath(join(root, 'devices')).catch(() => join(root, 'devices'));
  const found = await Promise.all(names.sort().map((name) => describeTty(join(classDir, name), name, devicesRoot, devDir)));
  return found.filter((p): p is SerialPortInfo => p !== undefined);
}
