package dev.seawall.example;

import dev.seawall.Backoff;
import dev.seawall.Bulkhead;
import dev.seawall.CircuitBreaker;
import dev.seawall.CircuitState;
import dev.seawall.Classify;
import dev.seawall.Policy;
import dev.seawall.RetryBudget;
import dev.seawall.RetryExhaustedException;
import dev.seawall.SeawallException;
import dev.seawall.TokenBucket;
import java.time.Duration;

/**
 * A Java program using the seawall library (bindings-java): calls to a flaky dependency through
 * rate limiter → circuit breaker → bulkhead, retried as the backoff schedule and the retry
 * budget decide. Run from the repo root: make test-java.
 */
public final class Quickstart {
  /** What the dependency fails with: an HTTP 503 (retryable). */
  static final class Unavailable extends RuntimeException implements Classify.HasHttpStatus {
    private static final long serialVersionUID = 1L;

    Unavailable() {
      super("503 service unavailable");
    }

    @Override
    public int httpStatus() {
      return 503;
    }
  }

  /** The result: calls that succeeded and the breaker's final state. */
  record Result(int ok, CircuitState state) {}

  /** Makes 20 calls to a dependency that fails every third attempt. */
  static Result run() {
    try (TokenBucket limiter = TokenBucket.builder().burst(100).ratePerSec(100).build();
        CircuitBreaker breaker = CircuitBreaker.builder().countBasedWindow(20).minimumNumberOfCalls(10).build();
        Bulkhead bulkhead = Bulkhead.builder().maxConcurrent(4).build();
        Backoff backoff = Backoff.builder().base(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(20)).maxAttempts(3).build();
        RetryBudget budget = RetryBudget.builder().maxTokens(100).build();
        Policy policy = Policy.builder().tokenBucket(limiter).circuitBreaker(breaker).bulkhead(bulkhead)
            .retry(backoff).budget(budget).build()) {
      int[] attempts = {0};
      int ok = 0;
      for (int i = 0; i < 20; i++) {
        try {
          String body = policy.execute(() -> {
            if (++attempts[0] % 3 == 0) {
              throw new Unavailable();
            }
            return "hello";
          });
          if (body.equals("hello")) {
            ok++;
          }
        } catch (RetryExhaustedException e) {
          System.out.println("gave up after " + e.attempts() + " attempts: " + e.getCause());
        } catch (SeawallException e) {
          System.out.println("rejected by " + e.stage() + " (" + e.kind() + "), retry after " + e.retryAfter());
        }
      }
      return new Result(ok, breaker.state());
    }
  }

  public static void main(String[] args) {
    Result r = run();
    System.out.println(r.ok() + "/20 calls succeeded; breaker " + r.state().wireName());
  }
}
