package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A thread-safe circuit breaker.
 *
 * <pre>{@code
 * try (CircuitBreaker cb = CircuitBreaker.builder().failureCountThreshold(5).build()) {
 *   CircuitBreaker.Permit permit = cb.tryAcquire();   // CircuitOpenException when open
 *   cb.record(permit, Outcome.SUCCESS, elapsed);
 * }
 * }</pre>
 */
public final class CircuitBreaker extends Handle {
  /** The listeners' native callbacks, kept reachable until the breaker is closed. */
  private final Map<Long, Lib.TransitionFn> callbacks = new ConcurrentHashMap<>();

  private CircuitBreaker(Pointer p) {
    super(p, "circuit breaker");
  }

  /** A builder starting from the core's default config. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a breaker; every setter names its field in the {@link InvalidConfigException} of a bad value. */
  public static final class Builder {
    private final Lib.BreakerConfig c = Lib.init(new Lib.BreakerConfig(), Lib.C::seawall_circuit_breaker_config_init);
    private ManualClock clock;
    private final SharedRegion.Place place = new SharedRegion.Place();

    private Builder() {}

    /** Trip when failures / calls in the window reach this, in (0, 1] (default 0.5). */
    public Builder failureRateThreshold(double v) {
      c.has_failure_rate_threshold = 1;
      c.failure_rate_threshold = v;
      return this;
    }

    /** Turns the failure-rate rule off. */
    public Builder noFailureRateThreshold() {
      c.has_failure_rate_threshold = 0;
      return this;
    }

    /** Trip when slow calls / calls in the window reach this, in (0, 1] (default 1.0). */
    public Builder slowCallRateThreshold(double v) {
      c.has_slow_call_rate_threshold = 1;
      c.slow_call_rate_threshold = v;
      return this;
    }

    /** Turns the slow-call-rate rule off. */
    public Builder noSlowCallRateThreshold() {
      c.has_slow_call_rate_threshold = 0;
      return this;
    }

    /** A call slower than this is slow (default 60 s). */
    public Builder slowCallDurationThreshold(Duration d) {
      c.slow_call_duration_threshold_ns = Durations.configNs(d, "slowCallDurationThreshold");
      return this;
    }

    /** The rate window counts the last {@code size} calls. */
    public Builder countBasedWindow(long size) {
      c.window_kind = 0;
      c.window_size = size;
      return this;
    }

    /** The rate window counts the calls of the last {@code seconds} seconds. */
    public Builder timeBasedWindow(long seconds) {
      c.window_kind = 1;
      c.window_size = seconds;
      return this;
    }

    /** Rates are computed once the window holds this many calls (default 100). */
    public Builder minimumNumberOfCalls(long n) {
      c.minimum_number_of_calls = n;
      return this;
    }

    /** Trip after this many failures in a row (or within {@link #failureCountPeriod}). */
    public Builder failureCountThreshold(long n) {
      c.has_failure_count_threshold = 1;
      c.failure_count_threshold = n;
      return this;
    }

    /** Count failures younger than this instead of in a row. */
    public Builder failureCountPeriod(Duration d) {
      c.has_failure_count_period = 1;
      c.failure_count_period_ns = Durations.configNs(d, "failureCountPeriod");
      return this;
    }

    /** How long the breaker stays open before probing (default 60 s). */
    public Builder openDuration(Duration d) {
      c.open_duration_ns = Durations.configNs(d, "openDuration");
      return this;
    }

    /** Open duration growth per consecutive open episode, in [1, 1000]. */
    public Builder openDurationMultiplier(double v) {
      c.open_duration_multiplier = v;
      return this;
    }

    /** Cap of the grown open duration. */
    public Builder maxOpenDuration(Duration d) {
      c.has_max_open_duration = 1;
      c.max_open_duration_ns = Durations.configNs(d, "maxOpenDuration");
      return this;
    }

    /** Probes admitted per half-open episode, 1..=16 (default 3). */
    public Builder halfOpenMaxCalls(long n) {
      c.half_open_max_calls = n;
      return this;
    }

    /** Successful probes that close the breaker (default 3). */
    public Builder successThreshold(long n) {
      c.success_threshold = n;
      return this;
    }

    /** Builds it in {@code region} under {@code name}, one state for all who do ({@link SharedRegion}). */
    public Builder region(SharedRegion region, String name) {
      place.set(region, name);
      return this;
    }

    /** Drive the breaker by a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the breaker; {@link InvalidConfigException} names a bad field. */
    public CircuitBreaker build() {
      PointerByReference out = new PointerByReference();
      if (place.region != null) {
        Pointer region = place.region.ptr();
        String name = place.name();
        Err.check(clock == null
            ? Lib.C.seawall_circuit_breaker_new_in_region(c, region, name, out)
            : Lib.C.seawall_circuit_breaker_new_in_region_with_clock(c, clock.ptr(), region, name, out));
      } else {
        Err.check(clock == null
            ? Lib.C.seawall_circuit_breaker_new(c, out)
            : Lib.C.seawall_circuit_breaker_new_with_clock(c, clock.ptr(), out));
      }
      return new CircuitBreaker(out.getValue());
    }
  }

  /**
   * The breaker's admission of one call: finish it once with {@link #record} or {@link #release}.
   * Recording a finished permit is an {@link InvalidArgumentException} naming {@code permit};
   * releasing one does nothing. One thread at a time per permit.
   */
  public static final class Permit {
    final long[] value; // the C permit, zeroed by the call that finishes it

    Permit(long value) {
      this.value = new long[] {value};
    }

    /** Whether this is a half-open probe (false once finished). */
    public boolean isProbe() {
      return Lib.C.seawall_permit_is_probe(value[0]) != 0;
    }

    /** Whether the permit was finished (recorded or released). */
    public boolean isFinished() {
      return value[0] == 0;
    }
  }

  /** Asks to make one call: a permit, or {@link CircuitOpenException} with {@code retryAfter()}. */
  public Permit tryAcquire() {
    Permit permit = new Permit(0);
    Err.check(Hot.seawall_circuit_breaker_try_acquire(ptr(), permit.value));
    return permit;
  }

  /** Records the outcome of the call {@code permit} admitted and how long it took; finishes the permit. */
  public void record(Permit permit, Outcome outcome, Duration duration) {
    if (permit == null || outcome == null) {
      throw Err.argument(permit == null ? "permit" : "outcome", "must not be null", "null");
    }
    long ns = Durations.argNs(duration, "duration");
    Err.check(Hot.seawall_circuit_breaker_record(ptr(), permit.value, outcome.ordinal(), ns));
  }

  /** Finishes a permit whose call produced no outcome (a half-open probe gives its slot back). */
  public void release(Permit permit) {
    if (permit == null) {
      throw Err.argument("permit", "must not be null", "null");
    }
    Err.check(Hot.seawall_circuit_breaker_release(ptr(), permit.value));
  }

  /** The current state (a pure read). */
  public CircuitState state() {
    IntByReference s = new IntByReference();
    Err.check(Lib.C.seawall_circuit_breaker_state(ptr(), s));
    return CircuitState.of(s.getValue());
  }

  /** Rejects every call until {@link #reset()}. */
  public void forceOpen() {
    Err.check(Lib.C.seawall_circuit_breaker_force_open(ptr()));
  }

  /** Admits every call and records nothing until {@link #reset()}. */
  public void disable() {
    Err.check(Lib.C.seawall_circuit_breaker_disable(ptr()));
  }

  /** Records outcomes without ever tripping, until {@link #reset()}. */
  public void metricsOnly() {
    Err.check(Lib.C.seawall_circuit_breaker_metrics_only(ptr()));
  }

  /** Back to closed with fresh windows. */
  public void reset() {
    Err.check(Lib.C.seawall_circuit_breaker_reset(ptr()));
  }

  /** A snapshot of a breaker; the rates are NaN until the window holds minimumNumberOfCalls. */
  public record Metrics(CircuitState state, long calls, long successes, long failures, long slow, long ignored,
      long rejected, long transitions, long bufferedCalls, long bufferedFailures, long bufferedSlow,
      double failureRate, double slowCallRate, long failureCount, int halfOpenInFlight, int halfOpenSuccesses,
      Duration openDuration) {}

  /** A snapshot of the state and counters. */
  public Metrics metrics() {
    Lib.BreakerMetrics m = new Lib.BreakerMetrics();
    Err.check(Lib.C.seawall_circuit_breaker_get_metrics(ptr(), m));
    m.read();
    return new Metrics(CircuitState.of(m.state), m.calls, m.successes, m.failures, m.slow, m.ignored, m.rejected,
        m.transitions, m.buffered_calls, m.buffered_failures, m.buffered_slow,
        m.has_failure_rate != 0 ? m.failure_rate : Double.NaN, m.has_slow_call_rate != 0 ? m.slow_call_rate : Double.NaN,
        m.failure_count, m.half_open_in_flight, m.half_open_successes, Durations.of(m.open_duration_ns));
  }

  /** A state-transition listener; it runs on the thread that made the transition. */
  @FunctionalInterface
  public interface TransitionListener {
    void onTransition(CircuitState from, CircuitState to, Duration at);
  }

  /**
   * Registers {@code listener}, called after every state transition on the thread that made it
   * (several may run at once: it must be thread-safe and short). Returns an id for
   * {@link #removeListener}. An exception it throws is caught and dropped.
   */
  public long onTransition(TransitionListener listener) {
    if (listener == null) {
      throw Err.argument("listener", "must not be null", "null");
    }
    Lib.TransitionFn fn = (userData, from, to, atNs) -> {
      try {
        listener.onTransition(CircuitState.of(from), CircuitState.of(to), Durations.of(atNs));
      } catch (RuntimeException e) {
        // never unwind into native code
      }
    };
    LongByReference id = new LongByReference();
    Err.check(Lib.C.seawall_circuit_breaker_on_transition(ptr(), fn, null, null, id));
    callbacks.put(id.getValue(), fn);
    return id.getValue();
  }

  /**
   * Removes a listener; returns whether {@code id} was registered. When it returns the listener
   * no longer runs (it waits for calls on other threads, unless called from inside a listener;
   * the callback stays reachable until {@link #close()} for that case).
   */
  public boolean removeListener(long id) {
    ByteByReference removed = new ByteByReference();
    Err.check(Lib.C.seawall_circuit_breaker_remove_listener(ptr(), id, removed));
    return removed.getValue() != 0;
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_circuit_breaker_free(p);
    callbacks.clear();
  }

  Pointer raw() {
    return ptr();
  }
}
