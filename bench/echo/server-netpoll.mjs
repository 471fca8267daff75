// The echo server under test: netpoll-wasm's PollFD over a unix stream socket.
// An accept loop, and per connection a read → write loop (Go's net.Conn style).
//
//   node bench/echo/server-netpoll.mjs --drive uv|thread --path PATH [--api pollfd|polldesc] [--type stream|seqpacket]
//     [--lib DIR]   DIR/build/host instead of this checkout's build (a baseline build, for before/after in one run)
//     [--io syscall|uring]  the poller's I/O path (host/io-path.ts); the live one and its wave counts go to stderr at exit
//
// --api polldesc (used by the profile benchmark, not by the echo tables): the
// same loop written against PollDesc with the synchronous readFd / writeFd
// helpers, awaiting only when a call would block — what PollFD's promise and
// lock layers cost shows as the difference.
//
// Prints "ready" once listening. SIGTERM / SIGINT end it (so that
// `node --cpu-prof` gets to write its profile).
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { echoConn, parseArgs, ROOT } from '../lib/common.mjs';

const args = parseArgs();
const lib = path.resolve(typeof args.lib === 'string' ? args.lib : ROOT, 'build', 'host');
const { Poller, PollFD } = await import(pathToFileURL(path.join(lib, 'index.js')).href);
const { unixListen, setNoFileLimit, getNoFileLimit, readFd, writeFd, closeFd, WOULD_BLOCK } = await import(pathToFileURL(path.join(lib, 'sys', 'index.js')).href);
const drive = args.drive ?? 'uv';
const api = args.api ?? 'pollfd';
const sockPath = args.path;
const sockType = args.type ?? 'stream';
if (!sockPath) throw new Error('--path is required');

const { hard } = getNoFileLimit();
setNoFileLimit(hard);
try {
  unlinkSync(sockPath);
} catch {}

const poller = await Poller.create({ drive, ...(typeof args.io === 'string' ? { io: args.io } : {}) });
const listener = await PollFD.open(unixListen(sockPath, sockType, 4096), { poller });

async function serve(fd) {
  await echoConn(await PollFD.open(fd, { poller }));
}

async function serveRaw(fd) {
  const pd = poller.open(fd); // accept4 gave a non-blocking fd
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = readFd(fd, buf);
      if (n === WOULD_BLOCK) {
        await pd.wait('r');
        continue;
      }
      if (n === 0) break;
      for (let off = 0; off < n; ) {
        const w = writeFd(fd, off === 0 ? buf.subarray(0, n) : buf.subarray(off, n));
        if (w === WOULD_BLOCK) await pd.wait('w');
        else off += w;
      }
    }
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes(err?.code)) console.error('conn:', err);
  } finally {
    pd.close();
    closeFd(fd);
  }
}

async function acceptLoop() {
  const handler = api === 'polldesc' ? serveRaw : serve;
  // acceptMany (every waiting connection for one readiness) where the library
  // has it; a baseline build from before it accepts one per await.
  if (typeof listener.acceptMany !== 'function') {
    for (;;) handler(await listener.accept()).catch((err) => console.error('serve:', err));
  }
  for (;;) {
    for (const fd of await listener.acceptMany()) handler(fd).catch((err) => console.error('serve:', err));
  }
}

const stop = () => {
  if (args.io) console.error(`io: ${JSON.stringify(poller.stats.io)}`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
acceptLoop().catch((err) => {
  console.error(err);
  process.exit(1);
});
console.log('ready');
