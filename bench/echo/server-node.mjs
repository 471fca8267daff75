// The node:net comparator: the idiomatic Node echo server on a unix socket.
//
//   node bench/echo/server-node.mjs --path PATH      prints "ready" once listening
import net from 'node:net';
import { unlinkSync } from 'node:fs';
import { parseArgs } from '../lib/common.mjs';

const { path } = parseArgs();
if (!path) throw new Error('--path is required');
try {
  unlinkSync(path);
} catch {}

const server = net.createServer((sock) => {
  sock.on('data', (chunk) => sock.write(chunk));
  sock.on('error', () => sock.destroy());
});
server.listen({ path, backlog: 4096 }, () => console.log('ready'));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
