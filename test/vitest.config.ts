import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The operation-path tests that run a second time on the 'uring' I/O path
 * (host/io-path.ts, NETPOLL_IO=uring): the Go scenario ports, the stream
 * tests, the PollFD edge, close/abort, message, fairness and event-loop
 * tests and worker termination. Both
 * paths must behave identically; the rest of the suite does not depend on
 * the path and runs once.
 */
const ON_BOTH_PATHS = [
  'test/go/**/*.test.ts',
  'test/host/stream.test.ts',
  'test/host/pollfd-edges.test.ts',
  'test/host/close-and-abort.test.ts',
  'test/host/smoke.test.ts',
  'test/host/poller-close.test.ts',
  'test/host/message-ops.test.ts',
  'test/host/fairness.test.ts',
  'test/host/event-loop.test.ts',
  'test/host/worker-terminate.test.ts',
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
      { extends: true, test: { name: 'uring', include: ON_BOTH_PATHS, env: { NETPOLL_IO: 'uring' } } },
    ],
  },
});
