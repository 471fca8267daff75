// The C comparator for wake latency: the same writer protocol (a forked
// child sleeps DELAY_US, then writes CLOCK_MONOTONIC into an eventfd), with
// the parent blocked in epoll_wait on that eventfd (level-triggered).
//
//   epoll-wait ROUNDS DELAY_US [WAITER_CPU WRITER_CPU]
//                                   prints {"n":..,"p50_us":..,"p99_us":..,"mean_us":..}
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1000;
  long delay = argc > 2 ? atol(argv[2]) : 1000;
  int waiter_cpu = argc > 4 ? atoi(argv[3]) : -1, writer_cpu = argc > 4 ? atoi(argv[4]) : -1;
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  int cmd[2];
  if (efd < 0 || pipe(cmd) < 0) { perror("setup"); return 1; }
  pid_t pid = fork();
  if (pid == 0) {
    if (writer_cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(writer_cpu, &set); sched_setaffinity(0, sizeof set, &set); }
    close(cmd[1]);
    char c;
    while (read(cmd[0], &c, 1) == 1) {
      usleep((useconds_t)delay);
      uint64_t v = now_ns();
      if (write(efd, &v, sizeof v) != sizeof v) _exit(1);
    }
    _exit(0);
  }
  close(cmd[0]);
  if (waiter_cpu >= 0) { cpu_set_t set; CPU_ZERO(&set); CPU_SET(waiter_cpu, &set); sched_setaffinity(0, sizeof set, &set); }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = efd };
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  double *lat = malloc(sizeof(double) * (size_t)rounds);
  double sum = 0;
  for (int i = 0; i < rounds; i++) {
    if (write(cmd[1], "g", 1) != 1) { perror("write cmd"); return 1; }
    struct epoll_event out;
    while (epoll_wait(ep, &out, 1, -1) != 1) {}
    uint64_t t = now_ns();
    uint64_t v;
    if (read(efd, &v, sizeof v) != sizeof v) { perror("read eventfd"); return 1; }
    lat[i] = (double)(t - v) / 1000.0;
    sum += lat[i];
  }
  close(cmd[1]);
  waitpid(pid, NULL, 0);
  qsort(lat, (size_t)rounds, sizeof *lat, cmp);
  printf("{\"n\":%d,\"p50_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f}\n", rounds, lat[(rounds - 1) / 2],
         lat[(int)(0.99 * rounds + 0.999999) - 1], sum / rounds);
  return 0;
}
