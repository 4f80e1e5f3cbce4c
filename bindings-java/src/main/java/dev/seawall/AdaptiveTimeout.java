package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/** Tracks recent latencies and answers the timeout: clamp(percentile × multiplier, min, max). */
public final class AdaptiveTimeout extends Handle {
  private AdaptiveTimeout(Pointer p) {
    super(p, "adaptive timeout");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds an adaptive timeout (defaults: p95 × 1.5 in [1 s, 30 s], 5 s until 10 samples). */
  public static final class Builder {
    private final Lib.AdaptiveTimeoutConfig c = Lib.init(new Lib.AdaptiveTimeoutConfig(), Lib.C::seawall_adaptive_timeout_config_init);
    private ManualClock clock;

    private Builder() {}

    public Builder percentile(double p) {
      c.percentile = p;
      return this;
    }

    public Builder multiplier(double m) {
      c.multiplier = m;
      return this;
    }

    public Builder minTimeout(Duration d) {
      c.min_timeout_ns = Durations.configNs(d, "minTimeout");
      return this;
    }

    public Builder maxTimeout(Duration d) {
      c.max_timeout_ns = Durations.configNs(d, "maxTimeout");
      return this;
    }

    /** The timeout until minSamples recent latencies are known. */
    public Builder initialTimeout(Duration d) {
      c.initial_timeout_ns = Durations.configNs(d, "initialTimeout");
      return this;
    }

    public Builder minSamples(long n) {
      c.min_samples = n;
      return this;
    }

    /** Length of one histogram window; the estimate covers two. */
    public Builder window(Duration d) {
      c.window_ns = Durations.configNs(d, "window");
      return this;
    }

    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    public AdaptiveTimeout build() {
      PointerByReference out = new PointerByReference();
      Err.check(clock == null
          ? Lib.C.seawall_adaptive_timeout_new(c, out)
          : Lib.C.seawall_adaptive_timeout_new_with_clock(c, clock.ptr(), out));
      return new AdaptiveTimeout(out.getValue());
    }
  }

  /** Records the latency of one completed call. */
  public void record(Duration latency) {
    Err.check(Lib.C.seawall_adaptive_timeout_record(ptr(), Durations.argNs(latency, "latency")));
  }

  /** The timeout to use for a call starting now. */
  public Duration timeout() {
    LongByReference out = new LongByReference();
    Err.check(Lib.C.seawall_adaptive_timeout_get(ptr(), out));
    return Durations.of(out.getValue());
  }

  /** A snapshot of an adaptive timeout. */
  public record Metrics(long samples, long total, Duration p50, Duration p95, Duration p99, Duration timeout) {}

  public Metrics metrics() {
    Lib.AdaptiveTimeoutMetrics m = new Lib.AdaptiveTimeoutMetrics();
    Err.check(Lib.C.seawall_adaptive_timeout_get_metrics(ptr(), m));
    return new Metrics(m.samples, m.total, Durations.of(m.p50_ns), Durations.of(m.p95_ns), Durations.of(m.p99_ns),
        Durations.of(m.timeout_ns));
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_adaptive_timeout_free(p);
  }
}
