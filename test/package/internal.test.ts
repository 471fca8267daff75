// The shipped declarations are the public API: tsconfig's stripInternal drops
// every declaration marked @internal (PollDesc's site and wait steps, the
// Poller's engine and drive, …) from build/host/**/*.d.ts (`npm run build`).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../architecture/imports.js';

function declarations(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? declarations(join(dir, e.name)) : e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

describe('shipped declarations', () => {
  it('carry nothing marked @internal', () => {
    const files = declarations('build/host');
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => readFileSync(join(ROOT, f), 'utf8').includes('@internal'))).toEqual([]);
  });

  it('leave out the internals the tooling uses (the Poller\'s engine and drive, PollDesc\'s site and wait steps)', () => {
    const poller = readFileSync(join(ROOT, 'build/host/poller.d.ts'), 'utf8');
    const pollDesc = readFileSync(join(ROOT, 'build/host/polldesc.d.ts'), 'utf8');
    expect(poller).not.toMatch(/\b(engine|drive|createSync)\b\s*[:(]/);
    expect(pollDesc).not.toMatch(/\b(spend|ready|unblockOnce)\(|\bPollSite\b/);
  });
});
