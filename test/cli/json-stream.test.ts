// jsonChunks / writeJson: the text of JSON.stringify(value, null, 2), in pieces
// small enough that no one string approaches V8's length limit, written with
// backpressure. fast-check prints the seed and path of a failing case.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { jsonChunks, writeJson } from '../../host/tools/json-stream.js';
import { decodeSnapshot } from '../../host/inspect/decode.js';
import { bigSnapshot } from '../inspect/support.js';

describe('jsonChunks', () => {
  it('joins to exactly JSON.stringify(value, null, 2) for any JSON value (500 runs)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect([...jsonChunks(v)].join('')).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('skips undefined members and writes null for undefined array elements, as JSON.stringify does', () => {
    const v = { a: [1, undefined, { b: undefined, c: [2] }], d: undefined, e: { f: [] } };
    expect([...jsonChunks(v)].join('')).toBe(JSON.stringify(v, null, 2));
  });

  it('an Inspection: the same text, no piece larger than one record', () => {
    const x = decodeSnapshot(bigSnapshot());
    const pieces = [...jsonChunks(x)];
    expect(pieces.join('')).toBe(JSON.stringify(x, null, 2));
    const largestRecord = Math.max(...x.descriptors.map((d) => JSON.stringify(d, null, 2).length * 2));
    const layoutText = JSON.stringify(x.layout, null, 2).length * 2;
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(Math.max(largestRecord, layoutText));
  });
});

describe('writeJson', () => {
  it('waits for drain: a slow consumer never holds more than a chunk beyond its highWaterMark', async () => {
    const x = decodeSnapshot(bigSnapshot());
    let text = '';
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 4096,
      decodeStrings: false,
      write(chunk: string, _enc, cb) {
        text += chunk;
        setImmediate(cb);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string, ...rest: never[]) => {
      const ok = write(chunk, ...rest);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    await writeJson(x, slow, { chunkChars: 8192 });
    expect(text).toBe(`${JSON.stringify(x, null, 2)}\n`);
    const largestPiece = Math.max(...[...jsonChunks(x)].map((p) => p.length));
    expect(maxBuffered).toBeLessThanOrEqual(8192 + largestPiece + 1);
  });
});
