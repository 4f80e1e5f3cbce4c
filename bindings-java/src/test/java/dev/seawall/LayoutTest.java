package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The JNA structures mirror the C structs field by field: the defaults the C side writes (the
 * tables in include/seawall.h) must come back in the right fields, and a breaker's last metrics
 * fields must hold what the breaker did. A misplaced field reads garbage here.
 */
class LayoutTest {
  static final long SEC = 1_000_000_000L;

  @Test
  void configDefaultsLandInTheirFields() {
    Lib.BreakerConfig b = Lib.init(new Lib.BreakerConfig(), Lib.C::seawall_circuit_breaker_config_init);
    assertEquals(b.size(), b.struct_size);
    assertEquals(1, b.has_failure_rate_threshold);
    assertEquals(0.5, b.failure_rate_threshold);
    assertEquals(1, b.has_slow_call_rate_threshold);
    assertEquals(1.0, b.slow_call_rate_threshold);
    assertEquals(60 * SEC, b.slow_call_duration_threshold_ns);
    assertEquals(0, b.window_kind);
    assertEquals(100, b.window_size);
    assertEquals(100, b.minimum_number_of_calls);
    assertEquals(0, b.has_failure_count_threshold);
    assertEquals(0, b.has_failure_count_period);
    assertEquals(60 * SEC, b.open_duration_ns);
    assertEquals(1.0, b.open_duration_multiplier);
    assertEquals(0, b.has_max_open_duration);
    assertEquals(3, b.half_open_max_calls);
    assertEquals(3, b.success_threshold);

    Lib.TokenBucketConfig t = Lib.init(new Lib.TokenBucketConfig(), Lib.C::seawall_token_bucket_config_init);
    assertEquals(10, t.burst);
    assertEquals(10.0, t.rate_per_sec);
    assertEquals(0, t.has_initial_tokens);

    Lib.SlidingWindowConfig w = Lib.init(new Lib.SlidingWindowConfig(), Lib.C::seawall_sliding_window_config_init);
    assertEquals(100, w.limit);
    assertEquals(60 * SEC, w.window_ns);
    assertEquals(10, w.buckets);

    Lib.KeyedTokenBucketConfig kt =
        Lib.init(new Lib.KeyedTokenBucketConfig(), Lib.C::seawall_keyed_token_bucket_config_init);
    assertEquals(kt.size(), kt.struct_size);
    assertEquals(10, kt.burst);
    assertEquals(10.0, kt.rate_per_sec);
    assertEquals(10000, kt.max_keys);
    assertEquals(64, kt.max_probe);
    assertEquals(0, kt.on_full);
    assertEquals(0, kt.has_hash_seed);
    Lib.KeyedSlidingWindowConfig kw =
        Lib.init(new Lib.KeyedSlidingWindowConfig(), Lib.C::seawall_keyed_sliding_window_config_init);
    assertEquals(100, kw.limit);
    assertEquals(60 * SEC, kw.window_ns);
    assertEquals(10, kw.buckets);
    assertEquals(10000, kw.max_keys);
    assertEquals(64, kw.max_probe);

    Lib.BulkheadConfig bh = Lib.init(new Lib.BulkheadConfig(), Lib.C::seawall_bulkhead_config_init);
    assertEquals(25, bh.max_concurrent);
    assertEquals(0, bh.max_queue);
    assertEquals(0, bh.max_wait_ns);

    Lib.BackoffConfig bo = Lib.init(new Lib.BackoffConfig(), Lib.C::seawall_backoff_config_init);
    assertEquals(2, bo.kind);
    assertEquals(SEC / 10, bo.base_ns);
    assertEquals(2.0, bo.factor);
    assertEquals(30 * SEC, bo.max_delay_ns);
    assertEquals(1, bo.jitter);
    assertEquals(3, bo.max_attempts);
    assertEquals(0, bo.has_max_elapsed);
    assertEquals(0, bo.has_seed);

    Lib.RetryBudgetConfig rb = Lib.init(new Lib.RetryBudgetConfig(), Lib.C::seawall_retry_budget_config_init);
    assertEquals(10, rb.max_tokens);
    assertEquals(0.1, rb.token_ratio);

    Lib.AdaptiveTimeoutConfig at = Lib.init(new Lib.AdaptiveTimeoutConfig(), Lib.C::seawall_adaptive_timeout_config_init);
    assertEquals(0.95, at.percentile);
    assertEquals(1.5, at.multiplier);
    assertEquals(SEC, at.min_timeout_ns);
    assertEquals(30 * SEC, at.max_timeout_ns);
    assertEquals(5 * SEC, at.initial_timeout_ns);
    assertEquals(10, at.min_samples);
    assertEquals(30 * SEC, at.window_ns);

    Lib.FaultInjectorConfig fi = Lib.init(new Lib.FaultInjectorConfig(), Lib.C::seawall_fault_injector_config_init);
    assertEquals(0.0, fi.error_rate);
    assertEquals(0.0, fi.delay_rate);
    assertEquals(SEC, fi.delay_min_ns);
    assertEquals(SEC, fi.delay_max_ns);
    assertEquals(0, fi.has_seed);
    assertEquals(1, fi.enabled);

    Lib.PolicyConfig pc = Lib.init(new Lib.PolicyConfig(), Lib.C::seawall_policy_config_init);
    assertEquals(pc.size(), pc.struct_size);
    assertEquals(null, pc.circuit_breaker);
  }

  @Test
  void optionalBreakerFieldsReachTheCore() {
    try (ManualClock clock = ManualClock.create();
        CircuitBreaker cb = CircuitBreaker.builder().noFailureRateThreshold().noSlowCallRateThreshold()
            .failureCountThreshold(1).failureCountPeriod(Duration.ofSeconds(5)).openDuration(Duration.ofSeconds(2))
            .openDurationMultiplier(3).maxOpenDuration(Duration.ofSeconds(4)).halfOpenMaxCalls(1).successThreshold(1)
            .clock(clock).build()) {
      cb.record(cb.tryAcquire(), Outcome.FAILURE, Duration.ZERO);
      assertEquals(Duration.ofSeconds(2), cb.metrics().openDuration());
      clock.advance(Duration.ofSeconds(2));
      CircuitBreaker.Permit probe = cb.tryAcquire();
      assertEquals(1, cb.metrics().halfOpenInFlight());
      cb.record(probe, Outcome.FAILURE, Duration.ZERO);
      // grown ×3 but capped at maxOpenDuration
      CircuitBreaker.Metrics m = cb.metrics();
      assertEquals(Duration.ofSeconds(4), m.openDuration());
      assertEquals(CircuitState.OPEN, m.state());
      assertEquals(2, m.failures());
      assertEquals(0, m.halfOpenSuccesses());
    }
  }
}
