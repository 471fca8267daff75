// When the core counts an inconsistency (a firing Go would throw on), the host
// writes a post-mortem snapshot, names it in the error, and keeps working.
// The counter cannot move in correct operation, so the test forges it.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Poller, CoreInconsistencyError, decodeSnapshot, type PollDesc } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { closeFd } from '../../host/os/fd.js';

const cli = fileURLToPath(new URL('../../build/host/tools/cli.js', import.meta.url));

/**
 * Forge the header's inconsistency counter (found by name in the layout
 * table), then make a call that settles: returns the CoreInconsistencyError it throws.
 */
function forgeInconsistency(poller: Poller, pd: PollDesc): CoreInconsistencyError {
  const layout = poller.inspect().layout;
  const at = layout.headerBase + layout.table['header']!['inconsistent']!.value;
  new DataView(poller.engine.core.memory.buffer).setUint32(at, 1, true);
  let caught: unknown;
  try {
    pd.setDeadline(Date.now() + 60_000, 'r');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CoreInconsistencyError);
  return caught as CoreInconsistencyError;
}

describe('post-mortem snapshots', () => {
  it('an inconsistency the core counted surfaces as CoreInconsistencyError naming a snapshot that inspect flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-pm-'));
    process.env.NETPOLL_POSTMORTEM_DIR = dir;
    const poller = await Poller.create();
    const [a, b] = socketPair('stream');
    try {
      const pd = poller.open(a);
      const caught = forgeInconsistency(poller, pd);
      const path = (caught as CoreInconsistencyError).snapshotPath!;
      expect(path.startsWith(dir)).toBe(true);
      expect(existsSync(path)).toBe(true);
      expect((caught as Error).message).toContain(path);

      const x = decodeSnapshot(new Uint8Array(readFileSync(path)));
      expect(x.violations.map((v) => v.rule)).toContain('inconsistent');
      const run = spawnSync(process.execPath, [cli, 'inspect', path], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/inconsistent/);

      // Reported once; the poller keeps working.
      pd.setDeadline(null, 'r');
      pd.close();
      expect(poller.stats.descriptors).toBe(0);
    } finally {
      delete process.env.NETPOLL_POSTMORTEM_DIR;
      await poller.close();
      closeFd(a);
      closeFd(b);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the writer is injected: a PollerOptions.postMortem gets the memory and the reason, null keeps nothing', async () => {
    const seen: { bytes: number; reason: string }[] = [];
    for (const postMortem of [(snap: Uint8Array, reason: string) => (seen.push({ bytes: snap.byteLength, reason }), '/kept/here'), null]) {
      const poller = await Poller.create({ postMortem });
      const [a, b] = socketPair('stream');
      try {
        const pd = poller.open(a);
        const caught = forgeInconsistency(poller, pd);
        expect(caught.snapshotPath).toBe(postMortem ? '/kept/here' : null);
        pd.close();
      } finally {
        await poller.close();
        closeFd(a);
        closeFd(b);
      }
    }
    expect(seen).toEqual([{ bytes: expect.any(Number), reason: 'inconsistent-deadline' }]);
    expect(seen[0]!.bytes).toBeGreaterThan(0);
  });
});

describe('an inconsistency raised from a batch', () => {
  it('leaves the thread drive with its break drained and its wake flag clear (the drive acts on the batch first)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/inconsistent-break.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ raised: 'CoreInconsistencyError', breaks: 2 });
  });
});
