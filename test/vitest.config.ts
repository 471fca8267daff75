import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The tests that run a second time on the 'uring' I/O path (host/io-path.ts,
 * NETPOLL_IO=uring; every poller they create without the `io` option takes
 * it): the whole host suite (operations, streams, close and abort, deadlines,
 * fairness, the event loop, workers and their termination), the Go scenario
 * ports and the Linux toolkit on real fds (ptys, serial, sockets, netlink,
 * TUN). Both paths must behave identically; the core, model, tooling and CLI
 * tests do not depend on the path and run once.
 */
const ON_BOTH_PATHS = [
  'test/go/**/*.test.ts',
  'test/host/**/*.test.ts',
  'test/sys/**/*.test.ts',
];

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Host tests open real fds and epoll sets; forks keep each file's fds in its own process.
    pool: 'forks',
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'build/test-results.json' }]],
    projects: [
      { extends: true, test: { name: 'syscall', include: ['test/**/*.test.ts'], env: { NETPOLL_IO: 'syscall' } } },
      // Every woken read or write through the ring, even alone in its batch (the default leaves batches under 4 to plain calls).
      { extends: true, test: { name: 'uring', include: ON_BOTH_PATHS, env: { NETPOLL_IO: 'uring', NETPOLL_URING_MIN_BATCH: '1' } } },
    ],
  },
});
