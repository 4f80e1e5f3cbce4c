package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ErrorsTest {
  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("ratePerSec", (Executable) () -> TokenBucket.builder().ratePerSec(Double.NaN).build()),
        Arguments.of("initialTokens", (Executable) () -> TokenBucket.builder().burst(2).initialTokens(3).build()),
        Arguments.of("buckets", (Executable) () -> SlidingWindow.builder().buckets(0).build()),
        Arguments.of("window", (Executable) () -> SlidingWindow.builder().window(Duration.ofSeconds(-1))),
        Arguments.of("maxProbe", (Executable) () -> KeyedTokenBucket.builder().maxProbe(0).build()),
        Arguments.of("limit", (Executable) () -> KeyedSlidingWindow.builder().window(SlidingWindow.builder().limit(0)).build()),
        Arguments.of("openDuration", (Executable) () -> CircuitBreaker.builder().openDuration(Duration.ZERO).build()),
        Arguments.of("failureCountThreshold", (Executable) () -> CircuitBreaker.builder().failureCountThreshold(0).build()),
        Arguments.of("maxConcurrent", (Executable) () -> Bulkhead.builder().maxConcurrent(0).build()),
        Arguments.of("maxDelay", (Executable) () -> Backoff.builder().base(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1)).build()),
        Arguments.of("tokenRatio", (Executable) () -> RetryBudget.builder().tokenRatio(0).build()),
        Arguments.of("percentile", (Executable) () -> AdaptiveTimeout.builder().percentile(1.5).build()),
        Arguments.of("delayRate", (Executable) () -> FaultInjector.builder().errorRate(0.7).delayRate(0.7).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void invalidConfigNamesTheBuilderMethod(String field, Executable make) {
    InvalidConfigException e = assertThrows(InvalidConfigException.class, make);
    assertEquals(ErrorKind.INVALID_CONFIG, e.kind());
    assertEquals(field, e.field());
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  @Test
  void policyWithTwoLimiters() {
    try (TokenBucket tb = TokenBucket.builder().build(); SlidingWindow sw = SlidingWindow.builder().build()) {
      InvalidConfigException e = assertThrows(InvalidConfigException.class,
          () -> Policy.builder().tokenBucket(tb).slidingWindow(sw).build());
      assertEquals("slidingWindow", e.field());
    }
  }

  /** Every kind becomes an exception of that kind (a shared_region error used to become a panic). */
  @Test
  void everyKindIsItsOwnException() {
    for (ErrorKind k : ErrorKind.values()) {
      SeawallException e = Err.make(k, "", "m", "", Duration.ZERO, null);
      assertEquals(k, e.kind(), k.name());
    }
  }

  @Test
  void aPanicInsideSeawallIsAnException() {
    SeawallPanicException e = assertThrows(SeawallPanicException.class, () -> Err.check(Lib.C.seawall_test_panic()));
    assertEquals(ErrorKind.PANIC, e.kind());
  }

  @Test
  void closedHandle() {
    TokenBucket tb = TokenBucket.builder().build();
    tb.close();
    tb.close();
    ClosedException e = assertThrows(ClosedException.class, tb::tryAcquire);
    assertEquals(ErrorKind.NULL_ARGUMENT, e.kind());
  }

  /**
   * Issue 13 item 8. Eight threads provoke different errors at once; each gets its own kind, field and message
   * (the C ABI's last error is per thread).
   */
  @Test
  void issue13Item8EachThreadGetsItsOwnError() throws Exception {
    try (TokenBucket tb = TokenBucket.builder().build();
        CircuitBreaker cb = CircuitBreaker.builder().build();
        Bulkhead bh = Bulkhead.builder().maxConcurrent(1).build()) {
      cb.forceOpen();
      Bulkhead.Permit held = bh.tryAcquire();
      record Provoker(ErrorKind kind, String field, Executable call) {}
      List<Provoker> provokers = List.of(
          new Provoker(ErrorKind.INVALID_ARGUMENT, "n", () -> tb.tryAcquire(0)),
          new Provoker(ErrorKind.INVALID_CONFIG, "burst", () -> TokenBucket.builder().burst(0).build()),
          new Provoker(ErrorKind.INVALID_CONFIG, "openDuration", () -> CircuitBreaker.builder().openDuration(Duration.ZERO).build()),
          new Provoker(ErrorKind.INVALID_CONFIG, "maxAttempts", () -> Backoff.builder().maxAttempts(0).build()),
          new Provoker(ErrorKind.CIRCUIT_OPEN, "", cb::tryAcquire),
          new Provoker(ErrorKind.BULKHEAD_FULL, "", bh::tryAcquire),
          new Provoker(ErrorKind.INVALID_CONFIG, "maxKeys", () -> KeyedTokenBucket.builder().maxKeys(0).build()),
          new Provoker(ErrorKind.INVALID_CONFIG, "tokenRatio", () -> RetryBudget.builder().tokenRatio(-1).build()));
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (Provoker p : provokers) {
        Thread t = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < 2000; i++) {
            try {
              p.call().execute();
              problems.add("no error for " + p);
              return;
            } catch (SeawallException e) {
              if (e.kind() != p.kind() || !e.field().equals(p.field()) || !e.getMessage().contains(p.field())) {
                problems.add(p + " got " + e.kind() + "/" + e.field() + ": " + e.getMessage());
                return;
              }
            } catch (Throwable e) {
              problems.add(p + " threw " + e);
              return;
            }
          }
        });
        threads.add(t);
        t.start();
      }
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      held.close();
      assertEquals(List.of(), new ArrayList<>(problems));
    }
  }

}
