/* The whole call from C: the retry run step API, the classification
 * helpers, and seawall_policy_execute (retry, timeout + cascading
 * deadline, fallback chain, combined policy). Every test uses a manual
 * clock: execute advances it instead of sleeping, so nothing here sleeps. */
#include <stdlib.h>

#include "harness.h"

#define MS 1000000ull
#define S 1000000000ull

static seawall_manual_clock *new_clock(void) {
  seawall_manual_clock *c = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &c));
  return c;
}

static uint64_t now(const seawall_manual_clock *c) {
  uint64_t t = 0;
  CHECK_OK(seawall_manual_clock_now(c, &t));
  return t;
}

/* Constant 100 ms backoff without jitter, `attempts` calls at most. */
static seawall_backoff *new_backoff(seawall_manual_clock *c, uint32_t attempts) {
  seawall_backoff_config bc = seawall_backoff_config_default();
  bc.kind = SEAWALL_BACKOFF_CONSTANT;
  bc.base_ns = 100 * MS;
  bc.jitter = SEAWALL_JITTER_NONE;
  bc.max_attempts = attempts;
  seawall_backoff *b = NULL;
  CHECK_OK(seawall_backoff_new_with_clock(&bc, c, &b));
  return b;
}

static seawall_retry *new_retry(seawall_backoff *b, seawall_retry_budget *budget) {
  seawall_retry_config rc = seawall_retry_config_default();
  rc.retry_budget = budget;
  seawall_retry *r = NULL;
  CHECK_OK(seawall_retry_new(b, &rc, &r));
  return r;
}

static void test_retry_run(void) {
  seawall_manual_clock *c = new_clock();
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b, NULL);
  seawall_retry_state st;
  seawall_retry_step step;
  seawall_retry_failure f = {.retryable = 1, .duration_ns = MS};

  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_EQ_U64(st.status, SEAWALL_RETRY_RUNNING);
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_RETRY_STEP_SLEEP);
  CHECK_EQ_U64(step.delay_ns, 100 * MS);
  /* A Retry-After hint replaces the computed delay. */
  seawall_retry_failure hinted = f;
  hinted.has_retry_after = 1;
  hinted.retry_after_ns = 2 * S;
  CHECK_OK(seawall_retry_on_failure(r, &st, &hinted, &step));
  CHECK_EQ_U64(step.delay_ns, 2 * S);
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_RETRY_STEP_GIVE_UP);
  CHECK_EQ_U64(step.reason, SEAWALL_GIVE_UP_ATTEMPTS);
  CHECK_EQ_U64(step.attempts, 3);
  CHECK_STATUS(step.error, SEAWALL_RETRY_EXHAUSTED);
  CHECK_EQ_U64(st.status, SEAWALL_RETRY_GAVE_UP);
  CHECK_STR(seawall_give_up_reason_str(step.reason), "attempts");
  CHECK_STR(seawall_give_up_reason_str(99), "unknown");

  /* Not retryable: given up at once, the failure itself is returned. */
  seawall_retry_failure nr = {.retryable = 0};
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_on_failure(r, &st, &nr, &step));
  CHECK_EQ_U64(step.reason, SEAWALL_GIVE_UP_NOT_RETRYABLE);
  CHECK_STATUS(step.error, SEAWALL_OK);

  /* A deadline: no retry starts at or after it. */
  CHECK_OK(seawall_retry_start(r, 1, now(c) + 50 * MS, &st));
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  CHECK_EQ_U64(step.reason, SEAWALL_GIVE_UP_DEADLINE);

  /* Success and abandon end the run. */
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_on_success(r, &st));
  CHECK_EQ_U64(st.status, SEAWALL_RETRY_SUCCEEDED);
  CHECK_EQ_U64(st.attempts, 1);
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_abandon(r, &st));
  CHECK_EQ_U64(st.status, SEAWALL_RETRY_ABANDONED);

  /* A state seawall did not write is refused, not undefined. */
  st.status = 77;
  CHECK_STATUS(seawall_retry_on_failure(r, &st, &f, &step), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "state");
  st.status = SEAWALL_RETRY_GAVE_UP;
  st.give_up_reason = 42;
  CHECK_STATUS(seawall_retry_on_success(r, &st), SEAWALL_INVALID_ARGUMENT);

  /* The budget: max_tokens 1 allows no retry once a failure is charged. */
  seawall_retry_budget_config bgc = seawall_retry_budget_config_default();
  bgc.max_tokens = 1;
  bgc.token_ratio = 0.1;
  seawall_retry_budget *budget = NULL;
  CHECK_OK(seawall_retry_budget_new(&bgc, &budget));
  seawall_retry *rb = new_retry(b, budget);
  seawall_retry_budget_free(budget); /* the retry keeps its own reference */
  CHECK_OK(seawall_retry_start(rb, 0, 0, &st));
  CHECK_OK(seawall_retry_on_failure(rb, &st, &f, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_RETRY_STEP_GIVE_UP);
  CHECK_EQ_U64(step.reason, SEAWALL_GIVE_UP_BUDGET);
  CHECK_STATUS(step.error, SEAWALL_RETRY_BUDGET_EXHAUSTED);
  seawall_retry_free(rb);

  /* Config: max_attempts not above the backoff's. */
  seawall_retry_config rc = seawall_retry_config_default();
  seawall_retry *bad = NULL;
  rc.max_attempts = 4;
  CHECK_STATUS(seawall_retry_new(b, &rc, &bad), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_attempts");
  CHECK(bad == NULL);

  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_manual_clock_free(c);
}

static void test_classify_helpers(void) {
  uint8_t valid = 9;
  uint64_t ns = 9;
  CHECK_OK(seawall_parse_retry_after(" 1.5 ", 0, &valid, &ns));
  CHECK_EQ_U64(valid, 1);
  CHECK_EQ_U64(ns, 1500 * MS);
  CHECK_OK(seawall_parse_retry_after("-1", 0, &valid, &ns));
  CHECK_EQ_U64(valid, 0);
  CHECK_EQ_U64(ns, 0);
  CHECK_OK(seawall_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                     784111777000ull - 30000, &valid, &ns));
  CHECK_EQ_U64(valid, 1);
  CHECK_EQ_U64(ns, 30 * S);
  CHECK_STATUS(seawall_parse_retry_after("\xff", 0, &valid, &ns), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "value");

  CHECK(seawall_is_retryable_error_status(SEAWALL_TIMEOUT));
  CHECK(seawall_is_retryable_error_status(SEAWALL_RATE_LIMITED));
  CHECK(!seawall_is_retryable_error_status(SEAWALL_CIRCUIT_OPEN));
  CHECK(!seawall_is_retryable_error_status(SEAWALL_RETRY_EXHAUSTED));
  CHECK(!seawall_is_retryable_error_status(0));
  CHECK(!seawall_is_retryable_error_status(1000));

  /* A wrapper that says nothing, caused by a connection reset: retried. */
  seawall_error_link chain[2] = {{0}, {0}};
  chain[1].transport = SEAWALL_RETRYABLE_CONNECTION_RESET;
  seawall_verdict v;
  CHECK_OK(seawall_classify_chain(chain, 2, &v));
  CHECK_EQ_U64(v.retryable, 1);
  CHECK_EQ_U64(v.decided_by, 1);
  /* An open breaker wrapping a timeout: the outer error decides. */
  chain[0].seawall_status = SEAWALL_CIRCUIT_OPEN;
  chain[1].transport = 0;
  chain[1].seawall_status = SEAWALL_TIMEOUT;
  CHECK_OK(seawall_classify_chain(chain, 2, &v));
  CHECK_EQ_U64(v.retryable, 0);
  CHECK_EQ_U64(v.decided_by, 0);
  /* A 503 with a hint carries the hint. */
  seawall_error_link l503 = {.http_status = 503, .has_retry_after = 1, .retry_after_ns = 7};
  CHECK_OK(seawall_classify_chain(&l503, 1, &v));
  CHECK_EQ_U64(v.retryable, 1);
  CHECK_EQ_U64(v.has_retry_after, 1);
  CHECK_EQ_U64(v.retry_after_ns, 7);
  CHECK_OK(seawall_classify_chain(NULL, 0, &v));
  CHECK_EQ_U64(v.retryable, 0);
  CHECK((int)v.decided_by == -1);
  CHECK_STATUS(seawall_classify_chain(NULL, 1, &v), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "links");
  seawall_error_link badl = {.seawall_status = 55};
  CHECK_STATUS(seawall_classify_chain(&badl, 1, &v), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "links");

  uint32_t o = 9;
  CHECK_OK(seawall_outcome_for_error(0, -1, 0, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_FAILURE);
  CHECK_OK(seawall_outcome_for_error(0, 0, 0, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_SUCCESS);
  CHECK_OK(seawall_outcome_for_error(1, 1, 0, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_IGNORED);
  CHECK_OK(seawall_outcome_for_error(0, -1, SEAWALL_BULKHEAD_FULL, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_IGNORED);
  CHECK_OK(seawall_outcome_for_error(0, -1, SEAWALL_RETRY_EXHAUSTED, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_FAILURE);
  CHECK_STATUS(seawall_outcome_for_error(0, 2, 0, &o), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "recorded");
  CHECK_OK(seawall_outcome_for_error(0, -1, SEAWALL_SHARED_REGION, &o));
  CHECK_EQ_U64(o, SEAWALL_OUTCOME_FAILURE);
  CHECK_STATUS(seawall_outcome_for_error(0, -1, 11, &o), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "seawall_status");
}

/* ---- execute ------------------------------------------------------------ */

/* A scripted dependency: attempt i (0-based) returns script[i] (0 = ok),
 * takes take_ns[i] on the manual clock, and classifies its failure. */
typedef struct {
  seawall_manual_clock *clock;
  int script[8];
  uint64_t take_ns[8];
  uint8_t retryable;
  uint32_t outcome;
  uint64_t retry_after_ns;
  int calls;
  seawall_attempt_info seen[8];
  int fallback_rc;
  int fallback_calls;
  seawall_fallback_info fb_seen;
} dep;

static int attempt(void *ud, const seawall_attempt_info *info, seawall_attempt_failure *f) {
  dep *d = ud;
  int i = d->calls++;
  if (i >= 8) return 1;
  d->seen[i] = *info;
  if (d->take_ns[i]) seawall_manual_clock_advance(d->clock, d->take_ns[i]);
  if (d->script[i] != 0) {
    f->retryable = d->retryable;
    f->outcome = d->outcome;
    if (d->retry_after_ns) {
      f->has_retry_after = 1;
      f->retry_after_ns = d->retry_after_ns;
    }
  }
  return d->script[i];
}

static int fallback(void *ud, const seawall_fallback_info *info) {
  dep *d = ud;
  d->fallback_calls++;
  d->fb_seen = *info;
  return d->fallback_rc;
}

static dep new_dep(seawall_manual_clock *c) {
  dep d;
  memset(&d, 0, sizeof d);
  d.clock = c;
  d.retryable = 1;
  d.outcome = SEAWALL_OUTCOME_FAILURE;
  return d;
}

static seawall_circuit_breaker *new_breaker(seawall_manual_clock *c) {
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, c, &cb));
  return cb;
}

static void test_execute_retries(void) {
  seawall_manual_clock *c = new_clock();
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b, NULL);
  seawall_circuit_breaker *cb = new_breaker(c);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.retry = r;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));

  /* Fails twice, then succeeds: two 100 ms sleeps on the manual clock. */
  dep d = new_dep(c);
  d.script[0] = 5;
  d.script[1] = 5;
  seawall_execute_result res;
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res));
  CHECK_EQ_U64(d.calls, 3);
  CHECK_EQ_U64(res.attempts, 3);
  CHECK_EQ_U64(res.fell_back, 0);
  CHECK_EQ_U64(res.callback_result, 0);
  CHECK_EQ_U64(now(c), 200 * MS);
  CHECK_EQ_U64(d.seen[2].attempt, 3);
  CHECK_EQ_U64(d.seen[0].has_deadline, 0);
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  CHECK_EQ_U64(m.failures, 2);
  CHECK_EQ_U64(m.successes, 1);

  /* Always fails: attempts run out. */
  d = new_dep(c);
  for (int i = 0; i < 8; i++) d.script[i] = 3;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_RETRY_EXHAUSTED);
  CHECK_EQ_U64(d.calls, 3);
  CHECK_EQ_U64(res.callback_result, 3);

  /* Not retryable: one attempt, the callback's own failure. */
  d = new_dep(c);
  d.script[0] = 42;
  d.retryable = 0;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_CALL_FAILED);
  CHECK_EQ_U64(d.calls, 1);
  CHECK_EQ_U64(res.callback_result, 42);

  /* A Retry-After hint replaces the delay. */
  d = new_dep(c);
  d.script[0] = 5;
  d.retry_after_ns = 3 * S;
  uint64_t t0 = now(c);
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res));
  CHECK_EQ_U64(now(c) - t0, 3 * S);

  /* An outcome that is no seawall_outcome is refused (run cancelled). */
  d = new_dep(c);
  d.script[0] = 5;
  d.outcome = 9;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "outcome");

  /* The outcome rule: a failure recorded as ignored is not a failure. */
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  uint64_t failures = m.failures;
  d = new_dep(c);
  d.script[0] = 5;
  d.retryable = 0;
  d.outcome = SEAWALL_OUTCOME_IGNORED;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_CALL_FAILED);
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  CHECK_EQ_U64(m.failures, failures);

  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

/* Defect 10: the schedule is asked before the budget. A call whose
 * attempts run out gives up on the schedule and leaves the budget alone
 * (the old demo loop asked the budget first, spending a retry token on a
 * retry that could never happen). */
static void test_execute_schedule_before_budget(void) {
  seawall_manual_clock *c = new_clock();
  seawall_backoff *b = new_backoff(c, 2);
  seawall_retry_budget_config bgc = seawall_retry_budget_config_default();
  seawall_retry_budget *budget = NULL;
  CHECK_OK(seawall_retry_budget_new(&bgc, &budget));
  seawall_retry *r = new_retry(b, budget);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.retry = r;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  dep d = new_dep(c);
  for (int i = 0; i < 8; i++) d.script[i] = 5;
  seawall_execute_result res;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_RETRY_EXHAUSTED);
  CHECK_EQ_U64(d.calls, 2);
  seawall_retry_budget_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_retry_budget_get_metrics(budget, &m));
  CHECK_EQ_U64(m.retries_allowed, 1); /* the one retry made */
  CHECK_EQ_U64(m.retries_denied, 0);
  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_retry_budget_free(budget);
  seawall_backoff_free(b);
  seawall_manual_clock_free(c);
}

/* Row "timeout + cascading deadline". */
static void test_execute_timeout_and_deadline(void) {
  seawall_manual_clock *c = new_clock();
  seawall_circuit_breaker *cb = new_breaker(c);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.timeout_ns = 50 * MS;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));

  /* The callback is told its deadline; returning after it is a timeout,
   * whatever it returned. */
  dep d = new_dep(c);
  d.take_ns[0] = 80 * MS;
  seawall_execute_result res;
  uint64_t t0 = now(c);
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_TIMEOUT);
  CHECK_EQ_U64(d.seen[0].has_deadline, 1);
  CHECK_EQ_U64(d.seen[0].timeout_ns, 50 * MS);
  CHECK_EQ_U64(d.seen[0].deadline_ns, t0 + 50 * MS);
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  CHECK_EQ_U64(m.failures, 1);
  CHECK_EQ_U64(m.successes, 0);

  /* Returning exactly at the deadline is in time. */
  d = new_dep(c);
  d.take_ns[0] = 50 * MS;
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res));

  /* Cascading: the whole call's deadline shortens the attempt's limit. */
  seawall_execute_config ec = seawall_execute_config_default();
  ec.has_deadline = 1;
  ec.deadline_ns = now(c) + 30 * MS;
  d = new_dep(c);
  CHECK_OK(seawall_policy_execute(p, &ec, attempt, NULL, &d, &res));
  CHECK_EQ_U64(d.seen[0].timeout_ns, 30 * MS);
  CHECK_EQ_U64(d.seen[0].deadline_ns, ec.deadline_ns);
  ec = seawall_execute_config_default();
  ec.total_timeout_ns = 20 * MS;
  d = new_dep(c);
  t0 = now(c);
  CHECK_OK(seawall_policy_execute(p, &ec, attempt, NULL, &d, &res));
  CHECK_EQ_U64(d.seen[0].deadline_ns, t0 + 20 * MS);
  /* A deadline already passed: no attempt. */
  ec = seawall_execute_config_default();
  ec.has_deadline = 1;
  ec.deadline_ns = now(c);
  d = new_dep(c);
  CHECK_STATUS(seawall_policy_execute(p, &ec, attempt, NULL, &d, &res), SEAWALL_TIMEOUT);
  CHECK_EQ_U64(d.calls, 0);
  /* A config not made by _init is refused. */
  seawall_execute_config zero;
  memset(&zero, 0, sizeof zero);
  CHECK_STATUS(seawall_policy_execute(p, &zero, attempt, NULL, &d, &res), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "struct_size");

  /* Both timeouts set: refused. */
  seawall_adaptive_timeout_config ac = seawall_adaptive_timeout_config_default();
  seawall_adaptive_timeout *at = NULL;
  CHECK_OK(seawall_adaptive_timeout_new_with_clock(&ac, c, &at));
  pc.adaptive_timeout = at;
  seawall_policy *bad = NULL;
  CHECK_STATUS(seawall_policy_new_with_clock(&pc, c, &bad), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "timeout_ns");
  /* The adaptive timeout alone: the attempt gets its current limit. */
  pc.timeout_ns = 0;
  seawall_policy *pa = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &pa));
  uint64_t limit = 0;
  CHECK_OK(seawall_adaptive_timeout_get(at, &limit));
  d = new_dep(c);
  CHECK_OK(seawall_policy_execute(pa, NULL, attempt, NULL, &d, &res));
  CHECK_EQ_U64(d.seen[0].timeout_ns, limit);
  seawall_policy_free(pa);
  seawall_adaptive_timeout_free(at);

  seawall_policy_free(p);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

/* Row "fallback chain". */
static void test_execute_fallback(void) {
  seawall_manual_clock *c = new_clock();
  seawall_circuit_breaker *cb = new_breaker(c);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.has_fallback = 1;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  seawall_execute_result res;
  dep d = new_dep(c);

  /* The policy has a fallback: execute needs one. */
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "fallback");
  CHECK_EQ_U64(d.calls, 0);

  /* The callback's own failure goes to the fallback. */
  d.script[0] = 11;
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, fallback, &d, &res));
  CHECK_EQ_U64(d.fallback_calls, 1);
  CHECK_STATUS(d.fb_seen.error, SEAWALL_OK);
  CHECK_EQ_U64(d.fb_seen.callback_result, 11);
  CHECK_EQ_U64(res.fell_back, 1);

  /* A rejection goes to the fallback with the stage. */
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  d = new_dep(c);
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, fallback, &d, &res));
  CHECK_EQ_U64(d.calls, 0);
  CHECK_STATUS(d.fb_seen.error, SEAWALL_CIRCUIT_OPEN);
  CHECK_STR(d.fb_seen.stage, "circuit_breaker");
  CHECK_STR(res.stage, "circuit_breaker");

  /* A failing fallback: SEAWALL_CALL_FAILED with its result. */
  d = new_dep(c);
  d.fallback_rc = 7;
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, fallback, &d, &res), SEAWALL_CALL_FAILED);
  CHECK_EQ_U64(res.callback_result, 7);
  CHECK_EQ_U64(res.fell_back, 1);

  seawall_policy_free(p);
  /* Without a fallback, the rejection is returned, stage named. */
  pc.has_fallback = 0;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  d = new_dep(c);
  CHECK_STATUS(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res), SEAWALL_CIRCUIT_OPEN);
  CHECK_STR(seawall_last_error_stage(), "circuit_breaker");
  CHECK_STR(res.stage, "circuit_breaker");
  seawall_policy_free(p);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

/* Row "combined policy": limiter → breaker → bulkhead → timeout → retry →
 * fallback, with a retry budget. */
static void test_execute_combined(void) {
  seawall_manual_clock *c = new_clock();
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.rate_per_sec = 1;
  tc.burst = 2;
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, c, &tb));
  seawall_circuit_breaker *cb = new_breaker(c);
  seawall_bulkhead_config hc = seawall_bulkhead_config_default();
  hc.max_concurrent = 1;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_bulkhead_new_with_clock(&hc, c, &bh));
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b, NULL);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.token_bucket = tb;
  pc.circuit_breaker = cb;
  pc.bulkhead = bh;
  pc.timeout_ns = S;
  pc.retry = r;
  pc.has_fallback = 1;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));

  /* All attempts fail: two use the two tokens; the third is refused by
   * the limiter (200 ms in, not refilled), which counts as the last
   * attempt: the retry gives up and the fallback gets retry_exhausted. */
  dep d = new_dep(c);
  for (int i = 0; i < 8; i++) d.script[i] = 5;
  seawall_execute_result res;
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, fallback, &d, &res));
  CHECK_EQ_U64(d.calls, 2);
  CHECK_EQ_U64(d.fallback_calls, 1);
  CHECK_STATUS(d.fb_seen.error, SEAWALL_RETRY_EXHAUSTED);
  CHECK_EQ_U64(res.fell_back, 1);
  CHECK_EQ_U64(d.seen[0].timeout_ns, S);
  seawall_bulkhead_metrics bm = {.struct_size = sizeof bm};
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 0);

  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_backoff_free(b);

  /* With four attempts the limiter's refusal is retried after its own
   * hint (800 ms until a token): fail, fail, refused, then success. */
  CHECK_OK(seawall_manual_clock_advance(c, 10 * S)); /* refill */
  b = new_backoff(c, 4);
  r = new_retry(b, NULL);
  pc.retry = r;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  d = new_dep(c);
  d.script[0] = 5;
  d.script[1] = 5;
  uint64_t t0 = now(c);
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, fallback, &d, &res));
  CHECK_EQ_U64(d.calls, 3);
  CHECK_EQ_U64(d.fallback_calls, 0);
  CHECK_EQ_U64(now(c) - t0, 1000 * MS);
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 0);
  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_bulkhead_free(bh);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(c);
}

/* The policy run, step by step, in caller-owned storage. */
static void test_policy_run_steps(void) {
  seawall_manual_clock *c = new_clock();
  seawall_bulkhead_config hc = seawall_bulkhead_config_default();
  hc.max_concurrent = 1;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_bulkhead_new_with_clock(&hc, c, &bh));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.bulkhead = bh;
  pc.timeout_ns = 10 * MS;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  seawall_policy_step step;
  seawall_bulkhead_metrics m = {.struct_size = sizeof m};

  seawall_policy_run run;
  memset(&run, 0, sizeof run); /* zeroed: empty */
  CHECK_STATUS(seawall_policy_run_next(&run, &step), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "run");
  CHECK_OK(seawall_policy_run_end(&run)); /* ending an empty run is fine */

  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  /* Out of turn: a FAIL step naming `step`, the run unchanged. */
  CHECK_OK(seawall_policy_run_on_success(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_STATUS(step.error, SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(step.error_field, "step");
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_ATTEMPT);
  CHECK_EQ_U64(step.has_timeout, 1);
  CHECK_EQ_U64(step.timeout_ns, 10 * MS);
  CHECK_EQ_U64(step.attempt, 1);
  /* Cut off: the slot stays held until the work settles. */
  CHECK_OK(seawall_policy_run_on_timeout(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_STATUS(step.error, SEAWALL_TIMEOUT);
  CHECK_EQ_U64(step.slot_held, 1);
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &m));
  CHECK_EQ_U64(m.active, 1);
  CHECK_OK(seawall_policy_run_settle(&run));
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &m));
  CHECK_EQ_U64(m.active, 0);
  CHECK_OK(seawall_policy_run_end(&run));
  CHECK_OK(seawall_policy_run_end(&run));

  /* Ending a run mid-attempt gives the slot back (a cancel). */
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &m));
  CHECK_EQ_U64(m.active, 1);
  CHECK_OK(seawall_policy_run_end(&run));
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &m));
  CHECK_EQ_U64(m.active, 0);

  /* A bad outcome is refused; the run goes on. */
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  seawall_attempt_failure f = {.retryable = 1, .outcome = 7};
  CHECK_STATUS(seawall_policy_run_on_failure(&run, &f, &step), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "outcome");
  f.outcome = SEAWALL_OUTCOME_FAILURE;
  CHECK_OK(seawall_policy_run_on_failure(&run, &f, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_STATUS(step.error, SEAWALL_OK); /* the caller's own failure */
  CHECK_OK(seawall_policy_run_end(&run));

  seawall_policy_free(p);
  seawall_bulkhead_free(bh);
  seawall_manual_clock_free(c);
}

/* A refusal ending a stepped run keeps its retry-after for the caller's
 * Retry-After header (seawall_policy_run_retry_after_ns). */
static void test_policy_run_retry_after(void) {
  seawall_manual_clock *c = new_clock();
  seawall_circuit_breaker_config bc = seawall_circuit_breaker_config_default();
  bc.open_duration_ns = 30 * 1000 * MS;
  seawall_circuit_breaker *b = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&bc, c, &b));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = b;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  seawall_policy_run run;
  memset(&run, 0, sizeof run);
  seawall_policy_step step;
  CHECK_EQ_U64(seawall_policy_run_retry_after_ns(NULL), 0);
  CHECK_EQ_U64(seawall_policy_run_retry_after_ns(&run), 0); /* not live */

  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_ATTEMPT);
  CHECK_OK(seawall_policy_run_on_success(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_DONE);
  CHECK_EQ_U64(seawall_policy_run_retry_after_ns(&run), 0);
  CHECK_OK(seawall_policy_run_end(&run));

  CHECK_OK(seawall_circuit_breaker_force_open(b));
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_STATUS(step.error, SEAWALL_CIRCUIT_OPEN);
  CHECK_STR(step.stage, "circuit_breaker");
  uint64_t ra = seawall_policy_run_retry_after_ns(&run);
  CHECK(ra > 0);
  /* The same answer as the breaker's own refusal. */
  uint64_t permit = 0;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(b, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(seawall_last_error_retry_after_ns(), ra);
  CHECK_OK(seawall_policy_run_end(&run));
  CHECK_EQ_U64(seawall_policy_run_retry_after_ns(&run), 0); /* ended */

  seawall_policy_free(p);
  seawall_circuit_breaker_free(b);
  seawall_manual_clock_free(c);
}

/* Headers from C: numbers, values, and a buffer that is too small. */
static void test_headers(void) {
  seawall_quota_policy *q = NULL;
  CHECK_STATUS(seawall_quota_policy_new("", 1, S, &q), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");
  CHECK_OK(seawall_quota_policy_new("api", 100, 60 * S, &q));
  seawall_decision d;
  memset(&d, 0, sizeof d);
  d.allowed = false;
  d.retry_after_ns = 1200 * MS;
  d.reset_after_ns = 30500 * MS;
  seawall_rate_limit_headers h;
  CHECK_OK(seawall_rate_limit_headers_get(q, &d, &h));
  CHECK_EQ_U64(h.window_s, 60);
  CHECK_EQ_U64(h.reset_s, 31);
  CHECK_EQ_U64(h.has_retry_after, 1);
  CHECK_EQ_U64(h.retry_after_s, 2);
  char buf[64];
  size_t len = 0;
  CHECK_OK(seawall_rate_limit_header_value(q, &d, SEAWALL_HEADER_RATELIMIT_POLICY, buf, sizeof buf, &len));
  CHECK_STR(buf, "\"api\";q=100;w=60");
  CHECK_EQ_U64(len, strlen(buf));
  CHECK_STATUS(seawall_rate_limit_header_value(q, &d, SEAWALL_HEADER_RATELIMIT, buf, 4, &len),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "buf_len");
  CHECK_EQ_U64(len, strlen("\"api\";r=0;t=31"));
  d.allowed = true;
  CHECK_STATUS(seawall_rate_limit_header_value(q, &d, SEAWALL_HEADER_RETRY_AFTER, buf, sizeof buf, &len),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "header");
  CHECK_STR(seawall_rate_limit_header_name(SEAWALL_HEADER_X_RATELIMIT_RESET), "X-RateLimit-Reset");
  CHECK_STR(seawall_rate_limit_header_name(99), "unknown");
  seawall_quota_policy_free(q);
}

/* A program built against the header before the policy config grew its
 * timeout / retry / fallback fields keeps working: those keep their
 * defaults (no timeout: the attempt has no deadline). */
typedef struct {
  uint32_t struct_size;
  const seawall_token_bucket *token_bucket;
  const seawall_sliding_window *sliding_window;
  const seawall_circuit_breaker *circuit_breaker;
  const seawall_bulkhead *bulkhead;
} old_policy_config;

static void test_old_policy_config(void) {
  seawall_manual_clock *c = new_clock();
  old_policy_config *oc = malloc(sizeof *oc); /* exactly the old size */
  CHECK_OK(seawall_policy_config_init((seawall_policy_config *)oc, sizeof *oc));
  CHECK_EQ_U64(oc->struct_size, sizeof *oc);
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock((seawall_policy_config *)oc, c, &p));
  dep d = new_dep(c);
  seawall_execute_result res;
  CHECK_OK(seawall_policy_execute(p, NULL, attempt, NULL, &d, &res));
  CHECK_EQ_U64(d.seen[0].has_deadline, 0);
  seawall_policy_free(p);
  free(oc);
  seawall_manual_clock_free(c);
}

int main(void) {
  test_old_policy_config();
  test_policy_run_steps();
  test_policy_run_retry_after();
  test_headers();
  test_retry_run();
  test_classify_helpers();
  test_execute_retries();
  test_execute_schedule_before_budget();
  test_execute_timeout_and_deadline();
  test_execute_fallback();
  test_execute_combined();
  return h_done("test_execute");
}
