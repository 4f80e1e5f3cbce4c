package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/** At most {@code limit} requests in any window, lock-free. A denial is a {@link Decision}. */
public final class SlidingWindow extends Handle {
  private SlidingWindow(Pointer p) {
    super(p, "sliding window");
  }

  /** A builder starting from the core's default config (100 per 60 s, 10 buckets). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a sliding-window limiter. */
  public static final class Builder {
    final Lib.SlidingWindowConfig c = Lib.init(new Lib.SlidingWindowConfig(), Lib.C::seawall_sliding_window_config_init);
    private ManualClock clock;
    private final SharedRegion.Place place = new SharedRegion.Place();

    Builder() {}

    /** Requests allowed in any window. */
    public Builder limit(long limit) {
      c.limit = limit;
      return this;
    }

    /** The window length. */
    public Builder window(Duration window) {
      c.window_ns = Durations.configNs(window, "window");
      return this;
    }

    /** Sub-windows per window (1..=1024). */
    public Builder buckets(int buckets) {
      c.buckets = buckets;
      return this;
    }

    /** Builds it in {@code region} under {@code name}, one state for all who do ({@link SharedRegion}). */
    public Builder region(SharedRegion region, String name) {
      place.set(region, name);
      return this;
    }

    /** Drive the limiter by a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the limiter; {@link InvalidConfigException} names a bad field. */
    public SlidingWindow build() {
      PointerByReference out = new PointerByReference();
      if (place.region != null) {
        Pointer region = place.region.ptr();
        String name = place.name();
        Err.check(clock == null
            ? Lib.C.seawall_sliding_window_new_in_region(c, region, name, out)
            : Lib.C.seawall_sliding_window_new_in_region_with_clock(c, clock.ptr(), region, name, out));
      } else {
        Err.check(clock == null
            ? Lib.C.seawall_sliding_window_new(c, out)
            : Lib.C.seawall_sliding_window_new_with_clock(c, clock.ptr(), out));
      }
      return new SlidingWindow(out.getValue());
    }
  }

  /** Counts {@code n} requests if the window has room. */
  public Decision tryAcquire(long n) {
    long[] d = new long[4];
    Err.check(Hot.seawall_sliding_window_try_acquire(ptr(), n, d));
    return Decision.of(d);
  }

  /** {@code tryAcquire(1)}. */
  public Decision tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Takes {@code n}, waiting in FIFO order up to {@code timeout} until it is due (on the
   * limiter's clock; a manual clock ends the wait when it is moved there). When it would come
   * later than {@code timeout} nothing is counted and nothing waited: the answer is a denied
   * {@link Decision} with its retry-after. Blocks the calling thread (an interrupt does not end
   * the wait); n of 0 or above the limit is an {@link InvalidArgumentException}.
   */
  public Decision acquire(long n, Duration timeout) {
    long ns = Durations.argNs(timeout, "timeout");
    long[] d = new long[4];
    Limits.waited(Lib.C.seawall_sliding_window_acquire_wait(ptr(), n, ns, d));
    return Decision.of(d);
  }

  /** What {@code tryAcquire(n)} would answer now, counting nothing. */
  public Decision peek(long n) {
    long[] d = new long[4];
    Err.check(Lib.C.seawall_sliding_window_peek(ptr(), n, d));
    return Decision.of(d);
  }

  /** Gives back {@code n} requests whose call never went out. */
  public void refund(long n) {
    Err.check(Lib.C.seawall_sliding_window_refund(ptr(), n));
  }

  /** A snapshot of a sliding window. */
  public record Metrics(long limit, long count, long allowed, long denied, long waiting) {}

  /** A snapshot of the limiter. */
  public Metrics metrics() {
    Lib.SlidingWindowMetrics m = new Lib.SlidingWindowMetrics();
    Err.check(Lib.C.seawall_sliding_window_get_metrics(ptr(), m));
    return new Metrics(m.limit, m.count, m.allowed, m.denied, m.waiting);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_sliding_window_free(p);
  }

  Pointer raw() {
    return ptr();
  }
}
