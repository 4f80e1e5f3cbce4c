/* Rough per-call cost of the hot paths through the C ABI (not a test; see
 * `make -C tests/c bench`). The criterion bench next to the core bench
 * calls the same functions. */
#define _POSIX_C_SOURCE 200809L
#include <seawall.h>
#include <stdio.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define N 10000000L
#define REPORT(name, n, t) printf("%-40s %6.2f ns/op\n", name, (t) * 1e9 / (double)(n))

int main(void) {
  seawall_manual_clock *clock;
  seawall_manual_clock_new(0, &clock);

  uint64_t now;
  double t0 = now_s();
  for (long i = 0; i < N; i++) seawall_manual_clock_now(clock, &now);
  REPORT("manual_clock_now (boundary + 1 load)", N, now_s() - t0);
  t0 = now_s();
  for (long i = 0; i < N; i++) now += seawall_monotonic_now_ns();
  REPORT("monotonic_now_ns (clock_gettime)", N, now_s() - t0);

  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 1000000000;
  tc.rate_per_sec = 1e9;
  seawall_token_bucket *tb;
  seawall_token_bucket_new(&tc, &tb);
  seawall_decision d;
  t0 = now_s();
  for (long i = 0; i < N; i++) seawall_token_bucket_try_acquire(tb, 1, &d);
  REPORT("token_bucket_try_acquire (monotonic)", N, now_s() - t0);
  seawall_token_bucket *tbm;
  seawall_token_bucket_new_with_clock(&tc, clock, &tbm);
  t0 = now_s();
  for (long i = 0; i < N; i++) seawall_token_bucket_try_acquire(tbm, 1, &d);
  REPORT("token_bucket_try_acquire (manual clock)", N, now_s() - t0);
  seawall_token_bucket_free(tbm);

  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb;
  seawall_circuit_breaker_new(&cc, &cb);
  uint64_t permit;
  t0 = now_s();
  for (long i = 0; i < N; i++) {
    seawall_circuit_breaker_try_acquire(cb, &permit);
    seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_SUCCESS, 1000);
  }
  REPORT("circuit_breaker try_acquire+record", N, now_s() - t0);

  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  seawall_bulkhead *bh;
  seawall_bulkhead_new(&bc, &bh);
  seawall_bulkhead_permit *bp;
  t0 = now_s();
  for (long i = 0; i < N; i++) {
    seawall_bulkhead_try_acquire(bh, &bp);
    seawall_bulkhead_release(&bp);
  }
  REPORT("bulkhead try_acquire+release", N, now_s() - t0);

  seawall_backoff_config kc = seawall_backoff_config_default();
  kc.max_attempts = 11;
  kc.has_seed = true;
  kc.seed = 1;
  seawall_backoff *bo;
  seawall_backoff_new(&kc, &bo);
  seawall_backoff_delay dl;
  long m = N / 10;
  t0 = now_s();
  for (long i = 0; i < m; i++) {
    seawall_backoff_schedule_state s;
    seawall_backoff_start(bo, &s);
    for (int k = 0; k < 10; k++) seawall_backoff_next_delay_elapsed(bo, &s, 0, false, 0, &dl);
    seawall_backoff_finish(bo, &s);
  }
  REPORT("backoff 10-step schedule", m, now_s() - t0);

  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.bulkhead = bh;
  seawall_policy *pol;
  seawall_policy_new_with_clock(&pc, clock, &pol);
  t0 = now_s();
  for (long i = 0; i < N; i++) {
    seawall_policy_guard g;
    if (seawall_policy_try_acquire(pol, &g) == SEAWALL_OK)
      seawall_policy_guard_complete(&g, SEAWALL_OUTCOME_SUCCESS);
  }
  REPORT("policy guard (breaker+bulkhead) acquire+complete", N, now_s() - t0);
  seawall_policy_free(pol);

  seawall_backoff_free(bo);
  seawall_bulkhead_free(bh);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(clock);
  return now == 42 ? 1 : 0;
}
