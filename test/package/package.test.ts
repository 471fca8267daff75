// The package as npm would publish it: `npm pack` (scripts off: pretest built
// it already), unpacked into a scratch consumer project. Its declarations
// must compile with lib ["es2022"] alone and skipLibCheck false; `await
// using` must type-check and run with lib ["es2022", "esnext.disposable"];
// and the tarball must hold only what runs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let dir: string;
let pkg: string;
let files: string[];

function walk(at: string, prefix = ''): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(at, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netpoll-consumer-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  pkg = join(dir, 'node_modules/netpoll-wasm');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['xzf', join(dir, filename), '-C', pkg, '--strip-components=1']);
  files = walk(pkg).sort();
  // The consumer's other dependencies: the runtime one and the Node types.
  symlinkSync(join(root, 'node_modules/koffi'), join(dir, 'node_modules/koffi'));
  mkdirSync(join(dir, 'node_modules/@types'));
  symlinkSync(join(root, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  cpSync(fileURLToPath(new URL('./fixture', import.meta.url)), join(dir, 'src'), { recursive: true });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function typecheck(file: string, lib: string[], emit: boolean): { status: number | null; output: string } {
  const tsconfig = {
    compilerOptions: {
      target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true,
      lib, types: ['node'], skipLibCheck: false, outDir: 'out', noEmit: !emit,
    },
    files: [`src/${file}`],
  };
  const name = `tsconfig.${file}.json`;
  writeFileSync(join(dir, name), JSON.stringify(tsconfig));
  const r = spawnSync(process.execPath, [tsc, '-p', name], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('the published package', () => {
  it('declarations compile for a consumer with lib ["es2022"] only and skipLibCheck false (no DOM, no TS2503)', () => {
    const r = typecheck('types.ts', ['es2022'], false);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('`await using` / `using` type-check with lib ["es2022", "esnext.disposable"], and the compiled code disposes', () => {
    const r = typecheck('dispose.ts', ['es2022', 'esnext.disposable'], true);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    const run = spawnSync(process.execPath, [join(dir, 'out/dispose.js')], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      read: 2,
      socketsOpenAfterScope: false,
      descriptorsInScope: 1,
      descriptorsAfterScope: 0,
      pipeStillOpen: true,
      pollerClosed: true,
    });
  });

  it('ships the runtime only: no test oracle, no source maps without their sources, a LICENSE', () => {
    expect(files).toContain('LICENSE');
    expect(files).toContain('build/netpoll.wasm');
    expect(files).toContain('build/host/index.js');
    expect(files.filter((f) => f.startsWith('build/host/model/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const maps = files.filter((f) => f.endsWith('.map'));
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(pkg, m), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(map.sourcesContent?.length, m).toBe(map.sources.length);
      expect(map.sourcesContent!.every((c) => typeof c === 'string' && c.length > 0), m).toBe(true);
    }
    // Nothing the package imports at run time points outside what was shipped.
    for (const f of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      for (const [, spec] of readFileSync(join(pkg, f), 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = join(pkg, f, '..', spec!);
        expect(existsSync(target) || existsSync(target.replace(/\.js$/, '.d.ts')), `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it('runs nothing at install, declares glibc on x64/arm64, and depends on koffi alone', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[hook], hook).toBeUndefined();
    expect(manifest.cpu).toEqual(['x64', 'arm64']);
    expect(manifest.libc).toEqual(['glibc']);
    expect(manifest.os).toEqual(['linux']);
    expect(Object.keys(manifest.dependencies)).toEqual(['koffi']);
    expect(manifest.license).toBe('MIT');
  });

  it('the lockfile agrees with package.json (its root entry lists the same dependencies)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const rootEntry = lock.packages[''];
    expect(rootEntry.dependencies).toEqual(manifest.dependencies);
    expect(rootEntry.devDependencies).toEqual(manifest.devDependencies);
    expect(rootEntry.cpu).toEqual(manifest.cpu);
    expect(rootEntry.libc).toEqual(manifest.libc);
  });
});
