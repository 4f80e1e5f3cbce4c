package dev.seawall.example;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * JNA mapping of the parts of include/seawall.h this example uses. Structures
 * mirror the C structs field by field (C {@code bool} is a one-byte
 * {@code byte} here). The last error is per thread: read it on the thread
 * that made the failing call, which JNA guarantees.
 */
public interface Seawall extends Library {
  Seawall LIB = Native.load("seawall", Seawall.class);

  int SEAWALL_OK = 0;
  int SEAWALL_INVALID_CONFIG = 1;
  int SEAWALL_INVALID_ARGUMENT = 2;
  int SEAWALL_CIRCUIT_OPEN = 3;
  int SEAWALL_BULKHEAD_FULL = 5;
  int SEAWALL_TIMEOUT = 6;
  int SEAWALL_NULL_ARGUMENT = 100;

  int SEAWALL_OUTCOME_SUCCESS = 0;
  int SEAWALL_OUTCOME_FAILURE = 1;

  String seawall_version();
  String seawall_status_str(int status);
  String seawall_last_error_message();
  String seawall_last_error_field();
  long seawall_last_error_retry_after_ns();
  String seawall_circuit_state_str(int state);

  int seawall_manual_clock_new(long startNs, PointerByReference out);
  int seawall_manual_clock_advance(Pointer clock, long ns);
  void seawall_manual_clock_free(Pointer clock);

  @Structure.FieldOrder({
    "struct_size", "has_failure_rate_threshold", "failure_rate_threshold",
    "has_slow_call_rate_threshold", "slow_call_rate_threshold",
    "slow_call_duration_threshold_ns", "window_kind", "window_size",
    "minimum_number_of_calls", "has_failure_count_threshold", "failure_count_threshold",
    "has_failure_count_period", "failure_count_period_ns", "open_duration_ns",
    "open_duration_multiplier", "has_max_open_duration", "max_open_duration_ns",
    "half_open_max_calls", "success_threshold"
  })
  class CircuitBreakerConfig extends Structure {
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

    public static class ByValue extends CircuitBreakerConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({
    "state", "calls", "successes", "failures", "slow", "ignored", "rejected", "transitions",
    "buffered_calls", "buffered_failures", "buffered_slow", "has_failure_rate", "failure_rate",
    "has_slow_call_rate", "slow_call_rate", "failure_count", "half_open_in_flight",
    "half_open_successes", "open_duration_ns"
  })
  class CircuitBreakerMetrics extends Structure {
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
  }

  /** Fills a config with the defaults; size is the struct's size (struct_size). */
  int seawall_circuit_breaker_config_init(CircuitBreakerConfig config, long size);

  /** A CircuitBreakerConfig holding the library's defaults. */
  static CircuitBreakerConfig circuitBreakerConfig() {
    CircuitBreakerConfig c = new CircuitBreakerConfig();
    int st = LIB.seawall_circuit_breaker_config_init(c, c.size());
    if (st != SEAWALL_OK) throw new IllegalStateException("seawall_circuit_breaker_config_init: " + st);
    return c;
  }
  int seawall_circuit_breaker_new_with_clock(CircuitBreakerConfig config, Pointer clock, PointerByReference out);
  int seawall_circuit_breaker_try_acquire(Pointer breaker, LongByReference outPermit);
  int seawall_circuit_breaker_record(Pointer breaker, LongByReference permit, int outcome, long durationNs);
  int seawall_circuit_breaker_state(Pointer breaker, IntByReference outState);
  int seawall_circuit_breaker_get_metrics(Pointer breaker, CircuitBreakerMetrics out);
  void seawall_circuit_breaker_free(Pointer breaker);

  @Structure.FieldOrder({"struct_size", "burst", "rate_per_sec", "has_initial_tokens", "initial_tokens"})
  class TokenBucketConfig extends Structure {
    public int struct_size;
    public long burst;
    public double rate_per_sec;
    public byte has_initial_tokens;
    public long initial_tokens;

    public static class ByValue extends TokenBucketConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"allowed", "remaining", "retry_after_ns", "reset_after_ns"})
  class Decision extends Structure {
    public byte allowed;
    public long remaining;
    public long retry_after_ns;
    public long reset_after_ns;
  }

  /** Fills a config with the defaults; size is the struct's size (struct_size). */
  int seawall_token_bucket_config_init(TokenBucketConfig config, long size);

  /** A TokenBucketConfig holding the library's defaults. */
  static TokenBucketConfig tokenBucketConfig() {
    TokenBucketConfig c = new TokenBucketConfig();
    int st = LIB.seawall_token_bucket_config_init(c, c.size());
    if (st != SEAWALL_OK) throw new IllegalStateException("seawall_token_bucket_config_init: " + st);
    return c;
  }
  int seawall_token_bucket_new_with_clock(TokenBucketConfig config, Pointer clock, PointerByReference out);
  int seawall_token_bucket_try_acquire(Pointer bucket, long n, Decision out);
  void seawall_token_bucket_free(Pointer bucket);

  @Structure.FieldOrder({"struct_size", "max_concurrent", "max_queue", "max_wait_ns"})
  class BulkheadConfig extends Structure {
    public int struct_size;
    public long max_concurrent;
    public long max_queue;
    public long max_wait_ns;

    public static class ByValue extends BulkheadConfig implements Structure.ByValue {}
  }

  @Structure.FieldOrder({"active", "queued", "total", "rejected", "max_concurrent", "max_queue"})
  class BulkheadMetrics extends Structure {
    public long active, queued, total, rejected, max_concurrent, max_queue;
  }

  /** Fills a config with the defaults; size is the struct's size (struct_size). */
  int seawall_bulkhead_config_init(BulkheadConfig config, long size);

  /** A BulkheadConfig holding the library's defaults. */
  static BulkheadConfig bulkheadConfig() {
    BulkheadConfig c = new BulkheadConfig();
    int st = LIB.seawall_bulkhead_config_init(c, c.size());
    if (st != SEAWALL_OK) throw new IllegalStateException("seawall_bulkhead_config_init: " + st);
    return c;
  }
  int seawall_bulkhead_new_with_clock(BulkheadConfig config, Pointer clock, PointerByReference out);
  int seawall_bulkhead_try_acquire(Pointer bulkhead, PointerByReference outPermit);
  int seawall_bulkhead_acquire(Pointer bulkhead, long timeoutNs, PointerByReference outPermit);
  int seawall_bulkhead_release(PointerByReference permit);
  int seawall_bulkhead_get_metrics(Pointer bulkhead, BulkheadMetrics out);
  void seawall_bulkhead_free(Pointer bulkhead);

  /**
   * seawall_transition_fn: runs on the thread that made the transition (a
   * JNA-attached native thread or a Java thread), possibly several at once.
   * Keep a strong reference while registered.
   */
  interface TransitionFn extends Callback {
    void invoke(Pointer userData, int from, int to, long atNs);
  }

  int seawall_circuit_breaker_on_transition(Pointer breaker, TransitionFn listener, Pointer userData, Callback destroy, LongByReference outId);
  int seawall_circuit_breaker_remove_listener(Pointer breaker, long id, com.sun.jna.ptr.ByteByReference outRemoved);

  int seawall_test_panic();
}
