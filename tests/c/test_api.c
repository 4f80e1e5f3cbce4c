/* Behaviour of the C API: conventions (status, last error, outputs only on
 * OK, NULL-safe free, panic boundary) and each primitive through C. */
#include <math.h>
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

  seawall_backoff_schedule *s = NULL;
  CHECK_OK(seawall_backoff_schedule_new(b, &s));
  uint64_t want[] = {100 * MS, 200 * MS, 400 * MS};
  for (int i = 0; i < 3; i++) {
    seawall_backoff_delay nd;
    CHECK_OK(seawall_backoff_schedule_next_delay(s, false, 0, &nd));
    CHECK(!nd.give_up);
    CHECK_EQ_U64(nd.delay_ns, want[i]);
    CHECK_EQ_U64(nd.retries, (uint64_t)i + 1);
  }
  seawall_backoff_delay nd;
  CHECK_OK(seawall_backoff_schedule_next_delay(s, false, 0, &nd));
  CHECK(nd.give_up);
  uint32_t retries = 0;
  CHECK_OK(seawall_backoff_schedule_retries(s, &retries));
  CHECK_EQ_U64(retries, 3);
  seawall_backoff_schedule_free(s);

  /* Retry-After hint replaces the delay; max_elapsed on the clock */
  seawall_backoff_free(b);
  cfg.has_max_elapsed = true;
  cfg.max_elapsed_ns = 1 * SEC;
  cfg.kind = SEAWALL_BACKOFF_CONSTANT;
  CHECK_OK(seawall_backoff_new_with_clock(&cfg, clock, &b));
  CHECK_OK(seawall_backoff_schedule_new(b, &s));
  CHECK_OK(seawall_backoff_schedule_next_delay(s, true, 700 * MS, &nd));
  CHECK(!nd.give_up);
  CHECK_EQ_U64(nd.delay_ns, 700 * MS);
  CHECK_OK(seawall_manual_clock_advance(clock, 950 * MS));
  CHECK_OK(seawall_backoff_schedule_next_delay(s, false, 0, &nd));
  CHECK(nd.give_up);
  seawall_backoff_metrics m;
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.schedules, 1);
  CHECK_EQ_U64(m.retries, 1);
  CHECK_EQ_U64(m.exhausted_elapsed, 1);
  seawall_backoff_schedule_free(s);
  seawall_backoff_free(b);

  /* seeded jitter is deterministic */
  cfg = seawall_backoff_config_default();
  cfg.has_seed = true;
  cfg.seed = 42;
  cfg.max_attempts = 10;
  seawall_backoff *b1 = NULL, *b2 = NULL;
  CHECK_OK(seawall_backoff_new(&cfg, &b1));
  CHECK_OK(seawall_backoff_new(&cfg, &b2));
  seawall_backoff_schedule *s1 = NULL, *s2 = NULL;
  CHECK_OK(seawall_backoff_schedule_new(b1, &s1));
  CHECK_OK(seawall_backoff_schedule_new(b2, &s2));
  for (int i = 0; i < 9; i++) {
    seawall_backoff_delay x, y;
    CHECK_OK(seawall_backoff_schedule_next_delay_elapsed(s1, 0, false, 0, &x));
    CHECK_OK(seawall_backoff_schedule_next_delay_elapsed(s2, 0, false, 0, &y));
    CHECK_EQ_U64(x.delay_ns, y.delay_ns);
  }
  seawall_backoff_schedule_free(s1);
  seawall_backoff_schedule_free(s2);
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
  CHECK(seawall_retryable_kind_str(0) == NULL);
  CHECK(seawall_retryable_kind_str(6) == NULL);
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
  seawall_retry_budget_metrics m;
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

int main(void) {
  test_version_and_status();
  test_panic_boundary();
  test_manual_clock();
  test_backoff();
  test_backoff_bad_config();
  test_classify();
  test_retry_budget();
  return h_done("test_api");
}
