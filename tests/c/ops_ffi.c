/* The hot paths of benches/benches/c_abi.rs through the C ABI as plain
 * loops, for instruction counts under callgrind (not a test):
 * `ops_ffi <op> <n>`; (instructions at n - instructions at 0) / n is the
 * count per operation. scripts/callgrind-c-abi.sh runs it next to the
 * core's loops in benches/benches/ops.rs. Linked against libseawall.so,
 * as a C program normally is. */
#include <seawall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ops_ffi version|clock_now|tb_denied|cb|bh|policy|backoff <n>\n");
    return 2;
  }
  const char *op = argv[1];
  long n = atol(argv[2]);
  seawall_manual_clock *clk;
  seawall_manual_clock_new(0, &clk);
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 1;
  tc.rate_per_sec = 1.0;
  tc.has_initial_tokens = true;
  tc.initial_tokens = 0;
  seawall_token_bucket *tb;
  seawall_token_bucket_new_with_clock(&tc, clk, &tb);
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb;
  seawall_circuit_breaker_new(&cc, &cb);
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 64;
  seawall_bulkhead *bh;
  seawall_bulkhead_new(&bc, &bh);
  seawall_backoff_config kc = seawall_backoff_config_default();
  kc.max_attempts = 11;
  kc.has_seed = true;
  kc.seed = 1;
  seawall_backoff *bo;
  seawall_backoff_new(&kc, &bo);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.bulkhead = bh;
  seawall_policy *pol;
  seawall_policy_new_with_clock(&pc, clk, &pol);

  if (!strcmp(op, "version")) {
    for (long i = 0; i < n; i++) sink += (uint64_t)(uintptr_t)seawall_version();
  } else if (!strcmp(op, "clock_now")) {
    uint64_t t;
    for (long i = 0; i < n; i++) {
      seawall_manual_clock_now(clk, &t);
      sink += t;
    }
  } else if (!strcmp(op, "tb_denied")) {
    seawall_decision d;
    for (long i = 0; i < n; i++) {
      seawall_token_bucket_try_acquire(tb, 1, &d);
      sink += d.allowed + d.remaining + d.retry_after_ns + d.reset_after_ns;
    }
  } else if (!strcmp(op, "cb")) {
    uint64_t p;
    for (long i = 0; i < n; i++)
      if (seawall_circuit_breaker_try_acquire(cb, &p) == SEAWALL_OK)
        seawall_circuit_breaker_record(cb, &p, SEAWALL_OUTCOME_SUCCESS, 5000);
  } else if (!strcmp(op, "bh")) {
    seawall_bulkhead_permit *p;
    for (long i = 0; i < n; i++)
      if (seawall_bulkhead_try_acquire(bh, &p) == SEAWALL_OK) seawall_bulkhead_release(&p);
  } else if (!strcmp(op, "policy")) {
    for (long i = 0; i < n; i++) {
      seawall_policy_guard g;
      if (seawall_policy_try_acquire(pol, &g) == SEAWALL_OK)
        seawall_policy_guard_complete(&g, SEAWALL_OUTCOME_SUCCESS);
    }
  } else if (!strcmp(op, "backoff")) {
    for (long i = 0; i < n; i++) {
      seawall_backoff_schedule_state s;
      uint64_t total = 0;
      if (seawall_backoff_start(bo, &s) == SEAWALL_OK) {
        seawall_backoff_delay d;
        while (seawall_backoff_next_delay_elapsed(bo, &s, 0, false, 0, &d) == SEAWALL_OK &&
               !d.give_up)
          total += d.delay_ns;
        seawall_backoff_finish(bo, &s);
      }
      sink += total;
    }
  } else {
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
  }
  seawall_policy_free(pol);
  seawall_backoff_free(bo);
  seawall_bulkhead_free(bh);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(clk);
  return 0;
}
