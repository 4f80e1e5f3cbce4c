package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/** A lock-free token bucket (GCRA). A denial is a {@link Decision}, not an exception. */
public final class TokenBucket extends Handle {
  private TokenBucket(Pointer p) {
    super(p, "token bucket");
  }

  /** A builder starting from the core's default config (burst 10, 10 per second). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a token bucket. */
  public static final class Builder {
    final Lib.TokenBucketConfig c = Lib.init(new Lib.TokenBucketConfig(), Lib.C::seawall_token_bucket_config_init);
    private ManualClock clock;
    private final SharedRegion.Place place = new SharedRegion.Place();

    Builder() {}

    /** Capacity: most tokens taken at once after an idle period (≥ 1). */
    public Builder burst(long burst) {
      c.burst = burst;
      return this;
    }

    /** Refill rate in tokens per second (finite, > 0; fractions allowed). */
    public Builder ratePerSec(double rate) {
      c.rate_per_sec = rate;
      return this;
    }

    /** Tokens available at construction (default: full). */
    public Builder initialTokens(long n) {
      c.has_initial_tokens = 1;
      c.initial_tokens = n;
      return this;
    }

    /** Builds it in {@code region} under {@code name}, one state for all who do ({@link SharedRegion}). */
    public Builder region(SharedRegion region, String name) {
      place.set(region, name);
      return this;
    }

    /** Drive the bucket by a manual clock. */
    public Builder clock(ManualClock clock) {
      this.clock = clock;
      return this;
    }

    /** Makes the bucket; {@link InvalidConfigException} names a bad field. */
    public TokenBucket build() {
      PointerByReference out = new PointerByReference();
      if (place.region != null) {
        Pointer region = place.region.ptr();
        String name = place.name();
        Err.check(clock == null
            ? Lib.C.seawall_token_bucket_new_in_region(c, region, name, out)
            : Lib.C.seawall_token_bucket_new_in_region_with_clock(c, clock.ptr(), region, name, out));
      } else {
        Err.check(clock == null
            ? Lib.C.seawall_token_bucket_new(c, out)
            : Lib.C.seawall_token_bucket_new_with_clock(c, clock.ptr(), out));
      }
      return new TokenBucket(out.getValue());
    }
  }

  /** Takes {@code n} tokens if available now; n of 0 or above burst is an {@link InvalidArgumentException}. */
  public Decision tryAcquire(long n) {
    long[] d = new long[4];
    Err.check(Hot.seawall_token_bucket_try_acquire(ptr(), n, d));
    return Decision.of(d);
  }

  /** {@code tryAcquire(1)}. */
  public Decision tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Takes {@code n}, waiting in FIFO order up to {@code timeout} until they are due (on the
   * limiter's clock; a manual clock ends the wait when it is moved there). When they would come
   * later than {@code timeout} nothing is taken and nothing waited: the answer is a denied
   * {@link Decision} with its retry-after. Blocks the calling thread (an interrupt does not end
   * the wait); n of 0 or above the limit is an {@link InvalidArgumentException}.
   */
  public Decision acquire(long n, Duration timeout) {
    long ns = Durations.argNs(timeout, "timeout");
    long[] d = new long[4];
    Limits.waited(Lib.C.seawall_token_bucket_acquire_wait(ptr(), n, ns, d));
    return Decision.of(d);
  }

  /** What {@code tryAcquire(n)} would answer now, taking nothing. */
  public Decision peek(long n) {
    long[] d = new long[4];
    Err.check(Lib.C.seawall_token_bucket_peek(ptr(), n, d));
    return Decision.of(d);
  }

  /** Gives back {@code n} tokens whose call never went out. */
  public void refund(long n) {
    Err.check(Lib.C.seawall_token_bucket_refund(ptr(), n));
  }

  /** A snapshot of a token bucket. */
  public record Metrics(long burst, long available, Duration emissionInterval, long allowed, long denied, long waiting) {}

  /** A snapshot of the bucket. */
  public Metrics metrics() {
    Lib.TokenBucketMetrics m = new Lib.TokenBucketMetrics();
    Err.check(Lib.C.seawall_token_bucket_get_metrics(ptr(), m));
    return new Metrics(m.burst, m.available, Durations.of(m.emission_interval_ns), m.allowed, m.denied, m.waiting);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_token_bucket_free(p);
  }

  Pointer raw() {
    return ptr();
  }
}
