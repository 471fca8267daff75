/**
 * openUring's fallback: where io_uring_setup is refused the answer is no
 * ring and a reason in words. The refusals are made real with a seccomp
 * filter (fixtures/deny-io-uring.c, as a container's default profile does)
 * around a child process; kernel.io_uring_disabled is read from a file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ioUringDisabledSetting, openUring } from '../../host/os/uring-open.js';
import { uringSkip, uringSkipNote } from './uring-available.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-uring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function underSeccomp(errno: number): { open: boolean; reason: string | null } {
  const deny = join(dir, 'deny-io-uring');
  execFileSync('cc', ['-O', '-o', deny, fixture('deny-io-uring.c')]);
  const out = execFileSync(deny, [String(errno), process.execPath, fixture('open-uring.mjs')], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { open: boolean; reason: string | null };
}

describe('openUring', () => {
  it.skipIf(uringSkip !== null)(`opens a ring where the kernel allows it${uringSkipNote}`, () => {
    const { ring, reason } = openUring(8);
    expect(reason).toBeNull();
    expect(ring?.entries).toBe(8);
    ring?.close();
  });

  it('falls back with the reason when a seccomp filter answers EPERM', () => {
    const got = underSeccomp(constants.errno.EPERM);
    expect(got.open).toBe(false);
    // This machine's sysctl is 0 (checked below), so the reason names the filter.
    expect(ioUringDisabledSetting()).toBe(0);
    expect(got.reason).toBe('io_uring_setup: EPERM (a seccomp filter or security policy refuses io_uring)');
  });

  it('falls back with the reason when the kernel has no io_uring (ENOSYS)', () => {
    const got = underSeccomp(constants.errno.ENOSYS);
    expect(got).toEqual({ open: false, reason: 'io_uring_setup: ENOSYS (no io_uring in this kernel, or a seccomp filter)' });
  });

  it('reads kernel.io_uring_disabled bounded, and null for anything but one digit', () => {
    const file = join(dir, 'io_uring_disabled');
    const cases: [string, number | null][] = [['2\n', 2], ['0', 0], ['', null], ['12\n', null], ['x'.repeat(100_000), null]];
    for (const [text, want] of cases) {
      writeFileSync(file, text);
      expect(ioUringDisabledSetting(file)).toBe(want);
    }
    expect(ioUringDisabledSetting(join(dir, 'absent'))).toBeNull();
  });

  it('lets a bad ring size through as a RangeError (misuse, not a fallback)', () => {
    expect(() => openUring(0)).toThrow(RangeError);
  });
});
