package dev.seawall;

import java.time.Duration;

/** A wait ran out of time. */
public class SeawallTimeoutException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public SeawallTimeoutException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.TIMEOUT, field, message, stage, retryAfter);
  }

  public SeawallTimeoutException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.TIMEOUT, field, message, stage, retryAfter, cause);
  }
}
