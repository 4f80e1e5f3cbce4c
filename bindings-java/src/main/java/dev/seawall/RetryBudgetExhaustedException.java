package dev.seawall;

import java.time.Duration;

/** The retry budget denied a retry; the cause is the last call's exception, if any. */
public class RetryBudgetExhaustedException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public RetryBudgetExhaustedException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.RETRY_BUDGET_EXHAUSTED, field, message, stage, retryAfter);
  }

  public RetryBudgetExhaustedException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.RETRY_BUDGET_EXHAUSTED, field, message, stage, retryAfter, cause);
  }
}
