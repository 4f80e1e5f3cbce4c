package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/**
 * A keyed token bucket or sliding window whose state lives in Redis: every limiter with the
 * same name on the same Redis — any process, any host, any language — shares one limit per
 * key. A decision is one Redis command on Redis' own clock and blocks at most the backend's
 * deadline; a Redis failure is answered by the failure mode, never by an exception.
 */
public final class RedisLimiter extends Handle {
  private RedisLimiter(Pointer p) {
    super(p, "Redis limiter");
  }

  /** A GCRA token bucket named {@code name} (1..=128 ASCII letters, digits and {@code _-.:}). */
  public static RedisLimiter tokenBucket(RedisBackend backend, String name, long burst, double ratePerSec) {
    Lib.TokenBucketConfig c = Lib.init(new Lib.TokenBucketConfig(), Lib.C::seawall_token_bucket_config_init);
    c.burst = burst;
    c.rate_per_sec = ratePerSec;
    Pointer b = backend(backend);
    String n = RedisBackend.name(name, "name");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_redis_token_bucket_new(b, n, c, out));
    return new RedisLimiter(out.getValue());
  }

  /** A sliding window of {@code limit} per {@code window} named {@code name} (spec/redis.md states its bound). */
  public static RedisLimiter slidingWindow(RedisBackend backend, String name, long limit, Duration window) {
    Lib.SlidingWindowConfig c = Lib.init(new Lib.SlidingWindowConfig(), Lib.C::seawall_sliding_window_config_init);
    c.limit = limit;
    c.window_ns = Durations.configNs(window, "window");
    Pointer b = backend(backend);
    String n = RedisBackend.name(name, "name");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_redis_sliding_window_new(b, n, c, out));
    return new RedisLimiter(out.getValue());
  }

  static Pointer backend(RedisBackend b) {
    if (b == null) {
      throw Err.argument("backend", "must not be null", "null");
    }
    return b.raw();
  }

  /**
   * Takes {@code n} for {@code key} (1..=1024 bytes of UTF-8) if the limit allows. A denial, by
   * Redis or by the failure mode, is a {@link Decision} with {@code allowed} false.
   */
  public Decision tryAcquire(String key, long n) {
    byte[] k = RedisBackend.bytes(key, "key");
    long[] d = new long[4];
    Err.check(Lib.C.seawall_redis_limiter_try_acquire(ptr(), k, RedisBackend.length(key), n, d));
    return Decision.of(d);
  }

  /** What {@code tryAcquire(key, n)} would answer now, taking nothing. */
  public Decision peek(String key, long n) {
    byte[] k = RedisBackend.bytes(key, "key");
    long[] d = new long[4];
    Err.check(Lib.C.seawall_redis_limiter_peek(ptr(), k, RedisBackend.length(key), n, d));
    return Decision.of(d);
  }

  /** Gives back {@code n} to {@code key} whose call never went out. */
  public void refund(String key, long n) {
    byte[] k = RedisBackend.bytes(key, "key");
    Err.check(Lib.C.seawall_redis_limiter_refund(ptr(), k, RedisBackend.length(key), n));
  }

  /**
   * The limiter's decisions and its backend's health (spec/redis.md).
   *
   * @param breakerOpen the breaker around Redis is open or half-open
   */
  public record Metrics(long limit, long allowed, long denied, long redisOk, long errors, long timeouts,
      long fallbacks, long shortCircuited, long connects, boolean breakerOpen) {}

  /** A snapshot of the limiter's and its backend's counters. */
  public Metrics metrics() {
    Lib.RedisMetrics m = new Lib.RedisMetrics();
    Err.check(Lib.C.seawall_redis_limiter_metrics(ptr(), m));
    return new Metrics(m.limit, m.allowed, m.denied, m.redis_ok, m.errors, m.timeouts, m.fallbacks,
        m.short_circuited, m.connects, m.breaker_open != 0);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_redis_limiter_free(p);
  }
}
