package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  @Test
  void executeRetriesRetryableFailures() {
    List<Duration> sleeps = new ArrayList<>();
    try (CircuitBreaker cb = CircuitBreaker.builder().build(); Backoff b = constant(4);
        Policy pol = Policy.builder().circuitBreaker(cb).retry(b).sleeper(sleeps::add).build()) {
      AtomicInteger calls = new AtomicInteger();
      String r = pol.execute(() -> {
        if (calls.incrementAndGet() < 3) {
          throw new PrimitivesTest.CodeError("ECONNRESET");
        }
        return "ok";
      });
      assertEquals("ok", r);
      assertEquals(3, calls.get());
      assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(10)), sleeps);
      assertEquals(2, cb.metrics().failures());
      assertEquals(1, cb.metrics().successes());
    }
  }

  @Test
  void executeDoesNotRetryOtherFailures() {
    try (Backoff b = constant(4); Policy pol = Policy.builder().retry(b).sleeper(d -> {}).build()) {
      IllegalStateException boom = new IllegalStateException("boom");
      AtomicInteger calls = new AtomicInteger();
      assertSame(boom, assertThrows(IllegalStateException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw boom;
      })));
      assertEquals(1, calls.get());
    }
  }

  @Test
  void executeGivesUpWhenTheScheduleDoes() {
    try (Backoff b = constant(3); Policy pol = Policy.builder().retry(b).retryIf(e -> true).sleeper(d -> {}).build()) {
      AtomicInteger calls = new AtomicInteger();
      RetryExhaustedException e = assertThrows(RetryExhaustedException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new IllegalStateException("boom");
      }));
      assertEquals(3, e.attempts());
      assertEquals(3, calls.get());
      assertTrue(e.getCause() instanceof IllegalStateException);
    }
  }

  @Test
  void executeStopsWhenTheBudgetSaysSo() {
    try (RetryBudget rb = RetryBudget.builder().maxTokens(10).tokenRatio(0.1).build(); Backoff b = constant(100);
        Policy pol = Policy.builder().retry(b).budget(rb).sleeper(d -> {}).build()) {
      AtomicInteger calls = new AtomicInteger();
      RetryBudgetExhaustedException e = assertThrows(RetryBudgetExhaustedException.class, () -> pol.run(() -> {
        calls.incrementAndGet();
        throw new PrimitivesTest.CodeError("ETIMEDOUT");
      }));
      assertEquals(5, calls.get());
      assertTrue(e.getCause() instanceof PrimitivesTest.CodeError);
      assertEquals(4, rb.metrics().retriesAllowed());
      assertEquals(1, rb.metrics().retriesDenied());
      assertEquals(42, pol.execute(() -> 42));
      assertEquals(1, rb.metrics().successes());
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
    List<Duration> sleeps = new ArrayList<>();
    try (CircuitBreaker cb = PrimitivesTest.twoFailures().build(); Backoff b = constant(3);
        Policy pol = Policy.builder().circuitBreaker(cb).retry(b).sleeper(sleeps::add).build()) {
      cb.forceOpen();
      AtomicInteger calls = new AtomicInteger();
      assertEquals("circuit_breaker", assertThrows(CircuitOpenException.class, () -> pol.run(calls::incrementAndGet)).stage());
      assertEquals(0, calls.get());
      cb.reset();
      pol.run(() -> {
        if (calls.incrementAndGet() == 1) {
          throw new RetryLater();
        }
      });
      assertEquals(List.of(Duration.ofSeconds(3)), sleeps);
    }
  }

  @Test
  void anErrorReleasesTheGuardWithoutAnOutcome() {
    try (CircuitBreaker cb = CircuitBreaker.builder().build(); Bulkhead bh = Bulkhead.builder().maxConcurrent(1).build();
        Policy pol = Policy.builder().circuitBreaker(cb).bulkhead(bh).build()) {
      assertThrows(AssertionError.class, () -> pol.run(() -> {
        throw new AssertionError("not an exception");
      }));
      assertEquals(0, cb.metrics().calls());
      assertEquals(0, bh.metrics().active());
    }
  }
}
