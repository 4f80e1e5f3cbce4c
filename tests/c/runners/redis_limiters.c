/* Mirrors tests/tests/redis_vectors.rs: the token-bucket and sliding-window
 * vectors against Redis, through seawall_redis_* and the test-only time
 * override (seawall_test_only_redis_limiter_decide_at, spec/redis.md): the
 * scripts' clock is the scenario's manual clock. The scenarios the Redis
 * limiters do not take (initial_tokens, the waiting ops) are skipped by
 * redis_takes, and listed by the driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

const seawall_redis_backend *redis_backend = NULL;

struct subject {
  seawall_redis_limiter *lim;
  char key[32];
};

static const char *const OPS[] = {"try_acquire", "peek", "refund", "metrics", "advance", "set_time"};

bool redis_takes(const cJSON *sc) {
  const cJSON *config = j_get(sc, "config");
  if (config && j_raw(config, "initial_tokens")) return false;
  const cJSON *step;
  cJSON_ArrayForEach(step, j_get(sc, "steps")) {
    const char *op = j_str(step, "op");
    bool known = false;
    for (size_t i = 0; op && i < sizeof OPS / sizeof OPS[0]; i++) known = known || strcmp(op, OPS[i]) == 0;
    if (!known) return false;
  }
  return true;
}

static size_t scenarios = 0;

static subject *build(const cJSON *config, bool bucket, cJSON **e) {
  char name[32];
  subject *s = calloc(1, sizeof *s);
  scenarios++;
  snprintf(name, sizeof name, "c-v%zu", scenarios);
  snprintf(s->key, sizeof s->key, "scenario-%zu", scenarios);
  seawall_status st;
  if (bucket) {
    seawall_token_bucket_config c = token_bucket_config(config);
    st = seawall_redis_token_bucket_new(redis_backend, name, &c, &s->lim);
  } else {
    seawall_sliding_window_config c = sliding_window_config(config);
    st = seawall_redis_sliding_window_new(redis_backend, name, &c, &s->lim);
  }
  if (st != SEAWALL_OK) {
    *e = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static subject *tb_build(const cJSON *config, const seawall_manual_clock *clock, cJSON **e,
                         runner_err *err) {
  (void)clock, (void)err;
  return build(config, true, e);
}

static subject *sw_build(const cJSON *config, const seawall_manual_clock *clock, cJSON **e,
                         runner_err *err) {
  (void)clock, (void)err;
  return build(config, false, e);
}

static seawall_status decide(subject *s, uint64_t n, const char *op, const seawall_manual_clock *clock,
                             seawall_decision *d) {
  uint64_t now = 0;
  (void)seawall_manual_clock_now(clock, &now);
  return seawall_test_only_redis_limiter_decide_at(s->lim, (const uint8_t *)s->key, strlen(s->key), n, op,
                                                   now, d);
}

static cJSON *step(subject *s, const char *op, const cJSON *args, const seawall_manual_clock *clock,
                   runner_err *err) {
  uint64_t n = 1;
  j_u64(args, "n", &n);
  seawall_decision d;
  if (strcmp(op, "try_acquire") == 0) return decision_value(decide(s, n, "acquire", clock, &d), &d);
  if (strcmp(op, "peek") == 0) return decision_value(decide(s, n, "peek", clock, &d), &d);
  if (strcmp(op, "refund") == 0) {
    if (decide(s, n, "refund", clock, &d) != SEAWALL_OK) {
      rerr(err, "refund: %s", seawall_last_error_message());
      return NULL;
    }
    return cJSON_CreateObject();
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_redis_metrics m = {.struct_size = sizeof m};
    if (decide(s, 1, "peek", clock, &d) != SEAWALL_OK ||
        seawall_redis_limiter_metrics(s->lim, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    uint64_t available = d.allowed ? d.remaining + 1 : d.remaining;
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "allowed", m.allowed);
    o_u64(o, "denied", m.denied);
    o_u64(o, "available", available);
    o_u64(o, "count", m.limit - available);
    return o;
  }
  rerr(err, "unknown op %s", op);
  return NULL;
}

static void free_subject(subject *s) {
  seawall_redis_limiter_free(s->lim);
  free(s);
}

const runner redis_token_bucket_runner = {"token_bucket", tb_build, step, free_subject};
const runner redis_sliding_window_runner = {"sliding_window", sw_build, step, free_subject};
