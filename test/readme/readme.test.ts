// The README's example, run verbatim against the built package: the README cannot drift from the code.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('../..', import.meta.url));

function example(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- readme-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- readme-example --> js block');
  return match[1]!
    .replaceAll("'netpoll-wasm/sys'", JSON.stringify(pathToFileURL(join(root, 'build/host/sys/index.js')).href))
    .replaceAll("'netpoll-wasm'", JSON.stringify(pathToFileURL(join(root, 'build/host/index.js')).href));
}

describe('README', () => {
  it('the API example runs and prints what its comments say', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpoll-readme-'));
    try {
      const file = join(dir, 'example.mjs');
      writeFileSync(file, example());
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
      expect(out.trim().split('\n')).toEqual(['ping', 'true ETIMEDOUT', '3n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
