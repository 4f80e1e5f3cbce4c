/* Four pthreads hammer one breaker, one token bucket, one bulkhead (and a
 * retry budget, a backoff and a policy); invariants are checked after.
 * Handles are thread-safe (const receivers); the manual clock is advanced
 * by the workers themselves. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

#define THREADS 4
#define ITERS 20000

static atomic_ulong listener_calls;
static atomic_int listener_bad;

/* Runs on whichever worker made the transition, possibly on several at once. */
static void on_transition(void *user_data, seawall_circuit_state from,
                          seawall_circuit_state to, uint64_t at_ns) {
  (void)at_ns;
  if (user_data != &listener_calls || from == to) atomic_fetch_add(&listener_bad, 1);
  atomic_fetch_add(&listener_calls, 1);
}

static atomic_int in_flight;
static atomic_int max_in_flight;

typedef struct {
  seawall_bulkhead *bh;
  seawall_circuit_breaker *cb;
  seawall_token_bucket *tb;
  seawall_retry_budget *budget;
  seawall_backoff *backoff;
  seawall_policy *policy;
  seawall_manual_clock *clock;
  uint64_t allowed, denied, schedules_ok;
  int errors;
} shared_t;

typedef struct {
  shared_t *sh;
  int index;
  uint64_t allowed, denied, schedules_ok;
  uint64_t cb_admitted, cb_rejected, cb_failures, cb_successes;
  uint64_t tb_allowed, tb_denied;
  uint64_t bh_granted, bh_full;
  uint64_t pol_ok, pol_full;
  int errors;
} worker_t;

static void *work(void *arg) {
  worker_t *w = arg;
  shared_t *sh = w->sh;
  for (int i = 0; i < ITERS; i++) {
    /* breaker: every admitted call is recorded exactly once */
    uint64_t permit;
    seawall_status cst = seawall_circuit_breaker_try_acquire(sh->cb, &permit);
    if (cst == SEAWALL_OK) {
      w->cb_admitted++;
      bool fail = (i + w->index) % 3 == 0;
      if (fail) w->cb_failures++;
      else w->cb_successes++;
      if (seawall_circuit_breaker_record(sh->cb, &permit,
                                         fail ? SEAWALL_OUTCOME_FAILURE : SEAWALL_OUTCOME_SUCCESS,
                                         1000) != SEAWALL_OK)
        w->errors++;
    } else if (cst == SEAWALL_CIRCUIT_OPEN) {
      w->cb_rejected++;
    } else {
      w->errors++;
    }
    /* token bucket */
    seawall_decision d;
    if (seawall_token_bucket_try_acquire(sh->tb, 1, &d) != SEAWALL_OK) w->errors++;
    else if (d.allowed) w->tb_allowed++;
    else w->tb_denied++;

    /* bulkhead (monotonic clock): try, or wait up to 20 ms every 8th call;
     * count holders to check that at most max_concurrent hold a slot */
    seawall_bulkhead_permit *bp = NULL;
    seawall_status bst = i % 8 == 0 ? seawall_bulkhead_acquire(sh->bh, 20000000, &bp)
                                    : seawall_bulkhead_try_acquire(sh->bh, &bp);
    if (bst == SEAWALL_OK) {
      int now = atomic_fetch_add(&in_flight, 1) + 1;
      int seen = atomic_load(&max_in_flight);
      while (now > seen && !atomic_compare_exchange_weak(&max_in_flight, &seen, now)) {
      }
      w->bh_granted++;
      atomic_fetch_sub(&in_flight, 1);
      seawall_bulkhead_release(&bp);
    } else if (bst == SEAWALL_BULKHEAD_FULL) {
      w->bh_full++;
    } else {
      w->errors++;
    }

    seawall_status st = seawall_retry_budget_try_retry(sh->budget);
    if (st == SEAWALL_OK) w->allowed++;
    else if (st == SEAWALL_RETRY_BUDGET_EXHAUSTED) w->denied++;
    else w->errors++;
    if (seawall_retry_budget_record_success(sh->budget) != SEAWALL_OK) w->errors++;
    if (i % 100 == 0) {
      seawall_backoff_schedule_state s;
      if (seawall_backoff_start(sh->backoff, &s) != SEAWALL_OK) {
        w->errors++;
        continue;
      }
      seawall_backoff_delay d;
      if (seawall_backoff_next_delay(sh->backoff, &s, false, 0, &d) == SEAWALL_OK && !d.give_up)
        w->schedules_ok++;
      if (seawall_backoff_finish(sh->backoff, &s) != SEAWALL_OK) w->errors++;
    }
    /* policy (its own bulkhead of 2): a guard on this thread's stack */
    if (i % 4 == 0) {
      seawall_policy_guard g;
      seawall_status pst = seawall_policy_try_acquire(sh->policy, &g);
      if (pst == SEAWALL_OK) {
        w->pol_ok++;
        if (seawall_policy_guard_complete(&g, SEAWALL_OUTCOME_SUCCESS) != SEAWALL_OK) w->errors++;
      } else if (pst == SEAWALL_BULKHEAD_FULL) {
        w->pol_full++;
      } else {
        w->errors++;
      }
      seawall_policy_guard_release(&g); /* finished or empty: a no-op */
    }
    if (seawall_manual_clock_advance(sh->clock, 1000) != SEAWALL_OK) w->errors++;
  }
  return NULL;
}

/* Blocking waiting acquires on a manual clock: FIFO, each woken when the
 * clock reaches its due time, each counted once. */
#define WAITERS 8

typedef struct {
  seawall_token_bucket *tb;
  atomic_int *order;
  atomic_int *next;
  int index;
  seawall_status st;
} waiter_t;

static void *wait_work(void *arg) {
  waiter_t *w = arg;
  seawall_decision d;
  w->st = seawall_token_bucket_acquire_wait(w->tb, 1, 1000000000000ull, &d);
  if (w->st == SEAWALL_OK && d.allowed)
    w->order[atomic_fetch_add(w->next, 1)] = w->index;
  return NULL;
}

static void test_blocking_waits(void) {
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 1;
  tc.rate_per_sec = 1.0;
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, clock, &tb));
  seawall_decision d;
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  atomic_int order[WAITERS];
  atomic_int next = 0;
  pthread_t t[WAITERS];
  waiter_t w[WAITERS];
  seawall_token_bucket_metrics m = {.struct_size = sizeof m};
  for (int i = 0; i < WAITERS; i++) {
    atomic_init(&order[i], -1);
    w[i] = (waiter_t){tb, order, &next, i, SEAWALL_PANIC};
    CHECK(pthread_create(&t[i], NULL, wait_work, &w[i]) == 0);
    /* waiter i holds its place before i + 1 starts */
    while (seawall_token_bucket_get_metrics(tb, &m) == SEAWALL_OK && m.waiting < (uint64_t)i + 1) {
      sched_yield(); /* under valgrind, one thread runs at a time: let the waiter run */
    }
  }
  for (int k = 0; k < WAITERS; k++) {
    CHECK_OK(seawall_manual_clock_advance(clock, 1000000000ull));
    while (atomic_load(&next) < k + 1) {
      sched_yield();
    }
  }
  for (int i = 0; i < WAITERS; i++) {
    pthread_join(t[i], NULL);
    CHECK(w[i].st == SEAWALL_OK);
    CHECK(atomic_load(&order[i]) == i);
  }
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &m));
  CHECK_EQ_U64(m.allowed, WAITERS + 1);
  CHECK_EQ_U64(m.denied, 0);
  CHECK_EQ_U64(m.waiting, 0);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(clock);
}

int main(void) {
  test_blocking_waits();
  shared_t sh = {0};
  CHECK_OK(seawall_manual_clock_new(0, &sh.clock));
  seawall_retry_budget_config rc = seawall_retry_budget_config_default();
  rc.max_tokens = 100;
  rc.token_ratio = 0.5;
  CHECK_OK(seawall_retry_budget_new(&rc, &sh.budget));
  seawall_backoff_config bc = seawall_backoff_config_default();
  bc.has_seed = true;
  bc.seed = 7;
  CHECK_OK(seawall_backoff_new_with_clock(&bc, sh.clock, &sh.backoff));
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  cc.window_size = 20;
  cc.minimum_number_of_calls = 10;
  cc.failure_rate_threshold = 0.3; /* a third of calls fail: it trips */
  cc.open_duration_ns = 2000000;   /* 2 ms of manual time */
  cc.half_open_max_calls = 2;
  cc.success_threshold = 2;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, sh.clock, &sh.cb));
  uint64_t lid;
  CHECK_OK(seawall_circuit_breaker_on_transition(sh.cb, on_transition, &listener_calls, NULL, &lid));
  seawall_bulkhead_config hc = seawall_bulkhead_config_default();
  hc.max_concurrent = 2;
  hc.max_queue = 4;
  CHECK_OK(seawall_bulkhead_new(&hc, &sh.bh));
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 50;
  tc.rate_per_sec = 100000.0; /* one token per 10 us of manual time */
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, sh.clock, &sh.tb));
  seawall_bulkhead *pbh = NULL;
  hc.max_queue = 0;
  CHECK_OK(seawall_bulkhead_new(&hc, &pbh));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.bulkhead = pbh;
  CHECK_OK(seawall_policy_new(&pc, &sh.policy));

  pthread_t t[THREADS];
  worker_t w[THREADS] = {{0}};
  for (int i = 0; i < THREADS; i++) {
    w[i].sh = &sh;
    w[i].index = i;
    CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
  }
  uint64_t allowed = 0, denied = 0, sched = 0;
  uint64_t cb_admitted = 0, cb_rejected = 0, cb_failures = 0, cb_successes = 0;
  uint64_t tb_allowed = 0, tb_denied = 0, bh_granted = 0, bh_full = 0;
  uint64_t pol_ok = 0, pol_full = 0;
  int errors = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    cb_admitted += w[i].cb_admitted;
    cb_rejected += w[i].cb_rejected;
    cb_failures += w[i].cb_failures;
    cb_successes += w[i].cb_successes;
    tb_allowed += w[i].tb_allowed;
    tb_denied += w[i].tb_denied;
    bh_granted += w[i].bh_granted;
    bh_full += w[i].bh_full;
    pol_ok += w[i].pol_ok;
    pol_full += w[i].pol_full;
    allowed += w[i].allowed;
    denied += w[i].denied;
    sched += w[i].schedules_ok;
    errors += w[i].errors;
  }
  CHECK(errors == 0);

  /* breaker: every outcome counted once, every rejection counted, every
   * transition heard once by the listener */
  seawall_circuit_breaker_metrics cm = {.struct_size = sizeof cm};
  CHECK_OK(seawall_circuit_breaker_get_metrics(sh.cb, &cm));
  CHECK_EQ_U64(cb_admitted + cb_rejected, (uint64_t)THREADS * ITERS);
  CHECK_EQ_U64(cm.calls, cb_admitted);
  CHECK_EQ_U64(cm.failures, cb_failures);
  CHECK_EQ_U64(cm.successes, cb_successes);
  CHECK_EQ_U64(cm.rejected, cb_rejected);
  CHECK(cm.transitions > 0);
  CHECK(cb_rejected > 0);
  CHECK_EQ_U64(atomic_load(&listener_calls), cm.transitions);
  CHECK(atomic_load(&listener_bad) == 0);
  CHECK(cm.half_open_in_flight <= 2);

  /* token bucket: granted <= burst + rate * elapsed, every call counted */
  seawall_token_bucket_metrics tm = {.struct_size = sizeof tm};
  CHECK_OK(seawall_token_bucket_get_metrics(sh.tb, &tm));
  CHECK_EQ_U64(tm.allowed, tb_allowed);
  CHECK_EQ_U64(tm.denied, tb_denied);
  CHECK_EQ_U64(tb_allowed + tb_denied, (uint64_t)THREADS * ITERS);
  uint64_t elapsed = (uint64_t)THREADS * ITERS * 1000;
  CHECK(tb_allowed <= 50 + elapsed / 10000);
  CHECK(tb_allowed > 0 && tb_denied > 0);

  /* bulkhead: never more than max_concurrent holders; all slots back */
  seawall_bulkhead_metrics hm = {.struct_size = sizeof hm};
  CHECK_OK(seawall_bulkhead_get_metrics(sh.bh, &hm));
  CHECK(atomic_load(&max_in_flight) <= 2);
  CHECK(atomic_load(&max_in_flight) >= 1);
  CHECK_EQ_U64(hm.active, 0);
  CHECK_EQ_U64(hm.queued, 0);
  CHECK_EQ_U64(hm.total, bh_granted);
  CHECK_EQ_U64(hm.rejected, bh_full);
  CHECK_EQ_U64(bh_granted + bh_full, (uint64_t)THREADS * ITERS);

  /* policy: every guard finished once, every slot back */
  CHECK_OK(seawall_bulkhead_get_metrics(pbh, &hm));
  CHECK_EQ_U64(pol_ok + pol_full, (uint64_t)THREADS * (ITERS / 4));
  CHECK_EQ_U64(hm.total, pol_ok);
  CHECK_EQ_U64(hm.rejected, pol_full);
  CHECK_EQ_U64(hm.active, 0);

  /* retry budget: every try counted once, tokens within [0, max] */
  seawall_retry_budget_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_retry_budget_get_metrics(sh.budget, &m));
  CHECK_EQ_U64(m.retries_allowed, allowed);
  CHECK_EQ_U64(m.retries_denied, denied);
  CHECK_EQ_U64(allowed + denied, (uint64_t)THREADS * ITERS);
  CHECK_EQ_U64(m.successes, (uint64_t)THREADS * ITERS);
  CHECK(m.tokens_milli <= m.max_tokens_milli);

  /* backoff: every schedule counted */
  seawall_backoff_metrics bm = {.struct_size = sizeof bm};
  CHECK_OK(seawall_backoff_get_metrics(sh.backoff, &bm));
  CHECK_EQ_U64(bm.schedules, (uint64_t)THREADS * (ITERS / 100));
  CHECK_EQ_U64(bm.retries, sched);

  /* the clock saw every advance */
  uint64_t now = 0;
  CHECK_OK(seawall_manual_clock_now(sh.clock, &now));
  CHECK_EQ_U64(now, (uint64_t)THREADS * ITERS * 1000);

  seawall_policy_free(sh.policy);
  seawall_bulkhead_free(pbh);
  seawall_bulkhead_free(sh.bh);
  seawall_circuit_breaker_free(sh.cb);
  seawall_token_bucket_free(sh.tb);
  seawall_backoff_free(sh.backoff);
  seawall_retry_budget_free(sh.budget);
  seawall_manual_clock_free(sh.clock);
  return h_done("test_threads");
}
