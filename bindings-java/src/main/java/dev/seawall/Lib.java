package dev.seawall;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The JNA mapping of include/seawall.h (internal). One-byte flags
 * ({@code uint8_t}, formerly {@code bool}) are mapped as {@code byte}: read
 * with {@code != 0}, written as 0 or 1. Versioned configs start with
 * {@code struct_size} and are filled by their {@code _init} function with
 * this structure's size.
 */
interface Lib extends Library {
  Lib C = Native.load("seawall", Lib.class);

  /** A {@code seawall_*_config_init} function. */
  @FunctionalInterface
  interface ConfigInit<T extends Structure> {
    int init(T config, long size);
  }

  /** A versioned config filled with the core's defaults by its {@code _init} function. */
  static <T extends Structure> T init(T config, ConfigInit<T> fn) {
    Err.check(fn.init(config, config.size()));
    return config;
  }

  String seawall_version();
  String seawall_status_str(int status);
  String seawall_last_error_message();
  String seawall_last_error_field();
  long seawall_monotonic_now_ns();
  /** Test hook: panics inside seawall and returns SEAWALL_PANIC. */
  int seawall_test_panic();

  // ---- manual clock
  int seawall_manual_clock_new(long startNs, PointerByReference out);
  void seawall_manual_clock_free(Pointer clock);
  int seawall_manual_clock_advance(Pointer clock, long ns);
  int seawall_manual_clock_set(Pointer clock, long ns);
  int seawall_manual_clock_now(Pointer clock, LongByReference out);

  // ---- circuit breaker
  @Structure.FieldOrder({"struct_size", 
    "has_failure_rate_threshold", "failure_rate_threshold",
    "has_slow_call_rate_threshold", "slow_call_rate_threshold",
    "slow_call_duration_threshold_ns", "window_kind", "window_size",
    "minimum_number_of_calls", "has_failure_count_threshold", "failure_count_threshold",
    "has_failure_count_period", "failure_count_period_ns", "open_duration_ns",
    "open_duration_multiplier", "has_max_open_duration", "max_open_duration_ns",
    "half_open_max_calls", "success_threshold"
  })
  class BreakerConfig extends Structure {
    public int struct_size;
    public byte has_failure_rate_threshold;
    public double failure_rate_threshold;
    public byte has_slow_call_rate_threshold;
    public double slow_call_rate_threshold;
    public long slow_call_duration_threshold_ns;
    public int window_kind;
    public long window_size;
    public long minimum_number_of_calls;
    public byte has_failure_count_threshold;
    public long failure_count_threshold;
    public byte has_failure_count_period;
    public long failure_count_period_ns;
    public long open_duration_ns;
    public double open_duration_multiplier;
    public byte has_max_open_duration;
    public long max_open_duration_ns;
    public long half_open_max_calls;
    public long success_threshold;

    public static class ByValue extends BreakerConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({
    "struct_size", "state", "calls", "successes", "failures", "slow", "ignored", "rejected", "transitions",
    "buffered_calls", "buffered_failures", "buffered_slow", "has_failure_rate", "failure_rate",
    "has_slow_call_rate", "slow_call_rate", "failure_count", "half_open_in_flight",
    "half_open_successes", "open_duration_ns"
  })
  class BreakerMetrics extends Structure {
    public int struct_size;
    public int state;
    public long calls, successes, failures, slow, ignored, rejected, transitions;
    public long buffered_calls, buffered_failures, buffered_slow;
    public byte has_failure_rate;
    public double failure_rate;
    public byte has_slow_call_rate;
    public double slow_call_rate;
    public long failure_count;
    public int half_open_in_flight, half_open_successes;
    public long open_duration_ns;
    /** Sets struct_size: the library writes only that many bytes. */
    public BreakerMetrics() {
      struct_size = size();
    }
  }

  interface TransitionFn extends Callback {
    void invoke(Pointer userData, int from, int to, long atNs);
  }

  interface DestroyFn extends Callback {
    void invoke(Pointer userData);
  }

  int seawall_circuit_breaker_config_init(BreakerConfig config, long size);
  int seawall_circuit_breaker_new(BreakerConfig config, PointerByReference out);
  int seawall_circuit_breaker_new_in_region(BreakerConfig config, Pointer region, String name, PointerByReference out);
  int seawall_circuit_breaker_new_in_region_with_clock(BreakerConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_circuit_breaker_new_with_clock(BreakerConfig config, Pointer clock, PointerByReference out);
  void seawall_circuit_breaker_free(Pointer breaker);
  byte seawall_permit_is_probe(long permit);
  int seawall_circuit_breaker_state(Pointer breaker, IntByReference out);
  String seawall_circuit_state_str(int state);
  int seawall_circuit_breaker_force_open(Pointer breaker);
  int seawall_circuit_breaker_disable(Pointer breaker);
  int seawall_circuit_breaker_metrics_only(Pointer breaker);
  int seawall_circuit_breaker_reset(Pointer breaker);
  int seawall_circuit_breaker_get_metrics(Pointer breaker, BreakerMetrics out);
  int seawall_circuit_breaker_on_transition(Pointer breaker, TransitionFn fn, Pointer userData, DestroyFn destroy, LongByReference outId);
  int seawall_circuit_breaker_remove_listener(Pointer breaker, long id, ByteByReference outRemoved);

  // ---- token bucket / sliding window / keyed
  @Structure.FieldOrder({"struct_size", "burst", "rate_per_sec", "has_initial_tokens", "initial_tokens"})
  class TokenBucketConfig extends Structure {
    public int struct_size;
    public long burst;
    public double rate_per_sec;
    public byte has_initial_tokens;
    public long initial_tokens;

    public static class ByValue extends TokenBucketConfig implements Structure.ByValue {}
  }

  /**
   * seawall_decision. The limiters' calls write it into a {@code long[4]} instead (no native
   * allocation per call): {@link dev.seawall.Decision#of(long[])} reads it there, after checking
   * at class load that these offsets are 0, 8, 16 and 24 (the layout test checks them against C).
   */
  @Structure.FieldOrder({"allowed", "remaining", "retry_after_ns", "reset_after_ns"})
  class Decision extends Structure {
    public byte allowed;
    public long remaining, retry_after_ns, reset_after_ns;

    int offset(String field) {
      return fieldOffset(field);
    }
  }

  @Structure.FieldOrder({"struct_size", "burst", "available", "emission_interval_ns", "allowed", "denied", "waiting"})
  class TokenBucketMetrics extends Structure {
    public int struct_size;
    public long burst, available, emission_interval_ns, allowed, denied, waiting;
    /** Sets struct_size: the library writes only that many bytes. */
    public TokenBucketMetrics() {
      struct_size = size();
    }
  }

  @Structure.FieldOrder({"struct_size", "limit", "window_ns", "buckets"})
  class SlidingWindowConfig extends Structure {
    public int struct_size;
    public long limit, window_ns;
    public int buckets;

    public static class ByValue extends SlidingWindowConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"struct_size", "limit", "count", "allowed", "denied", "waiting"})
  class SlidingWindowMetrics extends Structure {
    public int struct_size;
    public long limit, count, allowed, denied, waiting;
    /** Sets struct_size: the library writes only that many bytes. */
    public SlidingWindowMetrics() {
      struct_size = size();
    }
  }

  @Structure.FieldOrder({
    "struct_size", "burst", "rate_per_sec", "has_initial_tokens", "initial_tokens", "max_keys", "max_probe",
    "on_full", "has_hash_seed", "hash_seed"
  })
  class KeyedTokenBucketConfig extends Structure {
    public int struct_size;
    public long burst;
    public double rate_per_sec;
    public byte has_initial_tokens;
    public long initial_tokens;
    public long max_keys;
    public int max_probe, on_full;
    public byte has_hash_seed;
    public long hash_seed;
  }

  @Structure.FieldOrder({
    "struct_size", "limit", "window_ns", "buckets", "max_keys", "max_probe", "on_full", "has_hash_seed",
    "hash_seed"
  })
  class KeyedSlidingWindowConfig extends Structure {
    public int struct_size;
    public long limit, window_ns;
    public int buckets;
    public long max_keys;
    public int max_probe, on_full;
    public byte has_hash_seed;
    public long hash_seed;
  }

  @Structure.FieldOrder({
    "struct_size", "keys_tracked", "capacity", "evictions", "table_full", "allowed", "denied", "waiting"
  })
  class KeyedMetrics extends Structure {
    public int struct_size;
    public long keys_tracked, capacity, evictions, table_full, allowed, denied, waiting;
    /** Sets struct_size: the library writes only that many bytes. */
    public KeyedMetrics() {
      struct_size = size();
    }
  }

  int seawall_token_bucket_config_init(TokenBucketConfig config, long size);
  int seawall_token_bucket_new(TokenBucketConfig config, PointerByReference out);
  int seawall_token_bucket_new_in_region(TokenBucketConfig config, Pointer region, String name, PointerByReference out);
  int seawall_token_bucket_new_in_region_with_clock(TokenBucketConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_token_bucket_new_with_clock(TokenBucketConfig config, Pointer clock, PointerByReference out);
  void seawall_token_bucket_free(Pointer p);
  int seawall_token_bucket_peek(Pointer p, long n, long[] out);
  int seawall_token_bucket_refund(Pointer p, long n);
  int seawall_token_bucket_acquire_wait(Pointer p, long n, long timeoutNs, long[] out);
  int seawall_token_bucket_get_metrics(Pointer p, TokenBucketMetrics out);

  int seawall_sliding_window_config_init(SlidingWindowConfig config, long size);
  int seawall_sliding_window_new(SlidingWindowConfig config, PointerByReference out);
  int seawall_sliding_window_new_in_region(SlidingWindowConfig config, Pointer region, String name, PointerByReference out);
  int seawall_sliding_window_new_in_region_with_clock(SlidingWindowConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_sliding_window_new_with_clock(SlidingWindowConfig config, Pointer clock, PointerByReference out);
  void seawall_sliding_window_free(Pointer p);
  int seawall_sliding_window_peek(Pointer p, long n, long[] out);
  int seawall_sliding_window_refund(Pointer p, long n);
  int seawall_sliding_window_acquire_wait(Pointer p, long n, long timeoutNs, long[] out);
  int seawall_sliding_window_get_metrics(Pointer p, SlidingWindowMetrics out);

  int seawall_keyed_token_bucket_config_init(KeyedTokenBucketConfig config, long size);
  int seawall_keyed_token_bucket_new(KeyedTokenBucketConfig config, PointerByReference out);
  int seawall_keyed_token_bucket_new_in_region(KeyedTokenBucketConfig config, Pointer region, String name, PointerByReference out);
  int seawall_keyed_token_bucket_new_in_region_with_clock(KeyedTokenBucketConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_keyed_token_bucket_new_with_clock(KeyedTokenBucketConfig config, Pointer clock, PointerByReference out);
  void seawall_keyed_token_bucket_free(Pointer p);
  int seawall_keyed_token_bucket_refund(Pointer p, byte[] key, long keyLen, long n);
  int seawall_keyed_token_bucket_peek(Pointer p, byte[] key, long keyLen, long n, long[] out);
  int seawall_keyed_token_bucket_acquire_wait(Pointer p, byte[] key, long keyLen, long n, long timeoutNs, long[] out);
  int seawall_keyed_token_bucket_get_metrics(Pointer p, KeyedMetrics out);

  int seawall_keyed_sliding_window_config_init(KeyedSlidingWindowConfig config, long size);
  int seawall_keyed_sliding_window_new(KeyedSlidingWindowConfig config, PointerByReference out);
  int seawall_keyed_sliding_window_new_in_region(KeyedSlidingWindowConfig config, Pointer region, String name, PointerByReference out);
  int seawall_keyed_sliding_window_new_in_region_with_clock(KeyedSlidingWindowConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_keyed_sliding_window_new_with_clock(KeyedSlidingWindowConfig config, Pointer clock, PointerByReference out);
  void seawall_keyed_sliding_window_free(Pointer p);
  int seawall_keyed_sliding_window_refund(Pointer p, byte[] key, long keyLen, long n);
  int seawall_keyed_sliding_window_peek(Pointer p, byte[] key, long keyLen, long n, long[] out);
  int seawall_keyed_sliding_window_acquire_wait(Pointer p, byte[] key, long keyLen, long n, long timeoutNs, long[] out);
  int seawall_keyed_sliding_window_get_metrics(Pointer p, KeyedMetrics out);

  // ---- bulkhead
  @Structure.FieldOrder({"struct_size", "max_concurrent", "max_queue", "max_wait_ns"})
  class BulkheadConfig extends Structure {
    public int struct_size;
    public long max_concurrent, max_queue, max_wait_ns;

    public static class ByValue extends BulkheadConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"struct_size", "active", "queued", "total", "rejected", "max_concurrent", "max_queue"})
  class BulkheadMetrics extends Structure {
    public int struct_size;
    public long active, queued, total, rejected, max_concurrent, max_queue;
    /** Sets struct_size: the library writes only that many bytes. */
    public BulkheadMetrics() {
      struct_size = size();
    }
  }

  int seawall_bulkhead_config_init(BulkheadConfig config, long size);
  int seawall_bulkhead_new(BulkheadConfig config, PointerByReference out);
  int seawall_bulkhead_new_in_region(BulkheadConfig config, Pointer region, String name, PointerByReference out);
  int seawall_bulkhead_new_in_region_with_clock(BulkheadConfig config, Pointer clock, Pointer region, String name, PointerByReference out);
  int seawall_bulkhead_new_with_clock(BulkheadConfig config, Pointer clock, PointerByReference out);
  void seawall_bulkhead_free(Pointer p);
  int seawall_bulkhead_try_acquire(Pointer p, PointerByReference outPermit);
  int seawall_bulkhead_acquire(Pointer p, long timeoutNs, PointerByReference outPermit);
  int seawall_bulkhead_acquire_default(Pointer p, PointerByReference outPermit);
  int seawall_bulkhead_release(PointerByReference permit);
  int seawall_bulkhead_get_metrics(Pointer p, BulkheadMetrics out);

  // ---- backoff
  @Structure.FieldOrder({"struct_size", 
    "kind", "base_ns", "factor", "max_delay_ns", "jitter", "max_attempts",
    "has_max_elapsed", "max_elapsed_ns", "has_seed", "seed"
  })
  class BackoffConfig extends Structure {
    public int struct_size;
    public int kind;
    public long base_ns;
    public double factor;
    public long max_delay_ns;
    public int jitter, max_attempts;
    public byte has_max_elapsed;
    public long max_elapsed_ns;
    public byte has_seed;
    public long seed;

    public static class ByValue extends BackoffConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"struct_size", "schedules", "retries", "exhausted_attempts", "exhausted_elapsed"})
  class BackoffMetrics extends Structure {
    public int struct_size;
    public long schedules, retries, exhausted_attempts, exhausted_elapsed;
    /** Sets struct_size: the library writes only that many bytes. */
    public BackoffMetrics() {
      struct_size = size();
    }
  }

  @Structure.FieldOrder({"start_ns", "prev_ns", "rng", "retries", "done"})
  class ScheduleState extends Structure {
    public long start_ns, prev_ns, rng;
    public int retries;
    public byte done;
  }

  @Structure.FieldOrder({"give_up", "delay_ns", "retries"})
  class BackoffDelay extends Structure {
    public byte give_up;
    public long delay_ns;
    public int retries;
  }

  int seawall_backoff_config_init(BackoffConfig config, long size);
  int seawall_backoff_new(BackoffConfig config, PointerByReference out);
  int seawall_backoff_new_with_clock(BackoffConfig config, Pointer clock, PointerByReference out);
  void seawall_backoff_free(Pointer p);
  int seawall_backoff_delay_for(Pointer p, int attempt, LongByReference out);
  int seawall_backoff_get_metrics(Pointer p, BackoffMetrics out);
  int seawall_backoff_start(Pointer p, ScheduleState out);
  int seawall_backoff_next_delay(Pointer p, ScheduleState state, byte hasRetryAfter, long retryAfterNs, BackoffDelay out);
  int seawall_backoff_next_delay_elapsed(Pointer p, ScheduleState state, long elapsedNs, byte hasRetryAfter, long retryAfterNs, BackoffDelay out);
  int seawall_backoff_finish(Pointer p, ScheduleState state);

  // ---- retry budget
  @Structure.FieldOrder({"struct_size", "max_tokens", "token_ratio"})
  class RetryBudgetConfig extends Structure {
    public int struct_size;
    public int max_tokens;
    public double token_ratio;

    public static class ByValue extends RetryBudgetConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({
    "struct_size", "tokens_milli", "max_tokens_milli", "threshold_milli", "retries_allowed", "retries_denied",
    "successes", "failures"
  })
  class RetryBudgetMetrics extends Structure {
    public int struct_size;
    public long tokens_milli, max_tokens_milli, threshold_milli, retries_allowed, retries_denied, successes, failures;
    /** Sets struct_size: the library writes only that many bytes. */
    public RetryBudgetMetrics() {
      struct_size = size();
    }
  }

  int seawall_retry_budget_config_init(RetryBudgetConfig config, long size);
  int seawall_retry_budget_new(RetryBudgetConfig config, PointerByReference out);
  int seawall_retry_budget_new_in_region(RetryBudgetConfig config, Pointer region, String name, PointerByReference out);
  void seawall_retry_budget_free(Pointer p);
  int seawall_retry_budget_try_retry(Pointer p);
  int seawall_retry_budget_record_failure(Pointer p);
  int seawall_retry_budget_record_success(Pointer p);
  int seawall_retry_budget_get_metrics(Pointer p, RetryBudgetMetrics out);

  // ---- adaptive timeout
  @Structure.FieldOrder({"struct_size", 
    "percentile", "multiplier", "min_timeout_ns", "max_timeout_ns", "initial_timeout_ns",
    "min_samples", "window_ns"
  })
  class AdaptiveTimeoutConfig extends Structure {
    public int struct_size;
    public double percentile, multiplier;
    public long min_timeout_ns, max_timeout_ns, initial_timeout_ns, min_samples, window_ns;

    public static class ByValue extends AdaptiveTimeoutConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"struct_size", "samples", "total", "p50_ns", "p95_ns", "p99_ns", "timeout_ns"})
  class AdaptiveTimeoutMetrics extends Structure {
    public int struct_size;
    public long samples, total, p50_ns, p95_ns, p99_ns, timeout_ns;
    /** Sets struct_size: the library writes only that many bytes. */
    public AdaptiveTimeoutMetrics() {
      struct_size = size();
    }
  }

  int seawall_adaptive_timeout_config_init(AdaptiveTimeoutConfig config, long size);
  int seawall_adaptive_timeout_new(AdaptiveTimeoutConfig config, PointerByReference out);
  int seawall_adaptive_timeout_new_with_clock(AdaptiveTimeoutConfig config, Pointer clock, PointerByReference out);
  void seawall_adaptive_timeout_free(Pointer p);
  int seawall_adaptive_timeout_record(Pointer p, long latencyNs);
  int seawall_adaptive_timeout_get(Pointer p, LongByReference out);
  int seawall_adaptive_timeout_get_metrics(Pointer p, AdaptiveTimeoutMetrics out);

  // ---- fault injector
  @Structure.FieldOrder({"struct_size", "error_rate", "delay_rate", "delay_min_ns", "delay_max_ns", "has_seed", "seed", "enabled"})
  class FaultInjectorConfig extends Structure {
    public int struct_size;
    public double error_rate, delay_rate;
    public long delay_min_ns, delay_max_ns;
    public byte has_seed;
    public long seed;
    public byte enabled;

    public static class ByValue extends FaultInjectorConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"kind", "delay_ns"})
  class Fault extends Structure {
    public int kind;
    public long delay_ns;
  }

  @Structure.FieldOrder({"struct_size", "decisions", "errors", "delays", "enabled"})
  class FaultInjectorMetrics extends Structure {
    public int struct_size;
    public long decisions, errors, delays;
    public byte enabled;
    /** Sets struct_size: the library writes only that many bytes. */
    public FaultInjectorMetrics() {
      struct_size = size();
    }
  }

  int seawall_fault_injector_config_init(FaultInjectorConfig config, long size);
  int seawall_fault_injector_new(FaultInjectorConfig config, PointerByReference out);
  int seawall_fault_injector_new_with_clock(FaultInjectorConfig config, Pointer clock, PointerByReference out);
  void seawall_fault_injector_free(Pointer p);
  int seawall_fault_injector_decide(Pointer p, Fault out);
  int seawall_fault_injector_check(Pointer p, LongByReference outDelayNs);
  String seawall_fault_kind_str(int kind);
  int seawall_fault_injector_set_enabled(Pointer p, byte enabled);
  int seawall_fault_injector_get_metrics(Pointer p, FaultInjectorMetrics out);

  // ---- policy guard
  @Structure.FieldOrder({"struct_size", "token_bucket", "sliding_window", "circuit_breaker", "bulkhead",
      "timeout_ns", "adaptive_timeout", "retry", "has_fallback"})
  class PolicyConfig extends Structure {
    public int struct_size;
    public Pointer token_bucket, sliding_window, circuit_breaker, bulkhead;
    public long timeout_ns;
    public Pointer adaptive_timeout, retry;
    public byte has_fallback;
  }

  int seawall_policy_config_init(PolicyConfig config, long size);
  int seawall_policy_new(PolicyConfig config, PointerByReference out);
  int seawall_policy_new_with_clock(PolicyConfig config, Pointer clock, PointerByReference out);
  void seawall_policy_free(Pointer p);
  int seawall_policy_try_acquire(Pointer p, Pointer guard);
  int seawall_policy_guard_is_probe(Pointer guard, ByteByReference out);
  int seawall_policy_guard_complete(Pointer guard, int outcome);
  int seawall_policy_guard_complete_with_duration(Pointer guard, int outcome, long durationNs);
  void seawall_policy_guard_release(Pointer guard);

  // ---- classify
  int seawall_parse_retry_after(String value, long nowUnixMs, ByteByReference valid, LongByReference delayNs);

  // ---- rate-limit headers (spec/headers.md)
  int seawall_quota_policy_new(String name, long limit, long windowNs, PointerByReference out);
  int seawall_quota_policy_from_token_bucket(String name, TokenBucketConfig config, PointerByReference out);
  int seawall_quota_policy_from_sliding_window(String name, SlidingWindowConfig config, PointerByReference out);
  void seawall_quota_policy_free(Pointer p);
  String seawall_rate_limit_header_name(int header);
  int seawall_rate_limit_header_value(Pointer policy, Decision decision, int header, byte[] buf, long bufLen, LongByReference outLen);

  byte seawall_is_retryable_status(int status);
  int seawall_retryable_statuses(PointerByReference outStatuses, LongByReference outLen);
  String seawall_retryable_kind_str(int kind);
  int seawall_retryable_kind_parse(String kind, IntByReference out);
  int seawall_retryable_kind_for_code(String code, IntByReference out);

  int seawall_classify_chain(ErrorLink links, long n, Verdict out);
  int seawall_outcome_for_error(byte ignored, int recorded, int seawallStatus, IntByReference out);

  @Structure.FieldOrder({"seawall_status", "transport", "http_status", "has_retry_after", "retry_after_ns"})
  class ErrorLink extends Structure {
    public int seawall_status, transport, http_status;
    public byte has_retry_after;
    public long retry_after_ns;
  }

  @Structure.FieldOrder({"retryable", "has_retry_after", "retry_after_ns", "decided_by"})
  class Verdict extends Structure {
    public byte retryable, has_retry_after;
    public long retry_after_ns;
    public int decided_by;
  }

  // ---- retry stage and the whole call
  @Structure.FieldOrder({"struct_size", "max_attempts", "retry_budget"})
  class RetryConfig extends Structure {
    public int struct_size, max_attempts;
    public Pointer retry_budget;
  }

  int seawall_retry_config_init(RetryConfig config, long size);
  int seawall_retry_new(Pointer backoff, RetryConfig config, PointerByReference out);
  void seawall_retry_free(Pointer p);

  @Structure.FieldOrder({"retryable", "has_retry_after", "outcome", "retry_after_ns"})
  class AttemptFailure extends Structure {
    public byte retryable, has_retry_after;
    public int outcome;
    public long retry_after_ns;

    public AttemptFailure(Pointer p) {
      super(p);
      read();
    }
  }


  /** seawall_policy_step, read in place by offset (Execution); mapped here for its layout. */
  @Structure.FieldOrder({"kind", "attempt", "has_timeout", "slot_held", "timeout_ns", "max_wait_ns", "delay_ns",
      "error", "error_attempts", "error_reason", "stage", "error_field"})
  class PolicyStep extends Structure {
    public int kind, attempt;
    public byte has_timeout, slot_held;
    public long timeout_ns, max_wait_ns, delay_ns;
    public int error, error_attempts, error_reason;
    public Pointer stage, error_field;

    public PolicyStep() {}

    int offset(String field) {
      return fieldOffset(field);
    }
  }

  /** sizeof(seawall_policy_run): 40 × uint64, caller-owned storage. */
  int POLICY_RUN_SIZE = 40 * 8;

  // start, end, next, on_success, on_failure: Hot (direct mapping)
  int seawall_policy_run_on_timeout(Pointer run, Pointer step);
  int seawall_policy_run_settle(Pointer run);
  int seawall_policy_run_try_claim(Pointer run, Pointer claimed, Pointer step);
  int seawall_policy_run_wait_timed_out(Pointer run, Pointer step);
  int seawall_policy_run_cancel(Pointer run);
  long seawall_policy_run_retry_after_ns(Pointer run);

  // ---- shared-memory regions (spec/shared_memory.md)
  @Structure.FieldOrder({"struct_size", "slots", "size"})
  class RegionConfig extends Structure {
    public int struct_size;
    public int slots;
    public long size;
  }

  int seawall_region_config_init(RegionConfig config, long size);
  int seawall_region_open(String name, RegionConfig config, PointerByReference out);
  void seawall_region_free(Pointer region);
  int seawall_region_remove(String name);

  // ---- Redis backend (spec/redis.md): every call blocks at most the backend's deadline
  @Structure.FieldOrder({"struct_size", "limit", "allowed", "denied", "redis_ok", "errors", "timeouts", "fallbacks",
      "short_circuited", "connects", "breaker_open"})
  class RedisMetrics extends Structure {
    public int struct_size;
    public long limit, allowed, denied, redis_ok, errors, timeouts, fallbacks, short_circuited, connects;
    public byte breaker_open;
    /** Sets struct_size: the library writes only that many bytes. */
    public RedisMetrics() {
      struct_size = size();
    }
  }

  int seawall_redis_backend_new(String url, long deadlineNs, int onFailure, PointerByReference out);
  void seawall_redis_backend_free(Pointer backend);
  int seawall_redis_token_bucket_new(Pointer backend, String name, TokenBucketConfig config, PointerByReference out);
  int seawall_redis_sliding_window_new(Pointer backend, String name, SlidingWindowConfig config, PointerByReference out);
  void seawall_redis_limiter_free(Pointer limiter);
  int seawall_redis_limiter_try_acquire(Pointer limiter, byte[] key, long keyLen, long n, long[] out);
  int seawall_redis_limiter_peek(Pointer limiter, byte[] key, long keyLen, long n, long[] out);
  int seawall_redis_limiter_refund(Pointer limiter, byte[] key, long keyLen, long n);
  int seawall_redis_limiter_metrics(Pointer limiter, RedisMetrics out);
  int seawall_redis_concurrency_limit_new(Pointer backend, String name, long maxConcurrent, long leaseNs, PointerByReference out);
  void seawall_redis_concurrency_limit_free(Pointer limit);
  int seawall_redis_concurrency_limit_try_acquire(Pointer limit, byte[] key, long keyLen, PointerByReference outLease, long[] retryAfterNs);
  int seawall_redis_lease_release(Pointer limit, Pointer lease, byte[] wasHeld);
  int seawall_redis_lease_renew(Pointer limit, Pointer lease, byte[] held);
  void seawall_redis_lease_free(Pointer lease);
  int seawall_redis_feature_flags_new(Pointer backend, String namespace, long cacheTtlNs, PointerByReference out);
  void seawall_redis_feature_flags_free(Pointer flags);
  int seawall_redis_feature_flags_is_enabled(Pointer flags, byte[] flag, long flagLen, byte safeDefault, byte[] out);
  int seawall_redis_feature_flags_set(Pointer flags, byte[] flag, long flagLen, byte on, byte[] written);
  int seawall_redis_feature_flags_disable(Pointer flags, byte[] flag, long flagLen, long forNs, byte[] written);

  // ---- metrics registry and events (spec/metrics.md)
  @Structure.FieldOrder({"name", "value"})
  class Label extends Structure {
    public String name;
    public String value;
  }

  int seawall_registry_new(String prefix, PointerByReference out);
  void seawall_registry_free(Pointer registry);
  void seawall_registration_free(Pointer registration);
  int seawall_registry_register_circuit_breaker(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_token_bucket(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_sliding_window(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_keyed_token_bucket(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_keyed_sliding_window(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_bulkhead(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_retry_budget(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_adaptive_timeout(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_fault_injector(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_register_backoff(Pointer registry, Pointer instance, String name, Label labels, long n, PointerByReference out);
  int seawall_registry_prometheus_text(Pointer registry, Pointer buf, long cap, LongByReference outLen);
  int seawall_registry_health_json(Pointer registry, Pointer buf, long cap, LongByReference outLen);

  @Structure.FieldOrder({"struct_size", "kind", "name", "from", "to", "at_ns", "by", "has_retry_after",
      "retry_after_ns", "key", "key_len", "attempt", "reason", "delay_ns", "limit_ns", "fault"})
  class Event extends Structure {
    public int struct_size;
    public int kind;
    public Pointer name;
    public int from;
    public int to;
    public long at_ns;
    public Pointer by;
    public byte has_retry_after;
    public long retry_after_ns;
    public Pointer key;
    public long key_len;
    public int attempt;
    public int reason;
    public long delay_ns;
    public long limit_ns;
    public int fault;

    public Event() {}

    Event(Pointer p) {
      super(p);
      read();
    }
  }

  interface EventFn extends Callback {
    void invoke(Pointer userData, Pointer event);
  }

  int seawall_events_subscribe(EventFn fn, Pointer userData, DestroyFn destroy, LongByReference outId);
  int seawall_events_unsubscribe(long id, ByteByReference outRemoved);
  String seawall_give_up_reason_str(int reason);
}
