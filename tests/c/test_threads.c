/* Four pthreads hammer shared handles; invariants are checked after.
 * Handles are thread-safe (const receivers); the manual clock is advanced
 * by the workers themselves. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

#define THREADS 4
#define ITERS 20000

typedef struct {
  seawall_retry_budget *budget;
  seawall_backoff *backoff;
  seawall_manual_clock *clock;
  uint64_t allowed, denied, schedules_ok;
  int errors;
} shared_t;

typedef struct {
  shared_t *sh;
  uint64_t allowed, denied, schedules_ok;
  int errors;
} worker_t;

static void *work(void *arg) {
  worker_t *w = arg;
  shared_t *sh = w->sh;
  for (int i = 0; i < ITERS; i++) {
    seawall_status st = seawall_retry_budget_try_retry(sh->budget);
    if (st == SEAWALL_OK) w->allowed++;
    else if (st == SEAWALL_RETRY_BUDGET_EXHAUSTED) w->denied++;
    else w->errors++;
    if (seawall_retry_budget_record_success(sh->budget) != SEAWALL_OK) w->errors++;
    if (i % 100 == 0) {
      seawall_backoff_schedule *s = NULL;
      if (seawall_backoff_schedule_new(sh->backoff, &s) != SEAWALL_OK) {
        w->errors++;
        continue;
      }
      seawall_backoff_delay d;
      if (seawall_backoff_schedule_next_delay(s, false, 0, &d) == SEAWALL_OK && !d.give_up)
        w->schedules_ok++;
      seawall_backoff_schedule_free(s);
    }
    if (seawall_manual_clock_advance(sh->clock, 1000) != SEAWALL_OK) w->errors++;
  }
  return NULL;
}

int main(void) {
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

  pthread_t t[THREADS];
  worker_t w[THREADS] = {{0}};
  for (int i = 0; i < THREADS; i++) {
    w[i].sh = &sh;
    CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
  }
  uint64_t allowed = 0, denied = 0, sched = 0;
  int errors = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    allowed += w[i].allowed;
    denied += w[i].denied;
    sched += w[i].schedules_ok;
    errors += w[i].errors;
  }
  CHECK(errors == 0);

  /* retry budget: every try counted once, tokens within [0, max] */
  seawall_retry_budget_metrics m;
  CHECK_OK(seawall_retry_budget_get_metrics(sh.budget, &m));
  CHECK_EQ_U64(m.retries_allowed, allowed);
  CHECK_EQ_U64(m.retries_denied, denied);
  CHECK_EQ_U64(allowed + denied, (uint64_t)THREADS * ITERS);
  CHECK_EQ_U64(m.successes, (uint64_t)THREADS * ITERS);
  CHECK(m.tokens_milli <= m.max_tokens_milli);

  /* backoff: every schedule counted */
  seawall_backoff_metrics bm;
  CHECK_OK(seawall_backoff_get_metrics(sh.backoff, &bm));
  CHECK_EQ_U64(bm.schedules, (uint64_t)THREADS * (ITERS / 100));
  CHECK_EQ_U64(bm.retries, sched);

  /* the clock saw every advance */
  uint64_t now = 0;
  CHECK_OK(seawall_manual_clock_now(sh.clock, &now));
  CHECK_EQ_U64(now, (uint64_t)THREADS * ITERS * 1000);

  seawall_backoff_free(sh.backoff);
  seawall_retry_budget_free(sh.budget);
  seawall_manual_clock_free(sh.clock);
  return h_done("test_threads");
}
