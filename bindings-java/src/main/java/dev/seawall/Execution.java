package dev.seawall;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link Policy#execute}'s internals, kept in this one file: they compose the policy guard, the
 * backoff schedule and the retry budget; every decision (admit, whether and when to retry) is
 * theirs, asked through the C ABI.
 */
final class Execution {
  private Execution() {}

  static <T> T run(Policy p, Supplier<T> fn) {
    if (fn == null) {
      throw Err.argument("fn", "must not be null", "null");
    }
    if (p.retry == null) {
      return once(p, fn);
    }
    try (Backoff.Schedule schedule = p.retry.start()) {
      for (int attempt = 1; ; attempt++) {
        RuntimeException failure;
        try {
          T result = once(p, fn);
          if (p.budget != null) {
            p.budget.recordSuccess();
          }
          return result;
        } catch (RuntimeException e) {
          failure = e;
        }
        if (!p.retryIf.test(failure)) {
          throw failure;
        }
        Optional<Duration> delay = schedule.next(Classify.retryAfter(failure).orElse(null));
        if (delay.isEmpty()) {
          if (p.budget != null) {
            p.budget.recordFailure();
          }
          throw new RetryExhaustedException(attempt, failure);
        }
        if (p.budget != null && !p.budget.tryRetry()) {
          throw new RetryBudgetExhaustedException("", "retry budget exhausted after " + attempt
              + " attempt(s); last error: " + failure, "", Duration.ZERO, failure);
        }
        try {
          p.sleeper.sleep(delay.get());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          failure.addSuppressed(ie);
          throw failure;
        }
      }
    }
  }

  /** One attempt: guard → fn → outcome. */
  private static <T> T once(Policy p, Supplier<T> fn) {
    try (Policy.Guard g = p.tryAcquire()) {
      T result;
      try {
        result = fn.get();
      } catch (RuntimeException e) {
        g.complete(Outcome.FAILURE);
        throw e;
      }
      g.complete(Outcome.SUCCESS);
      return result;
    }
  }
}
