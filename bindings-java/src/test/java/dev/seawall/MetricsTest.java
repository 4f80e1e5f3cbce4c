package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void aRegistryExportsTheCoreFamilies() {
    try (Registry reg = Registry.create(null);
        CircuitBreaker cb = CircuitBreaker.builder().build();
        TokenBucket tb = TokenBucket.builder().burst(10).ratePerSec(100).build();
        Registration g1 = reg.register("payments", cb, Map.of("team", "billing"));
        Registration g2 = reg.register("api", tb)) {
      assertTrue(tb.tryAcquire().allowed());
      String text = reg.prometheusText();
      assertTrue(text.contains("seawall_circuit_breaker_state{name=\"payments\",team=\"billing\",state=\"closed\"} 1"), text);
      assertTrue(text.contains("seawall_rate_limiter_calls_total{name=\"api\",outcome=\"allowed\"} 1"), text);
      assertTrue(reg.healthJson().contains("\"status\":\"ok\""), reg.healthJson());
      cb.forceOpen();
      assertTrue(reg.healthJson().contains("\"status\":\"degraded\""), reg.healthJson());

      assertEquals("name", assertThrows(InvalidArgumentException.class, () -> reg.register("payments", tb)).field());
      assertEquals("labels",
          assertThrows(InvalidArgumentException.class, () -> reg.register("x", tb, Map.of("0bad", "v"))).field());
      assertEquals("instance", assertThrows(InvalidArgumentException.class, () -> reg.register("y", "nope")).field());
      assertEquals("prefix", assertThrows(InvalidArgumentException.class, () -> Registry.create("bad prefix")).field());

      g2.close();
      g2.close();
      assertFalse(reg.prometheusText().contains("name=\"api\""));
    }
  }

  @Test
  void subscribersGetDecisionsUntilUnsubscribed() {
    try (ManualClock clock = ManualClock.create();
        TokenBucket tb = TokenBucket.builder().burst(1).ratePerSec(1).clock(clock).build();
        Registry reg = Registry.create(null);
        Registration g = reg.register("partner-api", tb)) {
      List<Events.Event> seen = Collections.synchronizedList(new ArrayList<>());
      long id = Events.subscribe(seen::add);
      assertTrue(tb.tryAcquire().allowed());
      assertFalse(tb.tryAcquire().allowed());
      assertTrue(Events.unsubscribe(id));
      assertFalse(tb.tryAcquire().allowed()); // refused, unheard
      assertFalse(Events.unsubscribe(id));
      List<Events.Event> ours = new ArrayList<>();
      synchronized (seen) {
        for (Events.Event e : seen) {
          if (e.name.equals("partner-api")) {
            ours.add(e);
          }
        }
      }
      assertEquals(1, ours.size(), ours.toString());
      Events.Event e = ours.get(0);
      assertEquals("rejected", e.kind);
      assertEquals("rate_limiter", e.by);
      assertEquals(Duration.ofSeconds(1), e.retryAfter);
      assertNull(e.key);
    }
    assertEquals("listener", assertThrows(InvalidArgumentException.class, () -> Events.subscribe(null)).field());
  }
}
