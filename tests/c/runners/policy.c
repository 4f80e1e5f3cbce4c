/* Mirrors tests/src/runners/policy.rs: ops acquire {id},
 * complete {id, outcome, duration_ns?}, release {id}, state. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

#define MAX_GUARDS 128

struct subject {
  seawall_policy *policy;
  policy_stages st;
  char *ids[MAX_GUARDS];
  seawall_policy_guard guards[MAX_GUARDS]; /* live guards, in place */
  size_t n;
};

static void destroy(subject *s) {
  for (size_t i = 0; i < s->n; i++) {
    seawall_policy_guard_release(&s->guards[i]);
    free(s->ids[i]);
  }
  seawall_policy_free(s->policy);
  policy_stages_free(&s->st);
  free(s);
}

void policy_stages_free(policy_stages *s) {
  seawall_token_bucket_free(s->tb);
  seawall_sliding_window_free(s->sw);
  seawall_circuit_breaker_free(s->cb);
  seawall_bulkhead_free(s->bh);
  memset(s, 0, sizeof *s);
}

/* The admission stages of a vector config into *s and *pc (shared with
 * policy_run). False with *e set; the caller frees *s either way. */
bool policy_stages_build(const cJSON *config, const seawall_manual_clock *clock,
                         policy_stages *s, seawall_policy_config *pc, cJSON **e) {
  seawall_status st = SEAWALL_OK;
  const cJSON *rl = j_get(config, "rate_limiter");
  if (rl) {
    const char *kind = j_str(rl, "kind");
    if (!kind) kind = "token_bucket";
    if (strcmp(kind, "token_bucket") == 0) {
      seawall_token_bucket_config c = token_bucket_config(rl);
      st = seawall_token_bucket_new_with_clock(&c, clock, &s->tb);
      pc->token_bucket = s->tb;
    } else if (strcmp(kind, "sliding_window") == 0) {
      seawall_sliding_window_config c = sliding_window_config(rl);
      st = seawall_sliding_window_new_with_clock(&c, clock, &s->sw);
      pc->sliding_window = s->sw;
    } else {
      *e = config_error("kind");
      goto fail;
    }
    if (st != SEAWALL_OK) goto fail_status;
  }
  const cJSON *cbc = j_get(config, "circuit_breaker");
  if (cbc) {
    seawall_circuit_breaker_config c;
    if (!circuit_breaker_config(cbc, &c, e)) goto fail;
    st = seawall_circuit_breaker_new_with_clock(&c, clock, &s->cb);
    if (st != SEAWALL_OK) goto fail_status;
    pc->circuit_breaker = s->cb;
  }
  const cJSON *bhc = j_get(config, "bulkhead");
  if (bhc) {
    seawall_bulkhead_config c;
    if (!bulkhead_config(bhc, &c, e)) goto fail;
    st = seawall_bulkhead_new_with_clock(&c, clock, &s->bh);
    if (st != SEAWALL_OK) goto fail_status;
    pc->bulkhead = s->bh;
  }
  return true;
fail_status:
  *e = error_value(st);
fail:
  return false;
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  subject *s = calloc(1, sizeof *s);
  seawall_policy_config pc = seawall_policy_config_default();
  if (!policy_stages_build(config, clock, &s->st, &pc, e)) goto fail;
  seawall_status st = seawall_policy_new_with_clock(&pc, clock, &s->policy);
  if (st == SEAWALL_OK) return s;
  *e = error_value(st);
fail:
  destroy(s);
  return NULL;
}

/* state (breaker), active (bulkhead), limiter_available. */
cJSON *policy_stages_snapshot(const policy_stages *s, cJSON *o) {
  if (s->cb) {
    seawall_circuit_state st;
    seawall_circuit_breaker_state(s->cb, &st);
    o_str(o, "state", seawall_circuit_state_str(st));
  }
  if (s->bh) {
    seawall_bulkhead_metrics m = {.struct_size = sizeof m};
    seawall_bulkhead_get_metrics(s->bh, &m);
    o_u64(o, "active", m.active);
  }
  if (s->tb) {
    seawall_token_bucket_metrics m = {.struct_size = sizeof m};
    seawall_token_bucket_get_metrics(s->tb, &m);
    o_u64(o, "limiter_available", m.available);
  }
  if (s->sw) {
    seawall_sliding_window_metrics m = {.struct_size = sizeof m};
    seawall_sliding_window_get_metrics(s->sw, &m);
    o_u64(o, "limiter_available", m.limit > m.count ? m.limit - m.count : 0);
  }
  return o;
}

/* HashMap::remove of the guard named by args.id: moved into *out (a live
 * guard may be moved; the table's copy is not used again). */
static bool take_guard(subject *s, const cJSON *args, seawall_policy_guard *out,
                       runner_err *err) {
  const char *id = j_str(args, "id");
  if (!id) {
    rerr(err, "needs an id");
    return false;
  }
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->ids[i], id) == 0) {
      *out = s->guards[i];
      free(s->ids[i]);
      s->n--;
      s->ids[i] = s->ids[s->n];
      s->guards[i] = s->guards[s->n];
      return true;
    }
  rerr(err, "no guard \"%s\"", id);
  return false;
}

/* HashMap::insert: a guard already under this id is dropped (released). */
static void put_guard(subject *s, const char *id, seawall_policy_guard *g) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->ids[i], id) == 0) {
      seawall_policy_guard_release(&s->guards[i]);
      s->guards[i] = *g;
      return;
    }
  if (s->n == MAX_GUARDS) {
    seawall_policy_guard_release(g);
    return;
  }
  s->ids[s->n] = strdup(id);
  s->guards[s->n++] = *g;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  cJSON *o = cJSON_CreateObject();
  if (strcmp(op, "acquire") == 0) {
    seawall_policy_guard g;
    seawall_status st = seawall_policy_try_acquire(s->policy, &g);
    if (st == SEAWALL_OK) {
      bool probe = false;
      if (seawall_policy_guard_is_probe(&g, &probe) != SEAWALL_OK) {
        seawall_policy_guard_release(&g);
        rerr(err, "is_probe: %s", seawall_last_error_message());
        goto fail;
      }
      o_bool(o, "allowed", true);
      o_null(o, "stage");
      o_bool(o, "probe", probe);
      const char *id = j_str(args, "id");
      if (id) put_guard(s, id, &g);
      else seawall_policy_guard_release(&g);
    } else if (st == SEAWALL_RATE_LIMITED || st == SEAWALL_CIRCUIT_OPEN ||
               st == SEAWALL_BULKHEAD_FULL) {
      o_bool(o, "allowed", false);
      o_str(o, "stage", seawall_last_error_stage());
      o_str(o, "error", seawall_status_str(st));
      o_u64(o, "retry_after_ns", seawall_last_error_retry_after_ns());
    } else {
      rerr(err, "acquire: %s", seawall_last_error_message());
      goto fail;
    }
  } else if (strcmp(op, "complete") == 0) {
    seawall_policy_guard g;
    if (!take_guard(s, args, &g, err)) goto fail;
    const char *oc = j_str(args, "outcome");
    uint32_t outcome;
    if (!oc) {
      seawall_policy_guard_release(&g);
      rerr(err, "needs an outcome");
      goto fail;
    }
    if (strcmp(oc, "success") == 0) outcome = SEAWALL_OUTCOME_SUCCESS;
    else if (strcmp(oc, "failure") == 0) outcome = SEAWALL_OUTCOME_FAILURE;
    else if (strcmp(oc, "ignored") == 0) outcome = SEAWALL_OUTCOME_IGNORED;
    else {
      seawall_policy_guard_release(&g);
      rerr(err, "invalid argument: outcome \"%s\"", oc);
      goto fail;
    }
    uint64_t d;
    seawall_status st = j_u64(args, "duration_ns", &d)
                            ? seawall_policy_guard_complete_with_duration(&g, outcome, d)
                            : seawall_policy_guard_complete(&g, outcome);
    if (st != SEAWALL_OK) {
      rerr(err, "complete: %s", seawall_last_error_message());
      goto fail;
    }
  } else if (strcmp(op, "release") == 0) {
    seawall_policy_guard g;
    if (!take_guard(s, args, &g, err)) goto fail;
    seawall_policy_guard_release(&g);
  } else if (strcmp(op, "state") != 0) {
    rerr(err, "unknown op \"%s\"", op);
    goto fail;
  }
  return policy_stages_snapshot(&s->st, o);
fail:
  cJSON_Delete(o);
  return NULL;
}

VECTOR_RUNNER(policy) = {"policy", build, step, destroy};
