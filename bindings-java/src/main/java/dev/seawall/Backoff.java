package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.Optional;

/** A retry schedule definition, shared by every call it retries; {@link #start()} makes a per-call {@link Schedule}. */
public final class Backoff extends Handle {
  /** How the un-jittered delay grows with the retry number n. */
  public enum Kind { CONSTANT, LINEAR, EXPONENTIAL }

  /** How randomness spreads each delay (spec/backoff.md). */
  public enum Jitter { NONE, FULL, EQUAL, PROPORTIONAL, DECORRELATED }

  private Backoff(Pointer p) {
    super(p, "backoff");
  }

  /** A builder starting from the core's default (exponential from 100 ms, ×2, ≤ 30 s, full jitter, 3 attempts). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a backoff. */
  public static final class Builder {
    private final Lib.BackoffConfig c = Lib.init(new Lib.BackoffConfig(), Lib.C::seawall_backoff_config_init);
    private ManualClock clock;

    private Builder() {}

    public Builder kind(Kind kind) {
      c.kind = kind.ordinal();
      return this;
    }

    /** The first delay, and the unit of linear growth. */
    public Builder base(Duration d) {
      c.base_ns = Durations.configNs(d, "base");
      return this;
    }

    /** Multiplier per retry (exponential; finite, ≥ 1). */
    public Builder factor(double f) {
      c.factor = f;
      return this;
    }

    /** No computed delay exceeds this. */
    public Builder maxDelay(Duration d) {
      c.max_delay_ns = Durations.configNs(d, "maxDelay");
      return this;
    }

    public Builder jitter(Jitter j) {
      c.jitter = j.ordinal();
      return this;
    }

    /** Maximum number of calls, the first included (1 = never retry). */
    public Builder maxAttempts(int n) {
      c.max_attempts = n;
      return this;
    }

    /** Give up when the next retry would start later than this after the first call. */
    public Builder maxElapsed(Duration d) {
      c.has_max_elapsed = 1;
      c.max_elapsed_ns = Durations.configNs(d, "maxElapsed");
      return this;
    }

    /** Seed of the jitter RNG (same seed, same delays in every language). */
    public Builder seed(long seed) {
      c.has_seed = 1;
      c.seed = seed;
      return this;
    }

    /** Read elapsed time from a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the backoff; {@link InvalidConfigException} names a bad field. */
    public Backoff build() {
      PointerByReference out = new PointerByReference();
      Err.check(clock == null
          ? Lib.C.seawall_backoff_new(c, out)
          : Lib.C.seawall_backoff_new_with_clock(c, clock.ptr(), out));
      return new Backoff(out.getValue());
    }
  }

  /** The un-jittered delay before retry {@code attempt} (1-based; 0 gives 0). */
  public Duration delayFor(int attempt) {
    LongByReference out = new LongByReference();
    Err.check(Lib.C.seawall_backoff_delay_for(ptr(), attempt, out));
    return Durations.of(out.getValue());
  }

  /** Counters of a backoff, summed over all its schedules. */
  public record Metrics(long schedules, long retries, long exhaustedAttempts, long exhaustedElapsed) {}

  public Metrics metrics() {
    Lib.BackoffMetrics m = new Lib.BackoffMetrics();
    Err.check(Lib.C.seawall_backoff_get_metrics(ptr(), m));
    return new Metrics(m.schedules, m.retries, m.exhausted_attempts, m.exhausted_elapsed);
  }

  /** Starts the schedule of one retried call (elapsed time counts from now). */
  public Schedule start() {
    Schedule s = new Schedule(this);
    Err.check(Lib.C.seawall_backoff_start(ptr(), s.state));
    return s;
  }

  /** The retry state of one call. Not thread-safe: one thread at a time. */
  public static final class Schedule implements AutoCloseable {
    private final Backoff backoff;
    final Lib.ScheduleState state = new Lib.ScheduleState();

    Schedule(Backoff backoff) {
      this.backoff = backoff;
    }

    /**
     * After a failed call: the delay before the next retry, or empty when the schedule gives up.
     * A {@code retryAfter} (a server's Retry-After) replaces the computed delay.
     */
    public Optional<Duration> next(Duration retryAfter) {
      Lib.BackoffDelay d = new Lib.BackoffDelay();
      long ra = retryAfter == null ? 0 : Durations.argNs(retryAfter, "retryAfter");
      Err.check(Lib.C.seawall_backoff_next_delay(backoff.ptr(), state, (byte) (retryAfter == null ? 0 : 1), ra, d));
      return d.give_up != 0 ? Optional.empty() : Optional.of(Durations.of(d.delay_ns));
    }

    /** {@code next(null)}. */
    public Optional<Duration> next() {
      return next(null);
    }

    /** {@link #next(Duration)} with the elapsed time since the schedule began given by the caller. */
    public Optional<Duration> nextElapsed(Duration elapsed, Duration retryAfter) {
      long el = Durations.argNs(elapsed, "elapsed");
      long ra = retryAfter == null ? 0 : Durations.argNs(retryAfter, "retryAfter");
      Lib.BackoffDelay d = new Lib.BackoffDelay();
      Err.check(Lib.C.seawall_backoff_next_delay_elapsed(backoff.ptr(), state, el, (byte) (retryAfter == null ? 0 : 1), ra, d));
      return d.give_up != 0 ? Optional.empty() : Optional.of(Durations.of(d.delay_ns));
    }

    /** Retries handed out so far. */
    public int retries() {
      return state.retries;
    }

    /** Whether the schedule has ended. */
    public boolean done() {
      return state.done != 0;
    }

    /** Ends the schedule (the call succeeded or was abandoned) so its retries are counted; idempotent. */
    @Override
    public void close() {
      Err.check(Lib.C.seawall_backoff_finish(backoff.ptr(), state));
    }
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_backoff_free(p);
  }
}
