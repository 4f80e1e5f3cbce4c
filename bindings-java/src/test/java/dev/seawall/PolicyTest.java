package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PolicyTest {
  static final Duration MS = Duration.ofMillis(1);

  static Backoff constant(int attempts) {
    return Backoff.builder().kind(Backoff.Kind.CONSTANT).base(Duration.ofMillis(10)).factor(1)
        .maxDelay(Duration.ofSeconds(1)).jitter(Backoff.Jitter.NONE).maxAttempts(attempts).build();
  }

  @Test
  void guardStages() {
    try (ManualClock clock = ManualClock.create();
        TokenBucket tb = TokenBucket.builder().burst(3).ratePerSec(1).clock(clock).build();
        CircuitBreaker cb = PrimitivesTest.twoFailures().clock(clock).build();
        Bulkhead bh = Bulkhead.builder().maxConcurrent(1).build();
        Policy pol = Policy.builder().tokenBucket(tb).circuitBreaker(cb).bulkhead(bh).clock(clock).build()) {
      Policy.Guard g = pol.tryAcquire();
      assertFalse(g.isProbe());
      BulkheadFullException full = assertThrows(BulkheadFullException.class, pol::tryAcquire);
      assertEquals("bulkhead", full.stage());
      clock.advance(Duration.ofMillis(5));
      g.complete(Outcome.FAILURE);
      g.close(); // a no-op after complete
      assertEquals("guard", assertThrows(InvalidArgumentException.class, () -> g.complete(Outcome.SUCCESS)).field());
      cb.forceOpen();
      assertEquals("circuit_breaker", assertThrows(CircuitOpenException.class, pol::tryAcquire).stage());
      cb.reset();
      try (Policy.Guard g2 = pol.tryAcquire()) {
        g2.complete(Outcome.SUCCESS, MS);
      }
      pol.tryAcquire().close();
      RateLimitedException limited = assertThrows(RateLimitedException.class, pol::tryAcquire);
      assertEquals("rate_limiter", limited.stage());
      assertTrue(limited.retryAfter().compareTo(Duration.ZERO) > 0);
      assertEquals(1, cb.metrics().failures());
      assertEquals(1, cb.metrics().successes());
    }
  }

  static Backoff constantOn(ManualClock clock, int attempts) {
    return Backoff.builder().kind(Backoff.Kind.CONSTANT).base(Duration.ofMillis(10)).factor(1)
        .maxDelay(Duration.ofSeconds(1)).jitter(Backoff.Jitter.NONE).maxAttempts(attempts).clock(clock).build();
  }

  static final class Http extends RuntimeException implements Classify.HasHttpStatus {
    private static final long serialVersionUID = 1L;
    private final int status;

    Http(int status) {
      super("http " + status);
      this.status = status;
    }

    @Override
    public int httpStatus() {
      return status;
    }
  }

  @Test
  void executeRetriesThenSucceeds() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().clock(clock).build();
        Backoff b = constantOn(clock, 4); Policy pol = Policy.builder().circuitBreaker(cb).retry(b).clock(clock).build()) {
      AtomicInteger calls = new AtomicInteger();
      String r = pol.execute(() -> {
        if (calls.incrementAndGet() < 3) {
          throw new PrimitivesTest.CodeError("ECONNRESET");
        }
        return "ok";
      });
      assertEquals("ok", r);
      assertEquals(3, calls.get());
      assertEquals(Duration.ofMillis(20), clock.now()); // core slept 2 x 10 ms on the manual clock
      assertEquals(2, cb.metrics().failures());
      assertEquals(1, cb.metrics().successes());
    }
  }

  @Test
  void executeDoesNotRetryOtherFailures() {
    try (ManualClock clock = ManualClock.create(); Backoff b = constantOn(clock, 4);
        Policy pol = Policy.builder().retry(b).clock(clock).build()) {
      AtomicInteger calls = new AtomicInteger();
      IllegalStateException boom = new IllegalStateException("boom");
      assertSame(boom, assertThrows(IllegalStateException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw boom;
      })));
      assertEquals(1, calls.get());
      assertThrows(Http.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new Http(404);
      }));
      assertEquals(2, calls.get());
    }
  }

  @Test
  void executeRetriesExhausted() {
    try (ManualClock clock = ManualClock.create(); Backoff b = constantOn(clock, 3);
        Policy pol = Policy.builder().retry(b).clock(clock).build()) {
      AtomicInteger calls = new AtomicInteger();
      RetryExhaustedException e = assertThrows(RetryExhaustedException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new Http(503);
      }));
      assertEquals(3, calls.get());
      assertEquals(3, e.attempts());
      assertEquals(ErrorKind.RETRY_EXHAUSTED, e.kind());
      assertTrue(e.getCause() instanceof Http);
    }
  }

  @Test
  void executeStopsWhenTheBudgetSaysSo() {
    try (ManualClock clock = ManualClock.create(); RetryBudget rb = RetryBudget.builder().maxTokens(10).tokenRatio(0.1).build();
        Backoff b = constantOn(clock, 100); Policy pol = Policy.builder().retry(b).budget(rb).clock(clock).build()) {
      AtomicInteger calls = new AtomicInteger();
      RetryBudgetExhaustedException e = assertThrows(RetryBudgetExhaustedException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new PrimitivesTest.CodeError("ETIMEDOUT");
      }));
      assertEquals(5, calls.get()); // a failure costs a token; retries stop at half of 10
      assertTrue(e.getCause() instanceof PrimitivesTest.CodeError);
      assertEquals(42, pol.execute(() -> 42));
    }
  }

  static final class RetryLater extends RuntimeException implements Classify.HasHttpStatus, Classify.HasRetryAfter {
    private static final long serialVersionUID = 1L;

    @Override
    public int httpStatus() {
      return 503;
    }

    @Override
    public Duration retryAfter() {
      return Duration.ofSeconds(3);
    }
  }

  @Test
  void executeThrowsRejectionsAndHonoursRetryAfter() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = PrimitivesTest.twoFailures().clock(clock).build();
        Backoff b = constantOn(clock, 3); Policy pol = Policy.builder().circuitBreaker(cb).retry(b).clock(clock).build()) {
      cb.forceOpen();
      AtomicInteger calls = new AtomicInteger();
      assertEquals("circuit_breaker", assertThrows(CircuitOpenException.class, () -> pol.run(calls::incrementAndGet)).stage());
      assertEquals(0, calls.get());
      cb.reset();
      pol.run(() -> {
        int n = calls.incrementAndGet();
        if (n == 1) {
          throw new RetryLater();
        }
        if (n == 2) {
          throw new RateLimitedException("", "", "", Duration.ZERO); // core retries its own rate_limited
        }
      });
      assertEquals(3, calls.get());
      assertEquals(Duration.ofSeconds(3).plusMillis(10), clock.now());
    }
  }

  @Test
  void executeFallback() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().clock(clock).build();
        Backoff b = constantOn(clock, 2)) {
      List<Throwable> seen = new ArrayList<>();
      try (Policy pol = Policy.builder().circuitBreaker(cb).retry(b).clock(clock)
          .fallback(e -> {
            seen.add(e);
            return "fallback";
          }).build()) {
        IllegalStateException boom = new IllegalStateException("boom");
        assertEquals("fallback", pol.execute(() -> {
          throw boom;
        }));
        assertEquals("fallback", pol.execute(() -> {
          throw new PrimitivesTest.CodeError("ECONNRESET");
        }));
        cb.forceOpen();
        assertEquals("fallback", pol.execute(() -> "not called"));
        assertEquals(3, seen.size());
        assertSame(boom, seen.get(0));
        assertEquals(2, ((RetryExhaustedException) seen.get(1)).attempts());
        assertTrue(seen.get(1).getCause() instanceof PrimitivesTest.CodeError);
        assertEquals("circuit_breaker", ((CircuitOpenException) seen.get(2)).stage());
      }
      try (Policy pol = Policy.builder().fallback(e -> {
        throw new IllegalArgumentException("fallback failed");
      }).build()) {
        assertEquals("fallback failed", assertThrows(IllegalArgumentException.class, () -> pol.execute(() -> {
          throw new IllegalStateException("boom");
        })).getMessage());
      }
    }
  }

  @Test
  void executeTimeoutIsTheAttemptDeadline() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().clock(clock).build();
        Backoff b = constantOn(clock, 2);
        Policy pol = Policy.builder().circuitBreaker(cb).timeout(Duration.ofMillis(100)).retry(b).clock(clock).build()) {
      assertNull(Policy.currentAttempt());
      List<Policy.Attempt> attempts = new ArrayList<>();
      RetryExhaustedException e = assertThrows(RetryExhaustedException.class, () -> pol.run(() -> {
        attempts.add(Policy.currentAttempt());
        clock.advance(Duration.ofMillis(150)); // runs over its limit on the policy's clock, returns normally
      }));
      assertEquals(2, e.attempts());
      assertNull(e.getCause());
      assertEquals(List.of(new Policy.Attempt(1, Duration.ofMillis(100)), new Policy.Attempt(2, Duration.ofMillis(100))), attempts);
      assertEquals(2, cb.metrics().failures());
      assertNull(Policy.currentAttempt());
    }
    try (ManualClock clock = ManualClock.create(); Policy pol = Policy.builder().timeout(Duration.ofMillis(100)).clock(clock).build()) {
      assertThrows(SeawallTimeoutException.class, () -> pol.run(() -> clock.advance(Duration.ofMillis(101))));
      pol.run(() -> clock.advance(Duration.ofMillis(100)));
    }
  }

  @Test
  void executeOpensTheBreaker() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = PrimitivesTest.twoFailures().clock(clock).build();
        Policy pol = Policy.builder().circuitBreaker(cb).clock(clock).build()) {
      for (int i = 0; i < 2; i++) {
        assertThrows(IllegalStateException.class, () -> pol.run(() -> {
          throw new IllegalStateException("boom");
        }));
      }
      assertEquals(CircuitState.OPEN, cb.state());
      CircuitOpenException e = assertThrows(CircuitOpenException.class, () -> pol.run(() -> {
        throw new AssertionError("called");
      }));
      assertEquals(Duration.ofSeconds(10), e.retryAfter());
    }
  }

  @Test
  void aThrowingSupplierIsTheCallsFailure() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().clock(clock).build();
        Bulkhead bh = Bulkhead.builder().maxConcurrent(1).clock(clock).build();
        Policy pol = Policy.builder().circuitBreaker(cb).bulkhead(bh).clock(clock).build()) {
      assertThrows(UnsupportedOperationException.class, () -> pol.run(() -> {
        throw new UnsupportedOperationException("kaboom");
      }));
      assertEquals(1, cb.metrics().failures());
      assertEquals(0, bh.metrics().active());
    }
  }

  @Test
  void anErrorFinishesWithoutAnOutcome() {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().build();
        Bulkhead bh = Bulkhead.builder().maxConcurrent(1).build(); Backoff b = constantOn(clock, 3);
        Policy pol = Policy.builder().circuitBreaker(cb).bulkhead(bh).retry(b).clock(clock)
            .fallback(e -> "fallback").build()) {
      AtomicInteger calls = new AtomicInteger();
      assertThrows(AssertionError.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new AssertionError("not an exception");
      }));
      assertEquals(1, calls.get());
      assertEquals(0, cb.metrics().failures());
      assertEquals(0, cb.metrics().successes());
      assertEquals(0, bh.metrics().active());
    }
  }

  /** An interrupt ends a sleep between attempts at once: Java sleeps where core says, not core. */
  @Test
  void interruptEndsTheSleepBetweenAttempts() throws Exception {
    try (CircuitBreaker cb = CircuitBreaker.builder().build();
        Backoff hour = Backoff.builder().kind(Backoff.Kind.CONSTANT).base(Duration.ofHours(1)).factor(1)
            .maxDelay(Duration.ofHours(1)).jitter(Backoff.Jitter.NONE).maxAttempts(3).build();
        Policy pol = Policy.builder().circuitBreaker(cb).retry(hour).build()) {
      java.util.concurrent.CountDownLatch sleeping = new java.util.concurrent.CountDownLatch(1);
      long id = Events.subscribe(e -> {
        if (e.kind.equals("retry_scheduled")) {
          sleeping.countDown();
        }
      });
      try {
        AtomicInteger calls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean flagSet = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
          try {
            pol.run(() -> {
              calls.incrementAndGet();
              throw new SeawallTimeoutException("", "", "", Duration.ZERO); // retryable: the next attempt in an hour
            });
          } catch (Throwable e) {
            thrown.set(e);
            flagSet.set(Thread.currentThread().isInterrupted());
          }
        });
        t.start();
        assertTrue(sleeping.await(60, java.util.concurrent.TimeUnit.SECONDS));
        t.interrupt();
        t.join(60_000);
        assertFalse(t.isAlive(), "still sleeping a minute after the interrupt");
        assertTrue(thrown.get() instanceof java.util.concurrent.CancellationException, String.valueOf(thrown.get()));
        assertTrue(flagSet.get(), "the interrupt flag is set again");
        assertEquals(1, calls.get());
        assertEquals(1, cb.metrics().failures(), "the failed attempt is recorded");
        assertEquals(0, cb.metrics().successes());
      } finally {
        Events.unsubscribe(id);
      }
    }
  }
}
