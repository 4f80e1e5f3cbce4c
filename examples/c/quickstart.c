/* seawall from C: a circuit breaker and a rate limiter around a flaky call.
 * Build: cc -std=c11 quickstart.c $(pkg-config --cflags --libs seawall) */
#include <seawall.h>
#include <stdio.h>

static int flaky_call(int i) { return i < 5 ? -1 : 0; } /* fails 5 times */

int main(void) {
  seawall_circuit_breaker_config cfg = seawall_circuit_breaker_config_default();
  cfg.has_failure_count_threshold = true;
  cfg.failure_count_threshold = 3;       /* open after 3 failures in a row */
  cfg.open_duration_ns = 30000000000ull; /* for 30 s */
  seawall_circuit_breaker *breaker = NULL;
  if (seawall_circuit_breaker_new(&cfg, &breaker) != SEAWALL_OK) {
    fprintf(stderr, "breaker: %s\n", seawall_last_error_message());
    return 1;
  }

  seawall_token_bucket_config rate = seawall_token_bucket_config_default();
  rate.burst = 5;
  rate.rate_per_sec = 1.0;
  seawall_token_bucket *limiter = NULL;
  if (seawall_token_bucket_new(&rate, &limiter) != SEAWALL_OK) return 1;

  for (int i = 0; i < 8; i++) {
    seawall_decision d;
    seawall_token_bucket_try_acquire(limiter, 1, &d);
    if (!d.allowed) {
      printf("call %d: rate limited, retry in %llu ms\n", i,
             (unsigned long long)(d.retry_after_ns / 1000000));
      continue;
    }
    uint64_t permit;
    if (seawall_circuit_breaker_try_acquire(breaker, &permit) != SEAWALL_OK) {
      printf("call %d: %s, retry in %llu s\n", i, seawall_status_str(SEAWALL_CIRCUIT_OPEN),
             (unsigned long long)(seawall_last_error_retry_after_ns() / 1000000000));
      continue;
    }
    int rc = flaky_call(i);
    seawall_circuit_breaker_record(breaker, &permit,
                                   rc == 0 ? SEAWALL_OUTCOME_SUCCESS : SEAWALL_OUTCOME_FAILURE,
                                   1000000 /* took 1 ms */);
    printf("call %d: %s\n", i, rc == 0 ? "ok" : "failed");
  }

  seawall_token_bucket_free(limiter);
  seawall_circuit_breaker_free(breaker);
  return 0;
}
