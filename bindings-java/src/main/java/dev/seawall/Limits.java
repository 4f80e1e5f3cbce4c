package dev.seawall;

/** What the limiters share (internal). */
final class Limits {
  private Limits() {}

  /**
   * The status of a waiting acquire: {@code SEAWALL_RATE_LIMITED} is an answer (the decision
   * says denied, and when to come back), anything else but OK an exception.
   */
  static void waited(int status) {
    if (status != ErrorKind.RATE_LIMITED.code()) {
      Err.check(status);
    }
  }
}
