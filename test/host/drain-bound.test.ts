// The uv drive takes at most 48 full epoll batches per callback (libuv's own
// bound, host/drive/uv.ts) before the event loop gets its turn back: with one
// event per batch and 120 parked reads made ready at once, no run of batches
// between two event-loop turns is longer than 48 (it was all 120).
import { describe, it, expect } from 'vitest';
import diagnostics_channel from 'node:diagnostics_channel';
import { Poller, PollFD, CHANNEL_BATCH } from '../../host/index.js';
import { socketPair } from '../../host/sys/socket.js';
import { writeFd, closeFd } from '../../host/os/fd.js';

describe('the uv drive drains a bounded number of batches per callback', () => {
  it('120 ready descriptors at 1 event per batch: at most 48 batches between two event-loop turns', async () => {
    const p = await Poller.create({ drive: 'uv', maxEvents: 1 });
    const peers: number[] = [];
    const fds: PollFD[] = [];
    const reads: Promise<number>[] = [];
    for (let i = 0; i < 120; i++) {
      const [a, b] = socketPair('stream');
      peers.push(b);
      const f = await PollFD.open(a, { poller: p });
      fds.push(f);
      reads.push(f.read(Buffer.alloc(4)));
    }
    await new Promise((r) => setImmediate(r)); // every read is parked
    let run = 0;
    let longest = 0;
    let ticking = true;
    const onBatch = (m: unknown): void => {
      if ((m as { events: number }).events > 0) longest = Math.max(longest, ++run);
    };
    const tick = (): void => {
      run = 0;
      if (ticking) setImmediate(tick);
    };
    diagnostics_channel.subscribe(CHANNEL_BATCH, onBatch);
    try {
      setImmediate(tick);
      for (const b of peers) writeFd(b, Buffer.from('x'));
      expect(await Promise.all(reads)).toEqual(new Array(120).fill(1));
    } finally {
      ticking = false;
      diagnostics_channel.unsubscribe(CHANNEL_BATCH, onBatch);
      for (const f of fds) await f.close();
      for (const b of peers) closeFd(b);
      await p.close();
    }
    expect(longest).toBeGreaterThan(1);
    expect(longest).toBeLessThanOrEqual(48);
  });
});
