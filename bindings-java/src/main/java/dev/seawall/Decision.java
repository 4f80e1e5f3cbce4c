package dev.seawall;

import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A rate limiter's answer (the numbers of the X-RateLimit-* and Retry-After headers).
 *
 * @param allowed whether the request was granted
 * @param remaining requests that could still be granted right now
 * @param retryAfter when denied: until the same request could pass
 * @param resetAfter until the limiter is back to full capacity
 */
public record Decision(boolean allowed, long remaining, Duration retryAfter, Duration resetAfter) {
  private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  static {
    Lib.Decision d = new Lib.Decision();
    if (d.offset("allowed") != 0 || d.offset("remaining") != 8 || d.offset("retry_after_ns") != 16
        || d.offset("reset_after_ns") != 24 || d.size() != 32) {
      throw new IllegalStateException("seawall_decision is not the 4 x 8 bytes Decision.of(long[]) reads");
    }
  }

  /** A seawall_decision written into {@code d} (a {@code long[4]}; {@code allowed} is its first byte). */
  static Decision of(long[] d) {
    boolean allowed = ((LITTLE ? d[0] : d[0] >>> 56) & 0xff) != 0;
    return new Decision(allowed, d[1], Durations.of(d[2]), Durations.of(d[3]));
  }
}
