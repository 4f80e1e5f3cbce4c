package dev.seawall;

import java.time.Duration;

/** A shared-memory region could not be opened or used: an I/O error, or a truncated, corrupted or other-version file, or a full region (the message says which). */
public class SharedRegionException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public SharedRegionException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.SHARED_REGION, field, message, stage, retryAfter);
  }

  public SharedRegionException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.SHARED_REGION, field, message, stage, retryAfter, cause);
  }
}
