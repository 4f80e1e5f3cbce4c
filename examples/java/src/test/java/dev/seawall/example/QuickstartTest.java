package dev.seawall.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seawall.CircuitState;
import org.junit.jupiter.api.Test;

class QuickstartTest {
  /** Every third attempt fails with a retryable 503 and is retried, so every call succeeds. */
  @Test
  void run() {
    Quickstart.Result r = Quickstart.run();
    assertEquals(20, r.ok());
    assertEquals(CircuitState.CLOSED, r.state());
  }
}
