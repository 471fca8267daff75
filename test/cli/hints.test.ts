// What the CLI says when a newcomer asks for the wrong thing: `netpoll sim`
// (the simulator is a library), and `netpoll inspect` given a trace (replay
// reads it), short or long.

import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimPoller } from '../../host/sim/index.js';
import { TraceRecorder } from '../../host/trace/index.js';
import { SNAPSHOT_HEADER_END } from '../../host/inspect/decode.js';
import { runCli } from '../live/support.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-hints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A recorded trace: `rounds` deadline + advance rounds on the simulator. */
async function trace(rounds: number): Promise<Uint8Array> {
  const rec = new TraceRecorder();
  const sim = SimPoller.create({ instrument: rec.instrument });
  const a = sim.open(3);
  for (let i = 0; i < rounds; i++) {
    a.setDeadline(sim.deadline(5), 'r');
    sim.advance(1);
  }
  await sim.close();
  return rec.finish();
}

describe('hints', () => {
  it('netpoll sim says the simulator is a library and where it is (exit 2), not "unknown command"', async () => {
    const r = await runCli(['sim']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/unknown command/);
    expect(r.stderr).toMatch(/the simulator is a library/);
    expect(r.stderr).toContain("import { SimPoller } from 'netpoll-wasm/sim'");
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('netpoll-wasm/sim');
  });

  it('netpoll inspect on a trace points to netpoll replay, whether shorter or longer than a snapshot header', async () => {
    const short = await trace(1);
    const long = await trace(8000);
    expect(short.length).toBeLessThan(SNAPSHOT_HEADER_END);
    expect(long.length).toBeGreaterThan(SNAPSHOT_HEADER_END);
    for (const [name, bytes] of [['short.trace', short], ['long.trace', long]] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const r = await runCli(['inspect', path]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(/this is a netpoll trace .*not a snapshot: replay it with `netpoll replay FILE`/);
      expect(r.stderr, name).not.toMatch(/too short/);
      expect((await runCli(['replay', path])).code, name).toBe(0); // and replay does read it
    }
  });
});
