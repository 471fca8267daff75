// decodeSnapshot's promise: a result or a SnapshotError, whatever it is given —
// also a detached buffer, a Proxy, a subclass whose getters lie, another kind
// of view. The bytes are read through the engine's internal slots only.

import { describe, it, expect } from 'vitest';
import { decodeSnapshot, SnapshotError } from '../../host/inspect/decode.js';
import { smallSnapshot } from './support.js';

function outcome(input: unknown): 'result' | 'SnapshotError' {
  try {
    decodeSnapshot(input as Uint8Array);
    return 'result';
  } catch (err) {
    if (err instanceof SnapshotError) return 'SnapshotError';
    throw err;
  }
}

describe('decodeSnapshot on hostile inputs', () => {
  it('a detached buffer: SnapshotError', () => {
    const b = smallSnapshot();
    structuredClone(b.buffer, { transfer: [b.buffer] });
    expect(b.buffer.byteLength).toBe(0);
    expect(outcome(b)).toBe('SnapshotError');
  });

  it('a Proxy around a Uint8Array (which passes instanceof): SnapshotError', () => {
    const p = new Proxy(smallSnapshot(), {});
    expect(p instanceof Uint8Array).toBe(true);
    expect(outcome(p)).toBe('SnapshotError');
    const lying = new Proxy(smallSnapshot(), { get: (t, k) => (k === 'byteLength' || k === 'length' ? 1e9 : Reflect.get(t, k)) });
    expect(outcome(lying)).toBe('SnapshotError');
  });

  it('a subclass whose byteLength, length, buffer and byteOffset lie: decoded from the real bytes', () => {
    const real = smallSnapshot();
    class Liar extends Uint8Array {
      override get byteLength(): number { return 1e9; }
      override get length(): number { return 1e9; }
      override get byteOffset(): number { return -5; }
      override get buffer(): ArrayBuffer { throw new Error('buffer getter ran'); }
    }
    const liar = new Liar(real);
    expect(decodeSnapshot(liar)).toEqual(decodeSnapshot(real));
    const own = smallSnapshot();
    Object.defineProperty(own, 'byteLength', { value: 1e9 });
    expect(decodeSnapshot(own)).toEqual(decodeSnapshot(real));
  });

  it('other views and non-views: SnapshotError', () => {
    const real = smallSnapshot();
    for (const x of [new DataView(real.buffer), new Uint16Array(real.buffer), real.buffer, [...real.subarray(0, 100)], null, undefined, 'NPWM', { byteLength: real.byteLength }]) {
      expect(outcome(x), String(x)).toBe('SnapshotError');
    }
  });

  it('a Buffer, a subarray at an offset, and a SharedArrayBuffer-backed view decode', () => {
    const real = smallSnapshot();
    const want = decodeSnapshot(real);
    expect(decodeSnapshot(Buffer.from(real))).toEqual(want);
    const padded = new Uint8Array(real.byteLength + 8);
    padded.set(real, 8);
    expect(decodeSnapshot(padded.subarray(8))).toEqual(want);
    const shared = new Uint8Array(new SharedArrayBuffer(real.byteLength));
    shared.set(real);
    expect(decodeSnapshot(shared)).toEqual(want);
  });
});

describe('trace readers on hostile inputs', () => {
  it('a detached buffer, a Proxy, a lying subclass: TraceError or the real bytes', async () => {
    const { TraceRecorder, summarizeTrace } = await import('../../host/trace/index.js');
    const { TraceError } = await import('../../host/trace/format.js');
    const { SimPoller } = await import('../../host/sim/index.js');
    const rec = new TraceRecorder();
    const sim = SimPoller.create({ instrument: rec.instrument });
    sim.open(3).setDeadline(sim.deadline(10), 'r');
    sim.advance(12);
    await sim.close();
    const trace = rec.finish();
    const want = summarizeTrace(trace);
    const detached = trace.slice();
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => summarizeTrace(detached)).toThrow(TraceError);
    expect(() => summarizeTrace(new Proxy(trace.slice(), {}))).toThrow(TraceError);
    class Liar extends Uint8Array {
      override get length(): number { return 1e9; }
      override get byteLength(): number { return 1e9; }
    }
    expect(summarizeTrace(new Liar(trace))).toEqual(want);
  });
});
