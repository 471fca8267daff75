// The drives' documented costs and unref() behaviour (README, "Drive modes").
// Each waiting thread poller holds one libuv threadpool thread; that case runs
// in a child process so the stall cannot touch the test runner's own pool.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/threadpool.mjs', import.meta.url));

describe("thread drive and libuv's threadpool", () => {
  it('four waiting thread pollers hold all four threads: fs work and a fifth poller wait until one closes', () => {
    const out = execFileSync(process.execPath, [fixture], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, UV_THREADPOOL_SIZE: '4' },
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      fsWhileFull: false,
      fifthWhileFull: false,
      fsAfterClose: true,
      fifthAfterClose: true,
    });
  });
});

describe('unref()', () => {
  it("an unref'd uv poller still serves events while something else keeps the process alive", async () => {
    const { Poller } = await import('../../host/index.js');
    const { socketPair, writeFd, closeFd } = await import('../../host/sys/index.js');
    const poller = await Poller.create({ drive: 'uv' });
    const [a, b] = socketPair('stream');
    try {
      poller.unref();
      const wait = poller.open(a).wait('r');
      setTimeout(() => writeFd(b, Buffer.from('x')), 20);
      await wait; // vitest's own handles keep the loop running
    } finally {
      await poller.close();
      closeFd(a);
      closeFd(b);
    }
  });

  it('an unref\'d thread poller does not poll: a ready fd is served once it is ref\'d again', async () => {
    const { Poller } = await import('../../host/index.js');
    const { socketPair, writeFd, closeFd } = await import('../../host/sys/index.js');
    const poller = await Poller.create({ drive: 'thread' });
    const [a, b] = socketPair('stream');
    try {
      poller.unref();
      let done = false;
      const wait = poller.open(a).wait('r').then(() => (done = true));
      writeFd(b, Buffer.from('x'));
      await new Promise((r) => setTimeout(r, 200));
      expect(done).toBe(false);
      poller.ref();
      await wait;
      expect(done).toBe(true);
    } finally {
      await poller.close();
      closeFd(a);
      closeFd(b);
    }
  });
});
