package dev.seawall;

import java.time.Duration;

/** Turns C statuses into exceptions (internal). */
final class Err {
  private Err() {}

  /**
   * Throws the exception for {@code status}. Must be called right after the failing call, on
   * the same thread and with no other seawall call in between: the C ABI keeps the last error
   * per thread, and a JNA call runs on the calling thread.
   */
  static void check(int status) {
    if (status != 0) {
      throw fromLast(status);
    }
  }

  static SeawallException fromLast(int status) {
    ErrorKind k = ErrorKind.of(status);
    if (k == ErrorKind.CIRCUIT_OPEN || k == ErrorKind.RATE_LIMITED || k == ErrorKind.BULKHEAD_FULL) {
      return rejection(k);
    }
    String message = Lib.C.seawall_last_error_message();
    String cField = Lib.C.seawall_last_error_field();
    String stage = Hot.seawall_last_error_stage();
    Duration retryAfter = Durations.of(Hot.seawall_last_error_retry_after_ns());
    String field = cField;
    ErrorKind kind = ErrorKind.of(status);
    if (kind == ErrorKind.INVALID_CONFIG && !cField.isEmpty()) {
      field = javaName(cField);
      message = message.replaceFirst(java.util.regex.Pattern.quote(cField), field);
    }
    return make(kind, field, message, stage, retryAfter, null);
  }

  /**
   * A refusal: its message is made of its kind and retry-after alone, so it is written here
   * rather than formatted in C and copied across (two native calls instead of four).
   */
  private static SeawallException rejection(ErrorKind k) {
    String stage = Hot.seawall_last_error_stage();
    Duration retryAfter = k == ErrorKind.BULKHEAD_FULL ? Duration.ZERO : Durations.of(Hot.seawall_last_error_retry_after_ns());
    String message = switch (k) {
      case CIRCUIT_OPEN -> "circuit open; retry after " + retryAfter;
      case RATE_LIMITED -> "rate limited; retry after " + retryAfter;
      default -> "bulkhead full";
    };
    return make(k, "", message, stage, retryAfter, null);
  }

  static SeawallException make(ErrorKind kind, String field, String message, String stage, Duration retryAfter, Throwable cause) {
    switch (kind) {
      case INVALID_CONFIG: return new InvalidConfigException(field, message, stage, retryAfter, cause);
      case INVALID_ARGUMENT: return new InvalidArgumentException(field, message, stage, retryAfter, cause);
      case CIRCUIT_OPEN: return new CircuitOpenException(field, message, stage, retryAfter, cause);
      case RATE_LIMITED: return new RateLimitedException(field, message, stage, retryAfter, cause);
      case BULKHEAD_FULL: return new BulkheadFullException(field, message, stage, retryAfter, cause);
      case TIMEOUT: return new SeawallTimeoutException(field, message, stage, retryAfter, cause);
      case RETRY_BUDGET_EXHAUSTED: return new RetryBudgetExhaustedException(field, message, stage, retryAfter, cause);
      case INJECTED_FAULT: return new InjectedFaultException(field, message, stage, retryAfter, cause);
      case RETRY_EXHAUSTED: return new RetryExhaustedException(0, message, cause);
      case SHARED_REGION: return new SharedRegionException(field, message, stage, retryAfter, cause);
      case NULL_ARGUMENT: return new ClosedException(field, message, stage, retryAfter, cause);
      default: return new SeawallPanicException(field, message, stage, retryAfter, cause);
    }
  }

  /** {@code "open_duration_ns"} → {@code "openDuration"}: the builder method's name. */
  static String javaName(String c) {
    String s = c.endsWith("_ns") ? c.substring(0, c.length() - 3) : c;
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char ch : s.toCharArray()) {
      if (ch == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(ch) : ch);
        up = false;
      }
    }
    return b.toString();
  }

  /**
   * {@link #check}, naming a field {@code to} where C names it {@code from} (a parameter Java
   * spells otherwise).
   */
  static void check(int status, String from, String to) {
    if (status == 0) {
      return;
    }
    SeawallException e = fromLast(status);
    if (!e.field().equals(from) && !e.field().equals(javaName(from))) {
      throw e;
    }
    String message = e.getMessage().replaceFirst(java.util.regex.Pattern.quote(e.field()), to);
    throw make(e.kind(), to, message, e.stage(), e.retryAfter(), null);
  }

  static InvalidConfigException config(String field, String rule, Object got) {
    return new InvalidConfigException(field, "invalid config: " + field + " " + rule + ", got " + got, "", Duration.ZERO);
  }

  static InvalidArgumentException argument(String field, String rule, Object got) {
    return new InvalidArgumentException(field, "invalid argument: " + field + " " + rule + ", got " + got, "", Duration.ZERO);
  }
}
