// Every exported function that takes an fd refuses a value that is not one —
// before any system call, with Node's codes (as fs does) — instead of letting
// the FFI turn NaN, 0.9 or 2^32 into fd 0 and 1.9 into fd 1. The sweep runs in
// a child (fixtures/bad-fds.mjs, on the built host: `npm run build`) whose fd
// 0 and 1 are pipes this test holds, so a call that does reach them cannot
// close or read the test runner's own stdio.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeFd, readFd } from '../../host/os/fd.js';
import { validateFd, InvalidArgTypeError, OutOfRangeError, InvalidArgValueError } from '../../host/os/args.js';

const CHILD = fileURLToPath(new URL('./fixtures/bad-fds.mjs', import.meta.url));
const SYS = fileURLToPath(new URL('../../build/host/sys/index.js', import.meta.url));
const LIB = fileURLToPath(new URL('../../build/host/index.js', import.meta.url));

interface Report {
  results: Record<string, string>;
  open: [boolean, boolean];
  flagsKept: boolean;
  stdin?: string;
}

function sweep(): Promise<{ report: Report; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, SYS, LIB], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let report = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (report += d));
    child.stdin!.write('canary'); // left unread unless some call reads fd 0
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin!.destroy();
      if (code !== 0 || !report) return reject(new Error(`child exited ${code}: ${stderr}`));
      resolve({ report: JSON.parse(report) as Report, stdout, stderr });
    });
  });
}

describe('fd arguments', () => {
  it('no exported function acts on fd 0 or 1 for NaN, 2^32, 0.9, 1.9, …: ERR_OUT_OF_RANGE / ERR_INVALID_ARG_TYPE first', async () => {
    const { report, stdout } = await sweep();
    const wrong = Object.entries(report.results).filter(([call, code]) => {
      const arg = call.slice(call.lastIndexOf('(') + 1, -1);
      const want = arg === "'0'" || arg === 'null' || arg === '1n' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE';
      return code !== want;
    });
    expect(wrong).toEqual([]);
    expect(Object.keys(report.results).length).toBeGreaterThan(400);
    expect(report.open).toEqual([true, true]);
    expect(report.flagsKept).toBe(true);
    expect(report.stdin).toBe('canary');
    expect(stdout).toBe(''); // writeFd(1.9, …) wrote nothing to fd 1
  });

  it("validateFd: Node's rule (validateInt32(fd, 'fd', 0)), -0 included as fd 0 like fs.closeSync(-0)", () => {
    for (const ok of [0, 1, 2 ** 31 - 1, -0]) expect(() => validateFd(ok)).not.toThrow();
    const err = (v: unknown): unknown => {
      try {
        validateFd(v);
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(err(NaN)).toBeInstanceOf(OutOfRangeError);
    expect(err(NaN)).toBeInstanceOf(RangeError);
    expect(err(0.9)).toMatchObject({ code: 'ERR_OUT_OF_RANGE', name: 'RangeError', message: 'The value of "fd" is out of range. It must be an integer. Received 0.9' });
    expect(err(2 ** 32)).toMatchObject({ message: 'The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received 4294967296' });
    expect(err('3')).toBeInstanceOf(InvalidArgTypeError);
    expect(err('3')).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError', message: `The "fd" argument must be of type number. Received type string ('3')` });
    expect(new InvalidArgValueError('rate', 12345, 'is invalid')).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: "The argument 'rate' is invalid. Received 12345" });
  });

  it('the check comes before the call: a refused closeFd leaves a real fd alone, readFd refuses a non-buffer', () => {
    expect(() => closeFd(3.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => readFd(0, 'x' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
