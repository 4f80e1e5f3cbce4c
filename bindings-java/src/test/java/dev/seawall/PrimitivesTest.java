package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrimitivesTest {
  static final Duration MS = Duration.ofMillis(1);
  static final Duration SEC = Duration.ofSeconds(1);

  static CircuitBreaker.Builder twoFailures() {
    return CircuitBreaker.builder().noFailureRateThreshold().noSlowCallRateThreshold()
        .failureCountThreshold(2).openDuration(Duration.ofSeconds(10)).halfOpenMaxCalls(1).successThreshold(1);
  }

  @Test
  void manualClock() {
    try (ManualClock c = ManualClock.create(Duration.ofSeconds(5))) {
      c.advance(Duration.ofSeconds(2));
      assertEquals(Duration.ofSeconds(7), c.now());
      c.set(SEC);
      assertEquals(SEC, c.now());
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> c.advance(Duration.ofNanos(-1)));
      assertEquals("d", e.field());
    }
    assertTrue(ManualClock.monotonicNow().toNanos() > 0);
  }

  @Test
  void circuitBreakerTripsProbesAndCloses() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = twoFailures().clock(clock).build()) {
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      long id = cb.onTransition((from, to, at) -> seen.add(from.wireName() + "->" + to.wireName()));
      for (int i = 0; i < 2; i++) {
        cb.record(cb.tryAcquire(), Outcome.FAILURE, MS);
      }
      assertEquals(CircuitState.OPEN, cb.state());
      CircuitOpenException open = assertThrows(CircuitOpenException.class, cb::tryAcquire);
      assertEquals(Duration.ofSeconds(10), open.retryAfter());
      assertEquals(ErrorKind.CIRCUIT_OPEN, open.kind());
      clock.advance(Duration.ofSeconds(10));
      CircuitBreaker.Permit probe = cb.tryAcquire();
      assertTrue(probe.isProbe());
      cb.record(probe, Outcome.SUCCESS, MS);
      CircuitBreaker.Metrics m = cb.metrics();
      assertEquals(CircuitState.CLOSED, m.state());
      assertEquals(2, m.failures());
      assertEquals(1, m.successes());
      assertEquals(1, m.rejected());
      assertEquals(3, m.transitions());
      assertTrue(Double.isNaN(m.failureRate()));
      assertEquals(List.of("closed->open", "open->half_open", "half_open->closed"), seen);
      assertTrue(cb.removeListener(id));
      assertFalse(cb.removeListener(id));
      cb.forceOpen();
      assertEquals(3, seen.size());
    }
  }

  @Test
  void circuitBreakerManualStates() {
    try (CircuitBreaker cb = twoFailures().build()) {
      cb.forceOpen();
      assertThrows(CircuitOpenException.class, cb::tryAcquire);
      cb.disable();
      cb.release(cb.tryAcquire());
      cb.metricsOnly();
      for (int i = 0; i < 5; i++) {
        cb.record(cb.tryAcquire(), Outcome.FAILURE, MS);
      }
      assertEquals(CircuitState.METRICS_ONLY, cb.state());
      cb.reset();
      assertEquals(CircuitState.CLOSED, cb.state());
      cb.record(cb.tryAcquire(), Outcome.IGNORED, Duration.ZERO);
      assertEquals(1, cb.metrics().ignored());
      // checked permits: finished once; recording again names the permit
      CircuitBreaker.Permit p = cb.tryAcquire();
      assertFalse(p.isFinished());
      assertEquals("outcome", assertThrows(InvalidArgumentException.class, () -> cb.record(p, null, Duration.ZERO)).field());
      cb.record(p, Outcome.SUCCESS, Duration.ZERO);
      assertTrue(p.isFinished());
      assertEquals("permit", assertThrows(InvalidArgumentException.class, () -> cb.record(p, Outcome.SUCCESS, Duration.ZERO)).field());
      cb.release(p); // releasing a finished permit does nothing
    }
  }

  @Test
  void tokenBucket() {
    try (ManualClock clock = ManualClock.create();
        TokenBucket tb = TokenBucket.builder().burst(2).ratePerSec(1).clock(clock).build()) {
      assertTrue(tb.tryAcquire().allowed());
      assertTrue(tb.tryAcquire(1).allowed());
      Decision d = tb.tryAcquire();
      assertFalse(d.allowed());
      assertEquals(SEC, d.retryAfter());
      assertEquals(0, d.remaining());
      assertFalse(tb.peek(1).allowed());
      tb.refund(1);
      assertTrue(tb.tryAcquire().allowed());
      clock.advance(SEC);
      assertTrue(tb.tryAcquire().allowed());
      TokenBucket.Metrics m = tb.metrics();
      assertEquals(new TokenBucket.Metrics(2, 0, SEC, 4, 1, 0), m);
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> tb.tryAcquire(3));
      assertEquals("n", e.field());
    }
  }

  @Test
  void slidingWindow() {
    try (ManualClock clock = ManualClock.create();
        SlidingWindow sw = SlidingWindow.builder().limit(2).window(SEC).buckets(1).clock(clock).build()) {
      assertTrue(sw.tryAcquire(2).allowed());
      Decision d = sw.tryAcquire();
      assertFalse(d.allowed());
      assertTrue(d.retryAfter().compareTo(Duration.ZERO) > 0);
      assertFalse(sw.peek(1).allowed());
      sw.refund(1);
      assertTrue(sw.tryAcquire().allowed());
      clock.advance(d.retryAfter().plus(SEC));
      assertTrue(sw.tryAcquire(2).allowed());
      assertEquals(new SlidingWindow.Metrics(2, 2, 3, 1, 0), sw.metrics());
    }
  }

  @Test
  void keyedTokenBucket() {
    try (KeyedTokenBucket k = KeyedTokenBucket.builder().bucket(TokenBucket.builder().burst(1).ratePerSec(1))
        .hashSeed(7).clock(ManualClock.create()).build()) {
      assertTrue(k.tryAcquire("alice", 1).allowed());
      assertFalse(k.tryAcquire("alice", 1).allowed());
      assertTrue(k.tryAcquire("bob", 1).allowed());
      k.refund("alice", 1);
      assertTrue(k.tryAcquire("alice", 1).allowed());
      assertTrue(k.tryAcquire(new byte[0], 1).allowed());
      KeyedMetrics m = k.metrics();
      assertEquals(3, m.keysTracked());
      assertTrue(m.capacity() >= 10000, "capacity is the slot count, at least maxKeys");
      assertEquals("n", assertThrows(InvalidArgumentException.class, () -> k.tryAcquire("x", 2)).field());
    }
  }

  @Test
  void keyedSlidingWindow() {
    try (ManualClock clock = ManualClock.create();
        KeyedSlidingWindow k = KeyedSlidingWindow.builder()
            .window(SlidingWindow.builder().limit(1).window(SEC).buckets(1)).maxKeys(2).clock(clock).build()) {
      assertTrue(k.tryAcquire("alice", 1).allowed());
      assertFalse(k.tryAcquire("alice", 1).allowed());
      assertTrue(k.tryAcquire("bob", 1).allowed());
      // maxKeys is what the table always admits; its slot count (capacity) bounds memory.
      long capacity = k.metrics().capacity();
      assertTrue(capacity >= 2);
      int admitted = 2;
      for (int i = 0; i < 100; i++) {
        if (k.tryAcquire("user-" + i, 1).allowed()) admitted++;
      }
      assertTrue(admitted <= capacity, "never more keys than slots");
      assertTrue(k.metrics().tableFull() >= 1, "table full: denied by default");
    }
  }

  @Test
  void bulkhead() throws Exception {
    try (Bulkhead bh = Bulkhead.builder().maxConcurrent(1).maxQueue(1).build()) {
      Bulkhead.Permit p1 = bh.tryAcquire();
      assertThrows(BulkheadFullException.class, bh::tryAcquire);
      assertThrows(BulkheadFullException.class, () -> bh.acquire(Duration.ZERO));
      Thread waiter = new Thread(() -> {
        try (Bulkhead.Permit p = bh.acquire(Duration.ofMinutes(1))) {
          // got the slot handed over
        }
      });
      waiter.start();
      while (bh.metrics().queued() != 1) {
        Thread.onSpinWait();
      }
      assertThrows(BulkheadFullException.class, () -> bh.acquire(Duration.ofMinutes(1)), "queue full");
      p1.close();
      p1.close(); // a no-op
      waiter.join();
      Bulkhead.Metrics m = bh.metrics();
      assertEquals(0, m.active());
      assertEquals(2, m.total());
      assertEquals(3, m.rejected());
    }
  }

  @Test
  void backoffSchedule() {
    try (Backoff b = Backoff.builder().kind(Backoff.Kind.CONSTANT).base(Duration.ofMillis(100)).factor(1)
        .maxDelay(SEC).jitter(Backoff.Jitter.NONE).maxAttempts(3).build()) {
      try (Backoff.Schedule s = b.start()) {
        assertEquals(Optional.of(Duration.ofMillis(100)), s.next());
        assertEquals(Optional.of(Duration.ofMillis(100)), s.next());
        assertEquals(Optional.empty(), s.next());
        assertTrue(s.done());
        assertEquals(2, s.retries());
      }
      try (Backoff.Schedule s = b.start()) {
        assertEquals(Optional.of(Duration.ofSeconds(7)), s.next(Duration.ofSeconds(7)));
        assertEquals(Optional.of(Duration.ofMillis(100)), s.nextElapsed(Duration.ZERO, null));
      }
      assertEquals(new Backoff.Metrics(2, 4, 1, 0), b.metrics());
    }
    try (Backoff exp = Backoff.builder().base(Duration.ofMillis(100)).factor(2).maxDelay(Duration.ofMillis(300))
        .jitter(Backoff.Jitter.NONE).build()) {
      assertEquals(Duration.ZERO, exp.delayFor(0));
      assertEquals(Duration.ofMillis(100), exp.delayFor(1));
      assertEquals(Duration.ofMillis(200), exp.delayFor(2));
      assertEquals(Duration.ofMillis(300), exp.delayFor(3));
    }
  }

  @Test
  void backoffSeedGivesTheSameJitter() {
    List<List<Duration>> runs = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      try (Backoff b = Backoff.builder().seed(42).maxAttempts(6).build(); Backoff.Schedule s = b.start()) {
        List<Duration> delays = new ArrayList<>();
        for (Optional<Duration> d = s.next(); d.isPresent(); d = s.next()) {
          delays.add(d.get());
        }
        runs.add(delays);
      }
    }
    assertEquals(5, runs.get(0).size());
    assertEquals(runs.get(0), runs.get(1));
  }

  @Test
  void retryBudget() {
    try (RetryBudget rb = RetryBudget.builder().maxTokens(10).tokenRatio(0.1).build()) {
      int allowed = 0;
      for (int i = 0; i < 10; i++) {
        if (rb.tryRetry()) {
          allowed++;
        }
      }
      // gRFC A6: 10 tokens, threshold 5: 9, 8, 7, 6 allowed; 5 and below denied
      assertEquals(4, allowed);
      rb.recordFailure();
      rb.recordSuccess();
      assertEquals(new RetryBudget.Metrics(100, 10000, 5000, 4, 6, 1, 11), rb.metrics());
    }
  }

  @Test
  void adaptiveTimeout() {
    try (AdaptiveTimeout at = AdaptiveTimeout.builder().percentile(0.5).multiplier(2).minTimeout(Duration.ofMillis(10))
        .maxTimeout(Duration.ofSeconds(10)).initialTimeout(Duration.ofSeconds(5)).minSamples(10)
        .window(Duration.ofSeconds(30)).clock(ManualClock.create()).build()) {
      assertEquals(Duration.ofSeconds(5), at.timeout());
      for (int i = 0; i < 100; i++) {
        at.record(Duration.ofMillis(100));
      }
      Duration t = at.timeout();
      assertTrue(t.compareTo(Duration.ofMillis(180)) >= 0 && t.compareTo(Duration.ofMillis(220)) <= 0, t.toString());
      AdaptiveTimeout.Metrics m = at.metrics();
      assertEquals(100, m.total());
      assertEquals(t, m.timeout());
      assertEquals("latency", assertThrows(InvalidArgumentException.class, () -> at.record(Duration.ofMillis(-1))).field());
    }
  }

  @Test
  void faultInjector() {
    try (FaultInjector fi = FaultInjector.builder().errorRate(1).delay(MS, MS).build()) {
      assertThrows(InjectedFaultException.class, fi::check);
      assertEquals(FaultInjector.Kind.ERROR, fi.decide().kind());
      fi.setEnabled(false);
      assertEquals(Duration.ZERO, fi.check());
      assertEquals(new FaultInjector.Metrics(3, 2, 0, false), fi.metrics());
    }
    try (FaultInjector fi = FaultInjector.builder().delayRate(1).delay(Duration.ofMillis(50), Duration.ofMillis(50)).build()) {
      assertEquals(Duration.ofMillis(50), fi.check());
    }
    List<List<FaultInjector.Kind>> runs = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      try (FaultInjector fi = FaultInjector.builder().errorRate(0.5).delay(MS, MS).seed(9).build()) {
        List<FaultInjector.Kind> kinds = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          kinds.add(fi.decide().kind());
        }
        runs.add(kinds);
      }
    }
    assertEquals(runs.get(0), runs.get(1));
  }

  static final class HttpError extends RuntimeException implements Classify.HasHttpStatus {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status) {
      super("HTTP " + status);
      this.status = status;
    }

    @Override
    public int httpStatus() {
      return status;
    }
  }

  static final class CodeError extends RuntimeException implements Classify.HasErrorCode {
    private static final long serialVersionUID = 1L;

    CodeError(String code) {
      super(code);
    }

    @Override
    public String errorCode() {
      return getMessage();
    }
  }

  @Test
  void classify() {
    assertEquals(List.of(408, 429, 500, 502, 503, 504), Classify.retryableStatuses());
    assertTrue(Classify.isRetryableStatus(503));
    assertFalse(Classify.isRetryableStatus(501));
    assertFalse(Classify.isRetryableStatus(-1));
    assertEquals(Classify.RetryableKind.CONNECTION_RESET, Classify.kindForCode("ECONNRESET"));
    assertEquals("connection_reset", Classify.RetryableKind.CONNECTION_RESET.wireName());
    assertEquals(Classify.RetryableKind.NONE, Classify.kindForCode("EAI_NONAME"));
    assertEquals(Classify.RetryableKind.TIMED_OUT, Classify.parseKind("timed_out"));
    assertEquals(Classify.RetryableKind.NONE, Classify.parseKind("bogus"));
    assertTrue(Classify.isRetryable(new ConnectException("refused")));
    assertTrue(Classify.isRetryable(new RuntimeException(new SocketTimeoutException("read"))));
    assertTrue(Classify.isRetryable(new SocketException("Connection reset")));
    assertTrue(Classify.isRetryable(new CodeError("UNAVAILABLE")));
    assertFalse(Classify.isRetryable(new CodeError("NOT_FOUND")));
    assertTrue(Classify.isRetryable(new HttpError(503)));
    assertFalse(Classify.isRetryable(new HttpError(404)));
    assertFalse(Classify.isRetryable(new IOException("disk")));
    assertFalse(Classify.isRetryable(new CircuitOpenException("", "open", "", SEC)));
    assertNotEquals("", Seawall.version());
  }
}
