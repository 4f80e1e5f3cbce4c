package dev.seawall;

import java.time.Duration;

/** The rate limiter rejected the call; {@link #retryAfter()} says when to retry. */
public class RateLimitedException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public RateLimitedException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.RATE_LIMITED, field, message, stage, retryAfter);
  }

  public RateLimitedException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.RATE_LIMITED, field, message, stage, retryAfter, cause);
  }
}
