package dev.seawall;

import java.time.Duration;

/**
 * A failed seawall call. Subclasses exist per {@link ErrorKind}, so callers
 * catch what they handle ({@link CircuitOpenException}, {@link InvalidConfigException}...).
 */
public class SeawallException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorKind kind;
  private final String field;
  private final String stage;
  private final Duration retryAfter;

  public SeawallException(ErrorKind kind, String field, String message, String stage, Duration retryAfter) {
    this(kind, field, message, stage, retryAfter, null);
  }

  public SeawallException(ErrorKind kind, String field, String message, String stage, Duration retryAfter, Throwable cause) {
    super(message == null || message.isEmpty() ? kind.wireName() : message, cause);
    this.kind = kind;
    this.field = field == null ? "" : field;
    this.stage = stage == null ? "" : stage;
    this.retryAfter = retryAfter == null ? Duration.ZERO : retryAfter;
  }

  /** The error's kind. */
  public ErrorKind kind() {
    return kind;
  }

  /**
   * The config field (as the builder method is named, e.g. {@code "openDuration"}) or the
   * parameter ({@code "n"}) the error is about; {@code ""} when none.
   */
  public String field() {
    return field;
  }

  /** The policy stage that rejected the call ({@code "rate_limiter"}, {@code "circuit_breaker"}, {@code "bulkhead"}), or {@code ""}. */
  public String stage() {
    return stage;
  }

  /** For circuit_open and rate_limited: how long until the call could be admitted. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
