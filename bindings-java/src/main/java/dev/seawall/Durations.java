package dev.seawall;

import java.time.Duration;

/** Duration ↔ nanoseconds (internal). */
final class Durations {
  private Durations() {}

  /** ns (an unsigned C uint64_t) to a Duration; saturates above Long.MAX_VALUE ns. */
  static Duration of(long ns) {
    return Duration.ofNanos(ns < 0 ? Long.MAX_VALUE : ns);
  }

  /** A config duration in ns; null, negative or too large is an InvalidConfigException naming field. */
  static long configNs(Duration d, String field) {
    if (d == null) {
      throw Err.config(field, "must be set", "null");
    }
    if (d.isNegative()) {
      throw Err.config(field, "must be >= 0", d);
    }
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      throw Err.config(field, "must be at most " + Duration.ofNanos(Long.MAX_VALUE), d);
    }
  }

  /** An argument duration in ns; null, negative or too large is an InvalidArgumentException naming name. */
  static long argNs(Duration d, String name) {
    if (d == null) {
      throw Err.argument(name, "must not be null", "null");
    }
    if (d.isNegative()) {
      throw Err.argument(name, "must be >= 0", d);
    }
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      throw Err.argument(name, "must be at most " + Duration.ofNanos(Long.MAX_VALUE), d);
    }
  }

  /** ns of a duration, saturating (negative as 0). */
  static long nanos(Duration d) {
    if (d.isNegative()) {
      return 0;
    }
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
