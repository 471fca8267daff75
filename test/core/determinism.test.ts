// The core never reads a clock and allocates nothing from a GC: the same calls
// must produce the same bytes. One long random command sequence (from a fixed
// seed) runs twice, each time on a fresh instance; the whole memory.buffer must
// be byte-identical at the end. (Return codes are compared with the model at
// every command; the full comparison every CHECK_EVERY commands, to keep it fast.)

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { arbitraries, LONG } from './support/commands.js';
import { assertSame } from './support/compare.js';
import { WasmCore } from './support/wasm-core.js';
import { type Cmd, newWorld } from './support/world.js';

const SEED = 20_261_123;
const LENGTH = 5_000;
const CHECK_EVERY = 500;

function runOnce(cmds: readonly Cmd[]): WasmCore {
  const core = new WasmCore(loadCore());
  const world = newWorld(1_000_000n);
  world.verify = false;
  cmds.forEach((c, i) => {
    c.run(world, core);
    if ((i + 1) % CHECK_EVERY === 0) assertSame(world.model, core, `command ${i + 1}: ${c}`);
  });
  return core;
}

describe('determinism', () => {
  it(`${LENGTH} random commands (seed ${SEED}) twice on fresh instances give byte-identical memory`, () => {
    const [cmds] = fc.sample(fc.array(arbitraries(LONG).command, { minLength: LENGTH, maxLength: LENGTH }), {
      seed: SEED,
      numRuns: 1,
    });
    const a = runOnce(cmds), b = runOnce(cmds);
    const ma = a.memory(), mb = b.memory();
    expect(ma.length).toBe(mb.length);
    const first = ma.findIndex((byte, i) => byte !== mb[i]);
    expect(first, `first differing byte at 0x${first.toString(16)}`).toBe(-1);

    // The sequence reached beyond the first blocks, so the comparison covers directories and growth.
    const c = a.reader.counters();
    expect(c.descBlocks).toBeGreaterThan(1);
    expect(c.waiters + c.wakeups).toBeGreaterThan(100);
    expect(c.eventsSeen).toBeGreaterThan(0);
    expect(c.timersFired).toBeGreaterThan(0);
    expect(c.wakeups).toBeGreaterThan(0);
  });
});
