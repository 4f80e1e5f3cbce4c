package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One sliding window per key, in a lock-free table that always has room for {@code maxKeys} distinct keys. Keys are strings
 * (UTF-8) or any bytes. A denial is a {@link Decision}.
 */
public final class KeyedSlidingWindow extends Handle {
  private KeyedSlidingWindow(Pointer p) {
    super(p, "keyed sliding window");
  }

  /** A builder starting from the core's default config. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a keyed sliding window: the per-key limit, then the key table. */
  public static final class Builder {
    private final Lib.KeyedSlidingWindowConfig c = 
        Lib.init(new Lib.KeyedSlidingWindowConfig(), Lib.C::seawall_keyed_sliding_window_config_init);
    private ManualClock clock;
    private final SharedRegion.Place place = new SharedRegion.Place();

    private Builder() {}

    /** Each key's limit, from a {@link SlidingWindow#builder()} (its clock is ignored; use {@link #clock}). */
    public Builder window(SlidingWindow.Builder b) {
      c.limit = b.c.limit;
      c.window_ns = b.c.window_ns;
      c.buckets = b.c.buckets;
      return this;
    }

    /** Distinct keys the table always has room for (1..=2^24; default 10000; the table has 4 x maxKeys slots). */
    public Builder maxKeys(long n) {
      c.max_keys = n;
      return this;
    }

    /** Slots probed per lookup (1..=64; default 64; smaller values make false denials below maxKeys possible). */
    public Builder maxProbe(int n) {
      c.max_probe = n;
      return this;
    }

    /** Allow new keys untracked when the table is full (default: deny). */
    public Builder allowWhenFull(boolean allow) {
      c.on_full = allow ? 1 : 0;
      return this;
    }

    /** Hash seed, for reproducible tests (default: seeded from the clock). */
    public Builder hashSeed(long seed) {
      c.has_hash_seed = 1;
      c.hash_seed = seed;
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
    public KeyedSlidingWindow build() {
      PointerByReference out = new PointerByReference();
      if (place.region != null) {
        Pointer region = place.region.ptr();
        String name = place.name();
        Err.check(clock == null
            ? Lib.C.seawall_keyed_sliding_window_new_in_region(c, region, name, out)
            : Lib.C.seawall_keyed_sliding_window_new_in_region_with_clock(c, clock.ptr(), region, name, out));
      } else {
        Err.check(clock == null
            ? Lib.C.seawall_keyed_sliding_window_new(c, out)
            : Lib.C.seawall_keyed_sliding_window_new_with_clock(c, clock.ptr(), out));
      }
      return new KeyedSlidingWindow(out.getValue());
    }
  }

  /** Takes {@code n} from {@code key}'s limit. */
  public Decision tryAcquire(String key, long n) {
    return tryAcquire(bytes(key), n);
  }

  /** Takes {@code n} from the limit of a key of any bytes. */
  public Decision tryAcquire(byte[] key, long n) {
    if (key == null) {
      throw Err.argument("key", "must not be null", "null");
    }
    long[] d = new long[4];
    Err.check(Hot.seawall_keyed_sliding_window_try_acquire(ptr(), nonEmpty(key), key.length, n, d));
    return Decision.of(d);
  }

  /** What {@code tryAcquire(key, n)} would answer now, taking nothing. */
  public Decision peek(String key, long n) {
    byte[] k = bytes(key);
    long[] d = new long[4];
    Err.check(Lib.C.seawall_keyed_sliding_window_peek(ptr(), nonEmpty(k), k.length, n, d));
    return Decision.of(d);
  }

  /**
   * Takes {@code n} from {@code key}'s limit, waiting in FIFO order up to {@code timeout} until
   * it is due (a key with waiters is never evicted). When it would come later than {@code
   * timeout} nothing is taken: a denied {@link Decision} with its retry-after. Blocks the
   * calling thread.
   */
  public Decision acquire(String key, long n, Duration timeout) {
    byte[] k = bytes(key);
    long ns = Durations.argNs(timeout, "timeout");
    long[] d = new long[4];
    Limits.waited(Lib.C.seawall_keyed_sliding_window_acquire_wait(ptr(), nonEmpty(k), k.length, n, ns, d));
    return Decision.of(d);
  }

  /** Gives back {@code n} to {@code key}'s limit. */
  public void refund(String key, long n) {
    byte[] k = bytes(key);
    Err.check(Lib.C.seawall_keyed_sliding_window_refund(ptr(), nonEmpty(k), k.length, n));
  }

  /** A snapshot of the key table. */
  public KeyedMetrics metrics() {
    Lib.KeyedMetrics m = new Lib.KeyedMetrics();
    Err.check(Lib.C.seawall_keyed_sliding_window_get_metrics(ptr(), m));
    return KeyedMetrics.of(m);
  }

  private static byte[] bytes(String key) {
    if (key == null) {
      throw Err.argument("key", "must not be null", "null");
    }
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** The C side wants a non-NULL pointer even for an empty key. */
  private static byte[] nonEmpty(byte[] k) {
    return k.length == 0 ? new byte[1] : k;
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_keyed_sliding_window_free(p);
  }

}
