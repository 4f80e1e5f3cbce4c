package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One Redis (one URL: one connection, one deadline, one failure mode, one circuit breaker around
 * Redis) shared by any number of Redis limiters, concurrency limits and feature flags
 * (spec/redis.md). Connects on the first decision, so a Redis that is down is no error here.
 *
 * <pre>{@code
 * try (RedisBackend backend = RedisBackend.builder("redis://127.0.0.1:6379/0").build();
 *      RedisLimiter api = RedisLimiter.tokenBucket(backend, "partner-api", 50, 50.0)) {
 *   Decision d = api.tryAcquire(customerId, 1);   // blocks at most the deadline (50 ms)
 * }
 * }</pre>
 */
public final class RedisBackend extends Handle {
  /** Core's per-decision deadline when none is given (the header's SEAWALL_REDIS_DEFAULT_DEADLINE_NS; checked by a test). */
  static final Duration DEFAULT_DEADLINE = Duration.ofMillis(50);
  /** Core's lease (SEAWALL_REDIS_DEFAULT_LEASE_NS). */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
  /** Core's flag cache lifetime (SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS). */
  static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(1);

  /** What a decision answers when Redis cannot (unreachable, slower than the deadline, erroring, or its breaker open). */
  public enum FailureMode {
    /** An in-memory limiter of the same limits in this process (the default). */
    LOCAL,
    /** Allow. */
    OPEN,
    /** Deny; the retry-after says when Redis will be tried again. */
    CLOSED
  }

  private RedisBackend(Pointer p) {
    super(p, "Redis backend");
  }

  /**
   * A builder for {@code url}: {@code redis://[user][:password@]host[:port][/db]}, {@code
   * rediss://…} (TLS, with {@code ?ssl_ca_certs=/path/ca.pem} for a private CA) or {@code
   * unix:///path.sock}; a 50 ms deadline and {@link FailureMode#LOCAL} unless set.
   */
  public static Builder builder(String url) {
    return new Builder(url);
  }

  /** Builds a backend. */
  public static final class Builder {
    private final String url;
    private Duration deadline = DEFAULT_DEADLINE;
    private FailureMode onFailure = FailureMode.LOCAL;

    private Builder(String url) {
      this.url = url;
    }

    /** The longest a decision waits for Redis, connecting included (1 ms ..= 60 s). */
    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    /** What a decision answers when Redis cannot. */
    public Builder onFailure(FailureMode mode) {
      if (mode == null) {
        throw Err.config("onFailure", "must not be null", "null");
      }
      this.onFailure = mode;
      return this;
    }

    /** Makes the backend; {@link InvalidConfigException} names a bad {@code url} (password masked), {@code deadline}. */
    public RedisBackend build() {
      if (url == null) {
        throw Err.config("url", "must not be null", "null");
      }
      if (url.indexOf('\0') >= 0) {
        throw Err.config("url", "must not contain a NUL character", "a URL with a NUL");
      }
      long ns = Durations.configNs(deadline, "deadline");
      int mode = switch (onFailure) {
        case LOCAL -> 0;
        case OPEN -> 1;
        case CLOSED -> 2;
      };
      PointerByReference out = new PointerByReference();
      Err.check(Lib.C.seawall_redis_backend_new(url, ns, mode, out));
      return new RedisBackend(out.getValue());
    }
  }

  Pointer raw() {
    return ptr();
  }

  /** A key or flag for C: UTF-8 bytes; null is an error naming {@code param}. */
  static byte[] bytes(String key, String param) {
    if (key == null) {
      throw Err.argument(param, "must not be null", "null");
    }
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return k.length == 0 ? new byte[1] : k; // a non-NULL pointer; the length says empty
  }

  static long length(String key) {
    return key.getBytes(StandardCharsets.UTF_8).length;
  }

  /** A limiter or namespace name for C. */
  static String name(String name, String param) {
    if (name == null) {
      throw Err.config(param, "must not be null", "null");
    }
    if (name.indexOf('\0') >= 0) {
      throw Err.config(param, "must not contain a NUL character", name);
    }
    return name;
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_redis_backend_free(p);
  }
}
