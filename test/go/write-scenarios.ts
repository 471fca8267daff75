// Scenario bodies shared by the stream-socket and pipe ports: the same Go test
// (net/timeout_test.go rows 4 and 5, os/timeout_test.go's pipe versions) over
// any writer / reader pair of PollFDs.

import { expect } from 'vitest';
import type { PollFD } from '../../host/index.js';
import { isTimeout } from '../../host/index.js';
import { nowMs, timesOut, expectFiredInBounds } from './support.js';

/** Row 4: write deadline −5 s with buffer space → two writes time out with n = 0, nothing reaches the reader. */
export async function writePastDeadline(writer: PollFD, reader: PollFD): Promise<void> {
  writer.setWriteDeadline(Date.now() - 5000);
  for (let i = 0; i < 2; i++) {
    const { err } = await timesOut(writer.write(Buffer.from('hello')));
    expect(err.bytesWritten).toBe(0);
  }
  reader.setReadDeadline(Date.now() + 20);
  await timesOut(reader.read(Buffer.alloc(8)));
}

/**
 * Row 5: write deadline +10 ms → writes succeed until the buffer is full and
 * the deadline passes, then time out (within bounds); the next write too; and
 * every byte the writer reported reached the reader.
 */
export async function writeFillsThenTimesOut(writer: PollFD, reader: PollFD): Promise<void> {
  const setAt = nowMs();
  const d = setAt + 10;
  writer.setWriteDeadline(d);
  const chunk = Buffer.alloc(4096, 1);
  let written = 0;
  let at = 0;
  for (;;) {
    try {
      written += await writer.write(chunk);
    } catch (err) {
      at = nowMs();
      expect(isTimeout(err)).toBe(true);
      written += (err as { bytesWritten: number }).bytesWritten;
      break;
    }
  }
  expectFiredInBounds(at, setAt, d);
  expect(written).toBeGreaterThan(0);
  const { err } = await timesOut(writer.write(chunk));
  expect(err.bytesWritten).toBe(0);
  let read = 0;
  const buf = Buffer.alloc(65536);
  reader.setReadDeadline(Date.now() + 100);
  for (;;) {
    try {
      read += await reader.read(buf);
    } catch (err2) {
      expect(isTimeout(err2)).toBe(true);
      break;
    }
  }
  expect(read).toBe(written);
}
