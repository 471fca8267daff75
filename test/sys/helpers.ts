/**
 * Test helpers for host/sys: every fd a test opens is tracked and closed in
 * afterEach, so a failing assertion never leaks descriptors into the next test.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { closeFd } from '../../host/os/fd.js';

export interface FdTracker {
  /** Remember `fd` for afterEach; returns it. */
  track(fd: number): number;
  trackAll<T extends number[]>(fds: T): T;
  /** Close now (and forget it, so afterEach cannot close a reused number). */
  close(fd: number): void;
}

export function useFdTracker(): FdTracker {
  const open = new Set<number>();
  afterEach(() => {
    for (const fd of open) {
      try {
        closeFd(fd);
      } catch {
        // already closed by the code under test
      }
    }
    open.clear();
  });
  return {
    track(fd) {
      open.add(fd);
      return fd;
    },
    trackAll(fds) {
      for (const fd of fds) open.add(fd);
      return fds;
    },
    close(fd) {
      open.delete(fd);
      closeFd(fd);
    },
  };
}

/** A private temporary directory for socket paths, removed after the file's tests. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => (dir ??= mkdtempSync(join(tmpdir(), 'netpoll-sys-')));
}

/** Number of open descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * The open-descriptor count once it has held still for 100 ms: a previous
 * case's killed children, launcher pipes and closing workers release their
 * fds a little after the case ends, so a baseline taken at once can be high
 * (on a loaded CI machine it was 2 above the count a moment later).
 */
export async function settledFdCount(): Promise<number> {
  for (let n = openFdCount(); ; ) {
    await new Promise((r) => setTimeout(r, 100));
    const m = openFdCount();
    if (m === n) return m;
    n = m;
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array, n: number): string => new TextDecoder().decode(b.subarray(0, n));
