// The echo server under test: netpoll-wasm's PollFD over a unix stream socket.
// An accept loop, and per connection a read → write loop (Go's net.Conn style).
//
//   node bench/echo/server-netpoll.mjs --drive uv|thread --path PATH
//
// Prints "ready" once listening. SIGTERM / SIGINT end it (so that
// `node --cpu-prof` gets to write its profile).
import { unlinkSync } from 'node:fs';
import { Poller, PollFD } from '../../build/host/index.js';
import { unixListen, setNoFileLimit, getNoFileLimit } from '../../build/host/sys/index.js';
import { parseArgs } from '../lib/common.mjs';

const args = parseArgs();
const drive = args.drive ?? 'uv';
const path = args.path;
if (!path) throw new Error('--path is required');

const { hard } = getNoFileLimit();
setNoFileLimit(hard);
try {
  unlinkSync(path);
} catch {}

const poller = await Poller.create({ drive });
const listener = await PollFD.open(unixListen(path, 'stream', 4096), { poller });

async function serve(fd) {
  const conn = await PollFD.open(fd, { poller });
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === 0) break;
      await conn.write(buf.subarray(0, n));
    }
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes(err?.code)) console.error('conn:', err);
  } finally {
    await conn.close();
  }
}

async function acceptLoop() {
  for (;;) {
    const fd = await listener.accept();
    serve(fd).catch((err) => console.error('serve:', err));
  }
}

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
acceptLoop().catch((err) => {
  console.error(err);
  process.exit(1);
});
console.log('ready');
