/* Mirrors tests/src/runners/retry_run.rs: ops start, success, failure,
 * abandon, metrics. The run's state is caller-owned plain data. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  seawall_backoff *backoff;
  seawall_retry_budget *budget;
  seawall_retry *retry;
  seawall_retry_state state;
};

static void destroy(subject *s) {
  seawall_retry_free(s->retry);
  seawall_retry_budget_free(s->budget);
  seawall_backoff_free(s->backoff);
  free(s);
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **error_out, runner_err *err) {
  (void)err;
  seawall_backoff_config bc;
  const cJSON *bj = j_get(config, "backoff");
  cJSON *empty = cJSON_CreateObject();
  bool ok = backoff_config_from_json(bj ? bj : empty, &bc, error_out);
  cJSON_Delete(empty);
  if (!ok) return NULL;
  subject *s = calloc(1, sizeof *s);
  seawall_status st = seawall_backoff_new_with_clock(&bc, clock, &s->backoff);
  if (st != SEAWALL_OK) goto failed;
  seawall_retry_config rc = seawall_retry_config_default();
  const cJSON *budget = j_get(config, "budget");
  if (budget) {
    seawall_retry_budget_config c = seawall_retry_budget_config_default();
    if (j_get(budget, "max_tokens")) {
      uint64_t v;
      if (!j_u64(budget, "max_tokens", &v) || v > UINT32_MAX) {
        *error_out = config_error("max_tokens");
        destroy(s);
        return NULL;
      }
      c.max_tokens = (uint32_t)v;
    }
    if (j_get(budget, "token_ratio") && !j_f64(budget, "token_ratio", &c.token_ratio)) {
      *error_out = config_error("token_ratio");
      destroy(s);
      return NULL;
    }
    st = seawall_retry_budget_new(&c, &s->budget);
    if (st != SEAWALL_OK) goto failed;
    rc.retry_budget = s->budget;
  }
  if (j_get(config, "max_attempts")) {
    uint64_t v;
    /* 0 means "the backoff's" in C: the vectors' 0 is a bad value. */
    if (!j_u64(config, "max_attempts", &v) || v > UINT32_MAX) {
      *error_out = config_error("max_attempts");
      destroy(s);
      return NULL;
    }
    rc.max_attempts = (uint32_t)v;
    if (v == 0) rc.max_attempts = UINT32_MAX; /* refused: above the backoff's */
  }
  st = seawall_retry_new(s->backoff, &rc, &s->retry);
  if (st != SEAWALL_OK) goto failed;
  if (seawall_retry_start(s->retry, 0, 0, &s->state) != SEAWALL_OK) goto failed;
  return s;
failed:
  *error_out = error_value(st);
  destroy(s);
  return NULL;
}

static const char *status_name(uint32_t st) {
  switch (st) {
    case SEAWALL_RETRY_RUNNING: return "running";
    case SEAWALL_RETRY_SUCCEEDED: return "succeeded";
    case SEAWALL_RETRY_GAVE_UP: return "gave_up";
    case SEAWALL_RETRY_ABANDONED: return "abandoned";
    default: return "?";
  }
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  cJSON *o = cJSON_CreateObject();
  seawall_status st = SEAWALL_OK;
  if (strcmp(op, "start") == 0) {
    uint64_t dl = 0;
    bool has = j_u64(args, "deadline_ns", &dl);
    st = seawall_retry_abandon(s->retry, &s->state);
    if (st == SEAWALL_OK) st = seawall_retry_start(s->retry, has, dl, &s->state);
  } else if (strcmp(op, "success") == 0 || strcmp(op, "abandon") == 0) {
    st = op[0] == 's' ? seawall_retry_on_success(s->retry, &s->state)
                      : seawall_retry_abandon(s->retry, &s->state);
    o_str(o, "status", status_name(s->state.status));
    o_u64(o, "attempts", s->state.attempts);
  } else if (strcmp(op, "failure") == 0) {
    seawall_retry_failure f = {0};
    bool b = true;
    if (j_get(args, "retryable") && !j_bool(args, "retryable", &b)) {
      rerr(err, "failure: retryable is not a bool");
      goto fail;
    }
    f.retryable = b;
    f.has_retry_after = j_u64(args, "retry_after_ns", &f.retry_after_ns);
    (void)j_u64(args, "duration_ns", &f.duration_ns);
    seawall_retry_step r;
    st = seawall_retry_on_failure(s->retry, &s->state, &f, &r);
    if (st == SEAWALL_OK && r.kind == SEAWALL_RETRY_STEP_SLEEP) {
      o_str(o, "action", "sleep");
      o_u64(o, "delay_ns", r.delay_ns);
      o_u64(o, "attempts", s->state.attempts);
    } else if (st == SEAWALL_OK) {
      o_str(o, "action", "give_up");
      o_str(o, "reason", seawall_give_up_reason_str(r.reason));
      o_u64(o, "attempts", r.attempts);
      if (r.error == SEAWALL_OK) o_null(o, "error");
      else o_str(o, "error", seawall_status_str(r.error));
    }
  } else if (strcmp(op, "metrics") == 0) {
    seawall_backoff_metrics m = {.struct_size = sizeof m};
    st = seawall_backoff_get_metrics(s->backoff, &m);
    o_u64(o, "schedules", m.schedules);
    o_u64(o, "retries", m.retries);
    o_u64(o, "exhausted_attempts", m.exhausted_attempts);
    o_u64(o, "exhausted_elapsed", m.exhausted_elapsed);
    if (st == SEAWALL_OK && s->budget) {
      seawall_retry_budget_metrics bm = {.struct_size = sizeof bm};
      st = seawall_retry_budget_get_metrics(s->budget, &bm);
      o_u64(o, "budget_tokens_milli", bm.tokens_milli);
      o_u64(o, "budget_retries_allowed", bm.retries_allowed);
      o_u64(o, "budget_retries_denied", bm.retries_denied);
      o_u64(o, "budget_successes", bm.successes);
      o_u64(o, "budget_failures", bm.failures);
    }
  } else {
    rerr(err, "unknown op \"%s\"", op);
    goto fail;
  }
  if (st != SEAWALL_OK) {
    rerr(err, "%s: %s", op, seawall_last_error_message());
    goto fail;
  }
  return o;
fail:
  cJSON_Delete(o);
  return NULL;
}

VECTOR_RUNNER(retry_run) = {"retry_run", build, step, destroy};
