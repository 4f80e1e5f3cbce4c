package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Eight threads hammering one primitive each time, with the invariants checked. */
class ConcurrencyTest {
  static final int THREADS = 8;
  ExecutorService pool;

  @BeforeEach
  void start() {
    pool = Executors.newFixedThreadPool(THREADS);
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  void hammer(Callable<Void> body) throws Exception {
    List<Future<Void>> fs = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      fs.add(pool.submit(body));
    }
    for (Future<Void> f : fs) {
      f.get();
    }
  }

  @Test
  void bulkheadNeverAdmitsMoreThanMax() throws Exception {
    try (Bulkhead bh = Bulkhead.builder().maxConcurrent(3).maxQueue(THREADS).build()) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxSeen = new AtomicInteger();
      AtomicLong granted = new AtomicLong();
      AtomicLong rejected = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 2000; i++) {
          Bulkhead.Permit p;
          try {
            p = i % 2 == 0 ? bh.tryAcquire() : bh.acquire(Duration.ofSeconds(30));
          } catch (BulkheadFullException e) {
            rejected.incrementAndGet();
            continue;
          }
          try (p) {
            int n = inFlight.incrementAndGet();
            maxSeen.accumulateAndGet(n, Math::max);
            granted.incrementAndGet();
            inFlight.decrementAndGet();
          }
        }
        return null;
      });
      assertTrue(maxSeen.get() <= 3, "max in flight " + maxSeen.get());
      Bulkhead.Metrics m = bh.metrics();
      assertEquals(0, m.active());
      assertEquals(0, m.queued());
      assertEquals(granted.get(), m.total());
      assertEquals(rejected.get(), m.rejected());
      assertEquals(THREADS * 2000L, granted.get() + rejected.get());
    }
  }

  @Test
  void tokenBucketGrantsExactlyTheBurst() throws Exception {
    try (ManualClock clock = ManualClock.create();
        TokenBucket tb = TokenBucket.builder().burst(1000).ratePerSec(1).clock(clock).build()) {
      AtomicLong granted = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 500; i++) {
          if (tb.tryAcquire().allowed()) {
            granted.incrementAndGet();
          }
        }
        return null;
      });
      assertEquals(1000, granted.get());
      assertEquals(1000, tb.metrics().allowed());
      assertEquals(THREADS * 500L - 1000, tb.metrics().denied());
    }
  }

  @Test
  void slidingWindowNeverExceedsItsLimit() throws Exception {
    try (ManualClock clock = ManualClock.create();
        SlidingWindow sw = SlidingWindow.builder().limit(777).window(Duration.ofSeconds(1)).clock(clock).build()) {
      AtomicLong granted = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 500; i++) {
          if (sw.tryAcquire().allowed()) {
            granted.incrementAndGet();
          }
        }
        return null;
      });
      assertEquals(777, granted.get());
    }
  }

  @Test
  void circuitBreakerCountsEveryRecordedCall() throws Exception {
    try (CircuitBreaker cb = CircuitBreaker.builder().noSlowCallRateThreshold().failureRateThreshold(1.0)
        .countBasedWindow(100).minimumNumberOfCalls(100).build()) {
      AtomicLong transitions = new AtomicLong();
      cb.onTransition((from, to, at) -> transitions.incrementAndGet());
      AtomicLong recorded = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 1000; i++) {
          CircuitBreaker.Permit p = cb.tryAcquire();
          boolean fail = i % 4 == 0;
          cb.record(p, fail ? Outcome.FAILURE : Outcome.SUCCESS, Duration.ZERO);
          recorded.incrementAndGet();
          if (fail) {
            failures.incrementAndGet();
          }
        }
        return null;
      });
      CircuitBreaker.Metrics m = cb.metrics();
      assertEquals(CircuitState.CLOSED, m.state(), "25% failures never reach 100%");
      assertEquals(recorded.get(), m.calls());
      assertEquals(failures.get(), m.failures());
      assertEquals(0, transitions.get());
    }
  }

  @Test
  void policyExecuteFromEightThreads() throws Exception {
    try (CircuitBreaker cb = CircuitBreaker.builder().build(); Bulkhead bh = Bulkhead.builder().maxConcurrent(3).build();
        Policy pol = Policy.builder().circuitBreaker(cb).bulkhead(bh).build()) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxSeen = new AtomicInteger();
      AtomicLong ran = new AtomicLong();
      AtomicLong full = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 1000; i++) {
          try {
            pol.run(() -> {
              maxSeen.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              ran.incrementAndGet();
              inFlight.decrementAndGet();
            });
          } catch (BulkheadFullException e) {
            full.incrementAndGet();
          }
        }
        return null;
      });
      assertTrue(maxSeen.get() <= 3);
      assertEquals(ran.get(), cb.metrics().successes());
      assertEquals(ran.get(), bh.metrics().total());
      assertEquals(full.get(), bh.metrics().rejected());
      assertEquals(THREADS * 1000L, ran.get() + full.get());
    }
  }

  @Test
  void policyExecuteRetriesFromEightThreads() throws Exception {
    try (ManualClock clock = ManualClock.create(); CircuitBreaker cb = CircuitBreaker.builder().clock(clock).build();
        Backoff b = PolicyTest.constantOn(clock, 3);
        Policy pol = Policy.builder().circuitBreaker(cb).retry(b).clock(clock).build()) {
      cb.metricsOnly(); // records, never opens
      AtomicLong calls = new AtomicLong();
      hammer(() -> {
        for (int i = 0; i < 200; i++) {
          int[] n = {0};
          int r = pol.execute(() -> {
            calls.incrementAndGet();
            if (++n[0] == 1) {
              throw new PrimitivesTest.CodeError("ECONNREFUSED");
            }
            return n[0];
          });
          assertEquals(2, r);
        }
        return null;
      });
      assertEquals(THREADS * 200L * 2, calls.get());
      assertEquals(THREADS * 200L, cb.metrics().failures());
      assertEquals(THREADS * 200L, cb.metrics().successes());
    }
  }
}
