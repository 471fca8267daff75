// The Engine's waiter tokens (host/core/engine.ts): unique among live
// waiters, > 2, wrapping at 2^32; the table grows without losing anyone; and
// a register/forget cycle allocates nothing. The last is the regression: a
// Map keyed by token churned a new hash table every few hundred waits, and
// under load those tables reached the old generation — a long-lived echo
// server ran a major GC every ≈ 0.6 s once its first clients had gone, with
// twice the p99 (bench/results/levers/uring.md tells the story).

import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../host/core/engine.js';
import { loadCore } from '../../host/core/load.js';
import { Poller } from '../../host/poller.js';
import { PollFD } from '../../host/pollfd.js';
import { socketPair } from '../../host/os/socket.js';

const engine = (): Engine => new Engine(loadCore());

describe('Engine tokens', () => {
  it('are > 2 and unique among live waiters, across growth of the table', () => {
    const e = engine();
    const live = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const t = e.register(() => {});
      expect(t).toBeGreaterThan(2);
      expect(live.has(t)).toBe(false);
      live.add(t);
      if (i % 3 === 0) {
        // Forget an older one: its slot becomes free for a later token.
        const old = [...live][Math.floor(live.size / 2)]!;
        e.forget(old);
        live.delete(old);
      }
    }
    expect(e.liveTokens).toBe(live.size);
    for (const t of live) e.forget(t);
    expect(e.liveTokens).toBe(0);
  });

  it('forgetting a token that is not live changes nothing', () => {
    const e = engine();
    const t = e.register(() => {});
    e.forget(t + 64); // same slot in a 64-slot table, another token
    e.forget(12345);
    expect(e.liveTokens).toBe(1);
    e.forget(t);
    e.forget(t);
    expect(e.liveTokens).toBe(0);
  });

  it('wraps at 2^32 to 3, skipping tokens still live', () => {
    const e = engine();
    const first = e.register(() => {}); // 3, still live
    (e as unknown as { lastToken: number }).lastToken = 0xffff_fffe;
    expect(e.register(() => {})).toBe(0xffff_ffff);
    const wrapped = e.register(() => {});
    expect(wrapped).not.toBe(first);
    expect(wrapped).toBeGreaterThan(2);
    expect(e.liveTokens).toBe(3);
  });

  it('through a poller: 300 parked reads (the table grows to 1,024 slots), then tokens wrapping past 2^32, each wake reaches its own read', async () => {
    const poller = await Poller.create();
    try {
      const round = async (n: number): Promise<void> => {
        const pairs = await Promise.all(Array.from({ length: n }, () => Promise.all(socketPair('stream').map((fd) => PollFD.open(fd, { poller })))));
        const reads = pairs.map(([, b]) => {
          const buf = Buffer.alloc(16);
          return b.read(buf).then((k) => buf.toString('latin1', 0, k));
        });
        await new Promise((r) => setImmediate(r));
        // Written in reverse, so the ready list's order is not the order of registration.
        for (let i = n - 1; i >= 0; i--) await pairs[i]![0].write(Buffer.from(`m${i}`));
        expect(await Promise.all(reads)).toEqual(pairs.map((_, i) => `m${i}`));
        for (const [a, b] of pairs) await Promise.all([a.close(), b.close()]);
      };
      await round(300);
      const engine = (poller as unknown as { engine: { lastToken: number; liveTokens: number } }).engine;
      engine.lastToken = 0xffff_fff0;
      await round(40);
      expect(engine.lastToken).toBeLessThan(100); // it wrapped
      expect(engine.liveTokens).toBe(0);
    } finally {
      await poller.close();
    }
  });

  it('a register/forget cycle allocates nothing: a million of them run without a scavenge', () => {
    // In a child, with --trace-gc: the count of young-generation collections is the measure (not time).
    const engineUrl = pathToFileURL(fileURLToPath(new URL('../../build/host/core/engine.js', import.meta.url))).href;
    const loadUrl = pathToFileURL(fileURLToPath(new URL('../../build/host/core/load.js', import.meta.url))).href;
    const script = `
      const { Engine } = await import(${JSON.stringify(engineUrl)});
      const { loadCore } = await import(${JSON.stringify(loadUrl)});
      const e = new Engine(loadCore());
      const wake = () => {};
      const held = [];
      for (let i = 0; i < 100; i++) held.push(e.register(wake)); // a hundred waiters stay parked, as under load
      const tokens = new Uint32Array(100);
      for (let i = 0; i < 5000; i++) { for (let k = 0; k < 100; k++) tokens[k] = e.register(wake); for (let k = 0; k < 100; k++) e.forget(tokens[k]); }
      console.log('MARK');
      for (let i = 0; i < 10000; i++) { for (let k = 0; k < 100; k++) tokens[k] = e.register(wake); for (let k = 0; k < 100; k++) e.forget(tokens[k]); }
      console.log('END', e.liveTokens);
    `;
    const out = execFileSync(process.execPath, ['--trace-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const measured = out.slice(out.indexOf('MARK'), out.indexOf('END'));
    expect(out).toMatch(/END 100/);
    expect(measured.match(/Scavenge|Mark-Compact/g) ?? []).toEqual([]);
  });
});
