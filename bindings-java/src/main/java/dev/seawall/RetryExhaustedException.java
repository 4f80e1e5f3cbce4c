package dev.seawall;

/**
 * Thrown by {@link Policy#execute} when the backoff schedule gives up (attempts or time ran out);
 * the cause is the last call's exception.
 */
public class RetryExhaustedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int attempts;

  public RetryExhaustedException(int attempts, Throwable last) {
    super("gave up after " + attempts + " attempt(s): the backoff schedule gave up; last error: " + last, last);
    this.attempts = attempts;
  }

  /** Calls made, the first included. */
  public int attempts() {
    return attempts;
  }
}
