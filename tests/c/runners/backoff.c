/* Mirrors tests/src/runners/backoff.rs: ops delay_for, new_schedule,
 * next_delay, metrics. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_backoff *backoff;
  seawall_backoff_schedule_state schedule; /* caller-owned, plain data */
};

/* A present key that is not a non-negative integer is a bad value for
 * field (what the binding's own conversion would reject). */
static bool opt_u64(const cJSON *config, const char *key, const char *field,
                    bool *has, uint64_t *v, cJSON **error_out) {
  const cJSON *x = j_get(config, key);
  *has = false;
  if (!x) return true;
  if (!j_as_u64(x, v)) {
    *error_out = config_error(field);
    return false;
  }
  *has = true;
  return true;
}

static uint32_t kind_value(const char *k) {
  if (strcmp(k, "constant") == 0) return SEAWALL_BACKOFF_CONSTANT;
  if (strcmp(k, "linear") == 0) return SEAWALL_BACKOFF_LINEAR;
  if (strcmp(k, "exponential") == 0) return SEAWALL_BACKOFF_EXPONENTIAL;
  return UINT32_MAX; /* the C API rejects it, naming `kind` */
}

static uint32_t jitter_value(const char *j) {
  static const char *names[] = {"none", "full", "equal", "proportional",
                                "decorrelated"};
  for (uint32_t i = 0; i < 5; i++)
    if (strcmp(j, names[i]) == 0) return i;
  return UINT32_MAX;
}

/* The backoff keys of a vector config into *out (shared with the
 * retry_run runner). False with *error_out set on a bad value. */
bool backoff_config_from_json(const cJSON *config, seawall_backoff_config *out,
                              cJSON **error_out) {
  seawall_backoff_config c = seawall_backoff_config_default();
  const char *k = j_str(config, "kind");
  if (k) c.kind = kind_value(k);
  const char *j = j_str(config, "jitter");
  if (j) c.jitter = jitter_value(j);
  if (j_get(config, "factor") && !j_f64(config, "factor", &c.factor)) {
    *error_out = config_error("factor");
    return false;
  }
  bool has;
  uint64_t v;
  if (!opt_u64(config, "max_attempts", "max_attempts", &has, &v, error_out))
    return false;
  if (has) {
    if (v > UINT32_MAX) {
      *error_out = config_error("max_attempts");
      return false;
    }
    c.max_attempts = (uint32_t)v;
  }
  if (!opt_u64(config, "base_ns", "base", &has, &v, error_out)) return false;
  if (has) c.base_ns = v;
  if (!opt_u64(config, "max_delay_ns", "max_delay", &has, &v, error_out))
    return false;
  if (has) c.max_delay_ns = v;
  if (!opt_u64(config, "max_elapsed_ns", "max_elapsed", &has, &v, error_out))
    return false;
  c.has_max_elapsed = has;
  if (has) c.max_elapsed_ns = v;
  if (!opt_u64(config, "seed", "seed", &has, &v, error_out)) return false;
  c.has_seed = has;
  if (has) c.seed = v;

  *out = c;
  return true;
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **error_out, runner_err *err) {
  (void)err;
  seawall_backoff_config c;
  if (!backoff_config_from_json(config, &c, error_out)) return NULL;
  subject *s = calloc(1, sizeof *s);
  seawall_status st = seawall_backoff_new_with_clock(&c, clock, &s->backoff);
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    free(s);
    return NULL;
  }
  st = seawall_backoff_start(s->backoff, &s->schedule);
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    seawall_backoff_free(s->backoff);
    free(s);
    return NULL;
  }
  return s;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  cJSON *o = cJSON_CreateObject();
  if (strcmp(op, "delay_for") == 0) {
    uint64_t attempt, d;
    if (!j_u64(args, "attempt", &attempt)) {
      rerr(err, "delay_for needs attempt");
      goto fail;
    }
    if (attempt > UINT32_MAX) {
      rerr(err, "attempt above u32");
      goto fail;
    }
    seawall_status st = seawall_backoff_delay_for(s->backoff, (uint32_t)attempt, &d);
    if (st != SEAWALL_OK) {
      rerr(err, "delay_for: %s", seawall_last_error_message());
      goto fail;
    }
    o_u64(o, "delay_ns", d);
  } else if (strcmp(op, "new_schedule") == 0) {
    /* the current schedule ends (its retries are counted), the next starts */
    if (seawall_backoff_finish(s->backoff, &s->schedule) != SEAWALL_OK ||
        seawall_backoff_start(s->backoff, &s->schedule) != SEAWALL_OK) {
      rerr(err, "new_schedule: %s", seawall_last_error_message());
      goto fail;
    }
  } else if (strcmp(op, "next_delay") == 0) {
    uint64_t hint = 0, elapsed = 0;
    bool has_hint = j_u64(args, "retry_after_ns", &hint);
    seawall_backoff_delay d;
    seawall_status st =
        j_u64(args, "elapsed_ns", &elapsed)
            ? seawall_backoff_next_delay_elapsed(s->backoff, &s->schedule, elapsed,
                                                 has_hint, hint, &d)
            : seawall_backoff_next_delay(s->backoff, &s->schedule, has_hint, hint, &d);
    if (st != SEAWALL_OK) {
      rerr(err, "next_delay: %s", seawall_last_error_message());
      goto fail;
    }
    if (d.retries != s->schedule.retries || d.give_up != s->schedule.done) {
      rerr(err, "next_delay: the state disagrees with the answer");
      goto fail;
    }
    o_bool(o, "give_up", d.give_up);
    if (!d.give_up) o_u64(o, "delay_ns", d.delay_ns);
    o_u64(o, "retries", d.retries);
  } else if (strcmp(op, "metrics") == 0) {
    seawall_backoff_metrics m = {.struct_size = sizeof m};
    if (seawall_backoff_get_metrics(s->backoff, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      goto fail;
    }
    o_u64(o, "schedules", m.schedules);
    o_u64(o, "retries", m.retries);
    o_u64(o, "exhausted_attempts", m.exhausted_attempts);
    o_u64(o, "exhausted_elapsed", m.exhausted_elapsed);
  } else {
    rerr(err, "unknown op \"%s\"", op);
    goto fail;
  }
  return o;
fail:
  cJSON_Delete(o);
  return NULL;
}

static void destroy(subject *s) {
  seawall_backoff_finish(s->backoff, &s->schedule);
  seawall_backoff_free(s->backoff);
  free(s);
}

VECTOR_RUNNER(backoff) = {"backoff", build, step, destroy};
