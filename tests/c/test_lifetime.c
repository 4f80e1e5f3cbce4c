/* What a careful user and a fuzzer hit (issue 13): listener lifetime
 * (item 1), breaker permits checked (item 5), bulkhead permits released
 * once (item 7). Each block fails on the code before the fix; under ASan
 * the old listener code also reports a heap-use-after-free. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

/* ---- item 1: a listener ends with its handle, destroy runs once ---- */

typedef struct {
  seawall_circuit_breaker *cb; /* read from inside the listener */
  int calls;
} listener_state;

static atomic_int calls_total;   /* listener calls, kept outside user_data */
static atomic_int destroy_calls; /* destroy callbacks */

static void count_and_read(void *ud, seawall_circuit_state from, seawall_circuit_state to,
                           uint64_t at_ns) {
  (void)from, (void)to, (void)at_ns;
  listener_state *s = ud;
  atomic_fetch_add(&calls_total, 1);
  s->calls++; /* a use-after-free if user_data was freed */
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  (void)seawall_circuit_breaker_get_metrics(s->cb, &m); /* the handle too */
}

static void destroy_state(void *ud) {
  atomic_fetch_add(&destroy_calls, 1);
  free(ud);
}

static seawall_circuit_breaker *one_failure_trips(seawall_manual_clock *clock) {
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  c.has_failure_rate_threshold = false;
  c.has_slow_call_rate_threshold = false;
  c.has_failure_count_threshold = true;
  c.failure_count_threshold = 1;
  c.open_duration_ns = 1 * SEC;
  c.half_open_max_calls = 1;
  c.success_threshold = 1;
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&c, clock, &cb));
  return cb;
}

static void test_listener_ends_with_its_handle(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_circuit_breaker *cb = one_failure_trips(clock);
  listener_state *s = calloc(1, sizeof *s);
  s->cb = cb;
  uint64_t id = 0;
  atomic_store(&calls_total, 0);
  atomic_store(&destroy_calls, 0);
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, count_and_read, s, destroy_state, &id));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  seawall_policy *pol = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, clock, &pol));

  /* While the handle lives, the policy's transitions reach the listener. */
  seawall_policy_guard g = {{0}};
  CHECK_OK(seawall_policy_try_acquire(pol, &g));
  CHECK_OK(seawall_policy_guard_complete(&g, SEAWALL_OUTCOME_FAILURE));
  CHECK_EQ_U64(atomic_load(&calls_total), 1); /* closed -> open */
  CHECK_EQ_U64(atomic_load(&destroy_calls), 0);

  /* The user frees the handle: the listener is removed and destroy runs
   * now, even though the policy keeps the breaker alive. */
  seawall_circuit_breaker_free(cb);
  CHECK_EQ_U64(atomic_load(&destroy_calls), 1);

  /* The policy keeps making transitions: nobody is called any more. */
  CHECK_OK(seawall_manual_clock_advance(clock, 2 * SEC));
  CHECK_OK(seawall_policy_try_acquire(pol, &g)); /* open -> half_open */
  CHECK_OK(seawall_policy_guard_complete(&g, SEAWALL_OUTCOME_FAILURE)); /* -> open */
  CHECK_EQ_U64(atomic_load(&calls_total), 1);
  seawall_policy_free(pol);
  CHECK_EQ_U64(atomic_load(&destroy_calls), 1); /* exactly once */
  seawall_manual_clock_free(clock);
}

static void test_destroy_runs_once_on_remove(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_circuit_breaker *cb = one_failure_trips(clock);
  atomic_store(&destroy_calls, 0);
  listener_state *s = calloc(1, sizeof *s);
  s->cb = cb;
  uint64_t id = 0;
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, count_and_read, s, destroy_state, &id));
  bool removed = false;
  CHECK_OK(seawall_circuit_breaker_remove_listener(cb, id, &removed));
  CHECK(removed);
  CHECK_EQ_U64(atomic_load(&destroy_calls), 1);
  CHECK_OK(seawall_circuit_breaker_remove_listener(cb, id, &removed));
  CHECK(!removed);
  /* A listener still registered when the handle is freed: destroyed then. */
  s = calloc(1, sizeof *s);
  s->cb = cb;
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, count_and_read, s, destroy_state, &id));
  /* An id another handle issued is not this handle's to remove. */
  seawall_circuit_breaker *other = one_failure_trips(clock);
  CHECK_OK(seawall_circuit_breaker_remove_listener(other, id, &removed));
  CHECK(!removed);
  seawall_circuit_breaker_free(other);
  seawall_circuit_breaker_free(cb);
  CHECK_EQ_U64(atomic_load(&destroy_calls), 2);
  seawall_manual_clock_free(clock);
}

/* remove_listener waits for a call running on another thread. */
static atomic_int slow_entered, slow_go, slow_done;

static void slow_listener(void *ud, seawall_circuit_state from, seawall_circuit_state to,
                          uint64_t at_ns) {
  (void)ud, (void)from, (void)to, (void)at_ns;
  atomic_store(&slow_entered, 1);
  while (!atomic_load(&slow_go)) {
    sched_yield(); /* under valgrind one thread runs at a time: let the other run */
  }
  /* Still busy for a while after the remover started. */
  struct timespec t = {0, 20 * 1000000};
  nanosleep(&t, NULL);
  atomic_store(&slow_done, 1);
}

static void *trip(void *arg) {
  (void)seawall_circuit_breaker_force_open(arg);
  return NULL;
}

static void test_remove_waits_for_running_calls(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_circuit_breaker *cb = one_failure_trips(clock);
  uint64_t id = 0;
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, slow_listener, NULL, NULL, &id));
  pthread_t t;
  CHECK(pthread_create(&t, NULL, trip, cb) == 0);
  while (!atomic_load(&slow_entered)) {
    sched_yield();
  }
  atomic_store(&slow_go, 1);
  bool removed = false;
  CHECK_OK(seawall_circuit_breaker_remove_listener(cb, id, &removed));
  CHECK(removed);
  CHECK_EQ_U64(atomic_load(&slow_done), 1); /* it waited for the call */
  pthread_join(t, NULL);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(clock);
}

/* A listener that removes itself (no wait, no deadlock); destroy after. */
typedef struct {
  seawall_circuit_breaker *cb;
  uint64_t id;
} self_removing;

static void remove_self(void *ud, seawall_circuit_state from, seawall_circuit_state to,
                        uint64_t at_ns) {
  (void)from, (void)to, (void)at_ns;
  self_removing *s = ud;
  bool removed = false;
  (void)seawall_circuit_breaker_remove_listener(s->cb, s->id, &removed);
  atomic_fetch_add(&calls_total, 1);
}

static void test_listener_removing_itself(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_circuit_breaker *cb = one_failure_trips(clock);
  atomic_store(&calls_total, 0);
  atomic_store(&destroy_calls, 0);
  self_removing *s = calloc(1, sizeof *s);
  s->cb = cb;
  CHECK_OK(seawall_circuit_breaker_on_transition(cb, remove_self, s, destroy_state, &s->id));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_EQ_U64(atomic_load(&destroy_calls), 1); /* after the call returned */
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_EQ_U64(atomic_load(&calls_total), 1);
  seawall_circuit_breaker_free(cb);
  CHECK_EQ_U64(atomic_load(&destroy_calls), 1);
  seawall_manual_clock_free(clock);
}

/* ---- item 5: a permit is finished once, on its own breaker ---- */

static void test_breaker_permit_checked(void) {
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  c.has_failure_rate_threshold = false;
  c.has_slow_call_rate_threshold = false;
  c.has_failure_count_threshold = true;
  c.failure_count_threshold = 3;
  seawall_circuit_breaker *a = NULL, *b = NULL;
  CHECK_OK(seawall_circuit_breaker_new(&c, &a));
  CHECK_OK(seawall_circuit_breaker_new(&c, &b));

  /* One permit recorded three times counts once. */
  uint64_t p = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(a, &p));
  CHECK(p != 0);
  CHECK_OK(seawall_circuit_breaker_record(a, &p, SEAWALL_OUTCOME_FAILURE, 0));
  CHECK_EQ_U64(p, 0); /* finished */
  CHECK_STATUS(seawall_circuit_breaker_record(a, &p, SEAWALL_OUTCOME_FAILURE, 0),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "permit");
  CHECK_CONTAINS(seawall_last_error_message(), "already finished");
  CHECK_STATUS(seawall_circuit_breaker_record(a, &p, SEAWALL_OUTCOME_FAILURE, 0),
               SEAWALL_INVALID_ARGUMENT);
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_circuit_breaker_get_metrics(a, &m));
  CHECK_EQ_U64(m.failures, 1);
  CHECK(m.state == SEAWALL_STATE_CLOSED);
  /* Releasing a finished (or zeroed) permit does nothing, successfully. */
  CHECK_OK(seawall_circuit_breaker_release(a, &p));

  /* A permit from b recorded on a: refused, and counted by nobody. */
  uint64_t q = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(b, &q));
  uint64_t q_copy = q;
  CHECK_STATUS(seawall_circuit_breaker_record(a, &q, SEAWALL_OUTCOME_FAILURE, 0),
               SEAWALL_INVALID_ARGUMENT);
  CHECK_CONTAINS(seawall_last_error_message(), "another circuit breaker");
  CHECK_EQ_U64(q, q_copy); /* still live for its own breaker */
  CHECK_STATUS(seawall_circuit_breaker_release(a, &q), SEAWALL_INVALID_ARGUMENT);
  CHECK_OK(seawall_circuit_breaker_get_metrics(a, &m));
  CHECK_EQ_U64(m.failures, 1);
  CHECK_OK(seawall_circuit_breaker_record(b, &q, SEAWALL_OUTCOME_SUCCESS, 0));
  CHECK_OK(seawall_circuit_breaker_get_metrics(b, &m));
  CHECK_EQ_U64(m.successes, 1);

  /* A bad outcome leaves the permit live. */
  CHECK_OK(seawall_circuit_breaker_try_acquire(a, &p));
  CHECK_STATUS(seawall_circuit_breaker_record(a, &p, 7, 0), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "outcome");
  CHECK(p != 0);
  CHECK_OK(seawall_circuit_breaker_release(a, &p));
  CHECK_EQ_U64(p, 0);
  CHECK(!seawall_permit_is_probe(0));
  seawall_circuit_breaker_free(a);
  seawall_circuit_breaker_free(b);
}

/* ---- item 7: a bulkhead permit is released once ---- */

static void test_bulkhead_double_release(void) {
  seawall_bulkhead_config c = seawall_bulkhead_config_default();
  c.max_concurrent = 1;
  seawall_bulkhead *b = NULL;
  CHECK_OK(seawall_bulkhead_new(&c, &b));
  seawall_bulkhead_permit *p = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(b, &p));
  seawall_bulkhead_free(b); /* the permit keeps the bulkhead alive */
  CHECK_OK(seawall_bulkhead_release(&p));
  CHECK(p == NULL);
  /* Before: the second release dropped the bulkhead's last reference
   * again (a read of freed memory). Now it is refused. */
  CHECK_STATUS(seawall_bulkhead_release(&p), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "permit");
}

int main(void) {
  test_listener_ends_with_its_handle();
  test_destroy_runs_once_on_remove();
  test_remove_waits_for_running_calls();
  test_listener_removing_itself();
  test_breaker_permit_checked();
  test_bulkhead_double_release();
  printf("test_lifetime: %lu passed, %lu failed\n", h_passed, h_failed);
  return h_failed ? 1 : 0;
}
