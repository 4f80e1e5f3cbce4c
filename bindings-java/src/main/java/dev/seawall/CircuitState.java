package dev.seawall;

/** A breaker state. */
public enum CircuitState {
  CLOSED, OPEN, HALF_OPEN, DISABLED, FORCED_OPEN, METRICS_ONLY;

  /** The wire name, e.g. {@code "half_open"}. */
  public String wireName() {
    return Lib.C.seawall_circuit_state_str(ordinal());
  }

  static CircuitState of(int v) {
    return values()[v];
  }
}
