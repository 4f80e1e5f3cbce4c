package dev.seawall;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Rate limiter → circuit breaker → bulkhead, acquired in that order (a stage that rejects gives
 * back what earlier stages granted), plus the retry {@link #execute} wraps around it.
 *
 * <pre>{@code
 * try (Policy policy = Policy.builder().circuitBreaker(cb).bulkhead(bh).retry(backoff).build()) {
 *   String body = policy.execute(() -> client.get(url));
 * }
 * }</pre>
 */
public final class Policy extends Handle {
  final Backoff retry;
  final RetryBudget budget;
  final Predicate<Throwable> retryIf;
  final Sleeper sleeper;

  /** Waits between attempts (replaceable in tests). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private Policy(Pointer p, Builder b) {
    super(p, "policy");
    this.retry = b.retry;
    this.budget = b.budget;
    this.retryIf = b.retryIf;
    this.sleeper = b.sleeper;
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
    private Predicate<Throwable> retryIf = Classify::isRetryable;
    private Sleeper sleeper = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
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

    /** Retry failed calls as this backoff's schedule decides. */
    public Builder retry(Backoff backoff) {
      this.retry = backoff;
      return this;
    }

    /** Cap retries across calls (needs {@link #retry}). */
    public Builder budget(RetryBudget budget) {
      this.budget = budget;
      return this;
    }

    /** Which failures are worth retrying (default {@link Classify#isRetryable}). */
    public Builder retryIf(Predicate<Throwable> retryIf) {
      this.retryIf = retryIf;
      return this;
    }

    /** How to wait between attempts (default Thread.sleep). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    /** Measure call durations on a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the policy; two rate limiters, or a budget without retry, is an {@link InvalidConfigException}. */
    public Policy build() {
      if (budget != null && retry == null) {
        throw Err.config("budget", "needs retry (a budget only limits retries)", "no retry");
      }
      if (retryIf == null || sleeper == null) {
        throw Err.config(retryIf == null ? "retryIf" : "sleeper", "must not be null", "null");
      }
      Lib.PolicyConfig c = Lib.init(new Lib.PolicyConfig(), Lib.C::seawall_policy_config_init);
      c.token_bucket = tokenBucket == null ? null : tokenBucket.raw();
      c.sliding_window = slidingWindow == null ? null : slidingWindow.raw();
      c.circuit_breaker = circuitBreaker == null ? null : circuitBreaker.raw();
      c.bulkhead = bulkhead == null ? null : bulkhead.raw();
      PointerByReference out = new PointerByReference();
      int st = clock == null ? Lib.C.seawall_policy_new(c, out) : Lib.C.seawall_policy_new_with_clock(c, clock.ptr(), out);
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
   * Calls {@code fn} through the policy: acquire the guard, call, complete the guard with the
   * outcome (a return is a success, an exception a failure). If {@link Builder#retry} is set and
   * {@code retryIf} says the failure is worth retrying, the backoff schedule gives the delay (or
   * gives up: {@link RetryExhaustedException}) and the budget allows the retry (or not:
   * {@link RetryBudgetExhaustedException}); each retry acquires the guard again. A rejection is
   * thrown as is.
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
