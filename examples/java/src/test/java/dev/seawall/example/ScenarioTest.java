package dev.seawall.example;

import static dev.seawall.example.Seawall.LIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Go example's scenario, through JNA: breaker, bucket, bulkhead on a manual clock. */
class ScenarioTest {
  static final long SEC = 1_000_000_000L;
  Pointer clock;

  static void ok(int status) {
    assertEquals(Seawall.SEAWALL_OK, status,
        () -> LIB.seawall_status_str(status) + ": " + LIB.seawall_last_error_message());
  }

  @BeforeEach
  void clock() {
    PointerByReference out = new PointerByReference();
    ok(LIB.seawall_manual_clock_new(0, out));
    clock = out.getValue();
  }

  @AfterEach
  void freeClock() {
    LIB.seawall_manual_clock_free(clock);
  }

  String state(Pointer cb) {
    IntByReference st = new IntByReference();
    ok(LIB.seawall_circuit_breaker_state(cb, st));
    return LIB.seawall_circuit_state_str(st.getValue());
  }

  @Test
  void version() {
    assertEquals("0.1.0", LIB.seawall_version());
  }

  @Test
  void breakerOpensThenAProbeClosesIt() {
    Seawall.CircuitBreakerConfig cfg = Seawall.circuitBreakerConfig();
    assertEquals(60 * SEC, cfg.open_duration_ns);
    cfg.has_failure_count_threshold = 1;
    cfg.failure_count_threshold = 3;
    cfg.open_duration_ns = 10 * SEC;
    cfg.half_open_max_calls = 1;
    cfg.success_threshold = 1;
    PointerByReference out = new PointerByReference();
    ok(LIB.seawall_circuit_breaker_new_with_clock(cfg, clock, out));
    Pointer cb = out.getValue();
    java.util.List<String> heard = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Seawall.TransitionFn listener = (userData, from, to, atNs) ->
        heard.add(LIB.seawall_circuit_state_str(from) + "->" + LIB.seawall_circuit_state_str(to));
    LongByReference listenerId = new LongByReference();
    ok(LIB.seawall_circuit_breaker_on_transition(cb, listener, null, null, listenerId));
    try {
      LongByReference permit = new LongByReference();
      for (int i = 0; i < 3; i++) {
        ok(LIB.seawall_circuit_breaker_try_acquire(cb, permit));
        ok(LIB.seawall_circuit_breaker_record(cb, permit, Seawall.SEAWALL_OUTCOME_FAILURE, 1000));
      }
      assertEquals("open", state(cb));
      assertEquals(Seawall.SEAWALL_CIRCUIT_OPEN, LIB.seawall_circuit_breaker_try_acquire(cb, permit));
      assertEquals(10 * SEC, LIB.seawall_last_error_retry_after_ns());
      ok(LIB.seawall_manual_clock_advance(clock, 10 * SEC));
      ok(LIB.seawall_circuit_breaker_try_acquire(cb, permit));
      ok(LIB.seawall_circuit_breaker_record(cb, permit, Seawall.SEAWALL_OUTCOME_SUCCESS, 1000));
      assertEquals("closed", state(cb));
      Seawall.CircuitBreakerMetrics m = new Seawall.CircuitBreakerMetrics();
      ok(LIB.seawall_circuit_breaker_get_metrics(cb, m));
      assertEquals(3, m.transitions);
      assertEquals(3, m.failures);
      assertEquals(1, m.successes);
      assertEquals(1, m.rejected);
      assertEquals(java.util.List.of("closed->open", "open->half_open", "half_open->closed"), heard);
      com.sun.jna.ptr.ByteByReference removed = new com.sun.jna.ptr.ByteByReference();
      ok(LIB.seawall_circuit_breaker_remove_listener(cb, listenerId.getValue(), removed));
      assertEquals(1, removed.getValue());
    } finally {
      LIB.seawall_circuit_breaker_free(cb);
    }
  }

  @Test
  void bucketDeniesTheThirdCallForOneSecond() {
    Seawall.TokenBucketConfig cfg = Seawall.tokenBucketConfig();
    cfg.burst = 2;
    cfg.rate_per_sec = 1.0;
    PointerByReference out = new PointerByReference();
    ok(LIB.seawall_token_bucket_new_with_clock(cfg, clock, out));
    Pointer tb = out.getValue();
    try {
      Seawall.Decision d = new Seawall.Decision();
      for (int i = 0; i < 2; i++) {
        ok(LIB.seawall_token_bucket_try_acquire(tb, 1, d));
        assertEquals(1, d.allowed);
      }
      ok(LIB.seawall_token_bucket_try_acquire(tb, 1, d));
      assertEquals(0, d.allowed);
      assertEquals(SEC, d.retry_after_ns);
      ok(LIB.seawall_manual_clock_advance(clock, SEC));
      ok(LIB.seawall_token_bucket_try_acquire(tb, 1, d));
      assertEquals(1, d.allowed);
    } finally {
      LIB.seawall_token_bucket_free(tb);
    }
  }

  @Test
  void badConfigNamesTheField() {
    Seawall.TokenBucketConfig cfg = Seawall.tokenBucketConfig();
    cfg.rate_per_sec = -1;
    PointerByReference out = new PointerByReference();
    assertEquals(Seawall.SEAWALL_INVALID_CONFIG, LIB.seawall_token_bucket_new_with_clock(cfg, clock, out));
    assertEquals("rate_per_sec", LIB.seawall_last_error_field());
    assertTrue(LIB.seawall_last_error_message().contains("rate_per_sec"));
  }

  @Test
  void bulkheadRejectsAThirdCallUntilOneIsReleased() {
    Seawall.BulkheadConfig cfg = Seawall.bulkheadConfig();
    assertEquals(25, cfg.max_concurrent);
    cfg.max_concurrent = 2;
    PointerByReference out = new PointerByReference();
    ok(LIB.seawall_bulkhead_new_with_clock(cfg, clock, out));
    Pointer bh = out.getValue();
    try {
      PointerByReference p1 = new PointerByReference();
      PointerByReference p2 = new PointerByReference();
      PointerByReference p3 = new PointerByReference();
      ok(LIB.seawall_bulkhead_try_acquire(bh, p1));
      ok(LIB.seawall_bulkhead_try_acquire(bh, p2));
      assertEquals(Seawall.SEAWALL_BULKHEAD_FULL, LIB.seawall_bulkhead_try_acquire(bh, p3));
      assertEquals(Seawall.SEAWALL_BULKHEAD_FULL, LIB.seawall_bulkhead_acquire(bh, 0, p3));
      ok(LIB.seawall_bulkhead_release(p1));
      ok(LIB.seawall_bulkhead_try_acquire(bh, p3));
      Seawall.BulkheadMetrics m = new Seawall.BulkheadMetrics();
      ok(LIB.seawall_bulkhead_get_metrics(bh, m));
      assertEquals(2, m.active);
      assertEquals(3, m.total);
      assertEquals(2, m.rejected);
      ok(LIB.seawall_bulkhead_release(p2));
      ok(LIB.seawall_bulkhead_release(p3));
      ok(LIB.seawall_bulkhead_get_metrics(bh, m));
      assertEquals(0, m.active);
    } finally {
      LIB.seawall_bulkhead_free(bh);
    }
  }

  @Test
  void aPanicInsideSeawallIsAStatus() {
    assertEquals("panic", LIB.seawall_status_str(LIB.seawall_test_panic()));
    assertTrue(LIB.seawall_last_error_message().contains("panic"));
  }
}
