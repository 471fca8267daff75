// The README's code, run verbatim against the built package: the README cannot drift from the code.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The js blocks behind a marker comment, with package imports pointed at the build. */
function blocks(marker: string): string[] {
  const re = new RegExp(`<!-- ${marker} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...readme.matchAll(re)].map((m) =>
    m[1]!.replace(/'netpoll-wasm(\/\w+)?'/g, (_, sub: string | undefined) =>
      JSON.stringify(pathToFileURL(join(root, 'build/host', sub ?? '', 'index.js')).href),
    ),
  );
}

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'netpoll-readme-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(code: string, name: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  return execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000, cwd: dir });
}

describe('README', () => {
  it('the API example runs and prints what its comments say', () => {
    const [example] = blocks('readme-example');
    expect(example).toBeDefined();
    expect(run(example!, 'example').trim().split('\n')).toEqual(['ping', 'true ETIMEDOUT', '3n']);
  });

  it('the worker_threads example echoes through two workers sharing one listening socket', () => {
    const [code] = blocks('readme-workers');
    expect(code).toBeDefined();
    expect(run(code!, 'workers').trim()).toBe('8 echoed');
  });

  it('the trace and simulation snippets run', () => {
    const snippets = blocks('readme-run');
    expect(snippets.length).toBe(2);
    snippets.forEach((code, i) => run(code, `snippet-${i}`));
    expect(existsSync(join(dir, 'session.trace'))).toBe(true);
    const replay = execFileSync(process.execPath, [join(root, 'build/host/cli.js'), 'replay', join(dir, 'session.trace')], { encoding: 'utf8' });
    expect(replay).toMatch(/matches/);
  });
});
