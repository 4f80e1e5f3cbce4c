package dev.seawall;

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
  static Decision of(Lib.Decision d) {
    return new Decision(d.allowed != 0, d.remaining, Durations.of(d.retry_after_ns), Durations.of(d.reset_after_ns));
  }
}
