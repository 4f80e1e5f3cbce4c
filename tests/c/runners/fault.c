/* Mirrors tests/src/runners/fault.rs: ops decide, set_enabled {enabled},
 * metrics. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_fault_injector *fi;
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

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  seawall_fault_injector_config c = seawall_fault_injector_config_default();
  if (j_get(config, "seed")) {
    c.has_seed = true;
    if (!int_field(config, "seed", "seed", &c.seed, e)) return NULL;
  }
  if (!float_field(config, "error_rate", "error_rate", &c.error_rate, e) ||
      !float_field(config, "delay_rate", "delay_rate", &c.delay_rate, e) ||
      !int_field(config, "delay_min_ns", "delay_min", &c.delay_min_ns, e) ||
      !int_field(config, "delay_max_ns", "delay_max", &c.delay_max_ns, e))
    return NULL;
  bool enabled = c.enabled != 0;
  j_bool(config, "enabled", &enabled);
  c.enabled = enabled;
  subject *s = calloc(1, sizeof *s);
  seawall_status st = seawall_fault_injector_new_with_clock(&c, clock, &s->fi);
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
  if (strcmp(op, "decide") == 0) {
    seawall_fault f;
    if (seawall_fault_injector_decide(s->fi, &f) != SEAWALL_OK) {
      rerr(err, "decide: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_str(o, "fault", seawall_fault_kind_str(f.kind));
    o_u64(o, "delay_ns", f.delay_ns);
    return o;
  }
  if (strcmp(op, "set_enabled") == 0) {
    bool on;
    if (!j_bool(args, "enabled", &on)) {
      rerr(err, "set_enabled needs enabled");
      return NULL;
    }
    seawall_fault_injector_set_enabled(s->fi, on);
    return cJSON_CreateObject();
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_fault_injector_metrics m = {.struct_size = sizeof m};
    if (seawall_fault_injector_get_metrics(s->fi, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "decisions", m.decisions);
    o_u64(o, "errors", m.errors);
    o_u64(o, "delays", m.delays);
    o_bool(o, "enabled", m.enabled);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

static void destroy(subject *s) {
  seawall_fault_injector_free(s->fi);
  free(s);
}

VECTOR_RUNNER(fault) = {"fault_injector", build, step, destroy};
