// pollfd.stream() on a pty in raw mode: pipeline() moves 64 MiB of
// pseudo-random bytes (every byte value, so XON/XOFF, CR, NL, ^C, ^V, ^O,
// 0xff and the rest all cross) through the line discipline in each
// direction, on both drives, and what arrives hashes to what was sent.
//
// slave → master ends by EOF: the slave's stream is one-sided (a pty stream's
// end() has no write direction to shut), so it closes the slave once its
// writes are done, and the master then reads the rest and EIO, which PollFD
// reports as EOF. master → slave cannot end that way — closing the master
// hangs up the slave, and the hangup flushes the slave's unread input — so
// the reader stops itself once it has counted every byte.

import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Poller, PollFD } from '../../host/index.js';
import { closeFd } from '../../host/os/fd.js';
import { openPty } from '../../host/sys/pty.js';
import { ECHO, ICANON, ICRNL, IEXTEN, ISIG, IXON, OPOST, VMIN, VTIME, getTermios, setRawMode } from '../../host/sys/termios.js';

const MiB = 1 << 20;
const TOTAL = 64 * MiB;
// input flags cfmakeraw clears besides ICRNL and IXON (<asm-generic/termbits.h>)
const IGNBRK = 0o1, BRKINT = 0o2, PARMRK = 0o10, ISTRIP = 0o40, INLCR = 0o100, IGNCR = 0o200;

const fdOpen = (fd: number): boolean => existsSync(`/proc/self/fd/${fd}`);

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** `total` pseudo-random bytes in `chunk`-sized pieces, hashed as they are produced. */
function source(total: number, chunk: number): { readable: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const pool = randomBytes(4 * MiB);
  async function* gen(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < total; ) {
      const n = Math.min(chunk, total - sent);
      const at = (sent * 7) % (pool.length - n);
      const piece = Buffer.from(pool.subarray(at, at + n));
      hash.update(piece);
      sent += n;
      yield piece;
    }
  }
  return { readable: Readable.from(gen(), { objectMode: false }), digest: () => hash.digest('hex') };
}

function hashSink(): { writable: Writable; digest: () => string; bytes: () => number; reads: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  let reads = 0;
  const writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      reads++;
      cb();
    },
  });
  return { writable, digest: () => hash.digest('hex'), bytes: () => bytes, reads: () => reads };
}

/** A pty with both ends in raw mode, checked with getTermios. */
function rawPty(): { master: number; slave: number } {
  const { master, slave } = openPty();
  cleanup.push(() => {
    for (const fd of [master, slave]) {
      try {
        closeFd(fd);
      } catch {
        // closed by its stream, as it should be
      }
    }
  });
  // On Linux the master's termios calls reach the slave's termios (tty_mode_ioctl uses the linked
  // tty); the master's own line discipline is raw from the start. Both ends are set all the same.
  setRawMode(master);
  setRawMode(slave);
  for (const fd of [master, slave]) {
    const t = getTermios(fd);
    expect(t.oflag & OPOST).toBe(0);
    expect(t.iflag & (ICRNL | IXON | IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR)).toBe(0);
    expect(t.lflag & (ECHO | ICANON | ISIG | IEXTEN)).toBe(0);
    expect([t.cc[VMIN], t.cc[VTIME]]).toEqual([1, 0]);
  }
  return { master, slave };
}

function report(what: string, ms: number, reads: number): void {
  if (process.env.NETPOLL_REPORT) {
    console.log(`pty ${what}: ${TOTAL} B in ${ms.toFixed(0)} ms (${(TOTAL / MiB / (ms / 1000)).toFixed(0)} MiB/s), ${reads} chunks read, ${(TOTAL / reads).toFixed(0)} B per read`);
  }
}

describe('pollfd.stream() on a raw pty: pipeline() moves 64 MiB intact (sha256)', () => {
  it.each(['uv', 'thread'] as const)('slave → master, ending in EOF: the slave stream closes the slave, the master reads EIO as EOF (%s drive)', async (drive) => {
    const poller = await Poller.create({ drive });
    cleanup.push(() => poller.close());
    const { master, slave } = rawPty();
    const [m, s] = await Promise.all([PollFD.open(master, { poller }), PollFD.open(slave, { poller })]);
    const sm = m.stream({ writable: false });
    const ss = s.stream({ readable: false }); // end() cannot shut a tty's write side: one-sided, it closes the slave when done
    const src = source(TOTAL, 200_003); // not a multiple of any buffer size
    const sink = hashSink();
    const t0 = performance.now();
    await Promise.all([pipeline(src.readable, ss), pipeline(sm, sink.writable)]);
    report(`slave → master (${drive})`, performance.now() - t0, sink.reads());
    expect(sink.bytes()).toBe(TOTAL);
    expect(sink.digest()).toBe(src.digest());
    // Both one-sided streams are done, so both closed their fds: the slave when its writes were done
    // (that is what the master read as EOF), the master after EOF.
    await Promise.all([sm.closed ? null : once(sm, 'close'), ss.closed ? null : once(ss, 'close')]);
    expect(fdOpen(master) || fdOpen(slave)).toBe(false);
  }, 180_000);

  it.each(['uv', 'thread'] as const)('master → slave, the reader stopping once every byte arrived (%s drive)', async (drive) => {
    const poller = await Poller.create({ drive });
    cleanup.push(() => poller.close());
    const { master, slave } = rawPty();
    const [m, s] = await Promise.all([PollFD.open(master, { poller }), PollFD.open(slave, { poller })]);
    // Both sides on the master, so that finishing its writes does not close it: closing the master
    // hangs up the slave, and the hangup flushes whatever the slave has not read yet.
    const sm = m.stream();
    const ss = s.stream({ writable: false });
    const src = source(TOTAL, 200_003);
    const sink = hashSink();
    let got = 0;
    async function* upToTotal(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const c of chunks) {
        yield c;
        got += c.length;
        if (got >= TOTAL) return; // leaving the loop destroys ss, which closes the slave
      }
    }
    const t0 = performance.now();
    await Promise.all([pipeline(src.readable, sm), pipeline(ss, upToTotal, sink.writable)]);
    report(`master → slave (${drive})`, performance.now() - t0, sink.reads());
    expect(sink.bytes()).toBe(TOTAL);
    expect(sink.digest()).toBe(src.digest());
    // end() had nothing to shut on a tty, and no echo came back to read: the master is still open.
    expect([sm.writableFinished, sm.destroyed, fdOpen(master)]).toEqual([true, false, true]);
    sm.destroy();
    await Promise.all([sm.closed ? null : once(sm, 'close'), ss.closed ? null : once(ss, 'close')]);
    expect(fdOpen(master) || fdOpen(slave)).toBe(false);
  }, 180_000);
});
