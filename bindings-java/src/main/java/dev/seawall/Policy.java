package dev.seawall;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Rate limiter → circuit breaker → bulkhead, acquired in that order (a stage that rejects gives
 * back what earlier stages granted), plus the timeout, retry and fallback {@link #execute} runs
 * around them in core.
 *
 * <pre>{@code
 * try (Policy policy = Policy.builder().circuitBreaker(cb).bulkhead(bh).retry(backoff).build()) {
 *   String body = policy.execute(() -> client.get(url));
 * }
 * }</pre>
 */
public final class Policy extends Handle {
  final Predicate<Throwable> retryIf;
  final Function<Throwable, ?> fallback;
  final ManualClock clock; // the policy's clock when it is a manual one

  private Policy(Pointer p, Builder b) {
    super(p, "policy");
    this.retryIf = b.retryIf;
    this.fallback = b.fallback;
    this.clock = b.clock;
  }

  /**
   * The attempt running on this thread inside {@link #execute}: its number and its time limit
   * (the policy's timeout; null when none). Java cannot stop a running supplier, so it is told
   * the limit and honours it itself (socket and HTTP client timeouts); an attempt that returns
   * after its limit counts as timed out, whatever it returned.
   */
  public record Attempt(int number, Duration timeout) {}

  /** The attempt {@link #execute} is running on this thread, or null outside one. */
  public static Attempt currentAttempt() {
    return Execution.current();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a policy. The policy keeps its own references to the four guard stages (they may be
   * closed after build()); the retry backoff and budget must stay open while it is used.
   */
  public static final class Builder {
    private TokenBucket tokenBucket;
    private SlidingWindow slidingWindow;
    private CircuitBreaker circuitBreaker;
    private Bulkhead bulkhead;
    private Backoff retry;
    private RetryBudget budget;
    private Duration timeout = Duration.ZERO;
    private AdaptiveTimeout adaptiveTimeout;
    private Predicate<Throwable> retryIf;
    private Function<Throwable, ?> fallback;
    private ManualClock clock;

    private Builder() {}

    /** Rate limiter stage (one token per call); at most one rate limiter. */
    public Builder tokenBucket(TokenBucket tb) {
      this.tokenBucket = tb;
      return this;
    }

    /** Rate limiter stage (one request per call); at most one rate limiter. */
    public Builder slidingWindow(SlidingWindow sw) {
      this.slidingWindow = sw;
      return this;
    }

    public Builder circuitBreaker(CircuitBreaker cb) {
      this.circuitBreaker = cb;
      return this;
    }

    public Builder bulkhead(Bulkhead bh) {
      this.bulkhead = bh;
      return this;
    }

    /**
     * Per-attempt time limit of {@link #execute} (zero: none), told to the supplier by
     * {@link Policy#currentAttempt()}; at most one of timeout and adaptiveTimeout.
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** A per-attempt limit learned from earlier attempts' latencies (each is recorded into it). */
    public Builder adaptiveTimeout(AdaptiveTimeout at) {
      this.adaptiveTimeout = at;
      return this;
    }

    /**
     * Produces {@link #execute}'s result when the call failed; gets the exception execute would
     * have thrown. A RuntimeException it throws is the call's result.
     */
    public Builder fallback(Function<Throwable, ?> fallback) {
      this.fallback = fallback;
      return this;
    }

    /**
     * Retry failed calls as this backoff's schedule decides (core's retry run: the schedule first,
     * then the budget; a {@link Classify.HasRetryAfter} hint replaces the computed delay).
     */
    public Builder retry(Backoff backoff) {
      this.retry = backoff;
      return this;
    }

    /** Cap retries across calls (needs {@link #retry}). */
    public Builder budget(RetryBudget budget) {
      this.budget = budget;
      return this;
    }

    /** Overrides which failures are worth retrying (default core's: {@link Classify#isRetryable}). */
    public Builder retryIf(Predicate<Throwable> retryIf) {
      this.retryIf = retryIf;
      return this;
    }

    /** Run on a manual clock: durations, deadlines, and execute's sleeps (which advance it). */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the policy; two rate limiters, or a budget without retry, is an {@link InvalidConfigException}. */
    public Policy build() {
      if (budget != null && retry == null) {
        throw Err.config("budget", "needs retry (a budget only limits retries)", "no retry");
      }
      Lib.PolicyConfig c = Lib.init(new Lib.PolicyConfig(), Lib.C::seawall_policy_config_init);
      c.token_bucket = tokenBucket == null ? null : tokenBucket.raw();
      c.sliding_window = slidingWindow == null ? null : slidingWindow.raw();
      c.circuit_breaker = circuitBreaker == null ? null : circuitBreaker.raw();
      c.bulkhead = bulkhead == null ? null : bulkhead.raw();
      c.timeout_ns = Durations.configNs(timeout, "timeout");
      c.adaptive_timeout = adaptiveTimeout == null ? null : adaptiveTimeout.ptr();
      c.has_fallback = (byte) (fallback == null ? 0 : 1);
      Pointer r = null;
      if (retry != null) {
        Lib.RetryConfig rc = Lib.init(new Lib.RetryConfig(), Lib.C::seawall_retry_config_init);
        rc.retry_budget = budget == null ? null : budget.ptr();
        PointerByReference rout = new PointerByReference();
        Err.check(Lib.C.seawall_retry_new(retry.ptr(), rc, rout));
        r = rout.getValue();
      }
      c.retry = r;
      PointerByReference out = new PointerByReference();
      int st;
      try {
        st = clock == null ? Lib.C.seawall_policy_new(c, out) : Lib.C.seawall_policy_new_with_clock(c, clock.ptr(), out);
      } finally {
        if (r != null) {
          Lib.C.seawall_retry_free(r); // the policy keeps its own reference
        }
      }
      if (st == ErrorKind.INVALID_CONFIG.code()) {
        SeawallException e = Err.fromLast(st);
        throw new InvalidConfigException("slidingWindow",
            "invalid config: tokenBucket and slidingWindow are both set; a policy has one rate limiter", "", Duration.ZERO, e);
      }
      Err.check(st);
      return new Policy(out.getValue(), this);
    }
  }

  /**
   * Everything one admitted call holds. Finish it exactly once with {@link #complete} or
   * {@link #close()} (release without an outcome; a no-op after complete, so try-with-resources
   * is always safe). One thread at a time.
   */
  public static final class Guard implements AutoCloseable {
    /** seawall_policy_guard: 12 × uint64, caller-owned storage. */
    private final Memory g = new Memory(12 * 8);

    Guard() {
      g.clear();
    }

    /** Whether the call is a half-open probe of the breaker. */
    public boolean isProbe() {
      ByteByReference out = new ByteByReference();
      Err.check(Lib.C.seawall_policy_guard_is_probe(g, out));
      return out.getValue() != 0;
    }

    /** Records the outcome with the time since tryAcquire and releases the bulkhead slot. */
    public void complete(Outcome outcome) {
      Err.check(Lib.C.seawall_policy_guard_complete(g, outcome.ordinal()));
    }

    /** {@link #complete} with a duration measured by the caller. */
    public void complete(Outcome outcome, Duration duration) {
      Err.check(Lib.C.seawall_policy_guard_complete_with_duration(g, outcome.ordinal(), Durations.argNs(duration, "duration")));
    }

    /** Finishes the guard without an outcome (cancelled); a no-op once finished. */
    @Override
    public void close() {
      Lib.C.seawall_policy_guard_release(g);
    }
  }

  /**
   * Acquires every stage in order: a live guard, or {@link RateLimitedException},
   * {@link CircuitOpenException} or {@link BulkheadFullException} whose {@code stage()} names the
   * stage and {@code retryAfter()} says when to retry.
   */
  public Guard tryAcquire() {
    Guard g = new Guard();
    Err.check(Lib.C.seawall_policy_try_acquire(ptr(), g.g));
    return g;
  }

  /**
   * Calls {@code fn} through the whole stack as core decides it (the stepped policy run,
   * spec/policy.md "The policy run"): rate limiter → circuit breaker → bulkhead → timeout → retry
   * → fallback. Java calls {@code fn}, sleeps between attempts and waits in the bulkhead's queue
   * where core says; an interrupt during a sleep or a wait ends the call with a
   * {@link java.util.concurrent.CancellationException} (the interrupt flag set again, nothing
   * recorded). A return is a success; a RuntimeException is the attempt's failure, classified by
   * core's default rules ({@link Classify#isRetryable}; {@link Builder#retryIf} overrides) and
   * rethrown when the call ends with it; an {@link Error} finishes the call without an outcome and
   * is rethrown as is. Ends with: the result (or the fallback's); the supplier's last exception
   * when it is not retried; a rejection before any attempt ({@link CircuitOpenException},
   * {@link RateLimitedException}, {@link BulkheadFullException}); {@link RetryExhaustedException}
   * ({@code attempts()}, cause the last exception), {@link RetryBudgetExhaustedException} or
   * {@link SeawallTimeoutException} when attempts ran and seawall gave up. Thread-safe.
   */
  public <T> T execute(Supplier<T> fn) {
    return Execution.run(this, fn);
  }

  /** {@link #execute(Supplier)} for a call without a result. */
  public void run(Runnable fn) {
    execute(() -> {
      fn.run();
      return null;
    });
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_policy_free(p);
  }
}
