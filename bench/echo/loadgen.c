// Echo load generator: N unix-stream connections, each a ping-pong of SIZE-byte
// messages (send, wait for all SIZE bytes back, send again), driven by one
// thread on epoll (level-triggered). After a warm-up it counts the messages
// completed inside the measurement window and their round-trip latency.
//
//   loadgen PATH CONNS SIZE WARMUP_MS DURATION_MS [stream|seqpacket [SERVER_PID]]
//
// Prints one JSON line:
//   {"conns":..,"size":..,"msgs":..,"secs":..,"mps":..,"p50_us":..,"p99_us":..,"p999_us":..,"errors":..,"loadgen_cpu":..,
//    "server_cpu_us":..,"ramp_ms":..}
// loadgen_cpu: the generator's own CPU time / wall time (cores it kept busy).
// server_cpu_us: with SERVER_PID, the server process's utime+stime (all its
// threads, /proc/PID/stat) between the start and the end of the measured
// window, divided by the messages completed in it: CPU µs per message. -1
// without a pid. ramp_ms: from the first sends until every connection had
// its first echo; the warm-up and the measured window start after it.
//
// Connections are made with a blocking connect (which waits for room in the
// listener's backlog instead of failing with EAGAIN), then switched to
// non-blocking.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  size_t got;      // bytes of the current reply received
  uint64_t sent;   // when the current message was sent (ns)
} conn_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, size_t n, double p) {
  if (n == 0) return -1;
  size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return v[rank - 1] / 1000.0;
}

/* utime+stime of a whole process in clock ticks, -1 if unreadable. */
static long long proc_cpu_ticks(int pid) {
  char p[64], buf[2048];
  snprintf(p, sizeof p, "/proc/%d/stat", pid);
  FILE *f = fopen(p, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *s = strrchr(buf, ')'); /* comm may hold spaces: fields restart after the last ')' */
  if (!s) return -1;
  unsigned long long ut = 0, st = 0;
  /* fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
  return (long long)(ut + st);
}

static char *msg;
static char rbuf[65536];

static int send_msg(conn_t *c, size_t size) {
  size_t off = 0;
  c->sent = now_ns(); // the round trip includes the send itself
  c->got = 0;
  while (off < size) {
    ssize_t n = send(c->fd, msg + off, size - off, MSG_NOSIGNAL);
    if (n > 0) { off += (size_t)n; continue; }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue; // rare: the reply socket is full; spin
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 6 || argc > 8) {
    fprintf(stderr, "usage: %s PATH CONNS SIZE WARMUP_MS DURATION_MS [stream|seqpacket [SERVER_PID]]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  int nconns = atoi(argv[2]);
  size_t size = (size_t)atol(argv[3]);
  uint64_t warmup = (uint64_t)atol(argv[4]) * 1000000ull;
  uint64_t duration = (uint64_t)atol(argv[5]) * 1000000ull;
  int socktype = SOCK_STREAM;
  if (argc >= 7) {
    if (strcmp(argv[6], "seqpacket") == 0) socktype = SOCK_SEQPACKET;
    else if (strcmp(argv[6], "stream") != 0) { fprintf(stderr, "bad socket type\n"); return 2; }
  }
  int server_pid = argc >= 8 ? atoi(argv[7]) : 0;
  long long cpu0 = -1, cpu1 = -1;
  if (nconns < 1 || size < 1 || size > sizeof rbuf) { fprintf(stderr, "bad arguments\n"); return 2; }

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }

  msg = malloc(size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)('a' + i % 26);

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  conn_t *conns = calloc((size_t)nconns, sizeof *conns);
  for (int i = 0; i < nconns; i++) {
    int fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); return 1; }
    int tries = 0;
    while (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      if ((errno == EAGAIN || errno == EINTR || errno == ENOENT || errno == ECONNREFUSED) && tries++ < 2000) {
        usleep(1000);
        continue;
      }
      perror("connect");
      return 1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) { perror("epoll_ctl"); return 1; }
  }

  size_t cap = 1 << 20, nlat = 0;
  uint32_t *lat = malloc(cap * sizeof *lat);
  uint64_t msgs = 0, errors = 0;

  // The warm-up starts once every connection has had its first echo (the
  // ramp: accepting them all under the traffic of the first ones), so that
  // the measured window sees the steady state at every connection count; the
  // ramp is reported on its own (ramp_ms). A server that never answers some
  // connection gives up after RAMP_LIMIT_NS.
  const uint64_t RAMP_LIMIT_NS = 30ull * 1000000000ull; // under the benchmarks' 60 s per run
  uint64_t start = now_ns();
  uint64_t t0 = UINT64_MAX, t1 = UINT64_MAX, ramp_ns = 0;
  int answered = 0;
  char *seen = calloc((size_t)nconns, 1);
  for (int i = 0; i < nconns; i++)
    if (send_msg(&conns[i], size) < 0) { perror("send"); return 1; }

  struct epoll_event evs[256];
  for (;;) {
    uint64_t now = now_ns();
    if (server_pid > 0 && cpu0 < 0 && now >= t0) cpu0 = proc_cpu_ticks(server_pid);
    if (now >= t1) break;
    if (t0 == UINT64_MAX && now - start > RAMP_LIMIT_NS) { fprintf(stderr, "loadgen: %d of %d connections answered in 30 s\n", answered, nconns); return 1; }
    int timeout = t1 == UINT64_MAX ? 100 : (int)((t1 - now) / 1000000ull) + 1;
    int n = epoll_wait(ep, evs, 256, timeout);
    if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
    for (int k = 0; k < n; k++) {
      conn_t *c = &conns[evs[k].data.u32];
      ssize_t r = recv(c->fd, rbuf, size - c->got, 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        errors++;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      if (r == 0) { errors++; epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); continue; }
      c->got += (size_t)r;
      if (c->got < size) continue;
      uint64_t done = now_ns();
      if (!seen[evs[k].data.u32]) {
        seen[evs[k].data.u32] = 1;
        if (++answered == nconns) { ramp_ns = done - start; t0 = done + warmup; t1 = t0 + duration; }
      }
      if (done >= t0 && done < t1) {
        msgs++;
        if (nlat == cap) { cap *= 2; lat = realloc(lat, cap * sizeof *lat); }
        uint64_t d = done - c->sent;
        lat[nlat++] = d > 0xffffffffull ? 0xffffffffu : (uint32_t)d;
      }
      if (send_msg(c, size) < 0) { errors++; epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); }
    }
  }
  if (server_pid > 0) cpu1 = proc_cpu_ticks(server_pid);
  double server_us = -1;
  if (cpu0 >= 0 && cpu1 >= 0 && msgs > 0) server_us = (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK) * 1e6 / (double)msgs;
  double secs = (double)duration / 1e9;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru); // the load generator's own CPU over the whole run (warm-up included)
  double wall = (double)(now_ns() - start) / 1e9;
  double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  qsort(lat, nlat, sizeof *lat, cmp_u32);
  printf("{\"conns\":%d,\"size\":%zu,\"msgs\":%llu,\"secs\":%.3f,\"mps\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,\"errors\":%llu,\"loadgen_cpu\":%.3f,\"server_cpu_us\":%.3f,\"ramp_ms\":%.1f}\n",
         nconns, size, (unsigned long long)msgs, secs, (double)msgs / secs, pct(lat, nlat, 50), pct(lat, nlat, 99),
         pct(lat, nlat, 99.9), (unsigned long long)errors, wall > 0 ? cpu / wall : 0, server_us, (double)ramp_ns / 1e6);
  fflush(stdout);
  for (int i = 0; i < nconns; i++) close(conns[i].fd);
  return 0;
}
