// The SOCK_SEQPACKET comparator a Node user would pick: node-unix-socket's
// SeqpacketServer ('data' → write), installed only under bench/peers/
// (`npm install --prefix bench/peers`), never a dependency of the package.
//
//   node bench/echo/server-node-seqpacket.mjs --path PATH      prints "ready" once listening
import { createRequire } from 'node:module';
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, BENCH_DIR } from '../lib/common.mjs';

const { path: sockPath } = parseArgs();
if (!sockPath) throw new Error('--path is required');
const require = createRequire(path.join(BENCH_DIR, 'peers', 'package.json'));
const { SeqpacketServer } = require('node-unix-socket');
try {
  unlinkSync(sockPath);
} catch {}

const server = new SeqpacketServer();
server.listen(sockPath, 4096);
server.on('connection', (sock) => {
  sock.on('data', (chunk) => sock.write(chunk));
  sock.on('error', () => sock.destroy());
});
console.log('ready');
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
