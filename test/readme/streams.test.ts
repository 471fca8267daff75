// The README's "Streams and disposal" block, run verbatim against the build
// (like readme.test.ts, with its own marker so each section's test stands alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'netpoll-readme-streams-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README: streams and disposal', () => {
  it('the streams block runs and prints what its comments say; every fd it opened is closed at the end', () => {
    const m = /<!-- readme-streams -->\s*```js\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const code = m![1]!.replace(/'netpoll-wasm(\/\w+)?'/g, (_, sub: string | undefined) =>
      JSON.stringify(pathToFileURL(join(root, 'build/host', sub ?? '', 'index.js')).href),
    );
    // Around the block, not part of the README: sockets open before it (stdio may be socketpairs) and after it.
    const before = [
      "import { readdirSync as __ls, readlinkSync as __link } from 'node:fs';",
      "const __socks = () => __ls('/proc/self/fd').filter((f) => { try { return __link('/proc/self/fd/' + f).startsWith('socket:'); } catch { return false; } }).length;",
      'const __before = __socks();',
      '',
    ].join('\n');
    const probe = `\nconsole.log('sockets left', __socks() - __before);\n`;
    const file = join(dir, 'streams.mjs');
    writeFileSync(file, before + code + probe);
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000, cwd: dir }).trim().split('\n');
    expect(out[0]).toBe("[ 'one', 'two', 'three' ]");
    expect(out[1]).toBe('hello');
    expect(out[2]).toMatch(/^PollFD \{ fd: \d+, state: 'open', readDeadline: null, writeDeadline: null, waiting: \[\], ready: \[\], operations: 0 \}$/);
    expect(out[3]).toBe('sockets left 0');
  });
});
