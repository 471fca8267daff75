// The plain-WebAssembly loader: an AssemblyScript abort(message, file, line,
// column) becomes an Error with both strings decoded from the module's memory.

import { describe, expect, it } from 'vitest';
import asc from 'assemblyscript/asc';
import { instantiate, loadCore, readAsString } from '../../host/core/load.js';
import { wasm } from '../../host/core/wasm.js';

async function compile(source: string): Promise<Uint8Array> {
  const r = await asc.compileString(source, { runtime: 'stub' });
  if (r.error || !r.binary) throw new Error(`asc: ${r.error?.message}\n${r.stderr.toString()}`);
  return r.binary;
}

describe('core loader', () => {
  it('decodes abort() strings (UTF-16LE, byte length at ptr-4) into the thrown Error', async () => {
    const bin = await compile('export function check(x: i32): i32 { assert(x > 0, "x must be positive: é ✓"); return x; }');
    const exports = instantiate(new wasm.Module(bin));
    const check = exports.check as (x: number) => number;
    expect(check(3)).toBe(3);
    expect(() => check(0)).toThrow(/^abort: x must be positive: é ✓ at input\.ts:1:\d+$/);
  });

  it('a null message pointer reads as a placeholder, never a throw from the decoder', async () => {
    const bin = await compile('export function die(): void { abort(); }');
    const die = instantiate(new wasm.Module(bin)).die as () => void;
    expect(() => die()).toThrow(/^abort: \(null\) at \(null\):0:0$/);
  });

  it('out-of-range pointers are reported, not read', () => {
    const memory = { buffer: new ArrayBuffer(64), grow: () => 0 };
    expect(readAsString(memory, 1000)).toMatch(/bad string pointer/);
    new DataView(memory.buffer).setUint32(8, 1 << 20, true);
    expect(readAsString(memory, 12)).toMatch(/bad string at 12/);
  });

  it('hands out an ordinary object: wrappers may proxy or replace exports (an instance\'s own exports are frozen)', () => {
    const core = loadCore('release');
    const wrapped = new Proxy(core, { get: (t, k) => (k === 'seqOf' ? () => 42 : Reflect.get(t, k)) });
    expect(wrapped.seqOf(0)).toBe(42);
    expect(Object.isFrozen(core)).toBe(false);
  });

  it('loads the core through the same instantiation', () => {
    const core = loadCore('debug');
    expect(core.memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(typeof core.headerOffset()).toBe('number');
  });
});
