/* The C client: calls the payment service through one seawall policy via
 * include/seawall.h: rate limiter -> circuit breaker -> bulkhead ->
 * adaptive timeout -> retry with budget -> fallback ("payment queued"),
 * the whole call run by the core (seawall_policy_execute: it sleeps between
 * attempts, tells each attempt its deadline, asks the retry schedule before
 * the budget). Same policy.json as the Python and Node clients; one JSON
 * line per event on stdout; seawall's Prometheus export (the default
 * registry, seawall_registry_prometheus_text) on
 * http://127.0.0.1:METRICS_PORT/metrics (and /health) until stdin closes.
 * Usage: client_c PORT T0_NS DURATION POLICY_JSON METRICS_PORT */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "seawall.h"

static int port, metrics_port;
static uint64_t t0_ns;
static double duration_s;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int in_flight;

static seawall_policy *policy;
static seawall_circuit_breaker *breaker;
static seawall_region *region; /* the shared-state act only */
static seawall_adaptive_timeout *adaptive;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock every demo process shares */
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double now_s(void) { return ((double)(int64_t)(mono_ns() - t0_ns)) / 1e9; }

static void sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  va_list ap;
  pthread_mutex_lock(&out_lock);
  printf("{\"t\": %.4f, ", now_s());
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("}\n");
  fflush(stdout);
  pthread_mutex_unlock(&out_lock);
}

static void on_transition(void *user_data, enum seawall_circuit_state from, enum seawall_circuit_state to,
                          uint64_t at_ns) {
  (void)user_data;
  (void)at_ns;
  emit("\"ev\": \"transition\", \"from\": \"%s\", \"to\": \"%s\"", seawall_circuit_state_str((int)from),
       seawall_circuit_state_str((int)to));
}

enum result { OK, UPSTREAM_ERROR, TIMED_OUT };

/* GET /pay with a deadline of timeout_ns: OK, UPSTREAM_ERROR or TIMED_OUT. */
static enum result http_get(uint64_t timeout_ns) {
  uint64_t deadline = mono_ns() + timeout_ns;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return UPSTREAM_ERROR;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  enum result r = UPSTREAM_ERROR;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    const char req[] = "GET /pay?client=c HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, req, sizeof req - 1, 0) == (ssize_t)(sizeof req - 1)) {
      char buf[512];
      size_t got = 0;
      r = TIMED_OUT;
      for (;;) {
        uint64_t now = mono_ns();
        if (now >= deadline) break;
        uint64_t left = deadline - now;
        struct timeval tv = {(time_t)(left / 1000000000u), (suseconds_t)((left % 1000000000u) / 1000u)};
        if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (n <= 0 || got + (size_t)n >= sizeof buf - 1) {
          if (n > 0) got += (size_t)n;
          buf[got] = '\0';
          r = strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0 ? OK : UPSTREAM_ERROR;
          break;
        }
        got += (size_t)n;
      }
    }
  }
  close(fd);
  return r;
}

/* One attempt, called by seawall_policy_execute: GET /pay by the deadline
 * seawall gives (the adaptive timeout, shortened to the call's deadline).
 * Returns 0 on success, else the failure (retryable, a breaker failure:
 * the defaults execute pre-fills). */
static int attempt(void *user_data, const seawall_attempt_info *info, seawall_attempt_failure *out_failure) {
  (void)user_data;
  (void)out_failure;
  uint64_t now = mono_ns();
  uint64_t timeout_ns = info->has_deadline ? (info->deadline_ns > now ? info->deadline_ns - now : 0) : 10000000000u;
  enum result r = http_get(timeout_ns);
  return r == OK ? 0 : (int)r;
}

/* The fallback ("payment queued"): always succeeds. */
static int queue_payment(void *user_data, const seawall_fallback_info *info) {
  (void)user_data;
  (void)info;
  return 0;
}

/* Why a call fell back: the refusing stage's error, else its last failure. */
static const char *reason_of(const seawall_fallback_info *fb) {
  switch (fb->error) {
    case SEAWALL_CIRCUIT_OPEN: return "circuit_open";
    case SEAWALL_RATE_LIMITED: return "rate_limited";
    case SEAWALL_BULKHEAD_FULL: return "bulkhead_full";
    case SEAWALL_TIMEOUT: return "timeout";
    default: return fb->callback_result == TIMED_OUT ? "timeout" : "upstream_error";
  }
}

typedef struct {
  seawall_fallback_info fallback; /* what the fallback was told */
} call_state;

static int record_fallback(void *user_data, const seawall_fallback_info *info) {
  ((call_state *)user_data)->fallback = *info;
  return queue_payment(user_data, info);
}

static void *one_call(void *arg) {
  (void)arg;
  uint64_t start = mono_ns();
  call_state cs; /* user_data: lives on this thread's stack until execute returns */
  memset(&cs, 0, sizeof cs);
  seawall_execute_result res;
  /* The whole call in the core: limiter -> breaker -> bulkhead -> adaptive
   * timeout -> retry (schedule, then budget) -> fallback. */
  seawall_status s = seawall_policy_execute(policy, NULL, attempt, record_fallback, &cs, &res);
  double latency = (double)(mono_ns() - start) / 1e9;
  if (s == SEAWALL_OK && !res.fell_back)
    emit("\"ev\": \"call\", \"outcome\": \"ok\", \"reason\": null, \"attempts\": %u, \"latency\": %.4f", res.attempts,
         latency);
  else if (s == SEAWALL_OK)
    emit("\"ev\": \"call\", \"outcome\": \"fallback\", \"reason\": \"%s\", \"attempts\": %u, \"latency\": %.4f",
         reason_of(&cs.fallback), res.attempts, latency);
  else
    emit("\"ev\": \"call\", \"outcome\": \"error\", \"reason\": \"%s\", \"attempts\": %u, \"latency\": %.4f",
         seawall_status_str(s), res.attempts, latency);
  atomic_fetch_sub(&in_flight, 1);
  return NULL;
}

/* Every primitive is named; the labels say whose it is. They join the
 * default registry, which /metrics exports. */
static const seawall_label labels[] = {{"dependency", "payments"}, {"client", "c"}};
#define N_LABELS (sizeof labels / sizeof labels[0])

/* The export into a buffer that grows as needed (the text may grow
 * between the length query and the copy: loop). NULL on failure. */
static char *export_text(seawall_status (*fn)(const seawall_registry *, char *, size_t, size_t *), size_t *out_len) {
  size_t cap = 0, len = 0;
  char *buf = NULL;
  for (;;) {
    seawall_status s = fn(NULL, buf, cap, &len);
    if (s == SEAWALL_OK) break;
    free(buf);
    if (s != SEAWALL_INVALID_ARGUMENT) return NULL;
    cap = len + 1 + 4096;
    buf = malloc(cap);
    if (!buf) return NULL;
  }
  *out_len = len;
  return buf;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

/* GET /metrics and GET /health, one connection at a time (HTTP/1.0). */
static void *metrics_server(void *arg) {
  int lfd = *(int *)arg;
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[1024];
    size_t got = 0;
    while (got < sizeof req - 1) { /* up to the end of the request head */
      ssize_t n = recv(fd, req + got, sizeof req - 1 - got, 0);
      if (n <= 0) break;
      got += (size_t)n;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n")) break;
    }
    req[got] = '\0';
    size_t len = 0;
    char *body = NULL;
    const char *ctype = "text/plain; charset=utf-8", *status = "404 Not Found";
    if (strncmp(req, "GET /metrics ", 13) == 0) {
      body = export_text(seawall_registry_prometheus_text, &len);
      ctype = "text/plain; version=0.0.4; charset=utf-8";
    } else if (strncmp(req, "GET /health ", 12) == 0) {
      body = export_text(seawall_registry_health_json, &len);
      ctype = "application/json";
    }
    if (body) status = "200 OK";
    char head[256];
    int hl = snprintf(head, sizeof head, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", status,
                      ctype, body ? len : (size_t)10);
    send_all(fd, head, (size_t)hl);
    send_all(fd, body ? body : "not found\n", body ? len : 10);
    free(body);
    close(fd);
  }
}

static void start_metrics_server(void) {
  static int lfd;
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)metrics_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0) {
    fprintf(stderr, "metrics server on 127.0.0.1:%d: %s\n", metrics_port, strerror(errno));
    exit(2);
  }
  pthread_t th;
  if (pthread_create(&th, NULL, metrics_server, &lfd) != 0) exit(2);
  pthread_detach(th);
}

static void reg(seawall_status s, const char *what) {
  if (s != SEAWALL_OK) {
    fprintf(stderr, "register %s: %s: %s\n", what, seawall_status_str(s), seawall_last_error_message());
    exit(2);
  }
}

static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!cJSON_IsNumber(v)) {
    fprintf(stderr, "policy.json: %s missing\n", key);
    exit(2);
  }
  return v->valuedouble;
}

static uint64_t secs_ns(double s) { return (uint64_t)(s * 1e9 + 0.5); }

static void check(seawall_status s, const char *what) {
  if (s != SEAWALL_OK) {
    fprintf(stderr, "%s: %s: %s\n", what, seawall_status_str(s), seawall_last_error_message());
    exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s PORT T0_NS DURATION POLICY_JSON METRICS_PORT\n", argv[0]);
    return 2;
  }
  port = atoi(argv[1]);
  t0_ns = strtoull(argv[2], NULL, 10);
  duration_s = atof(argv[3]);
  metrics_port = atoi(argv[5]);
  FILE *f = fopen(argv[4], "rb");
  if (!f) return 2;
  static char text[1 << 16];
  size_t len = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[len] = '\0';
  cJSON *P = cJSON_Parse(text);
  if (!P) return 2;
  const cJSON *rl = cJSON_GetObjectItem(P, "rate_limiter"), *cbj = cJSON_GetObjectItem(P, "circuit_breaker"),
              *bhj = cJSON_GetObjectItem(P, "bulkhead"), *atj = cJSON_GetObjectItem(P, "adaptive_timeout"),
              *rj = cJSON_GetObjectItem(P, "retry"), *bj = cJSON_GetObjectItem(P, "retry_budget");
  double rate = num(P, "rate");

  seawall_token_bucket_config tbc = seawall_token_bucket_config_default();
  tbc.burst = (uint64_t)num(rl, "burst");
  tbc.rate_per_sec = num(rl, "rate_per_sec");
  seawall_token_bucket *bucket = NULL;
  check(seawall_token_bucket_new(&tbc, &bucket), "token bucket");

  seawall_circuit_breaker_config cbc = seawall_circuit_breaker_config_default();
  cbc.has_failure_rate_threshold = true;
  cbc.failure_rate_threshold = num(cbj, "failure_rate_threshold");
  cbc.has_slow_call_rate_threshold = true;
  cbc.slow_call_rate_threshold = num(cbj, "slow_call_rate_threshold");
  cbc.slow_call_duration_threshold_ns = secs_ns(num(cbj, "slow_call_duration_threshold"));
  cbc.window_size = (uint64_t)num(cbj, "window_size");
  cbc.minimum_number_of_calls = (uint64_t)num(cbj, "minimum_number_of_calls");
  cbc.open_duration_ns = secs_ns(num(cbj, "open_duration"));
  cbc.open_duration_multiplier = num(cbj, "open_duration_multiplier");
  cbc.has_max_open_duration = true;
  cbc.max_open_duration_ns = secs_ns(num(cbj, "max_open_duration"));
  cbc.half_open_max_calls = (uint64_t)num(cbj, "half_open_max_calls");
  cbc.success_threshold = (uint64_t)num(cbj, "success_threshold");
  const cJSON *shared = cJSON_GetObjectItem(P, "shared_region");
  if (cJSON_IsString(shared)) {
    /* The shared-state act: one breaker for the three clients, in a region. */
    check(seawall_region_open(shared->valuestring, NULL, &region), "shared region");
    check(seawall_circuit_breaker_new_in_region(&cbc, region, "payments", &breaker), "circuit breaker");
  } else {
    check(seawall_circuit_breaker_new(&cbc, &breaker), "circuit breaker");
  }
  uint64_t listener = 0;
  check(seawall_circuit_breaker_on_transition(breaker, on_transition, NULL, NULL, &listener), "listener");

  seawall_bulkhead_config bhc = seawall_bulkhead_config_default();
  bhc.max_concurrent = (uint64_t)num(bhj, "max_concurrent");
  seawall_bulkhead *bulkhead = NULL;
  check(seawall_bulkhead_new(&bhc, &bulkhead), "bulkhead");

  seawall_adaptive_timeout_config atc = seawall_adaptive_timeout_config_default();
  atc.percentile = num(atj, "percentile");
  atc.multiplier = num(atj, "multiplier");
  atc.min_timeout_ns = secs_ns(num(atj, "min_timeout"));
  atc.max_timeout_ns = secs_ns(num(atj, "max_timeout"));
  atc.initial_timeout_ns = secs_ns(num(atj, "initial_timeout"));
  atc.min_samples = (uint64_t)num(atj, "min_samples");
  atc.window_ns = secs_ns(num(atj, "window"));
  check(seawall_adaptive_timeout_new(&atc, &adaptive), "adaptive timeout");

  seawall_backoff_config bc = seawall_backoff_config_default();
  bc.kind = SEAWALL_BACKOFF_EXPONENTIAL;
  bc.base_ns = secs_ns(num(rj, "base"));
  bc.factor = num(rj, "factor");
  bc.max_delay_ns = secs_ns(num(rj, "max_delay"));
  bc.jitter = SEAWALL_JITTER_FULL;
  bc.max_attempts = (uint32_t)num(rj, "max_attempts");
  seawall_backoff *backoff = NULL;
  check(seawall_backoff_new(&bc, &backoff), "backoff");

  seawall_retry_budget_config rbc = seawall_retry_budget_config_default();
  rbc.max_tokens = (uint32_t)num(bj, "max_tokens");
  rbc.token_ratio = num(bj, "token_ratio");
  seawall_retry_budget *budget = NULL;
  check(seawall_retry_budget_new(&rbc, &budget), "retry budget");

  seawall_retry_config rc = seawall_retry_config_default();
  rc.retry_budget = budget;
  seawall_retry *retry = NULL;
  check(seawall_retry_new(backoff, &rc, &retry), "retry");

  seawall_policy_config pc = seawall_policy_config_default();
  pc.token_bucket = bucket;
  pc.circuit_breaker = breaker;
  pc.bulkhead = bulkhead;
  pc.adaptive_timeout = adaptive;
  pc.retry = retry;
  pc.has_fallback = 1;
  check(seawall_policy_new(&pc, &policy), "policy");
  cJSON_Delete(P);

  /* The shared breaker's name is the region slot's ("payments"). */
  seawall_registration *regs[6] = {0};
  reg(seawall_registry_register_circuit_breaker(NULL, breaker, "payments", labels, N_LABELS, &regs[0]), "breaker");
  reg(seawall_registry_register_token_bucket(NULL, bucket, "payments-limiter", labels, N_LABELS, &regs[1]), "limiter");
  reg(seawall_registry_register_bulkhead(NULL, bulkhead, "payments-bulkhead", labels, N_LABELS, &regs[2]), "bulkhead");
  reg(seawall_registry_register_adaptive_timeout(NULL, adaptive, "payments-timeout", labels, N_LABELS, &regs[3]),
      "adaptive timeout");
  reg(seawall_registry_register_backoff(NULL, backoff, "payments-retry", labels, N_LABELS, &regs[4]), "retry");
  reg(seawall_registry_register_retry_budget(NULL, budget, "payments-retry-budget", labels, N_LABELS, &regs[5]),
      "retry budget");
  start_metrics_server();

  emit("\"ev\": \"ready\", \"metrics_port\": %d", metrics_port);
  while (now_s() < 0) sleep_ns(5000000);
  double next_at = 0, last_state = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  while (now_s() < duration_s) {
    double t = now_s();
    if (t >= next_at) {
      pthread_t th;
      atomic_fetch_add(&in_flight, 1);
      if (pthread_create(&th, &attr, one_call, NULL) != 0) atomic_fetch_sub(&in_flight, 1);
      next_at += 1.0 / rate;
    }
    if (t - last_state >= 0.25) {
      /* Calls the user has in flight: only the client knows (seawall's
       * state comes from /metrics). */
      emit("\"ev\": \"state\", \"in_flight\": %d", atomic_load(&in_flight));
      last_state = t;
    }
    double wait = next_at - now_s();
    sleep_ns(wait > 0.01 ? 10000000u : wait > 0 ? (uint64_t)(wait * 1e9) : 0);
  }
  for (int i = 0; i < 500 && atomic_load(&in_flight) > 0; i++) sleep_ns(10000000u);
  emit("\"ev\": \"done\"");
  pthread_attr_destroy(&attr);
  /* Keep /metrics up until run.py has taken its last scrape (it closes stdin). */
  char sink[256];
  errno = 0;
  while (read(0, sink, sizeof sink) > 0 || errno == EINTR) errno = 0;
  for (int i = 0; i < 6; i++) seawall_registration_free(regs[i]);
  if (atomic_load(&in_flight) == 0) {
    seawall_policy_free(policy);
    seawall_circuit_breaker_free(breaker);
    seawall_region_free(region);
    seawall_token_bucket_free(bucket);
    seawall_bulkhead_free(bulkhead);
    seawall_adaptive_timeout_free(adaptive);
    seawall_retry_free(retry);
    seawall_backoff_free(backoff);
    seawall_retry_budget_free(budget);
  }
  return 0;
}
