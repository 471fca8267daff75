// The README's "Live inspection" snippet, run verbatim against the build, and
// its frame: the real output of `netpoll top --once` has the shape shown.

import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { root } from './support.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README: live inspection', () => {
  it('the snippet runs and prints what its comments say', () => {
    const m = /<!-- readme-live -->\s*```js\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const code = m![1]!.replace(/'netpoll-wasm(\/\w+)?'/g, (_, sub: string | undefined) => JSON.stringify(pathToFileURL(join(root, 'build/host', sub ?? '', 'index.js')).href));
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-readme-live-'));
    try {
      writeFileSync(join(dir, 'live.mjs'), code);
      const out = execFileSync(process.execPath, [join(dir, 'live.mjs')], { encoding: 'utf8', timeout: 20_000 });
      expect(out.trim().split('\n')).toEqual(['ETIMEDOUT', 'true', 'true']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a frame with the sections top prints', () => {
    const section = readme.slice(readme.indexOf('## Live inspection'));
    const frame = /```text\n([\s\S]*?)```/.exec(section)![1]!;
    for (const heading of [/^netpoll top — pid \d+/m, /^totals: events\/s /m, /^poller 1 \(uv\):/m, /wake latency: p50 /, /^warnings \(\d+\):/m, /^deadlines due soonest: /m, /^descriptors \(sort: parked/m]) {
      expect(frame).toMatch(heading);
    }
  });
});
