/**
 * SocketCAN: frame and address bytes compared with the kernel's own structs
 * (a C program built against <linux/can.h>, where a C compiler exists), the
 * decoders bounded (fast-check), and a vcan round trip on both drives where
 * the kernel can make a vcan interface (skipped with the reason otherwise).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIVES, usePoller } from '../go/support.js';
import { CANFD_MTU, CAN_MTU, decodeCanFrame, encodeCanFdFrame, encodeCanFrame } from '../../host/sys/can-frame.js';
import { CAN_RAW, CAN_RAW_FD_FRAMES, SOL_CAN_RAW, openCanSocket, sockaddrCan } from '../../host/sys/can.js';
import { AF_CAN } from '../../host/os/socket-abi.js';
import { TruncatedRecordError } from '../../host/os/truncated.js';

const SOURCE = fileURLToPath(new URL('./fixtures/can-layout.c', import.meta.url));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function kernelLayout(): { lines: string[] } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netpoll-can-'));
  try {
    execFileSync('cc', [SOURCE, '-o', join(dir, 'can-layout')], { stdio: 'pipe' });
    return { lines: execFileSync(join(dir, 'can-layout'), { encoding: 'utf8' }).trim().split('\n') };
  } catch (err) {
    return { skip: `cannot build a C program against <linux/can.h>: ${(err as Error).message.split('\n')[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const layout = kernelLayout();
if ('skip' in layout) console.log(`can.test.ts: the layout comparison is skipped: ${layout.skip}`);

describe.skipIf('skip' in layout)("frames and addresses match the kernel's structs", () => {
  const lines = 'lines' in layout ? layout.lines : [];
  it('sizes, offsets and constants', () => {
    expect(lines[0]).toBe(`${CAN_MTU} ${CANFD_MTU} 24 4 4 8 5 ${SOL_CAN_RAW} ${CAN_RAW_FD_FRAMES} ${CAN_RAW} ${AF_CAN}`);
  });
  it('a classic frame, an extended-id CAN FD frame with BRS, and sockaddr_can, byte for byte and back', () => {
    const classic = { id: 0x123, data: Uint8Array.of(0xde, 0xad, 0x01) };
    const fdFrame = { id: 0x1abcdef0, extended: true, brs: true, data: Uint8Array.from({ length: 12 }, (_, i) => i + 1) };
    expect(hex(encodeCanFrame(classic))).toBe(lines[1]);
    expect(hex(encodeCanFdFrame(fdFrame))).toBe(lines[2]);
    expect(hex(sockaddrCan(7))).toBe(lines[3]);
    expect(decodeCanFrame(Buffer.from(lines[1]!, 'hex'))).toEqual({ ...classic, extended: false, remote: false, error: false, fd: false });
    expect(decodeCanFrame(Buffer.from(lines[2]!, 'hex'))).toEqual({ ...fdFrame, esi: false, error: false, fd: true });
  });
});

describe('encoders refuse, decoders bound', () => {
  it('typed errors for ids, payloads and lengths', () => {
    expect(() => encodeCanFrame({ id: 0x800, data: new Uint8Array(1) })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => encodeCanFrame({ id: 1, data: new Uint8Array(9) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => encodeCanFdFrame({ id: 1, data: new Uint8Array(9) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => encodeCanFdFrame({ id: 1, data: [1] as unknown as Uint8Array })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(encodeCanFrame({ id: 0x1fffffff, extended: true, remote: true, data: new Uint8Array(0) }).subarray(0, 4)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xdf));
    expect(() => openCanSocket('bad name')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => openCanSocket('nosuchcan0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('any bytes: a frame whose data fits its length field, or TruncatedRecordError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 72, maxLength: 72 })), (bytes) => {
        try {
          const f = decodeCanFrame(bytes);
          expect(f.data.byteLength).toBe(bytes[4]);
          expect(f.data.byteLength).toBeLessThanOrEqual(f.fd ? 64 : 8);
        } catch (err) {
          if (!(err instanceof TruncatedRecordError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Makes a vcan interface, or says why it cannot. */
function makeVcan(name: string): string | null {
  try {
    execFileSync('ip', ['link', 'add', name, 'type', 'vcan'], { stdio: 'pipe' });
    execFileSync('ip', ['link', 'set', name, 'up'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return `no vcan interface can be made here (\`ip link add ${name} type vcan\`: ${why}); the kernel has no vcan/can modules`;
  }
}
const VCAN = `npvcan${process.pid % 1000}`;
const vcanSkip = makeVcan(VCAN);
if (vcanSkip) console.log(`can.test.ts: the device test is skipped: ${vcanSkip}`);
afterAll(() => {
  if (!vcanSkip) execFileSync('ip', ['link', 'del', VCAN], { stdio: 'ignore' });
});

for (const drive of DRIVES) {
  describe.skipIf(vcanSkip !== null)(`CAN_RAW on a vcan interface (${drive})${vcanSkip ? ` (skipped: ${vcanSkip})` : ''}`, () => {
    const h = usePoller(drive);
    it('a classic and a CAN FD frame written on one socket are read on another', async () => {
      const tx = await h().open(h().track(openCanSocket(VCAN, { fd: true })));
      const rx = await h().open(h().track(openCanSocket(VCAN, { fd: true })));
      await tx.write(encodeCanFrame({ id: 0x42, data: Uint8Array.of(1, 2, 3) }));
      await tx.write(encodeCanFdFrame({ id: 0x43, data: new Uint8Array(64).fill(9) }));
      const buf = new Uint8Array(CANFD_MTU);
      rx.setReadDeadline(Date.now() + 5000);
      const a = decodeCanFrame(buf.slice(0, await rx.read(buf)));
      const b = decodeCanFrame(buf.slice(0, await rx.read(buf)));
      expect(a).toMatchObject({ id: 0x42, fd: false, data: Uint8Array.of(1, 2, 3) });
      expect(b).toMatchObject({ id: 0x43, fd: true });
      expect(b.data).toHaveLength(64);
    });
  });
}
