/* Mirrors tests/src/runners/headers.rs: ops headers, try_acquire. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_quota_policy *policy;
  seawall_token_bucket *tb;
  seawall_sliding_window *sw;
};

static void destroy(subject *s) {
  seawall_quota_policy_free(s->policy);
  seawall_token_bucket_free(s->tb);
  seawall_sliding_window_free(s->sw);
  free(s);
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **error_out, runner_err *err) {
  (void)err;
  const char *name = j_str(config, "name");
  if (!name) name = "default";
  subject *s = calloc(1, sizeof *s);
  seawall_status st;
  const cJSON *tb = j_get(config, "token_bucket"), *sw = j_get(config, "sliding_window");
  if (tb) {
    seawall_token_bucket_config c = token_bucket_config(tb);
    st = seawall_quota_policy_from_token_bucket(name, &c, &s->policy);
    if (st == SEAWALL_OK) st = seawall_token_bucket_new_with_clock(&c, clock, &s->tb);
  } else if (sw) {
    seawall_sliding_window_config c = sliding_window_config(sw);
    st = seawall_quota_policy_from_sliding_window(name, &c, &s->policy);
    if (st == SEAWALL_OK) st = seawall_sliding_window_new_with_clock(&c, clock, &s->sw);
  } else {
    uint64_t limit = 1, window = 1000000000u;
    j_u64(config, "limit", &limit);
    j_u64(config, "window_ns", &window);
    st = seawall_quota_policy_new(name, limit, window, &s->policy);
  }
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    destroy(s);
    return NULL;
  }
  return s;
}

/* Every header of the decision, Retry-After null when not sent. */
static cJSON *headers_value(const subject *s, const seawall_decision *d, runner_err *err) {
  seawall_rate_limit_headers h;
  if (seawall_rate_limit_headers_get(s->policy, d, &h) != SEAWALL_OK) {
    rerr(err, "headers: %s", seawall_last_error_message());
    return NULL;
  }
  cJSON *o = cJSON_CreateObject();
  for (uint32_t k = SEAWALL_HEADER_RATELIMIT_POLICY; k <= SEAWALL_HEADER_RETRY_AFTER; k++) {
    const char *name = seawall_rate_limit_header_name(k);
    if (k == SEAWALL_HEADER_RETRY_AFTER && !h.has_retry_after) {
      o_null(o, name);
      continue;
    }
    char buf[160];
    size_t len;
    if (seawall_rate_limit_header_value(s->policy, d, k, buf, sizeof buf, &len) != SEAWALL_OK) {
      rerr(err, "%s: %s", name, seawall_last_error_message());
      cJSON_Delete(o);
      return NULL;
    }
    o_str(o, name, buf);
  }
  return o;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  seawall_decision d;
  memset(&d, 0, sizeof d);
  if (strcmp(op, "headers") == 0) {
    bool allowed;
    if (!j_bool(args, "allowed", &allowed)) {
      rerr(err, "headers needs allowed");
      return NULL;
    }
    d.allowed = allowed;
    j_u64(args, "remaining", &d.remaining);
    j_u64(args, "retry_after_ns", &d.retry_after_ns);
    j_u64(args, "reset_after_ns", &d.reset_after_ns);
    return headers_value(s, &d, err);
  }
  if (strcmp(op, "try_acquire") == 0) {
    uint64_t n = 1;
    j_u64(args, "n", &n);
    seawall_status st;
    if (s->tb) st = seawall_token_bucket_try_acquire(s->tb, n, &d);
    else if (s->sw) st = seawall_sliding_window_try_acquire(s->sw, n, &d);
    else {
      rerr(err, "try_acquire needs a limiter");
      return NULL;
    }
    if (st != SEAWALL_OK) return error_value(st);
    return headers_value(s, &d, err);
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

VECTOR_RUNNER(headers) = {"headers", build, step, destroy};
