// The layering ARCHITECTURE.md states, checked on the import graph: the
// library below never imports the tooling above it, koffi stays inside
// host/os and host/sys, and the core's host side makes no syscall.

import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, importsOf, sourceFiles } from './imports.js';

const TOOLING = ['host/inspect/', 'host/inspector/', 'host/trace/', 'host/sim/', 'host/tools/'];
const LIBRARY = [
  ...sourceFiles('host/core'), ...sourceFiles('host/drive'), ...sourceFiles('host/os'),
  'host/polldesc.ts', 'host/pollfd.ts', 'host/registry.ts', 'host/errors.ts', 'host/deadline.ts',
  'host/poller.ts', 'host/stream.ts', 'host/operation.ts', 'host/op-gate.ts', 'host/fairness.ts', 'host/nonblock.ts', 'host/validate.ts',
];

function offenders(files: string[], bad: (target: string | null, spec: string) => boolean): string[] {
  return files.flatMap((f) => importsOf(f).filter((i) => bad(i.target, i.spec)).map((i) => `${f} imports ${i.spec}`));
}

describe('layering', () => {
  it('the import scanner sees imports, re-exports and dynamic imports', () => {
    const cli = importsOf('host/tools/cli.ts').map((i) => i.target);
    expect(cli).toContain('host/inspect/decode.ts'); // a dynamic import()
    expect(importsOf('host/sys/index.ts').map((i) => i.target)).toContain('host/os/epoll.ts'); // export * from
    for (const f of [...sourceFiles('host'), ...sourceFiles('test/model')]) {
      for (const i of importsOf(f)) if (i.target) expect(existsSync(join(ROOT, i.target)), `${f} → ${i.spec}`).toBe(true);
    }
  });

  it('core, drive, sys, PollDesc and PollFD import nothing from inspect, trace, sim or the tools', () => {
    // The Poller's exception (the decoder its inspect() returns) is the next test's.
    const below = LIBRARY.filter((f) => f !== 'host/poller.ts');
    expect(offenders(below, (t) => t !== null && TOOLING.some((d) => t.startsWith(d)))).toEqual([]);
  });

  it('the Poller imports only the decoder its inspect() returns from the tooling', () => {
    const tooling = importsOf('host/poller.ts').flatMap((i) => (i.target && TOOLING.some((d) => i.target!.startsWith(d)) ? [i.target] : []));
    expect(tooling.sort()).toEqual(['host/inspect/decode.ts', 'host/inspect/types.ts']);
  });

  it('host/core imports only host/core; host/os only host/os and the epoll ABI facts; host/sys only host/sys and host/os', () => {
    expect(offenders(sourceFiles('host/core'), (t) => t !== null && !t.startsWith('host/core/'))).toEqual([]);
    expect(offenders(sourceFiles('host/os'), (t) => t !== null && !t.startsWith('host/os/') && t !== 'host/core/epoll-abi.ts')).toEqual([]);
    expect(offenders(sourceFiles('host/sys'), (t) => t !== null && !t.startsWith('host/sys/') && !t.startsWith('host/os/'))).toEqual([]);
  });

  it('the library classes reach the OS only through host/os, never the Linux toolkit', () => {
    expect(offenders(LIBRARY, (t) => t !== null && t.startsWith('host/sys/'))).toEqual([]);
  });

  it('nothing outside host/os and host/sys imports koffi', () => {
    const all = [...sourceFiles('host'), ...sourceFiles('test/model')];
    const koffi = (_t: string | null, spec: string): boolean => spec === 'koffi' || spec.startsWith('koffi/');
    expect(offenders(all.filter((f) => !f.startsWith('host/sys/') && !f.startsWith('host/os/')), koffi)).toEqual([]);
    expect(offenders(sourceFiles('host/os'), koffi).length).toBeGreaterThan(0);
  });

  it('the shipped library imports nothing from the tests', () => {
    expect(offenders(sourceFiles('host'), (t) => t !== null && !t.startsWith('host/'))).toEqual([]);
  });
});
