package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/**
 * On/off switches in Redis shared by every host, read through a short local cache, with the
 * caller's safe default when Redis cannot answer; {@link #disable} sheds a feature everywhere
 * for a while (graceful degradation).
 */
public final class RedisFeatureFlags extends Handle {
  private RedisFeatureFlags(Pointer p) {
    super(p, "Redis feature flags");
  }

  /** The flags under {@code namespace}, each read from Redis at most once a second per process. */
  public static RedisFeatureFlags of(RedisBackend backend, String namespace) {
    return of(backend, namespace, RedisBackend.DEFAULT_CACHE_TTL);
  }

  /** {@link #of(RedisBackend, String)} with a cache of {@code cacheTtl} (0 ..= 1 h; 0: no cache). */
  public static RedisFeatureFlags of(RedisBackend backend, String namespace, Duration cacheTtl) {
    Pointer b = RedisLimiter.backend(backend);
    String ns = RedisBackend.name(namespace, "namespace");
    long ttl = Durations.configNs(cacheTtl, "cacheTtl");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_redis_feature_flags_new(b, ns, ttl, out), "flag_namespace", "namespace");
    return new RedisFeatureFlags(out.getValue());
  }

  /** Whether {@code flag} is on: the local cache, else Redis, else (never set, or Redis down) {@code safeDefault}. */
  public boolean isEnabled(String flag, boolean safeDefault) {
    byte[] f = RedisBackend.bytes(flag, "flag");
    byte[] out = new byte[1];
    Err.check(Lib.C.seawall_redis_feature_flags_is_enabled(ptr(), f, RedisBackend.length(flag), (byte) (safeDefault ? 1 : 0), out));
    return out[0] != 0;
  }

  /** Turns {@code flag} on or off for every host; false when Redis could not take it. */
  public boolean set(String flag, boolean on) {
    byte[] f = RedisBackend.bytes(flag, "flag");
    byte[] written = new byte[1];
    Err.check(Lib.C.seawall_redis_feature_flags_set(ptr(), f, RedisBackend.length(flag), (byte) (on ? 1 : 0), written));
    return written[0] != 0;
  }

  /** Turns {@code flag} off for every host for {@code duration} (1 ms ..= 30 days), then back; false when Redis could not take it. */
  public boolean disable(String flag, Duration duration) {
    byte[] f = RedisBackend.bytes(flag, "flag");
    long ns = Durations.argNs(duration, "duration");
    byte[] written = new byte[1];
    Err.check(Lib.C.seawall_redis_feature_flags_disable(ptr(), f, RedisBackend.length(flag), ns, written), "for_ns", "duration");
    return written[0] != 0;
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_redis_feature_flags_free(p);
  }
}
