package dev.seawall;

/** The kind of a seawall error; the codes equal the C ABI's {@code seawall_status} values. */
public enum ErrorKind {
  INVALID_CONFIG(1),
  INVALID_ARGUMENT(2),
  CIRCUIT_OPEN(3),
  RATE_LIMITED(4),
  BULKHEAD_FULL(5),
  TIMEOUT(6),
  RETRY_BUDGET_EXHAUSTED(7),
  INJECTED_FAULT(8),
  /** {@link Policy#execute}'s retry stage ran out of attempts or time. */
  RETRY_EXHAUSTED(9),
  /** A shared-memory region could not be opened or used. */
  SHARED_REGION(10),
  /** A closed handle or a missing argument. */
  NULL_ARGUMENT(100),
  /** An internal bug, caught at the C boundary. */
  PANIC(101);

  private final int code;

  ErrorKind(int code) {
    this.code = code;
  }

  /** The C status code. */
  public int code() {
    return code;
  }

  /** The wire name shared by every binding, e.g. {@code "circuit_open"}. */
  public String wireName() {
    return Lib.C.seawall_status_str(code);
  }

  static ErrorKind of(int code) {
    for (ErrorKind k : values()) {
      if (k.code == code) {
        return k;
      }
    }
    return PANIC;
  }
}
