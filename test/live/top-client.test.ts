// netpoll top's inspector client against a server the test plays: large
// responses arrive in linear time, responses split anywhere or several in
// one chunk are cut into lines correctly, and an oversized line is refused.

import { describe, it, expect, afterAll } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InspectorClient } from '../../host/tools/top/client.js';

const dir = mkdtempSync(join(tmpdir(), 'netpoll-top-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A unix socket server that calls `onRequest` for each request line. */
async function fakeInspector(onRequest: (socket: Socket, line: string) => void): Promise<{ path: string; server: Server }> {
  const path = join(dir, `fake-${n++}.sock`);
  const server = createServer((socket) => {
    let pending = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      pending += d.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onRequest(socket, line);
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { path, server };
}

describe('the inspector client', () => {
  it('an 85 MiB snapshot response arrives whole, in linear time (it took over 30 s and failed)', async () => {
    const bytes = Buffer.alloc(Math.floor(((85 << 20) - 64) / 4) * 3, 7); // base64: 4 characters per 3 bytes → about 85 MiB
    const line = Buffer.from(`${JSON.stringify({ ok: true, op: 'snapshot', poller: 1, bytes: bytes.toString('base64') })}\n`);
    expect(line.length).toBeGreaterThan(84 << 20);
    const { path, server } = await fakeInspector((s) => s.write(line));
    const c = await InspectorClient.open(path);
    const t0 = performance.now();
    const got = await c.snapshot(1);
    const ms = performance.now() - t0;
    console.log(`85 MiB response (${line.length} bytes) fetched and decoded in ${ms.toFixed(0)} ms`);
    expect(got.length).toBe(bytes.length);
    expect(Buffer.from(got).equals(bytes)).toBe(true);
    expect(ms).toBeLessThan(20_000); // generous; the client's own limit for a snapshot is 30 s
    c.close();
    server.close();
  }, 60_000);

  it('responses split at every byte, and two in one chunk, are cut into the right lines', async () => {
    const answers = [{ ok: true, op: 'hello', n: 'é'.repeat(40) }, { ok: true, op: 'hello', n: 2 }];
    const { path, server } = await fakeInspector((s, req) => {
      const i = (JSON.parse(req) as { i: number }).i;
      if (i === 0) {
        // the first answer byte by byte (a two-byte character split too), the second glued to its end
        const text = Buffer.from(`${JSON.stringify(answers[0])}\n${JSON.stringify(answers[1])}\n`);
        let at = 0;
        const drip = (): void => {
          if (at >= text.length) return;
          s.write(text.subarray(at, ++at));
          setImmediate(drip);
        };
        drip();
      }
    });
    const c = await InspectorClient.open(path);
    expect(await c.request({ i: 0 })).toEqual(answers[0]);
    expect(await c.request({ i: 1 })).toEqual(answers[1]); // already received with the first
    c.close();
    server.close();
  });

  it('a line over 96 MiB is refused and the connection dropped', async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    const { path, server } = await fakeInspector((s) => {
      let sent = 0;
      const more = (): void => {
        while (sent < 100 && s.write(chunk)) sent++;
        if (sent < 100) s.once('drain', more);
      };
      more();
    });
    const c = await InspectorClient.open(path);
    await expect(c.request({ op: 'frame' }, 30_000)).rejects.toThrow(/exceeded 100663296 bytes/);
    c.close();
    server.close();
  }, 60_000);
});
