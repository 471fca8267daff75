// Soak: does anything in a PollFD echo server grow per session?
//
//   node bench/soak/soak.mjs [--seconds 300] [--concurrency 16] [--bytes 40000] [--gc] [--drive uv|thread]
//
// A child process serves echo over a unix socket through PollFD (accept loop,
// read → write per connection, close at EOF) and samples itself every second:
// RSS, heap used, external + array buffers, open fds, and the poller's open
// descriptors. The parent runs `--concurrency` client loops with node:net:
// connect, write `--bytes` random bytes, read them back, verify, close.
// With --gc the child runs a full GC before each sample, so what remains is
// what is retained, not garbage not yet collected.
//
// Prints a JSON summary: sessions, bytes verified, and for each figure its
// mean over the first and second half of the run and the least-squares slope
// per 100,000 sessions (what grows per session shows as a slope that does not
// shrink with --gc).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { echoConn, parseArgs, ROOT } from '../lib/common.mjs';

const args = parseArgs();

if (args.serve) await serve(args.path, args.drive ?? 'uv');
else await drive();

async function serve(sockPath, drive) {
  const lib = path.join(ROOT, 'build', 'host');
  const { Poller, PollFD } = await import(pathToFileURL(path.join(lib, 'index.js')).href);
  const { unixListen } = await import(pathToFileURL(path.join(lib, 'sys', 'index.js')).href);
  const poller = await Poller.create({ drive });
  const listener = await PollFD.open(unixListen(sockPath, 'stream', 1024), { poller });
  let sessions = 0;
  let open = 0;
  const one = async (fd) => {
    const conn = await PollFD.open(fd, { poller });
    open++;
    try {
      await echoConn(conn);
    } finally {
      open--;
      sessions++;
    }
  };
  setInterval(() => {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const m = process.memoryUsage();
    const fds = readdirSync('/proc/self/fd').length;
    process.stdout.write(`${JSON.stringify({ t: performance.now(), sessions, open, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, fds })}\n`);
  }, 1000);
  process.stdout.write('ready\n');
  for (;;) void one(await listener.accept());
}

async function drive() {
  const seconds = Number(args.seconds ?? 300);
  const concurrency = Number(args.concurrency ?? 16);
  const bytes = Number(args.bytes ?? 40_000);
  const sockPath = path.join(tmpdir(), `netpoll-soak-${process.pid}.sock`);
  const nodeArgs = args.gc ? ['--expose-gc'] : [];
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), '--serve', '--path', sockPath, '--drive', args.drive ?? 'uv'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve) => lines.on('line', (l) => (l === 'ready' ? resolve() : samples.push(JSON.parse(l)))));
  const payload = randomBytes(bytes);
  let sessions = 0;
  let verified = 0;
  const until = Date.now() + seconds * 1000;
  const session = () =>
    new Promise((resolve, reject) => {
      const s = connect(sockPath);
      const got = [];
      let n = 0;
      s.on('connect', () => s.write(payload));
      s.on('data', (d) => {
        got.push(d);
        n += d.length;
        if (n >= bytes) s.end();
      });
      s.on('error', reject);
      s.on('close', () => {
        if (!Buffer.concat(got).equals(payload)) return reject(new Error('echo mismatch'));
        verified += n;
        sessions++;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) await session();
  }));
  await new Promise((r) => setTimeout(r, 1500)); // a last sample after the load
  child.kill();
  try {
    unlinkSync(sockPath);
  } catch {}
  const keys = ['rss', 'heapUsed', 'external', 'arrayBuffers', 'fds'];
  const loaded = samples.filter((s) => s.sessions > 0);
  const half = Math.floor(loaded.length / 2);
  const mean = (xs, k) => xs.reduce((a, s) => a + s[k], 0) / xs.length;
  const slope = (k) => {
    const mx = mean(loaded, 'sessions');
    const my = mean(loaded, k);
    let num = 0;
    let den = 0;
    for (const s of loaded) {
      num += (s.sessions - mx) * (s[k] - my);
      den += (s.sessions - mx) ** 2;
    }
    return (num / den) * 100_000;
  };
  const mib = (x) => +(x / 2 ** 20).toFixed(2);
  const figures = Object.fromEntries(keys.map((k) => {
    const conv = k === 'fds' ? (x) => +x.toFixed(1) : mib;
    return [k, { firstHalf: conv(mean(loaded.slice(0, half), k)), secondHalf: conv(mean(loaded.slice(half), k)), per100kSessions: conv(slope(k)), last: conv(loaded.at(-1)[k]) }];
  }));
  console.log(JSON.stringify({ seconds, concurrency, bytes, gc: !!args.gc, sessions, gbVerified: +(verified * 2 / 1e9).toFixed(2), samples: loaded.length, figures, unit: 'MiB (fds: count)' }, null, 1));
}
