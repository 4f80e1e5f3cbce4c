package dev.seawall;

import java.time.Duration;

/** A config field is invalid; {@link #field()} names it (the builder method's name). */
public class InvalidConfigException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.INVALID_CONFIG, field, message, stage, retryAfter);
  }

  public InvalidConfigException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.INVALID_CONFIG, field, message, stage, retryAfter, cause);
  }
}
