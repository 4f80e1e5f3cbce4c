package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * At most {@code maxConcurrent} permits per key held at once across hosts (a bulkhead across
 * hosts). Each permit is a lease that expires unless renewed, so a holder that dies frees its
 * permit (spec/redis.md).
 */
public final class RedisConcurrencyLimit extends Handle {
  private RedisConcurrencyLimit(Pointer p) {
    super(p, "Redis concurrency limit");
  }

  /** A limit named {@code name} of {@code maxConcurrent} (1..=1,000,000) permits per key, each a 30 s lease. */
  public static RedisConcurrencyLimit of(RedisBackend backend, String name, long maxConcurrent) {
    return of(backend, name, maxConcurrent, RedisBackend.DEFAULT_LEASE);
  }

  /** {@link #of(RedisBackend, String, long)} with leases of {@code lease} (1 ms ..= 1 day). */
  public static RedisConcurrencyLimit of(RedisBackend backend, String name, long maxConcurrent, Duration lease) {
    Pointer b = RedisLimiter.backend(backend);
    String n = RedisBackend.name(name, "name");
    long ns = Durations.configNs(lease, "lease");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_redis_concurrency_limit_new(b, n, maxConcurrent, ns, out));
    return new RedisConcurrencyLimit(out.getValue());
  }

  /** A held permit: {@link #close()} releases it (once), {@link #renew()} keeps it past its lease. */
  public final class Lease implements AutoCloseable {
    private final AtomicReference<Pointer> p;

    private Lease(Pointer p) {
      this.p = new AtomicReference<>(p);
    }

    /** Extends the lease to its full length from now; false when it had already expired. */
    public boolean renew() {
      Pointer x = p.get();
      if (x == null) {
        throw new ClosedException("lease", "the lease was released", "", Duration.ZERO);
      }
      byte[] held = new byte[1];
      Err.check(Lib.C.seawall_redis_lease_renew(ptr(), x, held));
      return held[0] != 0;
    }

    /** Releases the permit; false when it had already expired (or Redis could not be told). Once. */
    public boolean release() {
      Pointer x = p.getAndSet(null);
      if (x == null) {
        return false;
      }
      byte[] was = new byte[1];
      Err.check(Lib.C.seawall_redis_lease_release(ptr(), x, was));
      return was[0] != 0;
    }

    /** {@link #release()}. */
    @Override
    public void close() {
      release();
    }
  }

  /**
   * Takes a permit of {@code key} if fewer than maxConcurrent are held; empty when all are held.
   * When Redis cannot answer, the failure mode decides.
   */
  public Optional<Lease> tryAcquire(String key) {
    byte[] k = RedisBackend.bytes(key, "key");
    PointerByReference out = new PointerByReference();
    long[] retryAfter = new long[1];
    Err.check(Lib.C.seawall_redis_concurrency_limit_try_acquire(ptr(), k, RedisBackend.length(key), out, retryAfter));
    Pointer lease = out.getValue();
    return lease == null ? Optional.empty() : Optional.of(new Lease(lease));
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_redis_concurrency_limit_free(p);
  }
}
