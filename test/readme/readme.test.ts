// The README's code, run verbatim against the built package: the README cannot drift from the code.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { uringSkip, uringSkipNote } from '../os/uring-available.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const requireFromRoot = createRequire(join(root, 'package.json'));

/**
 * The js blocks behind a marker comment, with package imports pointed at the
 * build, and serialport's packages (devDependencies a recipe uses) at this
 * checkout's node_modules, since the recipes run from a temporary folder.
 */
function blocks(marker: string): string[] {
  const re = new RegExp(`<!-- ${marker} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...readme.matchAll(re)].map((m) =>
    m[1]!
      .replace(/'netpoll-wasm(\/\w+)?'/g, (_, sub: string | undefined) =>
        JSON.stringify(pathToFileURL(join(root, 'build/host', sub ?? '', 'index.js')).href),
      )
      .replace(/'(@serialport\/[\w-]+)'/g, (_, pkg: string) => JSON.stringify(pathToFileURL(requireFromRoot.resolve(pkg)).href)),
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

  it.skipIf(uringSkip !== null)(`the io: 'uring' example reads eight woken messages with one io_uring_enter${uringSkipNote}`, () => {
    const [code] = blocks('readme-uring');
    expect(code).toBeDefined();
    expect(run(code!, 'uring').trim().split('\n')).toEqual([Array.from({ length: 8 }, (_, i) => `hello ${i}`).join(', '), 'uring null 1 8']);
  });

  it('the worker_threads example echoes through two workers sharing one listening socket', () => {
    const [code] = blocks('readme-workers');
    expect(code).toBeDefined();
    expect(run(code!, 'workers').trim()).toBe('8 echoed');
  });

  it('the AcceptSpreader example hands 8 connections to two workers, 4 each', () => {
    const [code] = blocks('readme-workers-spread');
    expect(code).toBeDefined();
    expect(run(code!, 'workers-spread').trim()).toBe('8 echoed [ 4, 4 ]');
  });

  it('the trace and simulation snippets run', () => {
    const snippets = blocks('readme-run');
    expect(snippets.length).toBe(2);
    snippets.forEach((code, i) => run(code, `snippet-${i}`));
    expect(existsSync(join(dir, 'session.trace'))).toBe(true);
    const replay = execFileSync(process.execPath, [join(root, 'build/host/tools/cli.js'), 'replay', join(dir, 'session.trace')], { encoding: 'utf8' });
    expect(replay).toMatch(/matches/);
  });
});

// The netpoll-wasm/sys recipes (ptys, inotify, netlink, datagrams and SCM_RIGHTS).
describe('README: the fds users have', () => {
  const only = (marker: string): string => {
    const found = blocks(marker);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('the pty recipe reads a child\'s output through raw mode, speed and window size, and ends at EOF', () => {
    const lines = run(only('readme-sys-pty'), 'sys-pty').trim().split('\n');
    expect(lines[0]).toMatch(/^24 80 \| 115200 \| \/dev\/pts\/\d+$/);
    expect(lines[1]).toBe('true');
  });

  it('the inotify recipe sees create, both halves of the rename and delete', () => {
    expect(run(only('readme-sys-inotify'), 'sys-inotify').trim().split('\n')).toEqual([
      'create a.txt false',
      'moved-from a.txt true',
      'moved-to b.txt true',
      'delete b.txt false',
    ]);
  });

  it('the datagram recipe gets the sender\'s address, a deadline and a passed descriptor', () => {
    const lines = run(only('readme-sys-dgram'), 'sys-dgram').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ping from @recipe-\d+-client$/);
    expect(lines.slice(1)).toEqual(['pong', 'ETIMEDOUT', 'written through a passed fd']);
  });

  const netnsSkip =
    process.getuid?.() !== 0
      ? 'needs root (CAP_NET_ADMIN) to create a network namespace'
      : (() => {
          try {
            execFileSync('ip', ['-V'], { stdio: 'ignore' });
            return null;
          } catch {
            return 'iproute2 (`ip`) is not installed';
          }
        })();

  it.skipIf(netnsSkip !== null)(
    `the netlink recipe, run in a new network namespace, sees a veth link created, up, down and deleted${netnsSkip ? ` (skipped: ${netnsSkip})` : ''}`,
    async () => {
      const ns = `netpoll-readme-${process.pid}`;
      const file = join(dir, 'sys-netlink.mjs');
      writeFileSync(file, only('readme-sys-netlink'));
      execFileSync('ip', ['netns', 'add', ns]);
      try {
        const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe' });
        const child = spawn('ip', ['netns', 'exec', ns, process.execPath, file], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('watching\n')) resolve();
          });
          child.once('exit', () => reject(new Error(`the recipe exited before watching: ${out}`)));
        });
        ip('link', 'add', 'np0', 'type', 'veth', 'peer', 'name', 'np1');
        ip('link', 'set', 'np1', 'up');
        ip('link', 'set', 'np0', 'up');
        await until(() => out.includes('new np0 up up'));
        ip('link', 'set', 'np0', 'down');
        await until(() => /new np0 up up[\s\S]*new np0 down down/.test(out));
        ip('link', 'del', 'np0');
        expect(await Promise.race([exited, sleep(10_000).then(() => 'timeout')])).toBe(0);
        const np0 = out.split('\n').filter((l) => l.includes(' np0 '));
        expect(np0[0]).toBe('new np0 down down');
        expect(np0).toContain('new np0 up up');
        expect(np0.indexOf('new np0 up up')).toBeLessThan(np0.lastIndexOf('new np0 down down'));
        expect(np0.at(-1)).toBe('del np0 down down');
      } finally {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      }
    },
  );
});

// The switching guides (node-pty, serialport).
describe('README: switching from node-pty and serialport', () => {
  const only = (marker: string): string => {
    const found = blocks(marker);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const python = (() => {
    try {
      execFileSync('python3', ['-c', '0'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!python)(`the python3 session computes, is interrupted by ^C (KeyboardInterrupt) and exits 0${python ? '' : ' (skipped: no python3)'}`, () => {
    const code = only('readme-switch-pty');
    expect(code.trim().split('\n').filter((l) => l.trim() !== '')).toHaveLength(17); // the count the guide states
    expect(run(code, 'switch-pty').trim()).toBe('true true 0');
  });

  it('SerialPortStream on NetpollBinding: the rate and stop bits read back, bytes cross raw both ways, list() runs', () => {
    expect(run(only('readme-switch-serial'), 'switch-serial').trim().split('\n')).toEqual(['250000 2', '"AT\\r"', 'OK', 'true']);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await sleep(10)) if (Date.now() - t0 > ms) throw new Error('timed out waiting for the recipe');
}

// The network recipes: Go's dial/listen, SEQPACKET, TUN, rtnetlink address events, SocketCAN frames.
describe('README: network recipes', () => {
  const only = (marker: string): string => {
    const found = blocks(marker);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('the TCP recipe echoes, and after a read deadline expires the write direction still works', () => {
    expect(run(only('readme-sys-tcp'), 'sys-tcp').trim().split('\n')).toEqual(['true', 'hello', 'ETIMEDOUT', 'again']);
  });

  it('the SEQPACKET recipe keeps message boundaries and removes its socket file', () => {
    expect(run(only('readme-sys-seqpacket'), 'sys-seqpacket').trim().split('\n')).toEqual(['got one', 'got two', 'false']);
  });

  it('the SocketCAN recipe prints the frame bytes', () => {
    expect(run(only('readme-sys-can'), 'sys-can').trim().split('\n')).toEqual(['16 2301000002000000dead000000000000', 'true true 1abcdef0 12 true']);
  });

  /** Runs a recipe inside `unshare -rn` (its own user and network namespace). */
  const inNamespace = (marker: string, name: string): string[] => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, only(marker));
    return execFileSync('unshare', ['-rn', process.execPath, file], { encoding: 'utf8', timeout: 20_000, cwd: dir }).trim().split('\n');
  };
  const unshareSkip = (() => {
    try {
      execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
      return existsSync('/dev/net/tun') ? null : '/dev/net/tun does not exist';
    } catch {
      return '`unshare -rn` fails here';
    }
  })();

  it.skipIf(unshareSkip !== null)(`the TUN recipe pings through the device and gets the crafted reply${unshareSkip ? ` (skipped: ${unshareSkip})` : ''}`, () => {
    expect(inNamespace('readme-sys-tun', 'sys-tun')).toEqual(['tun read 30 bytes: echo request to 10.0.0.2', 'reply from 10.0.0.2 hi']);
  });

  it.skipIf(unshareSkip !== null)(`the address-events recipe sees its own address added and removed${unshareSkip ? ` (skipped: ${unshareSkip})` : ''}`, () => {
    expect(inNamespace('readme-sys-addr-events', 'sys-addr-events')).toEqual(['new 192.0.2.7/32 on lo', 'del 192.0.2.7/32 on lo']);
  });
});
