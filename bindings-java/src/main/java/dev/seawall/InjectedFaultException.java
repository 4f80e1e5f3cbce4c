package dev.seawall;

import java.time.Duration;

/** A fault injector injected an error. */
public class InjectedFaultException extends SeawallException {
  private static final long serialVersionUID = 1L;

  public InjectedFaultException(String field, String message, String stage, Duration retryAfter) {
    super(ErrorKind.INJECTED_FAULT, field, message, stage, retryAfter);
  }

  public InjectedFaultException(String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(ErrorKind.INJECTED_FAULT, field, message, stage, retryAfter, cause);
  }
}
