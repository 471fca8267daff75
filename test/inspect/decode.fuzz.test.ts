// Fuzzing decodeSnapshot in-process: random bytes, truncations, bit flips and
// forged words of real snapshots. Whatever the input, the decoder returns an
// Inspection (plain JSON, maybe with violations) or throws SnapshotError —
// never another exception, never a hang — and it is fast.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeSnapshot, SnapshotError } from '../../host/inspect/decode.js';
import type { Inspection } from '../../host/inspect/types.js';
import { smallSnapshot, bigSnapshot, freshSnapshot, interestingRanges, layoutEntries, setU32, u32, H } from './support.js';
import { HEADER_ANCHOR as A, SNAPSHOT_MAGIC } from '../../host/core/layout.js';

const SNAPSHOTS = [smallSnapshot(), bigSnapshot(), freshSnapshot()];
const RANGES = SNAPSHOTS.map(interestingRanges);
/** Per-case time limit: a decode of a real snapshot takes about a millisecond. */
const SLOW_MS = 1000;

const outcomes = { decoded: 0, violations: 0, snapshotError: 0 };

/** Decode; anything but an Inspection or a SnapshotError fails the property. */
function decodeChecked(bytes: Uint8Array): Inspection | SnapshotError {
  const t0 = performance.now();
  let result: Inspection | SnapshotError;
  try {
    result = decodeSnapshot(bytes);
    outcomes.decoded++;
    if (result.violations.length > 0) outcomes.violations++;
    expect(Array.isArray(result.violations)).toBe(true);
    expect(result.violations.length).toBeLessThanOrEqual(20 * 25); // capped per rule
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw new Error(`decodeSnapshot threw ${String((err as Error)?.stack ?? err)}`);
    expect(err.message.length).toBeGreaterThan(0);
    outcomes.snapshotError++;
    result = err;
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) throw new Error(`decodeSnapshot took ${ms.toFixed(0)} ms`);
  return result;
}

/** Apply `edits` in place, decode, restore. */
function withEdits(bytes: Uint8Array, edits: [number, number][], f: () => void): void {
  const saved = edits.map(([at]) => bytes[at]!);
  for (const [at, v] of edits) bytes[at] = v;
  try {
    f();
  } finally {
    edits.forEach(([at], i) => (bytes[at] = saved[i]!));
  }
}

const snapIndex = fc.integer({ min: 0, max: SNAPSHOTS.length - 1 });

describe('decodeSnapshot fuzz', () => {
  it('random bytes (600 cases)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(H + 4096), fc.boolean(), (tail, extra, validHead) => {
        // Mostly random; half of them with a valid magic and version so the decoder gets past the first check.
        const bytes = new Uint8Array(H + A.size + extra);
        for (let i = 0; i < bytes.length; i += tail.length || 1) bytes.set(tail.subarray(0, Math.min(tail.length, bytes.length - i)), i);
        if (validHead) {
          setU32(bytes, H + A.magic, SNAPSHOT_MAGIC);
          setU32(bytes, H + A.version, 1);
        }
        decodeChecked(bytes);
        decodeChecked(tail);
      }),
      { numRuns: 300 },
    );
  });

  it('truncations of real snapshots (1,200 cases)', () => {
    fc.assert(
      fc.property(snapIndex, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (s, where, nearRegion) => {
        const bytes = SNAPSHOTS[s]!;
        let len: number;
        if (nearRegion) {
          // Cut inside a region the decoder reads: header, table, directories, blocks.
          const ranges = RANGES[s]!;
          const [a, b] = ranges[Math.floor(where * ranges.length) % ranges.length]!;
          len = a + Math.floor(((where * 7919) % 1) * (b - a + 1));
        } else len = Math.floor(where * bytes.length);
        const r = decodeChecked(bytes.subarray(0, len));
        if (len < bytes.length && !(r instanceof SnapshotError)) {
          // A cut beyond everything the decoder reads still decodes: then it must be consistent.
          expect(r.violations).toEqual([]);
        }
      }),
      { numRuns: 1200 },
    );
  });

  it('bit flips and random bytes in the regions the decoder reads (3,000 cases)', () => {
    fc.assert(
      fc.property(
        snapIndex,
        fc.array(fc.tuple(fc.nat(), fc.nat(7), fc.option(fc.nat(255), { nil: undefined })), { minLength: 1, maxLength: 4 }),
        (s, flips) => {
          const bytes = SNAPSHOTS[s]!;
          const ranges = RANGES[s]!;
          const edits: [number, number][] = flips.map(([pos, bit, value]) => {
            const [a, b] = ranges[pos % ranges.length]!;
            const at = a + (Math.floor(pos / ranges.length) % Math.max(1, b - a));
            return [at, value ?? bytes[at]! ^ (1 << bit)];
          });
          withEdits(bytes, edits, () => void decodeChecked(bytes));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('forged words: header fields, layout values, directory entries set to edge values (1,500 cases)', () => {
    const targets = SNAPSHOTS.map((bytes) => {
      const entries = layoutEntries(bytes);
      const t: number[] = [];
      for (const [name, e] of entries) {
        t.push(e.at); // the layout value itself
        if (name.startsWith('header.')) t.push(H + e.value); // the header word it names
      }
      const dir = u32(bytes, H + entries.get('header.descDirOffset')!.value);
      const tdir = u32(bytes, H + entries.get('header.timerDirOffset')!.value);
      t.push(dir, dir + 4, tdir, tdir + 4, H + A.layoutOffset, u32(bytes, H + A.layoutOffset), u32(bytes, H + A.layoutOffset) + 4);
      return t;
    });
    const edge = fc.oneof(
      fc.constantFrom(0, 1, 2, 3, 4, 15, 16, 63, 64, 65, 255, 256, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe),
      fc.nat(0x60000),
      fc.nat().map((n) => n >>> 0),
    );
    fc.assert(
      fc.property(snapIndex, fc.array(fc.tuple(fc.nat(), edge), { minLength: 1, maxLength: 3 }), (s, forged) => {
        const bytes = SNAPSHOTS[s]!;
        const t = targets[s]!;
        const edits: [number, number][] = [];
        for (const [pick, value] of forged) {
          const at = t[pick % t.length]!;
          for (let k = 0; k < 4; k++) edits.push([at + k, (value >>> (8 * k)) & 0xff]);
        }
        withEdits(bytes, edits, () => void decodeChecked(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it('covered every outcome', () => {
    // The fuzzers above reached decoded-clean, decoded-with-violations and SnapshotError results.
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.violations).toBeGreaterThan(100);
    expect(outcomes.snapshotError).toBeGreaterThan(100);
  });

  it('the unmodified snapshots decode consistently, and an Inspection survives JSON', () => {
    for (const bytes of SNAPSHOTS) {
      const x = decodeSnapshot(bytes);
      expect(x.violations).toEqual([]);
      expect(JSON.parse(JSON.stringify(x))).toEqual(x);
    }
  });
});
