/* The ABI a long-lived program relies on (issue 13, items 6 and 7):
 * versioned config structs read and written only up to struct_size,
 * version macros, bool inputs read as "nonzero = true", and the small
 * contract fixes. Buffers are heap blocks of exactly the caller's size, so
 * under ASan any byte the library reads or writes past them is reported. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"

#define SEC 1000000000ULL

/* The token bucket config as a program built against an older seawall.h
 * would have it: the same fields, minus the last two (has_initial_tokens
 * and initial_tokens, as if they had been added later). */
typedef struct {
  uint32_t struct_size;
  uint64_t burst;
  double rate_per_sec;
} old_token_bucket_config;

/* ...and as a program built against a newer header: one more field. */
typedef struct {
  seawall_token_bucket_config now;
  uint64_t added_later;
} new_token_bucket_config;

static void test_older_caller(void) {
  old_token_bucket_config *c = malloc(sizeof *c);
  CHECK_OK(seawall_token_bucket_config_init((seawall_token_bucket_config *)c, sizeof *c));
  CHECK_EQ_U64(c->struct_size, sizeof *c);
  CHECK_EQ_U64(c->burst, 10); /* the defaults, in the caller's fields */
  c->burst = 4;
  c->rate_per_sec = 1.0;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock((seawall_token_bucket_config *)c, clock, &tb));
  free(c);
  /* The field the old caller does not have keeps its default: start full. */
  seawall_token_bucket_metrics m;
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &m));
  CHECK_EQ_U64(m.burst, 4);
  CHECK_EQ_U64(m.available, 4);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(clock);
}

static void test_newer_caller(void) {
  new_token_bucket_config *c = malloc(sizeof *c);
  c->added_later = 0xDEAD; /* init zeroes what this library does not know */
  CHECK_OK(seawall_token_bucket_config_init(&c->now, sizeof *c));
  CHECK_EQ_U64(c->now.struct_size, sizeof *c);
  CHECK_EQ_U64(c->added_later, 0);
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new(&c->now, &tb));
  seawall_token_bucket_free(tb);
  /* A field this library does not know, set: refused, not ignored. */
  c->added_later = 5;
  CHECK_STATUS(seawall_token_bucket_new(&c->now, &tb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "struct_size");
  CHECK_CONTAINS(seawall_last_error_message(), "newer seawall.h");
  free(c);
}

static void test_config_not_made_by_init(void) {
  seawall_fault_injector_config z;
  memset(&z, 0, sizeof z);
  seawall_fault_injector *fi = NULL;
  /* Before: a zeroed config was valid and silently disabled. */
  CHECK_STATUS(seawall_fault_injector_new(&z, &fi), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "struct_size");
  CHECK_CONTAINS(seawall_last_error_message(), "seawall_fault_injector_config_init");
  seawall_bulkhead_config b;
  seawall_bulkhead *bh_unused = NULL;
  CHECK_STATUS(seawall_bulkhead_config_init(&b, 4), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "size");
  CHECK_STATUS(seawall_bulkhead_config_init(NULL, sizeof b), SEAWALL_NULL_ARGUMENT);
  /* a size that ends inside a field is no layout of the struct */
  CHECK_STATUS(seawall_bulkhead_config_init(&b, 12), SEAWALL_INVALID_ARGUMENT);
  CHECK_OK(seawall_bulkhead_config_init(&b, sizeof b));
  b.struct_size = 12;
  CHECK_STATUS(seawall_bulkhead_new(&b, &bh_unused), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "struct_size");
  /* The static inline default is the library's, with this sizeof. */
  seawall_bulkhead_config d = seawall_bulkhead_config_default();
  CHECK_EQ_U64(d.struct_size, sizeof d);
  CHECK_EQ_U64(d.max_concurrent, 25);
}

static void test_versions(void) {
  CHECK_EQ_U64(seawall_version_number(), SEAWALL_VERSION_NUMBER);
  CHECK_EQ_U64(SEAWALL_VERSION_NUMBER, SEAWALL_VERSION_MAJOR * 10000 +
                                           SEAWALL_VERSION_MINOR * 100 + SEAWALL_VERSION_PATCH);
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", SEAWALL_VERSION_MAJOR, SEAWALL_VERSION_MINOR,
           SEAWALL_VERSION_PATCH);
  CHECK_STR(seawall_version(), want);
  CHECK(SEAWALL_CONFIG_MIN_SIZE == 8);
}

/* A bool written as the byte 2 (memset, JNA) is true. */
static void test_bool_bytes(void) {
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  memset(&c.has_failure_rate_threshold, 0, 1);
  memset(&c.has_slow_call_rate_threshold, 0, 1);
  memset(&c.has_failure_count_threshold, 2, 1);
  c.failure_count_threshold = 1;
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new(&c, &cb));
  uint64_t p = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &p));
  CHECK_OK(seawall_circuit_breaker_record(cb, &p, SEAWALL_OUTCOME_FAILURE, 0));
  seawall_circuit_state st;
  CHECK_OK(seawall_circuit_breaker_state(cb, &st));
  CHECK(st == SEAWALL_STATE_OPEN); /* the rule was on */
  seawall_circuit_breaker_free(cb);

  seawall_backoff_config k = seawall_backoff_config_default();
  seawall_backoff *bo = NULL;
  CHECK_OK(seawall_backoff_new(&k, &bo));
  seawall_backoff_schedule_state s;
  CHECK_OK(seawall_backoff_start(bo, &s));
  seawall_backoff_delay d;
  CHECK_OK(seawall_backoff_next_delay_elapsed(bo, &s, 0, 2, 12345, &d));
  CHECK_EQ_U64(d.delay_ns, 12345); /* has_retry_after = 2 is true */
  seawall_backoff_free(bo);
}

static void test_small_contracts(void) {
  /* Every *_str returns "unknown" for values it does not know. */
  CHECK_STR(seawall_retryable_kind_str(0), "unknown");
  CHECK_STR(seawall_retryable_kind_str(99), "unknown");
  CHECK_STR(seawall_status_str(99), "unknown");
  /* _new_with_clock needs a clock; _new is the monotonic one. */
  seawall_bulkhead_config b = seawall_bulkhead_config_default();
  seawall_bulkhead *bh = NULL;
  CHECK_STATUS(seawall_bulkhead_new_with_clock(&b, NULL, &bh), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "clock");
  /* Token bucket limits the header lists. */
  seawall_token_bucket_config t = seawall_token_bucket_config_default();
  t.rate_per_sec = 2.1e9;
  seawall_token_bucket *tb = NULL;
  CHECK_STATUS(seawall_token_bucket_new(&t, &tb), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "rate_per_sec");
  t = seawall_token_bucket_config_default();
  t.rate_per_sec = 1e-9;
  t.burst = 1000;
  CHECK_STATUS(seawall_token_bucket_new(&t, &tb), SEAWALL_INVALID_CONFIG);
}

/* The error with the call: one value, copied out, then cleared. */
static void test_last_error_take(void) {
  seawall_bulkhead_config b = seawall_bulkhead_config_default();
  b.max_concurrent = 0;
  seawall_bulkhead *bh = NULL;
  CHECK_STATUS(seawall_bulkhead_new(&b, &bh), SEAWALL_INVALID_CONFIG);
  seawall_error e;
  memset(&e, 0xAB, sizeof e);
  e.struct_size = sizeof e;
  CHECK_OK(seawall_last_error_take(&e));
  CHECK(e.status == SEAWALL_INVALID_CONFIG);
  CHECK_STR(e.kind, "invalid_config");
  CHECK_STR(e.field, "max_concurrent");
  CHECK_STR(e.stage, "");
  CHECK_CONTAINS(e.message, "max_concurrent");
  CHECK_EQ_U64(e.struct_size, sizeof e);
  /* taken: the thread's last error is clear now */
  CHECK_STR(seawall_last_error_message(), "");
  CHECK_OK(seawall_last_error_take(&e));
  CHECK(e.status == SEAWALL_OK);
  CHECK_STR(e.field, "");
  CHECK_STR(e.message, "");
  /* an older, shorter struct: nothing written past it (exact heap block) */
  size_t old = offsetof(seawall_error, message) + 16;
  seawall_error *small = malloc(old);
  small->struct_size = (uint32_t)old;
  CHECK_STATUS(seawall_circuit_breaker_new(NULL, NULL), SEAWALL_NULL_ARGUMENT);
  CHECK_OK(seawall_last_error_take(small));
  CHECK(small->status == SEAWALL_NULL_ARGUMENT);
  CHECK_STR(small->field, "config");
  CHECK_EQ_U64(small->struct_size, old);
  free(small);
  e.struct_size = 0;
  CHECK_STATUS(seawall_last_error_take(&e), SEAWALL_INVALID_ARGUMENT);
  CHECK_STATUS(seawall_last_error_take(NULL), SEAWALL_NULL_ARGUMENT);
}

int main(void) {
  test_older_caller();
  test_newer_caller();
  test_config_not_made_by_init();
  test_versions();
  test_bool_bytes();
  test_small_contracts();
  test_last_error_take();
  printf("test_abi: %lu passed, %lu failed\n", h_passed, h_failed);
  return h_failed ? 1 : 0;
}
