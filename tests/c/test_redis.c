/* The Redis backend from C (spec/redis.md): a blocking call with a
 * deadline. Starts its own redis-server on a free port of 127.0.0.1 in a
 * temp dir (skips when there is no binary, unless SEAWALL_REQUIRE_REDIS=1):
 * a shared limit, binary keys, Redis frozen with SIGSTOP (every call
 * returns within the deadline and fails closed; service resumes after
 * SIGCONT), and bad input (typed statuses naming the parameter). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "redis_server.h"

#define DEADLINE_NS 200000000ull /* 200 ms */
#define MARGIN_NS 300000000ull   /* scheduling margin on a loaded CI box */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bad_input(void) {
  seawall_redis_backend *b = NULL;
  CHECK_STATUS(seawall_redis_backend_new("localhost:6379", DEADLINE_NS, SEAWALL_REDIS_FAIL_OPEN, &b),
               SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "url");
  CHECK_STATUS(seawall_redis_backend_new("redis://u:secret@h:notaport", DEADLINE_NS, 1, &b),
               SEAWALL_INVALID_CONFIG);
  CHECK(strstr(seawall_last_error_message(), "secret") == NULL);
  static const char *const bad_urls[][2] = {
      {"rediss:/", "rediss:/"},
      {"redis://:@", "redis://:@"},
      {"ftp://h:1", "ftp://h:1"},
      {"redis://h:99999", "redis://h:99999"},
      {"redis://h/-1", "redis://h/-1"},
      {"rediss://h/0#insecure", "#insecure"},
      {"rediss://h/0?ssl_ca_certs=/no/such/ca.pem", "/no/such/ca.pem"},
      {"redis://u:hunter2@h:99999", "redis://u:***@h:99999"},
      {"unix:///tmp/r.sock?pass=hunter2&db=-1", "pass=***"},
  };
  for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
    CHECK_STATUS(seawall_redis_backend_new(bad_urls[i][0], DEADLINE_NS, 1, &b), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "url");
    CHECK(strstr(seawall_last_error_message(), bad_urls[i][1]) != NULL);
    CHECK(strstr(seawall_last_error_message(), "hunter2") == NULL);
  }
  seawall_redis_backend *ok = NULL;
  CHECK_OK(seawall_redis_backend_new("rediss://h:6380/0", DEADLINE_NS, 1, &ok));
  seawall_redis_backend_free(ok);
  CHECK_STATUS(seawall_redis_backend_new("redis://h:1", 0, 1, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "deadline_ns");
  CHECK_STATUS(seawall_redis_backend_new("redis://h:1", DEADLINE_NS, 7, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "on_failure");
  CHECK(b == NULL);

  CHECK_OK(seawall_redis_backend_new("redis://127.0.0.1:1", 50000000ull, SEAWALL_REDIS_FAIL_OPEN, &b));
  seawall_token_bucket_config tb = seawall_token_bucket_config_default();
  seawall_redis_limiter *l = NULL;
  CHECK_STATUS(seawall_redis_token_bucket_new(b, "", &tb, &l), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "name");
  tb.burst = 0;
  CHECK_STATUS(seawall_redis_token_bucket_new(b, "a", &tb, &l), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "burst");
  seawall_sliding_window_config sw = seawall_sliding_window_config_default();
  sw.window_ns = 0;
  CHECK_STATUS(seawall_redis_sliding_window_new(b, "a", &sw, &l), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "window_ns");
  tb = seawall_token_bucket_config_default();
  tb.burst = 3;
  CHECK_OK(seawall_redis_token_bucket_new(b, "a", &tb, &l));
  seawall_decision d;
  uint8_t big[1025];
  memset(big, 'x', sizeof big);
  CHECK_STATUS(seawall_redis_limiter_try_acquire(l, big, 0, 1, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "key");
  CHECK_STATUS(seawall_redis_limiter_try_acquire(l, big, 1025, 1, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "key");
  CHECK_STATUS(seawall_redis_limiter_try_acquire(l, big, 1, 0, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  CHECK_STATUS(seawall_redis_limiter_try_acquire(l, big, 1, 4, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  /* unreachable Redis, fail open: allowed, within the deadline */
  uint64_t t0 = now_ns();
  CHECK_OK(seawall_redis_limiter_try_acquire(l, big, 1024, 1, &d));
  CHECK(d.allowed);
  CHECK(now_ns() - t0 < 50000000ull + MARGIN_NS);
  seawall_redis_limiter_free(l);
  seawall_redis_backend_free(b);
}

static void with_redis(pid_t pid, int port) {
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);

  seawall_redis_backend *b1 = NULL, *b2 = NULL;
  CHECK_OK(seawall_redis_backend_new(url, DEADLINE_NS, SEAWALL_REDIS_FAIL_CLOSED, &b1));
  CHECK_OK(seawall_redis_backend_new(url, DEADLINE_NS, SEAWALL_REDIS_FAIL_CLOSED, &b2));
  seawall_token_bucket_config tb = seawall_token_bucket_config_default();
  tb.burst = 5;
  tb.rate_per_sec = 1.0;
  seawall_redis_limiter *a = NULL, *c = NULL;
  CHECK_OK(seawall_redis_token_bucket_new(b1, "api", &tb, &a));
  CHECK_OK(seawall_redis_token_bucket_new(b2, "api", &tb, &c));
  seawall_redis_backend_free(b1); /* the limiters keep what they need */
  seawall_redis_backend_free(b2);
  seawall_decision d;
  seawall_redis_metrics m = {.struct_size = sizeof m};
  /* connect and load the script */
  for (int i = 0; i < 100; i++) {
    seawall_redis_limiter_peek(a, (const uint8_t *)"w", 1, 1, &d);
    seawall_redis_limiter_peek(c, (const uint8_t *)"w", 1, 1, &d);
    seawall_redis_limiter_metrics(a, &m);
    if (m.redis_ok > 1) break;
  }
  const uint8_t key[] = {0, 0xff, '{', '}'};
  int granted = 0;
  for (int i = 0; i < 10; i++) {
    CHECK_OK(seawall_redis_limiter_try_acquire(i % 2 ? a : c, key, sizeof key, 1, &d));
    granted += d.allowed;
  }
  CHECK_EQ_U64(granted, 5);
  CHECK_OK(seawall_redis_limiter_metrics(a, &m));
  CHECK_EQ_U64(m.fallbacks, 0);
  CHECK_EQ_U64(m.limit, 5);

  kill(pid, SIGSTOP);
  for (int i = 0; i < 10; i++) {
    uint64_t t0 = now_ns();
    CHECK_OK(seawall_redis_limiter_try_acquire(a, (const uint8_t *)"k", 1, 1, &d));
    CHECK(!d.allowed); /* fail closed */
    CHECK(now_ns() - t0 < DEADLINE_NS + MARGIN_NS);
  }
  CHECK_OK(seawall_redis_limiter_metrics(a, &m));
  CHECK(m.timeouts >= 1);
  CHECK(m.breaker_open == 1);
  kill(pid, SIGCONT);
  int resumed = 0;
  for (int i = 0; i < 500 && !resumed; i++) {
    CHECK_OK(seawall_redis_limiter_try_acquire(a, (const uint8_t *)"k", 1, 1, &d));
    resumed = d.allowed;
    sleep_ms(20);
  }
  CHECK(resumed);

  seawall_redis_limiter_free(a);
  seawall_redis_limiter_free(c);
}

static void leases_and_flags(int port) {
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
  seawall_redis_backend *b = NULL;
  CHECK_OK(seawall_redis_backend_new(url, DEADLINE_NS, SEAWALL_REDIS_FAIL_CLOSED, &b));
  seawall_redis_concurrency_limit *cl = NULL;
  CHECK_STATUS(seawall_redis_concurrency_limit_new(b, "jobs", 2, 0, &cl), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "lease_ns");
  CHECK_STATUS(seawall_redis_concurrency_limit_new(b, "jobs", 0, 1000000000ull, &cl), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_concurrent");
  CHECK_OK(seawall_redis_concurrency_limit_new(b, "jobs", 2, 10000000000ull, &cl));
  seawall_redis_lease *l1 = NULL, *l2 = NULL, *l3 = NULL;
  uint64_t retry = 0;
  for (int i = 0; i < 100 && l1 == NULL; i++) /* connect */
    CHECK_OK(seawall_redis_concurrency_limit_try_acquire(cl, (const uint8_t *)"t", 1, &l1, NULL));
  CHECK(l1 != NULL);
  CHECK_OK(seawall_redis_concurrency_limit_try_acquire(cl, (const uint8_t *)"t", 1, &l2, NULL));
  CHECK(l2 != NULL);
  CHECK_OK(seawall_redis_concurrency_limit_try_acquire(cl, (const uint8_t *)"t", 1, &l3, &retry));
  CHECK(l3 == NULL);
  CHECK(retry > 0 && retry <= 10000000000ull);
  bool held = false;
  CHECK_OK(seawall_redis_lease_renew(cl, l2, &held));
  CHECK(held);
  CHECK_OK(seawall_redis_lease_release(cl, l1, &held));
  CHECK(held);
  CHECK_OK(seawall_redis_concurrency_limit_try_acquire(cl, (const uint8_t *)"t", 1, &l3, NULL));
  CHECK(l3 != NULL);
  CHECK_OK(seawall_redis_lease_release(cl, l3, NULL));
  seawall_redis_lease_free(l2); /* held until its lease expires */
  seawall_redis_concurrency_limit_free(cl);

  seawall_redis_feature_flags *ff = NULL;
  CHECK_STATUS(seawall_redis_feature_flags_new(b, "", 0, &ff), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "flag_namespace");
  CHECK_OK(seawall_redis_feature_flags_new(b, "app", 0, &ff));
  bool on = false, written = false;
  CHECK_OK(seawall_redis_feature_flags_set(ff, (const uint8_t *)"recs", 4, 1, &written));
  CHECK(written);
  CHECK_OK(seawall_redis_feature_flags_is_enabled(ff, (const uint8_t *)"recs", 4, 0, &on));
  CHECK(on);
  CHECK_OK(seawall_redis_feature_flags_disable(ff, (const uint8_t *)"recs", 4, 300000000ull, &written));
  CHECK(written);
  CHECK_OK(seawall_redis_feature_flags_is_enabled(ff, (const uint8_t *)"recs", 4, 1, &on));
  CHECK(!on);
  sleep_ms(350);
  CHECK_OK(seawall_redis_feature_flags_is_enabled(ff, (const uint8_t *)"recs", 4, 0, &on));
  CHECK(on);
  CHECK_OK(seawall_redis_feature_flags_is_enabled(ff, (const uint8_t *)"never-set", 9, 1, &on));
  CHECK(on);
  CHECK_STATUS(seawall_redis_feature_flags_disable(ff, (const uint8_t *)"recs", 4, 0, &written),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "for_ns");
  CHECK_STATUS(seawall_redis_feature_flags_is_enabled(ff, (const uint8_t *)"x", 0, 1, &on),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "flag");
  seawall_redis_feature_flags_free(ff);
  seawall_redis_backend_free(b);
}

int main(void) {
  /* The server is forked before this process has any thread. */
  const char *bin = redis_binary();
  char dir[] = "/tmp/seawall-redis-XXXXXX";
  int port = 0;
  pid_t pid = -1;
  if (bin != NULL && mkdtemp(dir) != NULL) {
    port = free_port();
    pid = start_redis(bin, port, dir);
  }
  bad_input();
  if (bin == NULL) {
    const char *req = getenv("SEAWALL_REQUIRE_REDIS");
    if (req && strcmp(req, "1") == 0) {
      fprintf(stderr, "SEAWALL_REQUIRE_REDIS=1 but no redis-server binary\n");
      CHECK(0);
    } else {
      printf("SKIP the Redis part: no redis-server binary (make test installs it)\n");
    }
  } else {
    CHECK(pid > 0);
    if (pid > 0) {
      with_redis(pid, port);
      leases_and_flags(port);
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      char cmd[128];
      snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
      if (system(cmd) != 0) CHECK(0);
    }
  }
  return h_done("test_redis");
}
