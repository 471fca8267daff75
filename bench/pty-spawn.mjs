// Start-up cost of spawnPty against child_process.spawn: `echo hi`, from the
// call to the end of its output and its exit, 15 runs each, medians.
// Run after `npm run build`: node bench/pty-spawn.mjs
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { spawnPty } from '../build/host/sys/index.js';

const RUNS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const viaPty = [];
const viaSpawn = [];
for (let i = 0; i < RUNS; i++) {
  let t0 = performance.now();
  const pty = await spawnPty('echo', ['hi']);
  for await (const _ of pty.stream);
  await pty.exited;
  viaPty.push(performance.now() - t0);
  t0 = performance.now();
  await once(spawn('echo', ['hi']), 'exit');
  viaSpawn.push(performance.now() - t0);
}
console.log(`spawnPty: median ${median(viaPty).toFixed(1)} ms; child_process.spawn: median ${median(viaSpawn).toFixed(1)} ms (${RUNS} runs each)`);
process.exit(0); // the default poller would keep the loop alive
