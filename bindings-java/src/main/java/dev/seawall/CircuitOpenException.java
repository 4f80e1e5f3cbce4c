package dev.seawall;

import java.time.Duration;

/** The circuit breaker rejected the call; {@link #retryAfter()} says when it may admit again. */
public class CircuitOpenException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public CircuitOpenException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.CIRCUIT_OPEN, field, message, stage, retryAfter);
  }

  public CircuitOpenException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.CIRCUIT_OPEN, field, message, stage, retryAfter, cause);
  }
}
