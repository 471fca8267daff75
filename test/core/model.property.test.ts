// Model-based property tests: random command sequences run on a fresh Wasm
// core and on the reference model (test/model/reference.ts); after every
// command the two must agree on the result, the ready list, every descriptor
// field, every counter, checkErr, nextDeadline, and the core's structural
// invariants must hold (support/compare.ts).
//
// A failure prints fast-check's seed and path, the shrunk command list and the
// first difference, and ends with the exact line to replay it:
//   NETPOLL_SEED=<seed> NETPOLL_PATH=<path> NETPOLL_REPLAY=<commands' replayPath> \
//     npx vitest run --config test/vitest.config.ts test/core/model.property.test.ts -t '<test name>'
// (NETPOLL_CORE=debug selects the build with asserts). NETPOLL_RUNS=<factor>
// scales the number of sequences (e.g. 10 for a longer soak).

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { loadCore } from '../../host/core/load.js';
import { arbitraries, MISUSE, NORMAL, type Profile, startTime } from './support/commands.js';
import type { Cmd, World } from './support/world.js';
import { newWorld } from './support/world.js';
import { WasmCore } from './support/wasm-core.js';

const MAX_COMMANDS = 60;
const SCALE = Number(process.env.NETPOLL_RUNS ?? 1);

function replayParams(): fc.Parameters<[bigint, Iterable<fc.Command<World, WasmCore>>]> {
  const seed = process.env.NETPOLL_SEED;
  if (seed === undefined) return {};
  return { seed: Number(seed), path: process.env.NETPOLL_PATH, endOnFailure: true };
}

function runSequences(name: string, profile: Profile, numRuns: number): void {
  const { command } = arbitraries(profile);
  const property = fc.property(
    startTime,
    fc.commands<World, WasmCore>([command as fc.Arbitrary<Cmd>], {
      maxCommands: MAX_COMMANDS,
      size: 'max',
      replayPath: process.env.NETPOLL_REPLAY, // fc.commands keeps its own shrink path
    }),
    (t0, cmds) => {
      const core = new WasmCore(loadCore());
      fc.modelRun(() => ({ model: newWorld(t0), real: core }), cmds);
    },
  );
  try {
    fc.assert(property, { numRuns: Math.max(1, Math.round(numRuns * SCALE)), verbose: 1, ...replayParams() });
  } catch (e) {
    const msg = String((e as Error).message);
    const m = /seed: (-?\d+), path: "([^"]*)"/.exec(msg);
    const cmds = /Counterexample:.*\/\*replayPath="([^"]*)"\*\//.exec(msg);
    if (m) {
      (e as Error).message += `\n\nReplay: NETPOLL_CORE=${process.env.NETPOLL_CORE ?? 'release'} NETPOLL_SEED=${m[1]} ` +
        `NETPOLL_PATH=${m[2]}${cmds ? ` NETPOLL_REPLAY='${cmds[1]}'` : ''} ` +
        `npx vitest run --config test/vitest.config.ts test/core/model.property.test.ts -t '${name}'`;
    }
    throw e;
  }
}

describe('the Wasm core agrees with the reference model after every command', () => {
  const normal = 'mostly well-formed use: opens, parks, events between the halves, deadlines, time, close';
  it(normal, () => runSequences(normal, NORMAL, 1500));

  const misuse = 'misuse-heavy: stale and forged handles, double waits, bad tokens / modes / batches';
  it(misuse, () => runSequences(misuse, MISUSE, 600));
});
