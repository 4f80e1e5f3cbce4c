package dev.seawall;

import java.time.Duration;

/** The bulkhead is full (or the wait for a slot ran out). */
public class BulkheadFullException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public BulkheadFullException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.BULKHEAD_FULL, field, message, stage, retryAfter);
  }

  public BulkheadFullException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.BULKHEAD_FULL, field, message, stage, retryAfter, cause);
  }
}
