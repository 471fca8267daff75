// The layering ARCHITECTURE.md states, checked on the import graph: the
// library below never imports the tooling above it, koffi stays inside
// host/sys, and the core's host side makes no syscall.

import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, importsOf, sourceFiles } from './imports.js';

const TOOLING = ['host/inspect/', 'host/inspector/', 'host/trace/', 'host/sim/', 'host/tools/'];
const LIBRARY = [
  ...sourceFiles('host/core'), ...sourceFiles('host/drive'), ...sourceFiles('host/sys'),
  'host/polldesc.ts', 'host/pollfd.ts', 'host/registry.ts', 'host/errors.ts', 'host/deadline.ts',
];

/** host/sys files that build on PollFD (the netpoll-wasm/sys toolkit above the poller). */
const POLLFD_TOOLKIT = [
  'host/sys/dial.ts', 'host/sys/listen.ts', 'host/sys/datagram-address.ts', 'host/sys/tun-pollfd.ts',
  'host/sys/pty-spawn.ts', 'host/sys/pty-process.ts', 'host/sys/serialport-binding.ts',
];

function offenders(files: string[], bad: (target: string | null, spec: string) => boolean): string[] {
  return files.flatMap((f) => importsOf(f).filter((i) => bad(i.target, i.spec)).map((i) => `${f} imports ${i.spec}`));
}

describe('layering', () => {
  it('the import scanner sees imports, re-exports and dynamic imports', () => {
    const cli = importsOf('host/tools/cli.ts').map((i) => i.target);
    expect(cli).toContain('host/inspect/decode.ts'); // a dynamic import()
    expect(importsOf('host/sys/index.ts').map((i) => i.target)).toContain('host/sys/epoll.ts'); // export * from
    for (const f of [...sourceFiles('host'), ...sourceFiles('test/model')]) {
      for (const i of importsOf(f)) if (i.target) expect(existsSync(join(ROOT, i.target)), `${f} → ${i.spec}`).toBe(true);
    }
  });

  it('core, drive, sys, PollDesc and PollFD import nothing from inspect, trace, sim or the tools', () => {
    expect(offenders(LIBRARY, (t) => t !== null && TOOLING.some((d) => t.startsWith(d)))).toEqual([]);
  });

  it('the Poller imports only the decoder its inspect() returns from the tooling', () => {
    const tooling = importsOf('host/poller.ts').flatMap((i) => (i.target && TOOLING.some((d) => i.target!.startsWith(d)) ? [i.target] : []));
    expect(tooling.sort()).toEqual(['host/inspect/decode.ts', 'host/inspect/types.ts']);
  });

  it('host/core imports only host/core; host/sys only host/sys and the epoll ABI facts', () => {
    expect(offenders(sourceFiles('host/core'), (t) => t !== null && !t.startsWith('host/core/'))).toEqual([]);
    const sysOnly = sourceFiles('host/sys').filter((f) => !POLLFD_TOOLKIT.includes(f));
    expect(offenders(sysOnly, (t) => t !== null && !t.startsWith('host/sys/') && t !== 'host/core/epoll-abi.ts')).toEqual([]);
  });

  it('the toolkit files that hand out PollFDs (dial, listen, datagram addresses, openTun, spawnPty, the serialport binding) reach above host/sys only for the PollFD API', () => {
    const allowed = ['host/pollfd.ts', 'host/poller.ts', 'host/stream.ts', 'host/errors.ts', 'host/deadline.ts', 'host/validate.ts'];
    expect(offenders(POLLFD_TOOLKIT, (t) => t !== null && !t.startsWith('host/sys/') && !allowed.includes(t))).toEqual([]);
    for (const f of POLLFD_TOOLKIT) expect(existsSync(join(ROOT, f)), f).toBe(true);
    // Nothing below them imports them back: the rest of host/sys stays free of the PollFD layer.
    expect(offenders(sourceFiles('host/sys').filter((f) => !POLLFD_TOOLKIT.includes(f) && f !== 'host/sys/index.ts'), (t) => t !== null && POLLFD_TOOLKIT.includes(t))).toEqual([]);
  });

  it('nothing outside host/sys imports koffi', () => {
    const all = [...sourceFiles('host'), ...sourceFiles('test/model')];
    const koffi = (_t: string | null, spec: string): boolean => spec === 'koffi' || spec.startsWith('koffi/');
    expect(offenders(all.filter((f) => !f.startsWith('host/sys/')), koffi)).toEqual([]);
    expect(offenders(sourceFiles('host/sys'), koffi).length).toBeGreaterThan(0);
  });

  it('the shipped library imports nothing from the tests', () => {
    expect(offenders(sourceFiles('host'), (t) => t !== null && !t.startsWith('host/'))).toEqual([]);
  });
});
