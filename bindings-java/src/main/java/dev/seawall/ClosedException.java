package dev.seawall;

import java.time.Duration;

/** The handle was closed (or a required argument was missing). */
public class ClosedException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public ClosedException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.NULL_ARGUMENT, field, message, stage, retryAfter);
  }

  public ClosedException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.NULL_ARGUMENT, field, message, stage, retryAfter, cause);
  }
}
