/* Mirrors tests/src/runners/{token_bucket,sliding_window,keyed}.rs. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

cJSON *decision_value(seawall_status st, const seawall_decision *d) {
  if (st != SEAWALL_OK) return error_value(st);
  cJSON *o = cJSON_CreateObject();
  o_bool(o, "allowed", d->allowed);
  o_u64(o, "remaining", d->remaining);
  o_u64(o, "retry_after_ns", d->retry_after_ns);
  o_u64(o, "reset_after_ns", d->reset_after_ns);
  return o;
}

static uint64_t arg_n(const cJSON *args) {
  uint64_t n = 1;
  j_u64(args, "n", &n);
  return n;
}

/* Config keys: burst, rate_per_sec, initial_tokens (optional). */
seawall_token_bucket_config token_bucket_config(const cJSON *v) {
  seawall_token_bucket_config c = seawall_token_bucket_config_default();
  j_u64(v, "burst", &c.burst);
  j_f64(v, "rate_per_sec", &c.rate_per_sec);
  c.has_initial_tokens = j_u64(v, "initial_tokens", &c.initial_tokens);
  return c;
}

/* Config keys: limit, window_ns, buckets. */
seawall_sliding_window_config sliding_window_config(const cJSON *v) {
  seawall_sliding_window_config c = seawall_sliding_window_config_default();
  j_u64(v, "limit", &c.limit);
  j_u64(v, "window_ns", &c.window_ns);
  uint64_t b;
  if (j_u64(v, "buckets", &b)) c.buckets = b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
  return c;
}

/* ---- token bucket ---- */

#define MAX_WAITS 256

typedef struct {
  char *id;
  seawall_limiter_wait *w;
} wait_t;

struct subject {
  seawall_token_bucket *tb;
  seawall_sliding_window *sw;
  seawall_keyed_token_bucket *ktb;
  seawall_keyed_sliding_window *ksw;
  wait_t waits[MAX_WAITS];
  size_t n_waits;
  /* The key of the keyed step being run (for its reserve). */
  const uint8_t *key;
  size_t key_len;
};

static wait_t *find_wait(subject *s, const char *id) {
  for (size_t i = 0; i < s->n_waits; i++)
    if (strcmp(s->waits[i].id, id) == 0) return &s->waits[i];
  return NULL;
}

static void drop_wait(subject *s, const char *id) {
  wait_t *w = find_wait(s, id);
  if (!w) return;
  seawall_limiter_wait_free(w->w);
  free(w->id);
  *w = s->waits[--s->n_waits];
}

/* A finished wait: granted (the decision) or refused (rate_limited). */
static cJSON *finished(seawall_status st, const seawall_decision *d) {
  cJSON *o = decision_value(st, d);
  if (st == SEAWALL_OK) o_str(o, "outcome", "granted");
  else if (st == SEAWALL_RATE_LIMITED) o_str(o, "outcome", "refused");
  return o;
}

static cJSON *waiting(uint64_t due_in_ns) {
  cJSON *o = cJSON_CreateObject();
  o_str(o, "outcome", "waiting");
  o_u64(o, "due_in_ns", due_in_ns);
  return o;
}

typedef seawall_status (*reserve_fn)(subject *s, uint64_t n, uint64_t max_wait_ns,
                                     seawall_decision *out, seawall_limiter_wait **w);

static seawall_status tb_reserve(subject *s, uint64_t n, uint64_t max_wait_ns,
                                 seawall_decision *out, seawall_limiter_wait **w) {
  return seawall_token_bucket_reserve(s->tb, n, max_wait_ns, out, w);
}

static seawall_status sw_reserve(subject *s, uint64_t n, uint64_t max_wait_ns,
                                 seawall_decision *out, seawall_limiter_wait **w) {
  return seawall_sliding_window_reserve(s->sw, n, max_wait_ns, out, w);
}

static seawall_status ktb_reserve(subject *s, uint64_t n, uint64_t max_wait_ns,
                                  seawall_decision *out, seawall_limiter_wait **w) {
  return seawall_keyed_token_bucket_reserve(s->ktb, s->key, s->key_len, n, max_wait_ns, out, w);
}

static seawall_status ksw_reserve(subject *s, uint64_t n, uint64_t max_wait_ns,
                                  seawall_decision *out, seawall_limiter_wait **w) {
  return seawall_keyed_sliding_window_reserve(s->ksw, s->key, s->key_len, n, max_wait_ns, out,
                                              w);
}

/* The wait ops of tests/src/runners/token_bucket.rs::wait_step; NULL with
 * *handled false for other ops. */
static cJSON *wait_step(subject *s, const char *op, const cJSON *args, reserve_fn reserve,
                        bool *handled, runner_err *err) {
  *handled = true;
  const char *id = j_str(args, "id");
  if (!id) id = "";
  seawall_decision d = {0};
  if (strcmp(op, "acquire_wait") == 0) {
    uint64_t max_wait = 0;
    j_u64(args, "max_wait_ns", &max_wait);
    seawall_limiter_wait *w = NULL;
    seawall_status st = reserve(s, arg_n(args), max_wait, &d, &w);
    if (st != SEAWALL_OK || w == NULL) return finished(st, &d);
    if (s->n_waits == MAX_WAITS) {
      seawall_limiter_wait_free(w);
      rerr(err, "too many waits");
      return NULL;
    }
    drop_wait(s, id);
    s->waits[s->n_waits].id = strdup(id);
    s->waits[s->n_waits].w = w;
    s->n_waits++;
    return waiting(d.retry_after_ns);
  }
  if (strcmp(op, "poll") == 0) {
    wait_t *w = find_wait(s, id);
    if (!w) {
      cJSON *o = cJSON_CreateObject();
      o_str(o, "outcome", "none");
      return o;
    }
    seawall_status st = seawall_limiter_wait_try_claim(w->w, &d);
    if (st == SEAWALL_OK && !d.allowed) {
      if (seawall_limiter_wait_due_in_ns(w->w) != d.retry_after_ns) {
        rerr(err, "poll: due_in_ns disagrees with retry_after_ns");
        return NULL;
      }
      return waiting(d.retry_after_ns);
    }
    cJSON *o = finished(st, &d);
    drop_wait(s, id);
    return o;
  }
  if (strcmp(op, "cancel") == 0) {
    drop_wait(s, id);
    return cJSON_CreateObject();
  }
  *handled = false;
  return NULL;
}

static subject *tb_build(const cJSON *config, const seawall_manual_clock *clock,
                         cJSON **error_out, runner_err *err) {
  (void)err;
  seawall_token_bucket_config c = token_bucket_config(config);
  subject *s = calloc(1, sizeof *s);
  seawall_status st = NEW_WITH_CLOCK(token_bucket, &c, clock, &s->tb);
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static cJSON *tb_step(subject *s, const char *op, const cJSON *args,
                      const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  bool handled;
  cJSON *out = wait_step(s, op, args, tb_reserve, &handled, err);
  if (handled) return out;
  seawall_decision d;
  if (strcmp(op, "try_acquire") == 0)
    return decision_value(seawall_token_bucket_try_acquire(s->tb, arg_n(args), &d), &d);
  if (strcmp(op, "peek") == 0)
    return decision_value(seawall_token_bucket_peek(s->tb, arg_n(args), &d), &d);
  if (strcmp(op, "refund") == 0) {
    seawall_token_bucket_refund(s->tb, arg_n(args));
    return cJSON_CreateObject();
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_token_bucket_metrics m = {.struct_size = sizeof m};
    if (seawall_token_bucket_get_metrics(s->tb, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "available", m.available);
    o_u64(o, "allowed", m.allowed);
    o_u64(o, "denied", m.denied);
    o_u64(o, "waiting", m.waiting);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

/* ---- sliding window ---- */

static subject *sw_build(const cJSON *config, const seawall_manual_clock *clock,
                         cJSON **error_out, runner_err *err) {
  (void)err;
  seawall_sliding_window_config c = sliding_window_config(config);
  subject *s = calloc(1, sizeof *s);
  seawall_status st = NEW_WITH_CLOCK(sliding_window, &c, clock, &s->sw);
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static cJSON *sw_step(subject *s, const char *op, const cJSON *args,
                      const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  bool handled;
  cJSON *out = wait_step(s, op, args, sw_reserve, &handled, err);
  if (handled) return out;
  seawall_decision d;
  if (strcmp(op, "try_acquire") == 0)
    return decision_value(seawall_sliding_window_try_acquire(s->sw, arg_n(args), &d), &d);
  if (strcmp(op, "peek") == 0)
    return decision_value(seawall_sliding_window_peek(s->sw, arg_n(args), &d), &d);
  if (strcmp(op, "refund") == 0) {
    seawall_sliding_window_refund(s->sw, arg_n(args));
    return cJSON_CreateObject();
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_sliding_window_metrics m = {.struct_size = sizeof m};
    if (seawall_sliding_window_get_metrics(s->sw, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "count", m.count);
    o_u64(o, "allowed", m.allowed);
    o_u64(o, "denied", m.denied);
    o_u64(o, "waiting", m.waiting);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

/* ---- keyed ---- */

/* The table keys of a keyed config (both keyed configs have the same
 * table fields). */
#define TABLE_CONFIG(c, v)                                                         \
  do {                                                                             \
    j_u64((v), "max_keys", &(c).max_keys);                                         \
    uint64_t p_;                                                                   \
    if (j_u64((v), "max_probe", &p_))                                              \
      (c).max_probe = p_ > UINT32_MAX ? UINT32_MAX : (uint32_t)p_;                 \
    const char *on_full_ = j_str((v), "on_full");                                  \
    if (on_full_) {                                                                \
      if (strcmp(on_full_, "deny") == 0) (c).on_full = SEAWALL_ON_FULL_DENY;       \
      else if (strcmp(on_full_, "allow") == 0) (c).on_full = SEAWALL_ON_FULL_ALLOW; \
      else (c).on_full = UINT32_MAX; /* the C API rejects it, naming on_full */    \
    }                                                                              \
    (c).has_hash_seed = true;                                                      \
    (c).hash_seed = 0;                                                             \
    j_u64((v), "hash_seed", &(c).hash_seed);                                       \
  } while (0)

static subject *k_build(const cJSON *config, const seawall_manual_clock *clock,
                        cJSON **error_out, runner_err *err) {
  (void)err;
  const char *kind = j_str(config, "kind");
  if (!kind) kind = "token_bucket";
  subject *s = calloc(1, sizeof *s);
  seawall_status st;
  if (strcmp(kind, "token_bucket") == 0) {
    seawall_keyed_token_bucket_config c = seawall_keyed_token_bucket_config_default();
    seawall_token_bucket_config b = token_bucket_config(config);
    c.burst = b.burst;
    c.rate_per_sec = b.rate_per_sec;
    c.has_initial_tokens = b.has_initial_tokens;
    c.initial_tokens = b.initial_tokens;
    TABLE_CONFIG(c, config);
    st = NEW_WITH_CLOCK(keyed_token_bucket, &c, clock, &s->ktb);
  } else if (strcmp(kind, "sliding_window") == 0) {
    seawall_keyed_sliding_window_config c = seawall_keyed_sliding_window_config_default();
    seawall_sliding_window_config w = sliding_window_config(config);
    c.limit = w.limit;
    c.window_ns = w.window_ns;
    c.buckets = w.buckets;
    TABLE_CONFIG(c, config);
    st = NEW_WITH_CLOCK(keyed_sliding_window, &c, clock, &s->ksw);
  } else {
    free(s);
    *error_out = config_error("kind");
    return NULL;
  }
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static cJSON *k_step(subject *s, const char *op, const cJSON *args,
                     const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  const char *key = j_str(args, "key");
  if (!key) key = "";
  size_t len = strlen(key);
  const uint8_t *k = (const uint8_t *)key;
  uint64_t n = arg_n(args);
  seawall_decision d;
  s->key = k;
  s->key_len = len;
  bool handled;
  cJSON *w = wait_step(s, op, args, s->ktb ? ktb_reserve : ksw_reserve, &handled, err);
  if (handled) return w;
  if (strcmp(op, "try_acquire") == 0) {
    seawall_status st = s->ktb ? seawall_keyed_token_bucket_try_acquire(s->ktb, k, len, n, &d)
                               : seawall_keyed_sliding_window_try_acquire(s->ksw, k, len, n, &d);
    return decision_value(st, &d);
  }
  if (strcmp(op, "peek") == 0) {
    seawall_status st = s->ktb ? seawall_keyed_token_bucket_peek(s->ktb, k, len, n, &d)
                               : seawall_keyed_sliding_window_peek(s->ksw, k, len, n, &d);
    return decision_value(st, &d);
  }
  if (strcmp(op, "refund") == 0) {
    if (s->ktb) seawall_keyed_token_bucket_refund(s->ktb, k, len, n);
    else seawall_keyed_sliding_window_refund(s->ksw, k, len, n);
    return cJSON_CreateObject();
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_keyed_metrics m = {.struct_size = sizeof m};
    seawall_status st = s->ktb ? seawall_keyed_token_bucket_get_metrics(s->ktb, &m)
                               : seawall_keyed_sliding_window_get_metrics(s->ksw, &m);
    if (st != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "keys_tracked", m.keys_tracked);
    o_u64(o, "evictions", m.evictions);
    o_u64(o, "table_full", m.table_full);
    o_u64(o, "capacity", m.capacity);
    o_u64(o, "allowed", m.allowed);
    o_u64(o, "denied", m.denied);
    o_u64(o, "waiting", m.waiting);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

static void destroy(subject *s) {
  while (s->n_waits > 0) drop_wait(s, s->waits[0].id);
  seawall_token_bucket_free(s->tb);
  seawall_sliding_window_free(s->sw);
  seawall_keyed_token_bucket_free(s->ktb);
  seawall_keyed_sliding_window_free(s->ksw);
  free(s);
}

VECTOR_RUNNER(token_bucket) = {"token_bucket", tb_build, tb_step, destroy};
VECTOR_RUNNER(sliding_window) = {"sliding_window", sw_build, sw_step, destroy};
VECTOR_RUNNER(keyed) = {"keyed_limiter", k_build, k_step, destroy};
