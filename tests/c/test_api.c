/* Behaviour of the C API: conventions (status, last error, outputs only on
 * OK, NULL-safe free, panic boundary) and each primitive through C. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MS 1000000ull
#define SEC 1000000000ull

static void test_version_and_status(void) {
  CHECK_STR(seawall_version(), "0.1.0");
  CHECK_STR(seawall_status_str(SEAWALL_OK), "ok");
  CHECK_STR(seawall_status_str(SEAWALL_INVALID_CONFIG), "invalid_config");
  CHECK_STR(seawall_status_str(SEAWALL_CIRCUIT_OPEN), "circuit_open");
  CHECK_STR(seawall_status_str(SEAWALL_RATE_LIMITED), "rate_limited");
  CHECK_STR(seawall_status_str(SEAWALL_BULKHEAD_FULL), "bulkhead_full");
  CHECK_STR(seawall_status_str(SEAWALL_TIMEOUT), "timeout");
  CHECK_STR(seawall_status_str(SEAWALL_RETRY_BUDGET_EXHAUSTED), "retry_budget_exhausted");
  CHECK_STR(seawall_status_str(SEAWALL_INJECTED_FAULT), "injected_fault");
  CHECK_STR(seawall_status_str(SEAWALL_NULL_ARGUMENT), "null_argument");
  CHECK_STR(seawall_status_str(SEAWALL_PANIC), "panic");
  CHECK_STR(seawall_status_str(42), "unknown");
  CHECK_STR(seawall_status_str(-1), "unknown");
  CHECK(SEAWALL_OK == 0);
  CHECK(seawall_monotonic_now_ns() > 0);
}

static void test_panic_boundary(void) {
  CHECK_STATUS(seawall_test_panic(), SEAWALL_PANIC);
  CHECK_CONTAINS(seawall_last_error_message(), "panic");
  /* the process lives on and the library still works */
  CHECK_STATUS(seawall_test_panic(), SEAWALL_PANIC);
  seawall_manual_clock *c = NULL;
  CHECK_OK(seawall_manual_clock_new(5, &c));
  CHECK_STR(seawall_last_error_message(), "");
  uint64_t now = 0;
  CHECK_OK(seawall_manual_clock_now(c, &now));
  CHECK_EQ_U64(now, 5);
  seawall_manual_clock_free(c);
}

static void test_manual_clock(void) {
  seawall_manual_clock *c = NULL;
  CHECK_OK(seawall_manual_clock_new(100, &c));
  uint64_t now = 0;
  CHECK_OK(seawall_manual_clock_advance(c, 50));
  CHECK_OK(seawall_manual_clock_now(c, &now));
  CHECK_EQ_U64(now, 150);
  CHECK_OK(seawall_manual_clock_advance(c, UINT64_MAX));
  CHECK_OK(seawall_manual_clock_now(c, &now));
  CHECK_EQ_U64(now, UINT64_MAX); /* saturates */
  CHECK_OK(seawall_manual_clock_set(c, 7));
  CHECK_OK(seawall_manual_clock_now(c, &now));
  CHECK_EQ_U64(now, 7);
  /* outputs are written only on OK */
  uint64_t untouched = 12345;
  CHECK_STATUS(seawall_manual_clock_now(NULL, &untouched), SEAWALL_NULL_ARGUMENT);
  CHECK_EQ_U64(untouched, 12345);
  CHECK_STR(seawall_last_error_field(), "clock");
  CHECK_CONTAINS(seawall_last_error_message(), "clock must not be NULL");
  seawall_manual_clock_free(c);
  seawall_manual_clock_free(NULL);
}

static void test_backoff(void) {
  seawall_backoff_config cfg = seawall_backoff_config_default();
  CHECK_EQ_U64(cfg.kind, SEAWALL_BACKOFF_EXPONENTIAL);
  CHECK_EQ_U64(cfg.jitter, SEAWALL_JITTER_FULL);
  CHECK_EQ_U64(cfg.base_ns, 100 * MS);
  CHECK_EQ_U64(cfg.max_delay_ns, 30 * SEC);
  CHECK_EQ_U64(cfg.max_attempts, 3);
  CHECK(!cfg.has_max_elapsed && !cfg.has_seed);

  cfg.jitter = SEAWALL_JITTER_NONE;
  cfg.max_delay_ns = 1 * SEC;
  cfg.max_attempts = 4;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_backoff *b = NULL;
  CHECK_OK(seawall_backoff_new_with_clock(&cfg, clock, &b));
  uint64_t d = 0;
  CHECK_OK(seawall_backoff_delay_for(b, 1, &d));
  CHECK_EQ_U64(d, 100 * MS);
  CHECK_OK(seawall_backoff_delay_for(b, 4, &d));
  CHECK_EQ_U64(d, 800 * MS);
  CHECK_OK(seawall_backoff_delay_for(b, UINT32_MAX, &d));
  CHECK_EQ_U64(d, 1 * SEC);

  /* the schedule state is a plain struct the caller owns */
  seawall_backoff_schedule_state s;
  CHECK_OK(seawall_backoff_start(b, &s));
  CHECK_EQ_U64(s.retries, 0);
  CHECK(!s.done);
  uint64_t want[] = {100 * MS, 200 * MS, 400 * MS};
  for (int i = 0; i < 3; i++) {
    seawall_backoff_delay nd;
    CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
    CHECK(!nd.give_up);
    CHECK_EQ_U64(nd.delay_ns, want[i]);
    CHECK_EQ_U64(nd.retries, (uint64_t)i + 1);
    CHECK_EQ_U64(s.retries, (uint64_t)i + 1);
  }
  seawall_backoff_delay nd;
  CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
  CHECK(nd.give_up);
  CHECK_EQ_U64(nd.delay_ns, 0);
  CHECK_EQ_U64(s.retries, 3);
  CHECK(s.done);
  seawall_backoff_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.schedules, 1);
  CHECK_EQ_U64(m.retries, 3); /* counted when it gave up */
  CHECK_EQ_U64(m.exhausted_attempts, 1);
  /* finishing a schedule that gave up changes nothing */
  CHECK_OK(seawall_backoff_finish(b, &s));
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.retries, 3);

  /* finish ends a running schedule once: its retries are counted, it gives
   * up from then on, and a second finish is a no-op */
  CHECK_OK(seawall_backoff_start(b, &s));
  CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
  CHECK(!nd.give_up);
  seawall_backoff_schedule_state copy = s; /* never finished, below */
  CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
  CHECK_OK(seawall_backoff_next_delay(b, &copy, false, 0, &nd));
  CHECK_EQ_U64(nd.retries, 2);
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.schedules, 2);
  CHECK_EQ_U64(m.retries, 3); /* running schedules are not counted yet */
  CHECK_OK(seawall_backoff_finish(b, &s));
  CHECK(s.done);
  CHECK_EQ_U64(s.retries, 2);
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.retries, 5);
  CHECK_EQ_U64(m.exhausted_attempts, 1); /* finishing is not exhaustion */
  CHECK_OK(seawall_backoff_finish(b, &s));
  CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
  CHECK(nd.give_up);
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.retries, 5);
  CHECK_EQ_U64(m.exhausted_attempts, 1);
  /* a state never finished (`copy`) is not counted: nothing to free */
  /* outputs are written only on OK */
  seawall_backoff_schedule_state untouched = {.start_ns = 7, .prev_ns = 8, .rng = 9, .retries = 10};
  CHECK_STATUS(seawall_backoff_start(NULL, &untouched), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "backoff");
  CHECK(untouched.start_ns == 7 && untouched.prev_ns == 8 && untouched.rng == 9 &&
        untouched.retries == 10 && !untouched.done);
  CHECK_STATUS(seawall_backoff_next_delay(b, NULL, false, 0, &nd), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "state");
  CHECK_STATUS(seawall_backoff_finish(b, NULL), SEAWALL_NULL_ARGUMENT);

  /* Retry-After hint replaces the delay; max_elapsed on the clock */
  seawall_backoff_free(b);
  cfg.has_max_elapsed = true;
  cfg.max_elapsed_ns = 1 * SEC;
  cfg.kind = SEAWALL_BACKOFF_CONSTANT;
  CHECK_OK(seawall_backoff_new_with_clock(&cfg, clock, &b));
  CHECK_OK(seawall_manual_clock_advance(clock, 3 * SEC));
  CHECK_OK(seawall_backoff_start(b, &s));
  CHECK_EQ_U64(s.start_ns, 3 * SEC); /* read from the backoff's clock */
  CHECK_OK(seawall_backoff_next_delay(b, &s, true, 700 * MS, &nd));
  CHECK(!nd.give_up);
  CHECK_EQ_U64(nd.delay_ns, 700 * MS);
  CHECK_OK(seawall_manual_clock_advance(clock, 950 * MS));
  CHECK_OK(seawall_backoff_next_delay(b, &s, false, 0, &nd));
  CHECK(nd.give_up);
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.schedules, 1);
  CHECK_EQ_U64(m.retries, 1);
  CHECK_EQ_U64(m.exhausted_elapsed, 1);
  /* the caller's own elapsed time */
  CHECK_OK(seawall_backoff_start(b, &s));
  CHECK_OK(seawall_backoff_next_delay_elapsed(b, &s, 500 * MS, false, 0, &nd));
  CHECK(!nd.give_up);
  CHECK_EQ_U64(nd.delay_ns, 100 * MS);
  CHECK_OK(seawall_backoff_next_delay_elapsed(b, &s, 950 * MS, false, 0, &nd));
  CHECK(nd.give_up);
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.exhausted_elapsed, 2);
  seawall_backoff_free(b);

  /* seeded jitter is deterministic */
  cfg = seawall_backoff_config_default();
  cfg.has_seed = true;
  cfg.seed = 42;
  cfg.max_attempts = 10;
  seawall_backoff *b1 = NULL, *b2 = NULL;
  CHECK_OK(seawall_backoff_new(&cfg, &b1));
  CHECK_OK(seawall_backoff_new(&cfg, &b2));
  seawall_backoff_schedule_state s1, s2;
  CHECK_OK(seawall_backoff_start(b1, &s1));
  CHECK_OK(seawall_backoff_start(b2, &s2));
  seawall_backoff_schedule_state s3 = {0};
  uint64_t distinct = 0, prev = 0;
  for (int i = 0; i < 9; i++) {
    seawall_backoff_delay x, y, z;
    CHECK_OK(seawall_backoff_next_delay_elapsed(b1, &s1, 0, false, 0, &x));
    CHECK_OK(seawall_backoff_next_delay_elapsed(b2, &s2, 0, false, 0, &y));
    CHECK_EQ_U64(x.delay_ns, y.delay_ns);
    CHECK(!x.give_up);
    distinct += x.delay_ns != prev;
    prev = x.delay_ns;
    if (i == 3) s3 = s1; /* a copy is an independent schedule with the same future */
    if (i > 3) {
      CHECK_OK(seawall_backoff_next_delay_elapsed(b1, &s3, 0, false, 0, &z));
      CHECK_EQ_U64(z.delay_ns, x.delay_ns);
      CHECK_EQ_U64(z.retries, x.retries);
    }
  }
  CHECK(distinct > 5); /* jittered: the delays are not all the same */
  CHECK_OK(seawall_backoff_finish(b1, &s1));
  CHECK_OK(seawall_backoff_finish(b2, &s2));
  seawall_backoff_free(b1);
  seawall_backoff_free(b2);
  seawall_manual_clock_free(clock);
}

static void test_backoff_bad_config(void) {
  seawall_backoff *b = (seawall_backoff *)0x1;
  seawall_backoff_config c = seawall_backoff_config_default();
  c.factor = 0.5;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK(b == (seawall_backoff *)0x1); /* untouched */
  CHECK_STR(seawall_last_error_field(), "factor");
  CHECK_CONTAINS(seawall_last_error_message(), "factor");
  CHECK_CONTAINS(seawall_last_error_message(), "0.5");

  c = seawall_backoff_config_default();
  c.max_delay_ns = 1;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_delay_ns");
  CHECK_CONTAINS(seawall_last_error_message(), "invalid config: max_delay_ns");

  c = seawall_backoff_config_default();
  c.has_max_elapsed = true;
  c.max_elapsed_ns = 0;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_elapsed_ns");

  c = seawall_backoff_config_default();
  c.kind = 7;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "kind");
  CHECK_CONTAINS(seawall_last_error_message(), "got 7");

  c = seawall_backoff_config_default();
  c.jitter = 5;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "jitter");

  c = seawall_backoff_config_default();
  c.max_attempts = 0;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_attempts");

  c = seawall_backoff_config_default();
  c.factor = NAN;
  CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_CONTAINS(seawall_last_error_message(), "NaN");
  CHECK(b == (seawall_backoff *)0x1);
}

static void test_classify(void) {
  CHECK(seawall_is_retryable_status(503));
  CHECK(seawall_is_retryable_status(429));
  CHECK(!seawall_is_retryable_status(501));
  CHECK(!seawall_is_retryable_status(200));
  CHECK(!seawall_is_retryable_status(65536 + 503));
  const uint16_t *st = NULL;
  size_t n = 0;
  CHECK_OK(seawall_retryable_statuses(&st, &n));
  CHECK_EQ_U64(n, 6);
  CHECK_EQ_U64(st[0], 408);
  CHECK_EQ_U64(st[5], 504);
  seawall_retryable_kind k;
  CHECK_OK(seawall_retryable_kind_for_code("ECONNRESET", &k));
  CHECK(k == SEAWALL_RETRYABLE_CONNECTION_RESET);
  CHECK_OK(seawall_retryable_kind_for_code("ENOENT", &k));
  CHECK(k == SEAWALL_RETRYABLE_NONE);
  CHECK_OK(seawall_retryable_kind_parse("timed_out", &k));
  CHECK(k == SEAWALL_RETRYABLE_TIMED_OUT);
  CHECK_STR(seawall_retryable_kind_str(k), "timed_out");
  CHECK_STR(seawall_retryable_kind_str(0), "unknown");
  CHECK_STR(seawall_retryable_kind_str(6), "unknown");
  CHECK_OK(seawall_retryable_kind_parse("TIMED_OUT", &k));
  CHECK(k == SEAWALL_RETRYABLE_NONE);
  k = SEAWALL_RETRYABLE_TIMED_OUT;
  CHECK_STATUS(seawall_retryable_kind_parse("\xff\xfe", &k), SEAWALL_INVALID_ARGUMENT);
  CHECK(k == SEAWALL_RETRYABLE_TIMED_OUT);
  CHECK_STR(seawall_last_error_field(), "kind");
}

static void test_retry_budget(void) {
  seawall_retry_budget_config c = seawall_retry_budget_config_default();
  CHECK_EQ_U64(c.max_tokens, 10);
  c.max_tokens = 4;
  c.token_ratio = 0.5;
  seawall_retry_budget *rb = NULL;
  CHECK_OK(seawall_retry_budget_new(&c, &rb));
  CHECK_OK(seawall_retry_budget_try_retry(rb));
  CHECK_STATUS(seawall_retry_budget_try_retry(rb), SEAWALL_RETRY_BUDGET_EXHAUSTED);
  CHECK_CONTAINS(seawall_last_error_message(), "retry budget exhausted");
  CHECK_OK(seawall_retry_budget_record_success(rb));
  CHECK_OK(seawall_retry_budget_record_success(rb));
  CHECK_OK(seawall_retry_budget_record_failure(rb));
  seawall_retry_budget_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_retry_budget_get_metrics(rb, &m));
  CHECK_EQ_U64(m.tokens_milli, 2000);
  CHECK_EQ_U64(m.retries_allowed, 1);
  CHECK_EQ_U64(m.retries_denied, 1);
  CHECK_EQ_U64(m.failures, 3);
  seawall_retry_budget_free(rb);

  c.token_ratio = -1;
  rb = NULL;
  CHECK_STATUS(seawall_retry_budget_new(&c, &rb), SEAWALL_INVALID_CONFIG);
  CHECK(rb == NULL);
  CHECK_STR(seawall_last_error_field(), "token_ratio");
  CHECK_CONTAINS(seawall_last_error_message(), "token_ratio");
  c = seawall_retry_budget_config_default();
  c.max_tokens = 0;
  CHECK_STATUS(seawall_retry_budget_new(&c, &rb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_tokens");
}

typedef struct {
  int calls;
  seawall_circuit_state from[8], to[8];
  uint64_t at[8];
  const seawall_circuit_breaker *cb;
  seawall_circuit_state seen_inside;
} listener_log;

static void log_transition(void *user_data, seawall_circuit_state from,
                           seawall_circuit_state to, uint64_t at_ns) {
  listener_log *l = user_data;
  if (l->calls < 8) {
    l->from[l->calls] = from;
    l->to[l->calls] = to;
    l->at[l->calls] = at_ns;
  }
  l->calls++;
  /* a listener may call back into seawall, on this very breaker */
  seawall_circuit_breaker_state(l->cb, &l->seen_inside);
}

static void test_circuit_breaker(void) {
  seawall_circuit_breaker_config cfg = seawall_circuit_breaker_config_default();
  CHECK(cfg.has_failure_rate_threshold && cfg.failure_rate_threshold == 0.5);
  CHECK_EQ_U64(cfg.window_size, 100);
  CHECK_EQ_U64(cfg.open_duration_ns, 60 * SEC);
  CHECK_EQ_U64(cfg.half_open_max_calls, 3);
  cfg.has_failure_count_threshold = true;
  cfg.failure_count_threshold = 2;
  cfg.half_open_max_calls = 1;
  cfg.success_threshold = 1;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(1000, &clock));
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cfg, clock, &cb));
  listener_log log = {0};
  log.cb = cb;
  uint64_t lid = 0;
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, log_transition, &log, NULL, &lid));

  uint64_t permit = 0;
  for (int i = 0; i < 2; i++) {
    CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
    CHECK(!seawall_permit_is_probe(permit));
    CHECK_OK(seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_FAILURE, 3 * MS));
  }
  seawall_circuit_state st;
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_OPEN);
  CHECK_STR(seawall_circuit_state_str(st), "open");
  CHECK_EQ_U64(log.calls, 1);
  CHECK(log.from[0] == SEAWALL_STATE_CLOSED && log.to[0] == SEAWALL_STATE_OPEN);
  CHECK_EQ_U64(log.at[0], 1000);
  CHECK(log.seen_inside == SEAWALL_STATE_OPEN);

  /* rejected: no permit written, retry_after through the last error */
  uint64_t untouched = 77;
  CHECK_OK(seawall_manual_clock_advance(clock, 10 * SEC));
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &untouched), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(untouched, 77);
  CHECK_EQ_U64(seawall_last_error_retry_after_ns(), 50 * SEC);
  CHECK_CONTAINS(seawall_last_error_message(), "circuit open");
  CHECK_STR(seawall_last_error_field(), "");

  /* half-open probe closes it */
  CHECK_OK(seawall_manual_clock_advance(clock, 50 * SEC));
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_EQ_U64(seawall_last_error_retry_after_ns(), 0);
  CHECK(seawall_permit_is_probe(permit));
  uint64_t second;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &second), SEAWALL_CIRCUIT_OPEN);
  CHECK_OK(seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_SUCCESS, 1 * MS));
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_CLOSED);
  CHECK_EQ_U64(log.calls, 3); /* open->half_open, half_open->closed */
  CHECK(log.to[1] == SEAWALL_STATE_HALF_OPEN && log.to[2] == SEAWALL_STATE_CLOSED);

  /* bad outcome */
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_STATUS(seawall_circuit_breaker_record(cb, &permit, 9, 0), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "outcome");
  CHECK_OK(seawall_circuit_breaker_release(cb, &permit));

  /* special states */
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_FORCED_OPEN);
  CHECK_OK(seawall_circuit_breaker_disable(cb));
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_OK(seawall_circuit_breaker_metrics_only(cb));
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_METRICS_ONLY);
  for (int i = 0; i < 5; i++) {
    CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
    CHECK_OK(seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_FAILURE, 0));
  }
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_METRICS_ONLY); /* never trips */
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_CLOSED);
  CHECK_STR(seawall_circuit_state_str(SEAWALL_STATE_HALF_OPEN), "half_open");
  CHECK_STR(seawall_circuit_state_str(99), "unknown");

  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  CHECK(m.state == SEAWALL_STATE_CLOSED);
  CHECK_EQ_U64(m.failures, 7);
  CHECK_EQ_U64(m.successes, 1);
  CHECK_EQ_U64(m.transitions, 7);
  CHECK(!m.has_failure_rate);

  /* removing the listener stops notifications */
  bool removed = false;
  int before = log.calls;
  CHECK_OK(seawall_circuit_breaker_remove_listener(cb, lid, &removed));
  CHECK(removed);
  CHECK_OK(seawall_circuit_breaker_remove_listener(cb, lid, &removed));
  CHECK(!removed);
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_EQ_U64(log.calls, before);
  CHECK_STATUS(seawall_circuit_breaker_on_transition(cb, NULL, NULL, NULL, &lid), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "listener");
  /* user_data may be NULL */
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, log_transition, &log, NULL, &lid));
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(clock);
}

static void test_circuit_breaker_bad_config(void) {
  seawall_circuit_breaker *cb = NULL;
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  c.failure_rate_threshold = 1.5;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "failure_rate_threshold");
  CHECK_CONTAINS(seawall_last_error_message(), "1.5");
  c = seawall_circuit_breaker_config_default();
  c.open_duration_ns = 0;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "open_duration_ns");
  CHECK_CONTAINS(seawall_last_error_message(), "invalid config: open_duration_ns");
  c = seawall_circuit_breaker_config_default();
  c.window_kind = 3;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "window_kind");
  c = seawall_circuit_breaker_config_default();
  c.success_threshold = 4;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "success_threshold");
  c = seawall_circuit_breaker_config_default();
  c.has_failure_count_period = true;
  c.failure_count_period_ns = SEC;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "failure_count_period_ns");
  c = seawall_circuit_breaker_config_default();
  c.slow_call_rate_threshold = NAN;
  CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "slow_call_rate_threshold");
  CHECK(cb == NULL);
}

static void test_token_bucket(void) {
  seawall_token_bucket_config c = seawall_token_bucket_config_default();
  CHECK_EQ_U64(c.burst, 10);
  c.burst = 2;
  c.rate_per_sec = 1.0;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&c, clock, &tb));
  seawall_decision d;
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(d.allowed);
  CHECK_EQ_U64(d.remaining, 1);
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(!d.allowed); /* a denial is a decision, not an error */
  CHECK_EQ_U64(d.retry_after_ns, 1 * SEC);
  CHECK_EQ_U64(d.reset_after_ns, 2 * SEC);
  seawall_decision keep = d;
  CHECK_STATUS(seawall_token_bucket_try_acquire(tb, 3, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  CHECK(d.retry_after_ns == keep.retry_after_ns); /* untouched */
  CHECK_OK(seawall_token_bucket_refund(tb, 1));
  CHECK_OK(seawall_token_bucket_peek(tb, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_manual_clock_advance(clock, 1 * SEC));
  seawall_token_bucket_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &m));
  CHECK_EQ_U64(m.available, 2);
  CHECK_EQ_U64(m.allowed, 2);
  CHECK_EQ_U64(m.denied, 1);
  CHECK_EQ_U64(m.emission_interval_ns, SEC);
  seawall_token_bucket_free(tb);

  c.rate_per_sec = -1;
  CHECK_STATUS(seawall_token_bucket_new(&c, &tb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "rate_per_sec");
  CHECK_CONTAINS(seawall_last_error_message(), "rate_per_sec");
  c = seawall_token_bucket_config_default();
  c.has_initial_tokens = true;
  c.initial_tokens = 11;
  CHECK_STATUS(seawall_token_bucket_new(&c, &tb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "initial_tokens");
  seawall_manual_clock_free(clock);
}

/* Waiting acquires: reserve / try_claim / free, refusals with their
 * retry_after, bad values naming the parameter. */
static void test_limiter_waits(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_token_bucket_config c = seawall_token_bucket_config_default();
  c.burst = 1;
  c.rate_per_sec = 1.0;
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&c, clock, &tb));
  seawall_decision d;
  seawall_limiter_wait *w = NULL, *w2 = NULL;
  /* Granted now: no wait handed out. */
  CHECK_OK(seawall_token_bucket_reserve(tb, 1, 0, &d, &w));
  CHECK(d.allowed && w == NULL);
  /* Waiting: due in 1 s; a second one in 2 s (FIFO). */
  CHECK_OK(seawall_token_bucket_reserve(tb, 1, 5 * SEC, &d, &w));
  CHECK(!d.allowed && w != NULL);
  CHECK_EQ_U64(d.retry_after_ns, 1 * SEC);
  CHECK_EQ_U64(seawall_limiter_wait_due_in_ns(w), 1 * SEC);
  CHECK_OK(seawall_token_bucket_reserve(tb, 1, 5 * SEC, &d, &w2));
  CHECK_EQ_U64(d.retry_after_ns, 2 * SEC);
  /* Refused at once: due after the deadline; nothing taken. */
  seawall_limiter_wait *w3 = (seawall_limiter_wait *)&d; /* must be overwritten */
  CHECK_STATUS(seawall_token_bucket_reserve(tb, 1, 3 * SEC - 1, &d, &w3), SEAWALL_RATE_LIMITED);
  CHECK(w3 == NULL && !d.allowed);
  CHECK_EQ_U64(d.retry_after_ns, 3 * SEC);
  CHECK_EQ_U64(seawall_last_error_retry_after_ns(), 3 * SEC);
  CHECK_STATUS(seawall_token_bucket_acquire_wait(tb, 1, SEC, &d), SEAWALL_RATE_LIMITED);
  CHECK_EQ_U64(d.retry_after_ns, 3 * SEC);
  /* Bad n. */
  CHECK_STATUS(seawall_token_bucket_reserve(tb, 0, SEC, &d, &w3), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  CHECK_STATUS(seawall_token_bucket_acquire_wait(tb, 2, SEC, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  /* Not yet due, then due. */
  CHECK_OK(seawall_limiter_wait_try_claim(w, &d));
  CHECK(!d.allowed);
  CHECK_EQ_U64(d.retry_after_ns, 1 * SEC);
  CHECK_OK(seawall_manual_clock_advance(clock, 1 * SEC));
  CHECK_OK(seawall_limiter_wait_try_claim(w, &d));
  CHECK(d.allowed);
  CHECK_EQ_U64(d.reset_after_ns, 2 * SEC); /* w2's token is reserved too */
  /* Finished: a clear error naming the wait. */
  CHECK_STATUS(seawall_limiter_wait_try_claim(w, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "wait");
  CHECK_STATUS(seawall_limiter_wait_wait(w, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_EQ_U64(seawall_limiter_wait_due_in_ns(w), 0);
  CHECK_EQ_U64(seawall_limiter_wait_due_in_ns(NULL), 0);
  seawall_limiter_wait_free(w);
  /* A wait already due does not block. */
  CHECK_OK(seawall_manual_clock_advance(clock, 1 * SEC));
  CHECK_OK(seawall_limiter_wait_wait(w2, &d));
  CHECK(d.allowed);
  seawall_limiter_wait_free(w2);
  /* Freed unclaimed: the reservation goes back, one denial. */
  CHECK_OK(seawall_token_bucket_reserve(tb, 1, 5 * SEC, &d, &w));
  CHECK(w != NULL);
  seawall_limiter_wait_free(w);
  seawall_token_bucket_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &m));
  CHECK_EQ_U64(m.allowed, 3);
  CHECK_EQ_U64(m.denied, 3); /* two refusals, one freed */
  CHECK_EQ_U64(m.waiting, 0);
  CHECK_OK(seawall_manual_clock_advance(clock, 1 * SEC));
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(d.allowed); /* the freed reservation's token (else due at 4 s) */
  seawall_token_bucket_free(tb);

  seawall_sliding_window_config sc = seawall_sliding_window_config_default();
  sc.limit = 1;
  sc.window_ns = SEC;
  sc.buckets = 4;
  seawall_sliding_window *sw = NULL;
  CHECK_OK(seawall_sliding_window_new_with_clock(&sc, clock, &sw));
  CHECK_OK(seawall_sliding_window_reserve(sw, 1, 0, &d, &w));
  CHECK(d.allowed && w == NULL);
  CHECK_OK(seawall_sliding_window_reserve(sw, 1, 10 * SEC, &d, &w));
  CHECK(w != NULL);
  CHECK_EQ_U64(d.retry_after_ns, 1250 * MS);
  CHECK_STATUS(seawall_sliding_window_acquire_wait(sw, 1, SEC, &d), SEAWALL_RATE_LIMITED);
  CHECK_EQ_U64(d.retry_after_ns, 2500 * MS);
  CHECK_STATUS(seawall_sliding_window_reserve(sw, 2, SEC, &d, &w2), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  CHECK_OK(seawall_manual_clock_advance(clock, 1250 * MS));
  CHECK_OK(seawall_limiter_wait_try_claim(w, &d));
  CHECK(d.allowed);
  seawall_limiter_wait_free(w);
  seawall_sliding_window_metrics sm = {.struct_size = sizeof sm};
  CHECK_OK(seawall_sliding_window_get_metrics(sw, &sm));
  CHECK_EQ_U64(sm.allowed, 2);
  CHECK_EQ_U64(sm.denied, 1);
  CHECK_EQ_U64(sm.waiting, 0);
  seawall_sliding_window_free(sw);
  seawall_manual_clock_free(clock);
}

static void test_sliding_window_and_keyed(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_sliding_window_config c = seawall_sliding_window_config_default();
  CHECK_EQ_U64(c.limit, 100);
  c.limit = 2;
  c.window_ns = 1 * SEC;
  seawall_sliding_window *sw = NULL;
  CHECK_OK(seawall_sliding_window_new_with_clock(&c, clock, &sw));
  seawall_decision d;
  CHECK_OK(seawall_sliding_window_try_acquire(sw, 2, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_sliding_window_try_acquire(sw, 1, &d));
  CHECK(!d.allowed);
  CHECK_OK(seawall_manual_clock_advance(clock, 2 * SEC));
  CHECK_OK(seawall_sliding_window_peek(sw, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_sliding_window_refund(sw, 1));
  seawall_sliding_window_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_sliding_window_get_metrics(sw, &m));
  CHECK_EQ_U64(m.limit, 2);
  CHECK_EQ_U64(m.allowed, 1);
  CHECK_EQ_U64(m.denied, 1);
  seawall_sliding_window_free(sw);
  c.buckets = 0;
  CHECK_STATUS(seawall_sliding_window_new(&c, &sw), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "buckets");
  c = seawall_sliding_window_config_default();
  c.window_ns = 1;
  CHECK_STATUS(seawall_sliding_window_new(&c, &sw), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "window_ns");

  seawall_keyed_token_bucket_config kc = seawall_keyed_token_bucket_config_default();
  CHECK_EQ_U64(kc.max_keys, 10000);
  kc.burst = 1;
  kc.rate_per_sec = 1;
  kc.has_hash_seed = true;
  kc.hash_seed = 1;
  seawall_keyed_token_bucket *k = NULL;
  CHECK_OK(seawall_keyed_token_bucket_new_with_clock(&kc, clock, &k));
  const uint8_t *alice = (const uint8_t *)"alice", *bob = (const uint8_t *)"bob";
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, alice, 5, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, alice, 5, 1, &d));
  CHECK(!d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, bob, 3, 1, &d));
  CHECK(d.allowed); /* per key */
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, alice, 0, 1, &d)); /* empty key */
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_refund(k, alice, 5, 1));
  /* peek: alice's refunded token is there; carol is not inserted. */
  CHECK_OK(seawall_keyed_token_bucket_peek(k, alice, 5, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_peek(k, alice, 5, 1, &d));
  CHECK(d.allowed); /* nothing spent */
  CHECK_OK(seawall_keyed_token_bucket_peek(k, (const uint8_t *)"carol", 5, 1, &d));
  CHECK(d.allowed);
  CHECK_STATUS(seawall_keyed_token_bucket_peek(k, alice, 5, 2, &d), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "n");
  seawall_keyed_metrics km = {.struct_size = sizeof km};
  CHECK_OK(seawall_keyed_token_bucket_get_metrics(k, &km));
  CHECK_EQ_U64(km.keys_tracked, 3);
  CHECK_EQ_U64(km.capacity, 40000); /* 4 x max_keys slots */
  seawall_keyed_token_bucket_free(k);
  kc.on_full = 5;
  CHECK_STATUS(seawall_keyed_token_bucket_new(&kc, &k), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "on_full");
  kc = seawall_keyed_token_bucket_config_default();
  kc.max_keys = 0;
  CHECK_STATUS(seawall_keyed_token_bucket_new(&kc, &k), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_keys");

  seawall_keyed_sliding_window_config ks = seawall_keyed_sliding_window_config_default();
  ks.limit = 1;
  seawall_keyed_sliding_window *kw = NULL;
  CHECK_OK(seawall_keyed_sliding_window_new_with_clock(&ks, clock, &kw));
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(kw, bob, 3, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(kw, bob, 3, 1, &d));
  CHECK(!d.allowed);
  CHECK_OK(seawall_keyed_sliding_window_refund(kw, bob, 3, 1));
  CHECK_OK(seawall_keyed_sliding_window_get_metrics(kw, &km));
  CHECK_EQ_U64(km.keys_tracked, 1);
  seawall_keyed_sliding_window_free(kw);
  seawall_manual_clock_free(clock);
}

typedef struct {
  seawall_manual_clock *clock;
  atomic_int go;
} advancer_t;

/* Advances the manual clock in steps until told to stop: times out a
 * blocking bulkhead wait that runs on the main thread. */
static void *advance_clock(void *arg) {
  advancer_t *a = arg;
  while (atomic_load(&a->go)) {
    seawall_manual_clock_advance(a->clock, 10 * MS);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

static void test_bulkhead(void) {
  seawall_bulkhead_config c = seawall_bulkhead_config_default();
  CHECK_EQ_U64(c.max_concurrent, 25);
  CHECK_EQ_U64(c.max_queue, 0);
  c.max_concurrent = 2;
  c.max_queue = 1;
  c.max_wait_ns = 50 * MS;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_bulkhead *b = NULL;
  CHECK_OK(seawall_bulkhead_new_with_clock(&c, clock, &b));
  seawall_bulkhead_permit *p1 = NULL, *p2 = NULL, *p3 = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(b, &p1));
  CHECK_OK(seawall_bulkhead_try_acquire(b, &p2));
  p3 = (seawall_bulkhead_permit *)0x1;
  CHECK_STATUS(seawall_bulkhead_try_acquire(b, &p3), SEAWALL_BULKHEAD_FULL);
  CHECK(p3 == (seawall_bulkhead_permit *)0x1);
  CHECK_CONTAINS(seawall_last_error_message(), "bulkhead full");
  /* timeout 0 rejects at once */
  CHECK_STATUS(seawall_bulkhead_acquire(b, 0, &p3), SEAWALL_BULKHEAD_FULL);

  /* a blocking wait that runs out: another thread moves the manual clock */
  advancer_t adv = {clock, 1};
  pthread_t t;
  CHECK(pthread_create(&t, NULL, advance_clock, &adv) == 0);
  CHECK_STATUS(seawall_bulkhead_acquire_default(b, &p3), SEAWALL_BULKHEAD_FULL);
  atomic_store(&adv.go, 0);
  pthread_join(t, NULL);

  /* FIFO: enqueue, then a release hands the slot to the waiter */
  seawall_bulkhead_permit *ep = NULL;
  seawall_bulkhead_waiter *w = NULL;
  CHECK_OK(seawall_bulkhead_enqueue(b, &ep, &w));
  CHECK(ep == NULL && w != NULL);
  seawall_bulkhead_waiter *w2 = NULL;
  CHECK_STATUS(seawall_bulkhead_enqueue(b, &ep, &w2), SEAWALL_BULKHEAD_FULL); /* queue full */
  seawall_bulkhead_permit *claimed = (seawall_bulkhead_permit *)0x1;
  CHECK_OK(seawall_bulkhead_waiter_try_claim(w, &claimed));
  CHECK(claimed == NULL); /* not yet */
  seawall_bulkhead_release(&p1);
  CHECK_OK(seawall_bulkhead_waiter_try_claim(w, &claimed));
  CHECK(claimed != NULL);
  seawall_bulkhead_waiter_free(w);
  seawall_bulkhead_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_bulkhead_get_metrics(b, &m));
  CHECK_EQ_U64(m.active, 2);
  CHECK_EQ_U64(m.queued, 0);
  CHECK_EQ_U64(m.total, 3);
  CHECK_EQ_U64(m.rejected, 4); /* full, timeout 0, wait ran out, queue full */
  CHECK_EQ_U64(m.max_concurrent, 2);

  /* a deadline in the past rejects a full bulkhead at once */
  uint64_t now_ns = 0;
  CHECK_OK(seawall_manual_clock_now(clock, &now_ns));
  CHECK_STATUS(seawall_bulkhead_acquire_until(b, now_ns, &p3), SEAWALL_BULKHEAD_FULL);
  /* a blocking acquire that gets a slot at once */
  seawall_bulkhead_release(&p2);
  CHECK_OK(seawall_bulkhead_acquire_until(b, now_ns + SEC, &p3));
  seawall_bulkhead_release(&p3);
  CHECK_OK(seawall_bulkhead_acquire(b, SEC, &p3));
  /* a waiter that is freed while queued leaves the queue */
  CHECK_OK(seawall_bulkhead_enqueue(b, &ep, &w));
  CHECK(w != NULL);
  seawall_bulkhead_waiter_free(w);
  CHECK_OK(seawall_bulkhead_get_metrics(b, &m));
  CHECK_EQ_U64(m.queued, 0);
  /* permits outlive the bulkhead handle */
  seawall_bulkhead_free(b);
  CHECK_OK(seawall_bulkhead_release(&claimed));
  CHECK(claimed == NULL);
  CHECK_OK(seawall_bulkhead_release(&p3));
  CHECK_STATUS(seawall_bulkhead_release(&p3), SEAWALL_INVALID_ARGUMENT); /* a second release */
  CHECK_STR(seawall_last_error_field(), "permit");
  CHECK_STATUS(seawall_bulkhead_release(NULL), SEAWALL_NULL_ARGUMENT);

  c = seawall_bulkhead_config_default();
  c.max_concurrent = 0;
  CHECK_STATUS(seawall_bulkhead_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_concurrent");
  c = seawall_bulkhead_config_default();
  c.max_wait_ns = UINT64_MAX;
  CHECK_STATUS(seawall_bulkhead_new(&c, &b), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_wait_ns");
  seawall_manual_clock_free(clock);
}

static void test_adaptive_timeout(void) {
  seawall_adaptive_timeout_config c = seawall_adaptive_timeout_config_default();
  CHECK_EQ_U64(c.initial_timeout_ns, 5 * SEC);
  c.min_samples = 2;
  c.min_timeout_ns = 1 * MS;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_adaptive_timeout *at = NULL;
  CHECK_OK(seawall_adaptive_timeout_new_with_clock(&c, clock, &at));
  uint64_t t = 0;
  CHECK_OK(seawall_adaptive_timeout_get(at, &t));
  CHECK_EQ_U64(t, 5 * SEC);
  CHECK_OK(seawall_adaptive_timeout_record(at, 100 * MS));
  CHECK_OK(seawall_adaptive_timeout_record(at, 100 * MS));
  CHECK_OK(seawall_adaptive_timeout_get(at, &t));
  CHECK_EQ_U64(t, 150994942); /* p95 bucket bound 100663295 x 1.5 (core docs) */
  seawall_adaptive_timeout_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_adaptive_timeout_get_metrics(at, &m));
  CHECK_EQ_U64(m.samples, 2);
  CHECK_EQ_U64(m.total, 2);
  CHECK_EQ_U64(m.timeout_ns, t);
  CHECK_EQ_U64(m.p95_ns, 100663295);
  seawall_adaptive_timeout_free(at);
  c.percentile = 0;
  CHECK_STATUS(seawall_adaptive_timeout_new(&c, &at), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "percentile");
  c = seawall_adaptive_timeout_config_default();
  c.max_timeout_ns = 1;
  CHECK_STATUS(seawall_adaptive_timeout_new(&c, &at), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "max_timeout_ns");
  seawall_manual_clock_free(clock);
}

static void test_fault_injector(void) {
  seawall_fault_injector_config c = seawall_fault_injector_config_default();
  CHECK(c.enabled && c.error_rate == 0 && c.delay_rate == 0);
  seawall_fault_injector *fi = NULL;
  CHECK_OK(seawall_fault_injector_new(&c, &fi));
  seawall_fault f;
  CHECK_OK(seawall_fault_injector_decide(fi, &f));
  CHECK(f.kind == SEAWALL_FAULT_NONE && f.delay_ns == 0);
  seawall_fault_injector_free(fi);

  c.error_rate = 1.0;
  c.has_seed = true;
  c.seed = 42;
  CHECK_OK(seawall_fault_injector_new(&c, &fi));
  uint64_t delay = 99;
  CHECK_STATUS(seawall_fault_injector_check(fi, &delay), SEAWALL_INJECTED_FAULT);
  CHECK_EQ_U64(delay, 99);
  CHECK_OK(seawall_fault_injector_decide(fi, &f));
  CHECK(f.kind == SEAWALL_FAULT_ERROR);
  CHECK_STR(seawall_fault_kind_str(f.kind), "error");
  CHECK_OK(seawall_fault_injector_set_enabled(fi, false));
  CHECK_OK(seawall_fault_injector_check(fi, &delay));
  CHECK_EQ_U64(delay, 0);
  seawall_fault_injector_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_fault_injector_get_metrics(fi, &m));
  CHECK_EQ_U64(m.decisions, 3);
  CHECK_EQ_U64(m.errors, 2);
  CHECK(!m.enabled);
  seawall_fault_injector_free(fi);

  c = seawall_fault_injector_config_default();
  c.delay_rate = 1.0;
  c.delay_min_ns = 5 * MS;
  c.delay_max_ns = 5 * MS;
  CHECK_OK(seawall_fault_injector_new(&c, &fi));
  CHECK_OK(seawall_fault_injector_decide(fi, &f));
  CHECK(f.kind == SEAWALL_FAULT_DELAY);
  CHECK_EQ_U64(f.delay_ns, 5 * MS);
  seawall_fault_injector_free(fi);

  c = seawall_fault_injector_config_default();
  c.error_rate = 0.7;
  c.delay_rate = 0.7;
  CHECK_STATUS(seawall_fault_injector_new(&c, &fi), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "delay_rate");
  c = seawall_fault_injector_config_default();
  c.delay_min_ns = 2 * SEC;
  CHECK_STATUS(seawall_fault_injector_new(&c, &fi), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "delay_max_ns");
  c = seawall_fault_injector_config_default();
  c.error_rate = NAN;
  CHECK_STATUS(seawall_fault_injector_new(&c, &fi), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "error_rate");
}

static void test_policy(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 3;
  tc.rate_per_sec = 1;
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  cc.has_failure_rate_threshold = false;
  cc.has_slow_call_rate_threshold = false;
  cc.has_failure_count_threshold = true;
  cc.failure_count_threshold = 1;
  cc.open_duration_ns = 10 * SEC;
  cc.half_open_max_calls = 1;
  cc.success_threshold = 1;
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 1;
  seawall_token_bucket *tb = NULL;
  seawall_circuit_breaker *cb = NULL;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, clock, &tb));
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, clock, &cb));
  CHECK_OK(seawall_bulkhead_new_with_clock(&bc, clock, &bh));
  seawall_policy_config pc = seawall_policy_config_default();
  CHECK(pc.token_bucket == NULL && pc.circuit_breaker == NULL);
  pc.token_bucket = tb;
  pc.circuit_breaker = cb;
  pc.bulkhead = bh;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, clock, &p));

  /* the guard is caller-owned storage; try_acquire initialises it */
  seawall_policy_guard g1, g2;
  CHECK_OK(seawall_policy_try_acquire(p, &g1));
  bool probe = true;
  CHECK_OK(seawall_policy_guard_is_probe(&g1, &probe));
  CHECK(!probe);
  /* bulkhead full: the token goes back, and the guard is left empty */
  CHECK_STATUS(seawall_policy_try_acquire(p, &g2), SEAWALL_BULKHEAD_FULL);
  CHECK_STR(seawall_last_error_stage(), "bulkhead");
  seawall_token_bucket_metrics tm = {.struct_size = sizeof tm};
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &tm));
  CHECK_EQ_U64(tm.available, 2);
  seawall_policy_guard_release(&g2); /* an empty guard: a no-op */
  CHECK_STATUS(seawall_policy_guard_complete(&g2, SEAWALL_OUTCOME_SUCCESS),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "guard");
  CHECK_CONTAINS(seawall_last_error_message(), "not live");
  CHECK_STATUS(seawall_policy_guard_is_probe(&g2, &probe), SEAWALL_INVALID_ARGUMENT);
  seawall_bulkhead_metrics bm = {.struct_size = sizeof bm};
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 1); /* g1 still holds its slot */
  /* a live guard may be moved (copied, the old copy never used again) */
  seawall_policy_guard moved = g1;
  /* a failure opens the shared breaker; the next call is rejected by it */
  CHECK_OK(seawall_manual_clock_advance(clock, 5 * MS));
  CHECK_OK(seawall_policy_guard_complete(&moved, SEAWALL_OUTCOME_FAILURE));
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 0);
  seawall_circuit_state st;
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_OPEN);
  seawall_circuit_breaker_metrics cm = {.struct_size = sizeof cm};
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &cm));
  CHECK_EQ_U64(cm.failures, 1);
  /* finishing twice is a typed error (complete) or a no-op (release) */
  CHECK_STATUS(seawall_policy_guard_complete(&moved, SEAWALL_OUTCOME_FAILURE),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "guard");
  CHECK_STATUS(seawall_policy_guard_complete_with_duration(&moved, SEAWALL_OUTCOME_SUCCESS, MS),
               SEAWALL_INVALID_ARGUMENT);
  seawall_policy_guard_release(&moved);
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &cm));
  CHECK_EQ_U64(cm.failures, 1);
  CHECK_EQ_U64(cm.successes, 0);
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 0);
  CHECK_STATUS(seawall_policy_try_acquire(p, &g2), SEAWALL_CIRCUIT_OPEN);
  CHECK_STR(seawall_last_error_stage(), "circuit_breaker");
  CHECK_EQ_U64(seawall_last_error_retry_after_ns(), 10 * SEC);
  CHECK_OK(seawall_circuit_breaker_state(cb, &st)); /* a later call clears the stage */
  CHECK_STR(seawall_last_error_stage(), "");
  /* half-open probe through the policy, released: the slot returns */
  CHECK_OK(seawall_manual_clock_advance(clock, 10 * SEC));
  CHECK_OK(seawall_policy_try_acquire(p, &g2));
  CHECK_OK(seawall_policy_guard_is_probe(&g2, &probe));
  CHECK(probe);
  seawall_policy_guard_release(&g2);
  CHECK_OK(seawall_bulkhead_get_metrics(bh, &bm));
  CHECK_EQ_U64(bm.active, 0);
  seawall_policy_guard_release(&g2); /* released already: a no-op */
  CHECK_OK(seawall_policy_try_acquire(p, &g2));
  /* an unknown outcome does not consume the guard */
  CHECK_STATUS(seawall_policy_guard_complete_with_duration(&g2, 7, 0), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "outcome");
  CHECK_STATUS(seawall_policy_guard_complete(&g2, 7), SEAWALL_INVALID_ARGUMENT);
  CHECK_OK(seawall_policy_guard_complete_with_duration(&g2, SEAWALL_OUTCOME_SUCCESS, MS));
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_CLOSED);
  /* the rate limiter rejects first */
  for (int i = 0; i < 3; i++) {
    if (seawall_policy_try_acquire(p, &g2) == SEAWALL_OK) seawall_policy_guard_release(&g2);
  }
  CHECK_STATUS(seawall_policy_try_acquire(p, &g2), SEAWALL_RATE_LIMITED);
  CHECK_STR(seawall_last_error_stage(), "rate_limiter");
  CHECK(seawall_last_error_retry_after_ns() > 0);
  seawall_policy_guard_release(NULL);
  /* a zeroed guard is empty */
  seawall_policy_guard zero = {0};
  seawall_policy_guard_release(&zero);
  CHECK_STATUS(seawall_policy_guard_complete(&zero, SEAWALL_OUTCOME_SUCCESS),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STATUS(seawall_policy_try_acquire(p, NULL), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "guard");
  CHECK_STATUS(seawall_policy_try_acquire(NULL, &zero), SEAWALL_NULL_ARGUMENT);
  seawall_policy_guard_release(&zero);

  /* the handles may be freed before the policy, and a guard may outlive
   * the policy (it keeps its own references) */
  seawall_token_bucket_free(tb);
  seawall_circuit_breaker_free(cb);
  seawall_bulkhead_free(bh);
  CHECK_STATUS(seawall_policy_try_acquire(p, &g2), SEAWALL_RATE_LIMITED);
  CHECK_OK(seawall_manual_clock_advance(clock, 10 * SEC));
  CHECK_OK(seawall_policy_try_acquire(p, &g2));
  seawall_policy_free(p);
  CHECK_OK(seawall_policy_guard_complete(&g2, SEAWALL_OUTCOME_SUCCESS));

  /* an empty policy admits everything; two limiters are a config error */
  pc = seawall_policy_config_default();
  CHECK_OK(seawall_policy_new(&pc, &p));
  CHECK_OK(seawall_policy_try_acquire(p, &g1));
  CHECK_OK(seawall_policy_guard_is_probe(&g1, &probe));
  CHECK(!probe); /* no breaker stage */
  CHECK_OK(seawall_policy_guard_complete(&g1, SEAWALL_OUTCOME_SUCCESS));
  seawall_policy_free(p);
  seawall_sliding_window_config swc = seawall_sliding_window_config_default();
  seawall_sliding_window *sw = NULL;
  CHECK_OK(seawall_sliding_window_new(&swc, &sw));
  CHECK_OK(seawall_token_bucket_new(&tc, &tb));
  pc.token_bucket = tb;
  pc.sliding_window = sw;
  p = NULL;
  CHECK_STATUS(seawall_policy_new(&pc, &p), SEAWALL_INVALID_CONFIG);
  CHECK(p == NULL);
  CHECK_STR(seawall_last_error_field(), "rate_limiter");
  seawall_sliding_window_free(sw);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(clock);
}

/* Every duration field of every config is named in C spelling (_ns). */
static void test_duration_field_names(void) {
  const uint64_t too_long = UINT64_MAX; /* above 100 years */
  {
    seawall_backoff *b = NULL;
    seawall_backoff_config c = seawall_backoff_config_default();
    c.base_ns = too_long;
    c.max_delay_ns = too_long;
    CHECK_STATUS(seawall_backoff_new(&c, &b), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "base_ns");
  }
  {
    seawall_circuit_breaker *cb = NULL;
    seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
    c.has_max_open_duration = true;
    c.max_open_duration_ns = 1;
    CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "max_open_duration_ns");
    c = seawall_circuit_breaker_config_default();
    c.slow_call_duration_threshold_ns = 0;
    CHECK_STATUS(seawall_circuit_breaker_new(&c, &cb), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "slow_call_duration_threshold_ns");
    CHECK_CONTAINS(seawall_last_error_message(), "slow_call_duration_threshold_ns");
  }
  {
    seawall_adaptive_timeout *at = NULL;
    seawall_adaptive_timeout_config c = seawall_adaptive_timeout_config_default();
    c.min_timeout_ns = 0;
    CHECK_STATUS(seawall_adaptive_timeout_new(&c, &at), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "min_timeout_ns");
    c = seawall_adaptive_timeout_config_default();
    c.initial_timeout_ns = too_long;
    CHECK_STATUS(seawall_adaptive_timeout_new(&c, &at), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "initial_timeout_ns");
    c = seawall_adaptive_timeout_config_default();
    c.window_ns = 1;
    CHECK_STATUS(seawall_adaptive_timeout_new(&c, &at), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "window_ns");
  }
  {
    seawall_fault_injector *fi = NULL;
    seawall_fault_injector_config c = seawall_fault_injector_config_default();
    c.delay_min_ns = too_long;
    c.delay_max_ns = too_long;
    CHECK_STATUS(seawall_fault_injector_new(&c, &fi), SEAWALL_INVALID_CONFIG);
    CHECK_STR(seawall_last_error_field(), "delay_min_ns");
  }
}

int main(void) {
  test_version_and_status();
  test_panic_boundary();
  test_manual_clock();
  test_backoff();
  test_backoff_bad_config();
  test_classify();
  test_retry_budget();
  test_circuit_breaker();
  test_circuit_breaker_bad_config();
  test_token_bucket();
  test_limiter_waits();
  test_sliding_window_and_keyed();
  test_bulkhead();
  test_adaptive_timeout();
  test_fault_injector();
  test_policy();
  test_duration_field_names();
  return h_done("test_api");
}
