/* Mirrors tests/src/runners/circuit_breaker.rs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

#define MAX_PERMITS 256
#define MAX_TRANSITIONS 1024

struct subject {
  seawall_circuit_breaker *cb;
  char *ids[MAX_PERMITS];
  uint64_t permits[MAX_PERMITS];
  size_t n_permits;
  char *transitions[MAX_TRANSITIONS];
  size_t n_transitions;
};

/* The transition listener: logs "from->to" (runs on the calling thread). */
static void on_transition(void *user_data, seawall_circuit_state from,
                          seawall_circuit_state to, uint64_t at_ns) {
  (void)at_ns;
  subject *s = user_data;
  if (s->n_transitions == MAX_TRANSITIONS) return;
  char buf[64];
  snprintf(buf, sizeof buf, "%s->%s", seawall_circuit_state_str(from),
           seawall_circuit_state_str(to));
  s->transitions[s->n_transitions++] = strdup(buf);
}

/* opt(): absent = default, null = off, else parsed or a config error. */
static bool opt_f64(const cJSON *c, const char *key, const char *field,
                    uint8_t *has, double *v, cJSON **error_out) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (cJSON_IsNull(x)) {
    *has = false;
    return true;
  }
  if (!j_as_f64(x, v)) {
    *error_out = config_error(field);
    return false;
  }
  *has = true;
  return true;
}

static bool opt_u64(const cJSON *c, const char *key, const char *field,
                    uint8_t *has, uint64_t *v, cJSON **error_out) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (cJSON_IsNull(x)) {
    *has = false;
    return true;
  }
  if (!j_as_u64(x, v)) {
    *error_out = config_error(field);
    return false;
  }
  *has = true;
  return true;
}

/* req(): absent = default, else parsed (null included) or a config error. */
static bool req_u64(const cJSON *c, const char *key, const char *field,
                    uint64_t *v, cJSON **error_out) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (!j_as_u64(x, v)) {
    *error_out = config_error(field);
    return false;
  }
  return true;
}

static bool req_f64(const cJSON *c, const char *key, const char *field,
                    double *v, cJSON **error_out) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (!j_as_f64(x, v)) {
    *error_out = config_error(field);
    return false;
  }
  return true;
}

/* parse_config of tests/src/runners/circuit_breaker.rs (also used by the
 * policy runner). */
bool circuit_breaker_config(const cJSON *c, seawall_circuit_breaker_config *out,
                            cJSON **e) {
  seawall_circuit_breaker_config k = seawall_circuit_breaker_config_default();
  const char *wk = j_str(c, "window_kind");
  if (wk) {
    if (strcmp(wk, "count_based") == 0) k.window_kind = SEAWALL_WINDOW_COUNT_BASED;
    else if (strcmp(wk, "time_based") == 0) k.window_kind = SEAWALL_WINDOW_TIME_BASED;
    else k.window_kind = UINT32_MAX; /* the C API rejects it, naming window_kind */
  }
  if (!opt_f64(c, "failure_rate_threshold", "failure_rate_threshold",
               &k.has_failure_rate_threshold, &k.failure_rate_threshold, e) ||
      !opt_f64(c, "slow_call_rate_threshold", "slow_call_rate_threshold",
               &k.has_slow_call_rate_threshold, &k.slow_call_rate_threshold, e) ||
      !req_u64(c, "slow_call_duration_threshold_ns", "slow_call_duration_threshold",
               &k.slow_call_duration_threshold_ns, e) ||
      !req_u64(c, "window_size", "window_size", &k.window_size, e) ||
      !req_u64(c, "minimum_number_of_calls", "minimum_number_of_calls",
               &k.minimum_number_of_calls, e) ||
      !opt_u64(c, "failure_count_threshold", "failure_count_threshold",
               &k.has_failure_count_threshold, &k.failure_count_threshold, e) ||
      !opt_u64(c, "failure_count_period_ns", "failure_count_period",
               &k.has_failure_count_period, &k.failure_count_period_ns, e) ||
      !req_u64(c, "open_duration_ns", "open_duration", &k.open_duration_ns, e) ||
      !req_f64(c, "open_duration_multiplier", "open_duration_multiplier",
               &k.open_duration_multiplier, e) ||
      !opt_u64(c, "max_open_duration_ns", "max_open_duration",
               &k.has_max_open_duration, &k.max_open_duration_ns, e) ||
      !req_u64(c, "half_open_max_calls", "half_open_max_calls",
               &k.half_open_max_calls, e) ||
      !req_u64(c, "success_threshold", "success_threshold", &k.success_threshold, e))
    return false;
  *out = k;
  return true;
}

static subject *build(const cJSON *c, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  seawall_circuit_breaker_config k;
  if (!circuit_breaker_config(c, &k, e)) return NULL;
  subject *s = calloc(1, sizeof *s);
  seawall_status st = NEW_WITH_CLOCK(circuit_breaker, &k, clock, &s->cb);
  if (st != SEAWALL_OK) {
    *e = error_value(st);
    free(s);
    return NULL;
  }
  uint64_t id;
  seawall_circuit_breaker_on_transition(s->cb, on_transition, s, NULL, &id);
  return s;
}

static cJSON *state_value(subject *s) {
  seawall_circuit_state st = SEAWALL_STATE_CLOSED;
  seawall_circuit_breaker_state(s->cb, &st);
  cJSON *o = cJSON_CreateObject();
  o_str(o, "state", seawall_circuit_state_str(st));
  return o;
}

static bool find_permit(subject *s, const cJSON *args, uint64_t *permit,
                        runner_err *err) {
  const char *id = j_str(args, "id");
  if (!id) {
    rerr(err, "needs an id");
    return false;
  }
  for (size_t i = 0; i < s->n_permits; i++)
    if (strcmp(s->ids[i], id) == 0) {
      *permit = s->permits[i];
      return true;
    }
  rerr(err, "unknown permit id \"%s\"", id);
  return false;
}

static void store_permit(subject *s, const char *id, uint64_t permit) {
  for (size_t i = 0; i < s->n_permits; i++)
    if (strcmp(s->ids[i], id) == 0) {
      s->permits[i] = permit;
      return;
    }
  if (s->n_permits == MAX_PERMITS) return;
  s->ids[s->n_permits] = strdup(id);
  s->permits[s->n_permits++] = permit;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  if (strcmp(op, "try_acquire") == 0) {
    uint64_t permit = 0;
    seawall_status st = seawall_circuit_breaker_try_acquire(s->cb, &permit);
    uint64_t retry_after = seawall_last_error_retry_after_ns(); /* before the next call */
    if (st != SEAWALL_OK && st != SEAWALL_CIRCUIT_OPEN) {
      rerr(err, "try_acquire: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = state_value(s);
    o_bool(o, "allowed", st == SEAWALL_OK);
    o_u64(o, "retry_after_ns", st == SEAWALL_OK ? 0 : retry_after);
    o_bool(o, "probe", st == SEAWALL_OK && seawall_permit_is_probe(permit));
    const char *id = j_str(args, "id");
    if (st == SEAWALL_OK && id) store_permit(s, id, permit);
    return o;
  }
  if (strcmp(op, "record") == 0) {
    uint64_t permit;
    if (!find_permit(s, args, &permit, err)) return NULL;
    const char *oc = j_str(args, "outcome");
    if (!oc) {
      rerr(err, "needs an outcome");
      return NULL;
    }
    uint32_t outcome;
    if (strcmp(oc, "success") == 0) outcome = SEAWALL_OUTCOME_SUCCESS;
    else if (strcmp(oc, "failure") == 0) outcome = SEAWALL_OUTCOME_FAILURE;
    else if (strcmp(oc, "ignored") == 0) outcome = SEAWALL_OUTCOME_IGNORED;
    else {
      rerr(err, "invalid argument: outcome \"%s\"", oc);
      return NULL;
    }
    uint64_t d = 0;
    j_u64(args, "duration_ns", &d);
    if (seawall_circuit_breaker_record(s->cb, &permit, outcome, d) != SEAWALL_OK) {
      rerr(err, "record: %s", seawall_last_error_message());
      return NULL;
    }
    return state_value(s);
  }
  if (strcmp(op, "release") == 0) {
    uint64_t permit;
    if (!find_permit(s, args, &permit, err)) return NULL;
    seawall_circuit_breaker_release(s->cb, &permit);
    return state_value(s);
  }
  if (strcmp(op, "state") == 0) return state_value(s);
  if (strcmp(op, "force_open") == 0) {
    seawall_circuit_breaker_force_open(s->cb);
    return state_value(s);
  }
  if (strcmp(op, "disable") == 0) {
    seawall_circuit_breaker_disable(s->cb);
    return state_value(s);
  }
  if (strcmp(op, "metrics_only") == 0) {
    seawall_circuit_breaker_metrics_only(s->cb);
    return state_value(s);
  }
  if (strcmp(op, "reset") == 0) {
    seawall_circuit_breaker_reset(s->cb);
    return state_value(s);
  }
  if (strcmp(op, "transitions") == 0) {
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "transitions");
    for (size_t i = 0; i < s->n_transitions; i++)
      cJSON_AddItemToArray(a, cJSON_CreateString(s->transitions[i]));
    return o;
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
    if (seawall_circuit_breaker_get_metrics(s->cb, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_str(o, "state", seawall_circuit_state_str(m.state));
    o_u64(o, "calls", m.calls);
    o_u64(o, "successes", m.successes);
    o_u64(o, "failures", m.failures);
    o_u64(o, "slow", m.slow);
    o_u64(o, "ignored", m.ignored);
    o_u64(o, "rejected", m.rejected);
    o_u64(o, "transitions", m.transitions);
    o_u64(o, "buffered_calls", m.buffered_calls);
    o_u64(o, "buffered_failures", m.buffered_failures);
    o_u64(o, "buffered_slow", m.buffered_slow);
    if (m.has_failure_rate) o_f64(o, "failure_rate", m.failure_rate);
    else o_null(o, "failure_rate");
    if (m.has_slow_call_rate) o_f64(o, "slow_call_rate", m.slow_call_rate);
    else o_null(o, "slow_call_rate");
    o_u64(o, "failure_count", m.failure_count);
    o_u64(o, "half_open_in_flight", m.half_open_in_flight);
    o_u64(o, "half_open_successes", m.half_open_successes);
    o_u64(o, "open_duration_ns", m.open_duration_ns);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

static void destroy(subject *s) {
  seawall_circuit_breaker_free(s->cb);
  for (size_t i = 0; i < s->n_permits; i++) free(s->ids[i]);
  for (size_t i = 0; i < s->n_transitions; i++) free(s->transitions[i]);
  free(s);
}

VECTOR_RUNNER(circuit_breaker) = {"circuit_breaker", build, step, destroy};
