/*
 * latency-probe: a second, independent load generator for the latency scenarios (S3r, S4).
 *
 * `natter bench` is written in JavaScript, and on one core its per-read cost adds to the latency
 * it measures. This probe is plain C with one epoll loop and no JSON parsing, so its own share is
 * small; it speaks only the seed's protocol, so it measures Natter and the seed alike.
 *
 *   cc -O2 -o /tmp/latency-probe bench/latency-probe.c
 *   taskset -c 1 /tmp/latency-probe 127.0.0.1 PORT CLIENTS SENDERS RATE DURATION WARMUP
 *
 * It joins CLIENTS clients to the default room one at a time (source addresses spread over
 * 127.0.x.y), then SENDERS of them each send RATE chats per second, evenly staggered, for
 * WARMUP + DURATION seconds. Each chat carries its send time (monotonic clock, microseconds);
 * each delivery's latency is the time it was read minus that. Prints the percentiles of the
 * deliveries of chats sent after the warm-up; per chat, the time from its first delivery to its
 * last (how long the server's fan-out took, as the clients saw it); and the latency of each
 * chat's first delivery (the server's time before its fan-out starts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bytes from a chat's '~' to the end of its send time: "~SSSS:QQQQQQQQQQ:TTTTTTTTTTTTTT". */
#define HEADER 31
#define TIME_AT 17
#define BUFFER (256 * 1024)

typedef struct {
  int fd;
  int carry; /* bytes of an incomplete header kept from the last read */
  char buf[BUFFER];
} client_t;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static void die(const char *what, int i) {
  fprintf(stderr, "latency-probe: %s (client %d)\n", what, i);
  exit(1);
}

/* Connects client i and waits for its "03"; the room's other notices are drained later. */
static int join(const char *host, int port, int i) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
  char ip[32];
  snprintf(ip, sizeof ip, "127.0.%d.%d", 1 + i / 250, 1 + i % 250);
  inet_pton(AF_INET, ip, &src.sin_addr);
  inet_pton(AF_INET, host, &dst.sin_addr);
  dst.sin_port = htons((uint16_t)port);
  if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) die("bind failed", i);
  if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) die("connect failed", i);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char request[64];
  int len = snprintf(request, sizeof request, "{\"cmd\":\"0\",\"nickname\":\"p%d\"}\n", i);
  if (write(fd, request, (size_t)len) != len) die("write failed", i);
  char reply[4096];
  int got = 0;
  for (;;) {
    ssize_t n = read(fd, reply + got, sizeof reply - 1 - (size_t)got);
    if (n <= 0) die("refused", i);
    got += (int)n;
    reply[got] = 0;
    if (strstr(reply, "\"03\"")) break;
    if (got > 2048) { /* keep the tail, in case "03" is split */
      memmove(reply, reply + got - 8, 8);
      got = 8;
    }
  }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: latency-probe HOST PORT CLIENTS SENDERS RATE DURATION WARMUP\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]), n = atoi(argv[3]), senders = atoi(argv[4]);
  double rate = atof(argv[5]), duration = atof(argv[6]), warmup = atof(argv[7]);
  if (n < 2 || senders < 1 || senders > n || rate <= 0 || duration <= 0 || warmup < 0 ||
      duration + warmup > 600) {
    fprintf(stderr, "latency-probe: bad arguments (at most 600 s in all)\n");
    return 2;
  }
  client_t *clients = calloc((size_t)n, sizeof(client_t));
  int ep = epoll_create1(0);
  for (int i = 0; i < n; i++) {
    clients[i].fd = join(host, port, i);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &ev);
  }
  struct epoll_event events[256];
  char scratch[65536];
  for (int k; (k = epoll_wait(ep, events, 256, 300)) > 0;) /* the join notices */
    for (int j = 0; j < k; j++)
      while (read(clients[events[j].data.u32].fd, scratch, sizeof scratch) > 0) {
      }

  uint64_t start = now_us(), measure_from = start + (uint64_t)(warmup * 1e6),
           stop = measure_from + (uint64_t)(duration * 1e6), period = (uint64_t)(1e6 / rate);
  uint64_t *next = calloc((size_t)senders, sizeof *next);
  long *seq = calloc((size_t)senders, sizeof *seq);
  for (int s = 0; s < senders; s++) next[s] = start + (uint64_t)s * period / (uint64_t)senders;
  size_t cap = 1u << 20, count = 0;
  uint32_t *latency = malloc(cap * sizeof *latency);
  /* Per chat, when its first and last deliveries were read: the spread is the fan-out time. */
  long chats_per_sender = (long)((warmup + duration) * rate) + 2;
  uint64_t *first = calloc((size_t)(senders * chats_per_sender), sizeof *first);
  uint64_t *last = calloc((size_t)(senders * chats_per_sender), sizeof *last);
  uint64_t *sent_at = calloc((size_t)(senders * chats_per_sender), sizeof *sent_at);

  for (uint64_t t = now_us(); t < stop + 2000000; t = now_us()) {
    uint64_t soonest = UINT64_MAX;
    for (int s = 0; s < senders; s++) {
      if (t < stop && next[s] <= t) {
        char chat[128];
        int len = snprintf(chat, sizeof chat,
                           "{\"cmd\":\"7\",\"msg\":\"~%04d:%010ld:%014llu:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n",
                           s, seq[s]++, (unsigned long long)now_us());
        if (write(clients[(long)s * n / senders].fd, chat, (size_t)len) != len) die("send", s);
        next[s] += period;
      }
      if (next[s] < soonest) soonest = next[s];
    }
    int wait_ms = t < stop ? (int)((soonest > t ? soonest - t : 0) / 1000) : 100;
    int k = epoll_wait(ep, events, 256, wait_ms);
    for (int j = 0; j < k; j++) {
      client_t *c = &clients[events[j].data.u32];
      ssize_t got = read(c->fd, c->buf + c->carry, sizeof c->buf - (size_t)c->carry);
      if (got <= 0) continue;
      uint64_t at = now_us();
      int end = c->carry + (int)got, keep = end;
      for (int p = 0; p < end; p++) {
        if (c->buf[p] != '~') continue;
        if (end - p < HEADER) { /* the rest of this header comes with the next read */
          keep = p;
          break;
        }
        uint64_t sent = strtoull(c->buf + p + TIME_AT, NULL, 10);
        if (sent < measure_from || sent >= stop) continue;
        if (count == cap) latency = realloc(latency, (cap *= 2) * sizeof *latency);
        latency[count++] = (uint32_t)(at - sent);
        long sender = strtol(c->buf + p + 1, NULL, 10), chat = strtol(c->buf + p + 6, NULL, 10);
        if (sender >= 0 && sender < senders && chat >= 0 && chat < chats_per_sender) {
          long k = sender * chats_per_sender + chat;
          if (first[k] == 0) first[k] = at, sent_at[k] = sent;
          last[k] = at;
        }
      }
      c->carry = end - keep;
      memmove(c->buf, c->buf + keep, (size_t)c->carry);
    }
  }
  if (count == 0) die("no deliveries measured", -1);
  size_t chats = 0;
  uint32_t *spread = malloc((size_t)(senders * chats_per_sender) * sizeof *spread);
  uint32_t *lead = malloc((size_t)(senders * chats_per_sender) * sizeof *lead);
  for (long k = 0; k < senders * chats_per_sender; k++)
    if (first[k] != 0) {
      lead[chats] = (uint32_t)(first[k] - sent_at[k]);
      spread[chats++] = (uint32_t)(last[k] - first[k]);
    }
  qsort(spread, chats, sizeof *spread, by_value);
  qsort(lead, chats, sizeof *lead, by_value);
  qsort(latency, count, sizeof *latency, by_value);
  long expected = (long)(duration * rate) * senders * (n - 1);
  printf("deliveries measured %zu (expected about %ld): p50 %.2f ms, p90 %.2f, p99 %.2f, p99.9 %.2f, "
         "max %.2f\n",
         count, expected, latency[count / 2] / 1e3, latency[count * 9 / 10] / 1e3,
         latency[count * 99 / 100] / 1e3, latency[count * 999 / 1000] / 1e3, latency[count - 1] / 1e3);
  printf("fan-out (first to last delivery of a chat) over %zu chats: p50 %.2f ms, p90 %.2f, max %.2f\n",
         chats, spread[chats / 2] / 1e3, spread[chats * 9 / 10] / 1e3, spread[chats - 1] / 1e3);
  printf("first delivery of a chat: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f\n", lead[chats / 2] / 1e3,
         lead[chats * 9 / 10] / 1e3, lead[chats * 99 / 100] / 1e3, lead[chats - 1] / 1e3);
  return 0;
}
