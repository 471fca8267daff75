/**
 * listSerialPorts on a fake sysfs tree in a temporary folder, shaped like the
 * kernel's: a USB-serial adapter (ttyUSB, usb-serial port under the
 * interface), a CDC-ACM board (tty under the interface), a motherboard UART,
 * an empty 8250 slot and virtual ttys. The pnpIds are the names udev gives
 * these devices under /dev/serial/by-id (and serialport's docs show).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSerialPorts, udevSafe } from '../../host/sys/serial-list.js';

const root = mkdtempSync(join(tmpdir(), 'netpoll-sysfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function attrs(dir: string, values: Record<string, string>): void {
  mkdirSync(join(root, dir), { recursive: true });
  for (const [k, v] of Object.entries(values)) writeFileSync(join(root, dir, k), `${v}\n`);
}
function link(from: string, to: string): void {
  mkdirSync(dirname(join(root, from)), { recursive: true });
  symlinkSync(relative(dirname(join(root, from)), join(root, to)), join(root, from));
}
/** A tty class device at `dir` (…/tty/NAME), listed in class/tty, with `device` → `device`. */
function tty(name: string, dir: string, device: string | null, extra: Record<string, string> = {}): void {
  attrs(dir, { dev: '188:0', ...extra });
  if (device !== null) link(join(dir, 'device'), device);
  link(join('class/tty', name), dir);
}

const usb = 'devices/pci0000:00/0000:00:14.0/usb1';
attrs(`${usb}/1-2`, { idVendor: '0403', idProduct: '6001', manufacturer: 'FTDI', product: 'FT232R USB UART', serial: 'A6008isP' });
attrs(`${usb}/1-2/1-2:1.0`, { bInterfaceNumber: '00' });
attrs(`${usb}/1-2/1-2:1.0/ttyUSB0`, { port_number: '0' });
tty('ttyUSB0', `${usb}/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0`, `${usb}/1-2/1-2:1.0/ttyUSB0`);
attrs(`${usb}/1-3`, { idVendor: '2341', idProduct: '0043', manufacturer: 'Arduino (www.arduino.cc)', serial: '752303138333518011C1' });
attrs(`${usb}/1-3/1-3:1.0`, { bInterfaceNumber: '00' });
tty('ttyACM0', `${usb}/1-3/1-3:1.0/tty/ttyACM0`, `${usb}/1-3/1-3:1.0`);
attrs('devices/platform/serial8250', {});
tty('ttyS0', 'devices/platform/serial8250/tty/ttyS0', 'devices/platform/serial8250', { type: '4' });
tty('ttyS1', 'devices/platform/serial8250/tty/ttyS1', 'devices/platform/serial8250', { type: '0' });
tty('tty0', 'devices/virtual/tty/tty0', null);
tty('ptmx', 'devices/virtual/tty/ptmx', null);

describe('listSerialPorts', () => {
  it('lists the ports with a device behind them, with USB identity and udev\'s by-id name as pnpId', async () => {
    expect(await listSerialPorts({ sysfsRoot: root })).toEqual([
      { path: '/dev/ttyACM0', manufacturer: 'Arduino (www.arduino.cc)', serialNumber: '752303138333518011C1', pnpId: 'usb-Arduino__www.arduino.cc__0043_752303138333518011C1-if00', locationId: undefined, vendorId: '2341', productId: '0043' },
      { path: '/dev/ttyS0', manufacturer: undefined, serialNumber: undefined, pnpId: undefined, locationId: undefined, vendorId: undefined, productId: undefined },
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: 'A6008isP', pnpId: 'usb-FTDI_FT232R_USB_UART_A6008isP-if00-port0', locationId: undefined, vendorId: '0403', productId: '6001' },
    ]);
  });

  it('bounded and defensive: an oversized attribute is cut at one page, a dangling or looping device link is skipped, a missing root lists nothing', async () => {
    attrs(`${usb}/1-4`, { idVendor: '1a86', idProduct: '7523', manufacturer: 'x'.repeat(1 << 20) });
    attrs(`${usb}/1-4/1-4:1.0`, { bInterfaceNumber: '00' });
    tty('ttyUSB1', `${usb}/1-4/1-4:1.0/ttyUSB1/tty/ttyUSB1`, `${usb}/1-4/1-4:1.0`);
    tty('ttyUSB2', `${usb}/1-4/1-4:1.0/ttyUSB2/tty/ttyUSB2`, `${usb}/1-9/gone`);
    mkdirSync(join(root, 'devices/virtual/tty/loop'), { recursive: true });
    symlinkSync('device', join(root, 'devices/virtual/tty/loop/device'));
    symlinkSync(relative(join(root, 'class/tty'), join(root, 'devices/virtual/tty/loop')), join(root, 'class/tty/ttyLOOP'));
    const ports = await listSerialPorts({ sysfsRoot: root, devDir: '/devices' });
    expect(ports.map((p) => p.path)).toEqual(['/devices/ttyACM0', '/devices/ttyS0', '/devices/ttyUSB0', '/devices/ttyUSB1']);
    const ch340 = ports.find((p) => p.path === '/devices/ttyUSB1')!;
    expect(ch340.manufacturer).toHaveLength(4096);
    expect(ch340.serialNumber).toBeUndefined();
    expect(ch340.pnpId).toBe(`usb-${'x'.repeat(4096)}_7523-if00`);
    expect(await listSerialPorts({ sysfsRoot: join(root, 'nothing-here') })).toEqual([]);
    await expect(listSerialPorts({ sysfsRoot: 7 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('udev\'s character rules', () => {
    expect(udevSafe('  FT232R  USB UART ')).toBe('FT232R_USB_UART');
    expect(udevSafe('Arduino (www.arduino.cc)')).toBe('Arduino__www.arduino.cc_');
    expect(udevSafe('a/b\\c#+-.:=@_')).toBe('a_b_c#+-.:=@_');
  });

  it('on this machine\'s /sys it runs and every field is a non-empty string or undefined (serialport\'s list contract)', async () => {
    for (const port of await listSerialPorts()) {
      for (const v of Object.values(port)) expect(v === undefined || (typeof v === 'string' && v !== '')).toBe(true);
    }
  });
});
