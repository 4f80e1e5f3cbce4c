package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A concurrency limiter.
 *
 * <pre>{@code
 * try (Bulkhead.Permit p = bulkhead.acquire(Duration.ofMillis(50))) { ... }
 * }</pre>
 */
public final class Bulkhead extends Handle {
  private Bulkhead(Pointer p) {
    super(p, "bulkhead");
  }

  /** A builder starting from the core's default config (25 at once, no queue). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a bulkhead. */
  public static final class Builder {
    private final Lib.BulkheadConfig c = Lib.init(new Lib.BulkheadConfig(), Lib.C::seawall_bulkhead_config_init);
    private ManualClock clock;
    private final SharedRegion.Place place = new SharedRegion.Place();

    private Builder() {}

    /** Calls allowed in flight at once (≥ 1). */
    public Builder maxConcurrent(long n) {
      c.max_concurrent = n;
      return this;
    }

    /** Callers allowed to wait for a slot, FIFO (0 = nobody waits). */
    public Builder maxQueue(long n) {
      c.max_queue = n;
      return this;
    }

    /** The wait of {@link #acquire()}. */
    public Builder maxWait(Duration d) {
      c.max_wait_ns = Durations.configNs(d, "maxWait");
      return this;
    }

    /** Builds it in {@code region} under {@code name}, one state for all who do ({@link SharedRegion}). */
    public Builder region(SharedRegion region, String name) {
      place.set(region, name);
      return this;
    }

    /** Measure waits on a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the bulkhead; {@link InvalidConfigException} names a bad field. */
    public Bulkhead build() {
      PointerByReference out = new PointerByReference();
      if (place.region != null) {
        Pointer region = place.region.ptr();
        String name = place.name();
        Err.check(clock == null
            ? Lib.C.seawall_bulkhead_new_in_region(c, region, name, out)
            : Lib.C.seawall_bulkhead_new_in_region_with_clock(c, clock.ptr(), region, name, out));
      } else {
        Err.check(clock == null
            ? Lib.C.seawall_bulkhead_new(c, out)
            : Lib.C.seawall_bulkhead_new_with_clock(c, clock.ptr(), out));
      }
      return new Bulkhead(out.getValue());
    }
  }

  /** One slot; {@link #close()} gives it back (once; later calls do nothing). Any thread. */
  public static final class Permit implements AutoCloseable {
    private final AtomicReference<Pointer> p;

    Permit(Pointer p) {
      this.p = new AtomicReference<>(p);
    }

    /** Gives the slot back, to the oldest waiter if anyone waits. */
    @Override
    public void close() {
      Pointer x = p.getAndSet(null);
      if (x != null) {
        Lib.C.seawall_bulkhead_release(new PointerByReference(x));
      }
    }
  }

  /** Takes a slot if one is free and nobody waits; never blocks; else {@link BulkheadFullException}. */
  public Permit tryAcquire() {
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_bulkhead_try_acquire(ptr(), out));
    return new Permit(out.getValue());
  }

  /** Takes a slot, waiting up to {@code timeout} in the FIFO queue; else {@link BulkheadFullException}. */
  public Permit acquire(Duration timeout) {
    long ns = Durations.argNs(timeout, "timeout");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_bulkhead_acquire(ptr(), ns, out));
    return new Permit(out.getValue());
  }

  /** {@link #acquire(Duration)} with the configured maxWait. */
  public Permit acquire() {
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_bulkhead_acquire_default(ptr(), out));
    return new Permit(out.getValue());
  }

  /** A snapshot of a bulkhead's counters. */
  public record Metrics(long active, long queued, long total, long rejected, long maxConcurrent, long maxQueue) {}

  /** A snapshot of the counters. */
  public Metrics metrics() {
    Lib.BulkheadMetrics m = new Lib.BulkheadMetrics();
    Err.check(Lib.C.seawall_bulkhead_get_metrics(ptr(), m));
    return new Metrics(m.active, m.queued, m.total, m.rejected, m.max_concurrent, m.max_queue);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_bulkhead_free(p);
  }

  Pointer raw() {
    return ptr();
  }
}
