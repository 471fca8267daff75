// The layering ARCHITECTURE.md states, checked on the import graph: every
// host file has a rank in its "Rank | Files" table, imports go to the same or
// a lower rank only, no runtime import cycle exists, koffi stays inside
// host/os and host/sys, and the library classes reach the OS only through
// host/os.

import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, importsOf, sourceFiles } from './imports.js';

const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** The rank table: each named path (a folder ending in '/', or a file) with its rank. */
function rankTable(): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of doc.split('\n')) {
    const m = /^\| (\d+) \| (.+) \|$/.exec(line);
    if (!m) continue;
    for (const p of m[2]!.matchAll(/`([^`]+)`/g)) ranks.set(p[1]!, Number(m[1]));
  }
  return ranks;
}

const RANKS = rankTable();

/** A file's rank: its own entry, else its folder's (the longest folder that contains it). */
function rankOf(file: string): number | undefined {
  if (RANKS.has(file)) return RANKS.get(file);
  let best: string | undefined;
  for (const p of RANKS.keys()) if (p.endsWith('/') && file.startsWith(p) && (!best || p.length > best.length)) best = p;
  return best === undefined ? undefined : RANKS.get(best);
}

const HOST = sourceFiles('host');
const LIBRARY = [...RANKS].filter(([, r]) => r === 4).map(([p]) => p);

/** Runtime import edges (type-only imports erase at compile time and cannot form a load cycle). */
function runtimeEdges(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const typeOnly = new Set([...text.matchAll(/(?:^|\n)\s*(?:import|export) type [^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!));
  return importsOf(file).filter((i) => i.target && !typeOnly.has(i.spec)).map((i) => i.target!);
}

/** Every cycle a depth-first walk meets, as 'a → b → a'. */
function findCycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    state.set(f, 1);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 1) cycles.push([...path.slice(path.indexOf(t)), t].join(' → '));
      else if (!state.has(t)) visit(t, [...path, t]);
    }
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, [f]);
  return cycles;
}

function offenders(files: string[], bad: (target: string | null, spec: string) => boolean): string[] {
  return files.flatMap((f) => importsOf(f).filter((i) => bad(i.target, i.spec)).map((i) => `${f} imports ${i.spec}`));
}

describe('layering', () => {
  it('the import scanner sees imports, re-exports and dynamic imports', () => {
    const cli = importsOf('host/tools/cli.ts').map((i) => i.target);
    expect(cli).toContain('host/inspect/decode.ts'); // a dynamic import()
    expect(importsOf('host/sys/index.ts').map((i) => i.target)).toContain('host/os/epoll.ts'); // export * from
    for (const f of [...HOST, ...sourceFiles('test/model')]) {
      for (const i of importsOf(f)) if (i.target) expect(existsSync(join(ROOT, i.target)), `${f} → ${i.spec}`).toBe(true);
    }
  });

  it('every host file has a rank, and every ranked path exists', () => {
    expect(RANKS.size).toBeGreaterThan(10);
    expect(HOST.filter((f) => rankOf(f) === undefined)).toEqual([]);
    expect([...RANKS.keys()].filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('imports go to the same or a lower rank only', () => {
    const up = HOST.flatMap((f) =>
      importsOf(f)
        .filter((i) => i.target && i.target.startsWith('host/') && rankOf(i.target)! > rankOf(f)!)
        .map((i) => `${f} (rank ${rankOf(f)}) imports ${i.target} (rank ${rankOf(i.target!)})`),
    );
    expect(up).toEqual([]);
  });

  it('no runtime import cycle among the host files', () => {
    expect(findCycles(new Map(HOST.map((f) => [f, runtimeEdges(f)])))).toEqual([]);
  });

  it('the cycle check finds a planted cycle', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual(['a → b → c → a']);
  });

  it('the library classes reach the OS only through host/os, never the Linux toolkit', () => {
    expect(LIBRARY.length).toBeGreaterThan(5);
    expect(offenders(LIBRARY, (t) => t !== null && t.startsWith('host/sys/'))).toEqual([]);
  });

  it('host/core imports only host/core; host/os only host/os and the epoll ABI facts; host/sys only host/sys and host/os', () => {
    expect(offenders(sourceFiles('host/core'), (t) => t !== null && !t.startsWith('host/core/'))).toEqual([]);
    expect(offenders(sourceFiles('host/os'), (t) => t !== null && !t.startsWith('host/os/') && t !== 'host/core/epoll-abi.ts')).toEqual([]);
    expect(offenders(sourceFiles('host/sys'), (t) => t !== null && !t.startsWith('host/sys/') && !t.startsWith('host/os/'))).toEqual([]);
  });

  it('the diagnostics channels name no class of the library (they sit below it)', () => {
    expect(offenders(sourceFiles('host/observe'), (t) => t !== null)).toEqual([]);
  });

  it('nothing outside host/os and host/sys imports koffi', () => {
    const all = [...HOST, ...sourceFiles('test/model')];
    const koffi = (_t: string | null, spec: string): boolean => spec === 'koffi' || spec.startsWith('koffi/');
    expect(offenders(all.filter((f) => !f.startsWith('host/sys/') && !f.startsWith('host/os/')), koffi)).toEqual([]);
    expect(offenders(sourceFiles('host/os'), koffi).length).toBeGreaterThan(0);
  });

  it('the shipped library imports nothing from the tests', () => {
    expect(offenders(HOST, (t) => t !== null && !t.startsWith('host/'))).toEqual([]);
  });
});
