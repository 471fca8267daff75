// The syscall floor for the FFI comparison in the profile benchmark: the
// same calls the host makes through koffi, made directly from C.
//
//   syscall ITERATIONS     prints {"pair_ns":..,"eagain_ns":..}
//   pair_ns    write(64 B) on one end of a unix stream socketpair + read(64 B) on the other
//   eagain_ns  read() on an empty non-blocking socket (EAGAIN)
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) { perror("socketpair"); return 1; }
  char buf[64] = {0}, rbuf[65536];
  for (long i = 0; i < n / 10; i++) { if (write(sv[0], buf, 64) != 64 || read(sv[1], rbuf, sizeof rbuf) != 64) return 1; }
  uint64_t t = now_ns();
  for (long i = 0; i < n; i++) { if (write(sv[0], buf, 64) != 64 || read(sv[1], rbuf, sizeof rbuf) != 64) return 1; }
  double pair = (double)(now_ns() - t) / (double)n;
  t = now_ns();
  for (long i = 0; i < n; i++) { if (read(sv[1], rbuf, sizeof rbuf) >= 0) return 1; }
  double eagain = (double)(now_ns() - t) / (double)n;
  printf("{\"pair_ns\":%.1f,\"eagain_ns\":%.1f}\n", pair, eagain);
  return 0;
}
