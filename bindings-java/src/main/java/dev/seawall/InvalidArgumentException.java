package dev.seawall;

import java.time.Duration;

/** An argument is invalid (e.g. {@code n} above the burst); {@link #field()} names it. */
public class InvalidArgumentException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public InvalidArgumentException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.INVALID_ARGUMENT, field, message, stage, retryAfter);
  }

  public InvalidArgumentException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.INVALID_ARGUMENT, field, message, stage, retryAfter, cause);
  }
}
