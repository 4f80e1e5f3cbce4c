/* Starting a redis-server for a C test: on a free port of 127.0.0.1, in
 * a temp dir, forked before the program has any thread (test_redis.c,
 * conformance.c). Needs _POSIX_C_SOURCE 200809L. */
#ifndef SEAWALL_REDIS_SERVER_H
#define SEAWALL_REDIS_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static const char *redis_binary(void) {
  static const char *cands[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server"};
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
    if (access(cands[i], X_OK) == 0) return cands[i];
  return NULL;
}

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(s);
  return port;
}

static int listening(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
  close(s);
  return ok;
}

static pid_t start_redis(const char *bin, int port, const char *dir) {
  pid_t pid = fork();
  if (pid == 0) {
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(bin, bin, "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
          (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 1000 && !listening(port); i++) sleep_ms(10);
  return pid;
}

#endif
