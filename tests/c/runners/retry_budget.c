/* Mirrors tests/src/runners/retry_budget.rs: ops success, failure,
 * try_retry, metrics. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_retry_budget *budget;
};

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **error_out, runner_err *err) {
  (void)clock, (void)err;
  seawall_retry_budget_config c = seawall_retry_budget_config_default();
  if (j_get(config, "max_tokens")) {
    uint64_t v;
    if (!j_u64(config, "max_tokens", &v) || v > UINT32_MAX) {
      *error_out = config_error("max_tokens");
      return NULL;
    }
    c.max_tokens = (uint32_t)v;
  }
  if (j_get(config, "token_ratio") && !j_f64(config, "token_ratio", &c.token_ratio)) {
    *error_out = config_error("token_ratio");
    return NULL;
  }
  subject *s = calloc(1, sizeof *s);
  #if defined(SEAWALL_HAS_SHARED_REGIONS)
  seawall_status st =
      current_region()
          ? seawall_retry_budget_new_in_region(&c, current_region(), next_slot_name(), &s->budget)
          : seawall_retry_budget_new(&c, &s->budget);
#else
  seawall_status st = seawall_retry_budget_new(&c, &s->budget);
#endif
  if (st != SEAWALL_OK) {
    *error_out = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

static uint64_t tokens(const seawall_retry_budget *b) {
  seawall_retry_budget_metrics m = {.struct_size = sizeof m};
  seawall_retry_budget_get_metrics(b, &m);
  return m.tokens_milli;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)args, (void)clock;
  cJSON *o = cJSON_CreateObject();
  if (strcmp(op, "success") == 0) {
    seawall_retry_budget_record_success(s->budget);
    o_u64(o, "tokens_milli", tokens(s->budget));
  } else if (strcmp(op, "failure") == 0) {
    seawall_retry_budget_record_failure(s->budget);
    o_u64(o, "tokens_milli", tokens(s->budget));
  } else if (strcmp(op, "try_retry") == 0) {
    seawall_status st = seawall_retry_budget_try_retry(s->budget);
    if (st != SEAWALL_OK && st != SEAWALL_RETRY_BUDGET_EXHAUSTED) {
      rerr(err, "try_retry: %s", seawall_last_error_message());
      goto fail;
    }
    o_bool(o, "allowed", st == SEAWALL_OK);
    o_u64(o, "tokens_milli", tokens(s->budget));
  } else if (strcmp(op, "metrics") == 0) {
    seawall_retry_budget_metrics m = {.struct_size = sizeof m};
    if (seawall_retry_budget_get_metrics(s->budget, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      goto fail;
    }
    o_u64(o, "tokens_milli", m.tokens_milli);
    o_u64(o, "max_tokens_milli", m.max_tokens_milli);
    o_u64(o, "retries_allowed", m.retries_allowed);
    o_u64(o, "retries_denied", m.retries_denied);
    o_u64(o, "successes", m.successes);
    o_u64(o, "failures", m.failures);
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
  seawall_retry_budget_free(s->budget);
  free(s);
}

VECTOR_RUNNER(retry_budget) = {"retry_budget", build, step, destroy};
