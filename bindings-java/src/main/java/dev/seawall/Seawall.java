package dev.seawall;

/**
 * seawall for Java: the library's entry points. Every primitive is a class here with a
 * {@code builder()}: {@link CircuitBreaker}, {@link TokenBucket}, {@link SlidingWindow},
 * {@link KeyedTokenBucket}, {@link KeyedSlidingWindow}, {@link Bulkhead}, {@link Backoff},
 * {@link RetryBudget}, {@link AdaptiveTimeout}, {@link FaultInjector}, {@link Policy},
 * {@link ManualClock}, and {@link Classify}.
 */
public final class Seawall {
  private Seawall() {}

  /** The native library's version, e.g. {@code "0.1.0"}. */
  public static String version() {
    return Lib.C.seawall_version();
  }
}
