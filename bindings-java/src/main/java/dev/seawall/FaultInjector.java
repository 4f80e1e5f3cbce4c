package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/** Injects errors and delays with fixed probabilities (chaos testing). */
public final class FaultInjector extends Handle {
  /** What to do to one call. */
  public enum Kind { NONE, ERROR, DELAY }

  /** A fault decision: the kind and, for DELAY, the delay. */
  public record Fault(Kind kind, Duration delay) {}

  private FaultInjector(Pointer p) {
    super(p, "fault injector");
  }

  /** A builder starting from the core's default (injects nothing). */
  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private final Lib.FaultInjectorConfig c = Lib.init(new Lib.FaultInjectorConfig(), Lib.C::seawall_fault_injector_config_init);
    private ManualClock clock;

    private Builder() {}

    /** Probability of an error, in [0, 1]. */
    public Builder errorRate(double r) {
      c.error_rate = r;
      return this;
    }

    /** Probability of a delay, in [0, 1]; errorRate + delayRate ≤ 1. */
    public Builder delayRate(double r) {
      c.delay_rate = r;
      return this;
    }

    /** Injected delays are uniform in [min, max]. */
    public Builder delay(Duration min, Duration max) {
      c.delay_min_ns = Durations.configNs(min, "delayMin");
      c.delay_max_ns = Durations.configNs(max, "delayMax");
      return this;
    }

    public Builder seed(long seed) {
      c.has_seed = 1;
      c.seed = seed;
      return this;
    }

    /** Whether it starts switched on (default true). */
    public Builder enabled(boolean on) {
      c.enabled = (byte) (on ? 1 : 0);
      return this;
    }

    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    public FaultInjector build() {
      PointerByReference out = new PointerByReference();
      Err.check(clock == null
          ? Lib.C.seawall_fault_injector_new(c, out)
          : Lib.C.seawall_fault_injector_new_with_clock(c, clock.ptr(), out));
      return new FaultInjector(out.getValue());
    }
  }

  /** Decides what to do to one call (NONE while switched off). */
  public Fault decide() {
    Lib.Fault f = new Lib.Fault();
    Err.check(Lib.C.seawall_fault_injector_decide(ptr(), f));
    return new Fault(Kind.values()[f.kind], Durations.of(f.delay_ns));
  }

  /** {@link #decide()} as an exception: {@link InjectedFaultException}, else the delay to apply first. */
  public Duration check() {
    LongByReference out = new LongByReference();
    Err.check(Lib.C.seawall_fault_injector_check(ptr(), out));
    return Durations.of(out.getValue());
  }

  public void setEnabled(boolean on) {
    Err.check(Lib.C.seawall_fault_injector_set_enabled(ptr(), (byte) (on ? 1 : 0)));
  }

  /** A fault injector's counters. */
  public record Metrics(long decisions, long errors, long delays, boolean enabled) {}

  public Metrics metrics() {
    Lib.FaultInjectorMetrics m = new Lib.FaultInjectorMetrics();
    Err.check(Lib.C.seawall_fault_injector_get_metrics(ptr(), m));
    return new Metrics(m.decisions, m.errors, m.delays, m.enabled != 0);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_fault_injector_free(p);
  }
}
