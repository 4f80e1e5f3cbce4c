/* Mirrors tests/src/runners/adaptive_timeout.rs: ops record {latency_ns},
 * timeout, metrics. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_adaptive_timeout *at;
};

static bool int_field(const cJSON *c, const char *key, const char *field,
                      uint64_t *v, cJSON **e) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (!j_as_u64(x, v)) {
    *e = config_error(field);
    return false;
  }
  return true;
}

static bool float_field(const cJSON *c, const char *key, const char *field,
                        double *v, cJSON **e) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (!j_as_f64(x, v)) {
    *e = config_error(field);
    return false;
  }
  return true;
}

/* The adaptive timeout keys of a vector config (shared with policy_run). */
bool adaptive_timeout_config(const cJSON *config, seawall_adaptive_timeout_config *out, cJSON **e) {
  seawall_adaptive_timeout_config c = seawall_adaptive_timeout_config_default();
  if (!float_field(config, "percentile", "percentile", &c.percentile, e) ||
      !float_field(config, "multiplier", "multiplier", &c.multiplier, e) ||
      !int_field(config, "min_timeout_ns", "min_timeout", &c.min_timeout_ns, e) ||
      !int_field(config, "max_timeout_ns", "max_timeout", &c.max_timeout_ns, e) ||
      !int_field(config, "initial_timeout_ns", "initial_timeout", &c.initial_timeout_ns, e) ||
      !int_field(config, "min_samples", "min_samples", &c.min_samples, e) ||
      !int_field(config, "window_ns", "window", &c.window_ns, e))
    return false;
  *out = c;
  return true;
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  seawall_adaptive_timeout_config c;
  if (!adaptive_timeout_config(config, &c, e)) return NULL;
  subject *s = calloc(1, sizeof *s);
  seawall_status st = seawall_adaptive_timeout_new_with_clock(&c, clock, &s->at);
  if (st != SEAWALL_OK) {
    *e = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  if (strcmp(op, "record") == 0) {
    uint64_t l;
    if (!j_u64(args, "latency_ns", &l)) {
      rerr(err, "record needs latency_ns");
      return NULL;
    }
    seawall_adaptive_timeout_record(s->at, l);
    return cJSON_CreateObject();
  }
  if (strcmp(op, "timeout") == 0) {
    uint64_t t;
    if (seawall_adaptive_timeout_get(s->at, &t) != SEAWALL_OK) {
      rerr(err, "timeout: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "timeout_ns", t);
    return o;
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_adaptive_timeout_metrics m = {.struct_size = sizeof m};
    if (seawall_adaptive_timeout_get_metrics(s->at, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "samples", m.samples);
    o_u64(o, "total", m.total);
    o_u64(o, "p50_ns", m.p50_ns);
    o_u64(o, "p95_ns", m.p95_ns);
    o_u64(o, "p99_ns", m.p99_ns);
    o_u64(o, "timeout_ns", m.timeout_ns);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

static void destroy(subject *s) {
  seawall_adaptive_timeout_free(s->at);
  free(s);
}

VECTOR_RUNNER(adaptive_timeout) = {"adaptive_timeout", build, step, destroy};
