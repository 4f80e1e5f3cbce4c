package dev.seawall;

import java.time.Duration;

/**
 * Thrown by {@link Policy#execute} when core's retry stage gave up (the backoff schedule ran out
 * of attempts or time): kind {@link ErrorKind#RETRY_EXHAUSTED}; the cause is the last attempt's
 * exception (null when the last attempt ran out of time and returned normally).
 */
public class RetryExhaustedException extends SeawallException {
  private static final long serialVersionUID = 1L;
  private final int attempts;

  public RetryExhaustedException(int attempts, String message, Throwable last) {
    super(ErrorKind.RETRY_EXHAUSTED, "", message, "", Duration.ZERO, last);
    this.attempts = attempts;
  }

  /** Attempts started, the first included. */
  public int attempts() {
    return attempts;
  }
}
