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
  seawall_token_bucket_metrics m = {.struct_size = sizeof m};
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

/* The keyed configs are versioned like every config (they were nested,
 * unversioned structs): a caller built against a header whose keyed token
 * bucket config ended before the hash seed fields. */
typedef struct {
  uint32_t struct_size;
  uint64_t burst;
  double rate_per_sec;
  uint8_t has_initial_tokens;
  uint64_t initial_tokens;
  uint64_t max_keys;
  uint32_t max_probe;
  uint32_t on_full;
} old_keyed_token_bucket_config;

typedef struct {
  old_keyed_token_bucket_config c;
  uint64_t canary;
} old_keyed_with_canary;

/* A metrics struct as an older program has it: the keyed metrics before
 * allowed / denied / waiting were added, followed by a canary. */
typedef struct {
  uint32_t struct_size;
  uint64_t keys_tracked, capacity, evictions, table_full;
} old_keyed_metrics;

typedef struct {
  old_keyed_metrics m;
  uint64_t canary;
} old_metrics_with_canary;

#define CANARY 0x5EA5A11CA11AB1EULL

static void test_keyed_config_and_metrics_old_layouts(void) {
  old_keyed_with_canary *o = malloc(sizeof *o);
  o->canary = CANARY;
  CHECK_OK(seawall_keyed_token_bucket_config_init((seawall_keyed_token_bucket_config *)&o->c,
                                                   sizeof o->c));
  CHECK_EQ_U64(o->canary, CANARY); /* init wrote only the old struct */
  CHECK_EQ_U64(o->c.struct_size, sizeof o->c);
  CHECK_EQ_U64(o->c.max_keys, 10000);
  CHECK_EQ_U64(o->c.max_probe, 64);
  o->c.burst = 2;
  o->c.rate_per_sec = 1.0;
  o->c.max_keys = 4;
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_keyed_token_bucket *k = NULL;
  CHECK_OK(seawall_keyed_token_bucket_new_with_clock((seawall_keyed_token_bucket_config *)&o->c,
                                                     clock, &k));
  seawall_decision d;
  const uint8_t *key = (const uint8_t *)"k";
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, key, 1, 2, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(k, key, 1, 1, &d));
  CHECK(!d.allowed);

  /* Metrics into the old, shorter struct: its fields, nothing past it. */
  old_metrics_with_canary *om = malloc(sizeof *om);
  memset(om, 0xAB, sizeof *om);
  om->canary = CANARY;
  om->m.struct_size = sizeof om->m;
  CHECK_OK(seawall_keyed_token_bucket_get_metrics(k, (seawall_keyed_metrics *)&om->m));
  CHECK_EQ_U64(om->canary, CANARY);
  CHECK_EQ_U64(om->m.struct_size, sizeof om->m);
  CHECK_EQ_U64(om->m.keys_tracked, 1);
  CHECK_EQ_U64(om->m.capacity, 16);
  CHECK_EQ_U64(om->m.table_full, 0);
  /* The whole current struct, in an exact heap block. */
  seawall_keyed_metrics *m = malloc(sizeof *m);
  m->struct_size = sizeof *m;
  CHECK_OK(seawall_keyed_token_bucket_get_metrics(k, m));
  CHECK_EQ_U64(m->allowed, 1);
  CHECK_EQ_U64(m->denied, 1);
  CHECK_EQ_U64(m->waiting, 0);
  /* Not set (0) or cutting a field: refused, nothing written. */
  memset(m, 0xCD, sizeof *m);
  m->struct_size = 0;
  CHECK_STATUS(seawall_keyed_token_bucket_get_metrics(k, m), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "struct_size");
  CHECK_EQ_U64(m->keys_tracked, 0xCDCDCDCDCDCDCDCDULL);
  m->struct_size = offsetof(seawall_keyed_metrics, capacity) + 4;
  CHECK_STATUS(seawall_keyed_token_bucket_get_metrics(k, m), SEAWALL_INVALID_ARGUMENT);
  free(m);
  /* A newer, larger struct: the fields this library does not know are 0. */
  struct {
    seawall_keyed_metrics now;
    uint64_t added_later;
  } *n = malloc(sizeof *n);
  n->added_later = CANARY;
  n->now.struct_size = sizeof *n;
  CHECK_OK(seawall_keyed_token_bucket_get_metrics(k, &n->now));
  CHECK_EQ_U64(n->now.keys_tracked, 1);
  CHECK_EQ_U64(n->added_later, 0);
  free(n);
  free(om);
  free(o);
  seawall_keyed_token_bucket_free(k);

  /* Every other metrics struct honours struct_size the same way (a
   * breaker's, cut after its first field). */
  seawall_circuit_breaker_config bc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&bc, clock, &cb));
  seawall_circuit_breaker_metrics *cm = malloc(sizeof *cm);
  cm->struct_size = 4;
  CHECK_STATUS(seawall_circuit_breaker_get_metrics(cb, cm), SEAWALL_INVALID_ARGUMENT);
  cm->struct_size = sizeof *cm;
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, cm));
  free(cm);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(clock);
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
  test_keyed_config_and_metrics_old_layouts();
  test_config_not_made_by_init();
  test_versions();
  test_bool_bytes();
  test_small_contracts();
  test_last_error_take();
  printf("test_abi: %lu passed, %lu failed\n", h_passed, h_failed);
  return h_failed ? 1 : 0;
}
