/* Mirrors tests/src/runners/policy_run.rs: ops start, next, success,
 * failure, timeout, settle, claim, wait_timeout, cancel, metrics. Each
 * call's run lives in a caller-owned seawall_policy_run. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

#define MAX_CALLS 16

struct subject {
  seawall_policy *policy;
  policy_stages st;
  seawall_adaptive_timeout *adaptive;
  seawall_backoff *backoff;
  seawall_retry_budget *budget;
  seawall_retry *retry;
  char *ids[MAX_CALLS];
  seawall_policy_run runs[MAX_CALLS];
  size_t n;
};

static void destroy(subject *s) {
  for (size_t i = 0; i < s->n; i++) {
    seawall_policy_run_end(&s->runs[i]);
    free(s->ids[i]);
  }
  seawall_policy_free(s->policy);
  seawall_retry_free(s->retry);
  seawall_retry_budget_free(s->budget);
  seawall_backoff_free(s->backoff);
  seawall_adaptive_timeout_free(s->adaptive);
  policy_stages_free(&s->st);
  free(s);
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  subject *s = calloc(1, sizeof *s);
  seawall_policy_config pc = seawall_policy_config_default();
  seawall_status st = SEAWALL_OK;
  if (!policy_stages_build(config, clock, &s->st, &pc, e)) goto fail;
  uint64_t t;
  const cJSON *at = j_get(config, "adaptive_timeout");
  if (j_u64(config, "timeout_ns", &t)) {
    pc.timeout_ns = t;
  } else if (at) {
    seawall_adaptive_timeout_config c;
    if (!adaptive_timeout_config(at, &c, e)) goto fail;
    st = seawall_adaptive_timeout_new_with_clock(&c, clock, &s->adaptive);
    if (st != SEAWALL_OK) goto fail_status;
    pc.adaptive_timeout = s->adaptive;
  }
  const cJSON *rc = j_get(config, "retry");
  if (rc) {
    seawall_backoff_config bc;
    const cJSON *bj = j_get(rc, "backoff");
    cJSON *empty = cJSON_CreateObject();
    bool ok = backoff_config_from_json(bj ? bj : empty, &bc, e);
    cJSON_Delete(empty);
    if (!ok) goto fail;
    st = seawall_backoff_new_with_clock(&bc, clock, &s->backoff);
    if (st != SEAWALL_OK) goto fail_status;
    seawall_retry_config r = seawall_retry_config_default();
    const cJSON *bu = j_get(rc, "budget");
    if (bu) {
      seawall_retry_budget_config c = seawall_retry_budget_config_default();
      uint64_t v;
      if (j_get(bu, "max_tokens")) {
        if (!j_u64(bu, "max_tokens", &v) || v > UINT32_MAX) {
          *e = config_error("max_tokens");
          goto fail;
        }
        c.max_tokens = (uint32_t)v;
      }
      if (j_get(bu, "token_ratio") && !j_f64(bu, "token_ratio", &c.token_ratio)) {
        *e = config_error("token_ratio");
        goto fail;
      }
      st = seawall_retry_budget_new(&c, &s->budget);
      if (st != SEAWALL_OK) goto fail_status;
      r.retry_budget = s->budget;
    }
    if (j_get(rc, "max_attempts")) {
      uint64_t v;
      if (!j_u64(rc, "max_attempts", &v) || v > UINT32_MAX) {
        *e = config_error("max_attempts");
        goto fail;
      }
      r.max_attempts = v == 0 ? UINT32_MAX : (uint32_t)v;
    }
    st = seawall_retry_new(s->backoff, &r, &s->retry);
    if (st != SEAWALL_OK) goto fail_status;
    pc.retry = s->retry;
  }
  bool fb = false;
  (void)j_bool(config, "fallback", &fb);
  pc.has_fallback = fb;
  st = seawall_policy_new_with_clock(&pc, clock, &s->policy);
  if (st != SEAWALL_OK) goto fail_status;
  return s;
fail_status:
  *e = error_value(st);
fail:
  destroy(s);
  return NULL;
}

/* The run named by args.id (default "a"); created when `create`. */
static seawall_policy_run *find(subject *s, const cJSON *args, bool create, runner_err *err) {
  const char *id = j_str(args, "id");
  if (!id) id = "a";
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->ids[i], id) == 0) return &s->runs[i];
  if (!create || s->n == MAX_CALLS) {
    rerr(err, "no call \"%s\"", id);
    return NULL;
  }
  s->ids[s->n] = strdup(id);
  memset(&s->runs[s->n], 0, sizeof s->runs[s->n]); /* empty */
  return &s->runs[s->n++];
}

static const char *STEP_NAMES[] = {"attempt", "wait_for_slot", "sleep", "fallback", "done", "fail"};

static cJSON *step_value(subject *s, const seawall_policy_step *p) {
  cJSON *o = cJSON_CreateObject();
  o_str(o, "step", p->kind < 6 ? STEP_NAMES[p->kind] : "?");
  switch (p->kind) {
    case SEAWALL_STEP_ATTEMPT:
      if (p->has_timeout) o_u64(o, "timeout_ns", p->timeout_ns);
      else o_null(o, "timeout_ns");
      break;
    case SEAWALL_STEP_WAIT_FOR_SLOT: o_u64(o, "max_wait_ns", p->max_wait_ns); break;
    case SEAWALL_STEP_SLEEP: o_u64(o, "delay_ns", p->delay_ns); break;
    case SEAWALL_STEP_FALLBACK:
    case SEAWALL_STEP_FAIL:
      if (p->stage[0]) o_str(o, "stage", p->stage);
      else o_null(o, "stage");
      if (p->error == SEAWALL_OK) {
        o_null(o, "error");
      } else {
        o_str(o, "error", seawall_status_str(p->error));
        if (p->error_field[0]) {
          /* core spelling, as error_value gives it */
          char f[64];
          snprintf(f, sizeof f, "%s", p->error_field);
          size_t n = strlen(f);
          if (n > 3 && strcmp(f + n - 3, "_ns") == 0) f[n - 3] = 0;
          o_str(o, "field", f);
        }
        if (p->error_attempts) o_u64(o, "attempts", p->error_attempts);
        if (p->error_reason != UINT32_MAX) o_str(o, "reason", seawall_give_up_reason_str(p->error_reason));
      }
      break;
    default: break;
  }
  o_u64(o, "attempt", p->attempt);
  return policy_stages_snapshot(&s->st, o);
}

static cJSON *metrics(subject *s) {
  cJSON *o = cJSON_CreateObject();
  if (s->st.cb) {
    seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
    seawall_circuit_breaker_get_metrics(s->st.cb, &m);
    cJSON *b = cJSON_AddObjectToObject(o, "breaker");
    o_u64(b, "successes", m.successes);
    o_u64(b, "failures", m.failures);
    o_u64(b, "ignored", m.ignored);
    o_u64(b, "slow", m.slow);
    o_u64(b, "rejected", m.rejected);
  }
  if (s->st.bh) {
    seawall_bulkhead_metrics m = {.struct_size = sizeof m};
    seawall_bulkhead_get_metrics(s->st.bh, &m);
    cJSON *b = cJSON_AddObjectToObject(o, "bulkhead");
    o_u64(b, "active", m.active);
    o_u64(b, "queued", m.queued);
    o_u64(b, "rejected", m.rejected);
  }
  if (s->adaptive) {
    seawall_adaptive_timeout_metrics m = {.struct_size = sizeof m};
    seawall_adaptive_timeout_get_metrics(s->adaptive, &m);
    cJSON *b = cJSON_AddObjectToObject(o, "adaptive");
    o_u64(b, "samples", m.samples);
    o_u64(b, "timeout_ns", m.timeout_ns);
    o_u64(b, "p50_ns", m.p50_ns);
  }
  if (s->backoff) {
    seawall_backoff_metrics m = {.struct_size = sizeof m};
    seawall_backoff_get_metrics(s->backoff, &m);
    cJSON *b = cJSON_AddObjectToObject(o, "backoff");
    o_u64(b, "schedules", m.schedules);
    o_u64(b, "retries", m.retries);
    o_u64(b, "exhausted_attempts", m.exhausted_attempts);
  }
  if (s->budget) {
    seawall_retry_budget_metrics m = {.struct_size = sizeof m};
    seawall_retry_budget_get_metrics(s->budget, &m);
    cJSON *b = cJSON_AddObjectToObject(o, "budget");
    o_u64(b, "tokens_milli", m.tokens_milli);
    o_u64(b, "retries_denied", m.retries_denied);
  }
  return policy_stages_snapshot(&s->st, o);
}

static uint32_t outcome_value(const char *o) {
  if (strcmp(o, "success") == 0) return SEAWALL_OUTCOME_SUCCESS;
  if (strcmp(o, "failure") == 0) return SEAWALL_OUTCOME_FAILURE;
  if (strcmp(o, "ignored") == 0) return SEAWALL_OUTCOME_IGNORED;
  return UINT32_MAX;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  if (strcmp(op, "metrics") == 0) return metrics(s);
  seawall_policy_run *run = find(s, args, strcmp(op, "start") == 0, err);
  if (!run) return NULL;
  seawall_policy_step p;
  seawall_status st;
  if (strcmp(op, "start") == 0) {
    uint64_t dl = 0;
    bool has = j_u64(args, "deadline_ns", &dl);
    st = seawall_policy_run_start(s->policy, has, dl, run);
    if (st == SEAWALL_OK) st = seawall_policy_run_next(run, &p);
  } else if (strcmp(op, "next") == 0) {
    st = seawall_policy_run_next(run, &p);
  } else if (strcmp(op, "success") == 0) {
    st = seawall_policy_run_on_success(run, &p);
  } else if (strcmp(op, "failure") == 0) {
    seawall_attempt_failure f = {.retryable = 1, .outcome = SEAWALL_OUTCOME_FAILURE};
    bool b;
    if (j_bool(args, "retryable", &b)) f.retryable = b;
    f.has_retry_after = j_u64(args, "retry_after_ns", &f.retry_after_ns);
    const char *o = j_str(args, "outcome");
    if (o && (f.outcome = outcome_value(o)) == UINT32_MAX) {
      rerr(err, "bad outcome \"%s\"", o);
      return NULL;
    }
    st = seawall_policy_run_on_failure(run, &f, &p);
  } else if (strcmp(op, "timeout") == 0) {
    st = seawall_policy_run_on_timeout(run, &p);
    if (st == SEAWALL_OK) {
      cJSON *v = step_value(s, &p);
      o_bool(v, "slot_held", p.slot_held);
      return v;
    }
  } else if (strcmp(op, "settle") == 0 || strcmp(op, "cancel") == 0) {
    st = op[0] == 's' ? seawall_policy_run_settle(run) : seawall_policy_run_cancel(run);
    if (st == SEAWALL_OK) return policy_stages_snapshot(&s->st, cJSON_CreateObject());
  } else if (strcmp(op, "claim") == 0) {
    uint8_t claimed = 0;
    st = seawall_policy_run_try_claim(run, &claimed, &p);
    if (st == SEAWALL_OK && !claimed) {
      cJSON *o = cJSON_CreateObject();
      o_str(o, "step", "wait_for_slot");
      return policy_stages_snapshot(&s->st, o);
    }
  } else if (strcmp(op, "wait_timeout") == 0) {
    st = seawall_policy_run_wait_timed_out(run, &p);
  } else {
    rerr(err, "unknown op \"%s\"", op);
    return NULL;
  }
  if (st != SEAWALL_OK) {
    rerr(err, "%s: %s", op, seawall_last_error_message());
    return NULL;
  }
  return step_value(s, &p);
}

VECTOR_RUNNER(policy_run) = {"policy_run", build, step, destroy};
