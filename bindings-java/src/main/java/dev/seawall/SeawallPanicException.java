package dev.seawall;

import java.time.Duration;

/** An internal bug was caught at the C boundary; the process is fine, the call failed. */
public class SeawallPanicException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public SeawallPanicException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.PANIC, field, message, stage, retryAfter);
  }

  public SeawallPanicException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.PANIC, field, message, stage, retryAfter, cause);
  }
}
