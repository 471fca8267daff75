// ARCHITECTURE.md stays true: every path it names exists.

import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './imports.js';

const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
// `host/…`, `assembly/…`, `test/…`, `bench/…` in backticks, and bare names resolved in the folder of their table row.
const PATH = /`((?:host|assembly|test|bench)\/[^`\s]*)`/g;

describe('ARCHITECTURE.md', () => {
  it('names paths, and every one exists', () => {
    const paths = [...doc.matchAll(PATH)].map((m) => m[1]!.replace(/\/$/, ''));
    expect(paths.length).toBeGreaterThan(30);
    const missing = paths.filter((p) => !p.includes('*') && !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it('the bare file names in the layer table exist in their row\'s folder', () => {
    const missing: string[] = [];
    const rows = doc.split('\n').filter((l) => /^\| `(host|assembly)\/([a-z]+\/|\*\.ts)` \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) {
      const dir = /^\| `([^`]+)`/.exec(row)![1]!.replace('*.ts', '');
      for (const m of row.matchAll(/`([\w-]+\.ts)`/g)) if (!existsSync(join(ROOT, dir, m[1]!))) missing.push(`${dir}${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});
