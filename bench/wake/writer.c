// The waking side of the wake-latency benchmark, a separate process.
// For every byte read from stdin: sleep DELAY_US (so the waiting side is
// surely blocked in its poller by then), read CLOCK_MONOTONIC and write it as
// a u64 to fd 3 — an eventfd (the counter becomes the timestamp) or a pipe /
// socket (8 raw bytes). The waiting side subtracts it from its own
// CLOCK_MONOTONIC reading when its wait settles.
//
//   writer DELAY_US      (fd 3 must be open; EOF on stdin ends it)
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long delay = argc > 1 ? atol(argv[1]) : 1000;
  char c;
  while (read(0, &c, 1) == 1) {
    if (delay > 0) usleep((useconds_t)delay);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t v = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    if (write(3, &v, sizeof v) != sizeof v) { perror("writer: write fd 3"); return 1; }
  }
  return 0;
}
