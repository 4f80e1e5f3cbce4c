package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class HeadersAndWaitsTest {
  static final Duration SEC = Duration.ofSeconds(1);

  /** The header vectors (spec/vectors/headers), run through QuotaPolicy: the bytes every runner checks. */
  @Test
  void headerVectors() throws Exception {
    JsonObject file = JsonParser.parseString(Files.readString(Path.of("../spec/vectors/headers/headers.json"))).getAsJsonObject();
    int ran = 0;
    for (JsonElement el : file.getAsJsonArray("scenarios")) {
      JsonObject sc = el.getAsJsonObject();
      JsonObject cfg = sc.getAsJsonObject("config");
      String name = cfg.has("name") ? cfg.get("name").getAsString() : "default";
      String what = sc.get("name").getAsString();
      try (ManualClock clock = ManualClock.create(Duration.ZERO)) {
        Supplier<QuotaPolicy> make;
        Supplier<Decision> tryAcquire = null;
        if (cfg.has("token_bucket")) {
          JsonObject tb = cfg.getAsJsonObject("token_bucket");
          long burst = tb.get("burst").getAsLong();
          double rate = tb.get("rate_per_sec").getAsDouble();
          make = () -> QuotaPolicy.ofTokenBucket(name, burst, rate);
          TokenBucket b = TokenBucket.builder().burst(burst).ratePerSec(rate).clock(clock).build();
          tryAcquire = b::tryAcquire;
        } else if (cfg.has("sliding_window")) {
          JsonObject sw = cfg.getAsJsonObject("sliding_window");
          long limit = sw.get("limit").getAsLong();
          Duration window = Duration.ofNanos(sw.get("window_ns").getAsLong());
          make = () -> QuotaPolicy.ofSlidingWindow(name, limit, window);
          SlidingWindow w = SlidingWindow.builder().limit(limit).window(window).buckets(sw.get("buckets").getAsInt()).clock(clock).build();
          tryAcquire = w::tryAcquire;
        } else {
          long limit = cfg.get("limit").getAsLong();
          Duration window = Duration.ofNanos(cfg.get("window_ns").getAsLong());
          make = () -> QuotaPolicy.of(name, limit, window);
        }
        if (sc.has("expect_error")) {
          JsonObject want = sc.getAsJsonObject("expect_error");
          SeawallException e = assertThrows(SeawallException.class, make::get, what);
          assertEquals(want.get("error").getAsString(), e.kind().wireName(), what);
          assertEquals(want.get("field").getAsString(), e.field(), what);
          ran++;
          continue;
        }
        try (QuotaPolicy q = make.get()) {
          for (JsonElement stepEl : sc.getAsJsonArray("steps")) {
            JsonObject step = stepEl.getAsJsonObject();
            Decision d;
            switch (step.get("op").getAsString()) {
              case "advance":
                clock.advance(Duration.ofNanos(step.get("ns").getAsLong()));
                continue;
              case "try_acquire":
                d = tryAcquire.get();
                break;
              default:
                d = new Decision(step.get("allowed").getAsBoolean(), step.get("remaining").getAsLong(),
                    Duration.ofNanos(step.has("retry_after_ns") ? step.get("retry_after_ns").getAsLong() : 0),
                    Duration.ofNanos(step.get("reset_after_ns").getAsLong()));
            }
            Map<String, String> got = q.headers(d);
            for (Map.Entry<String, JsonElement> want : step.getAsJsonObject("expect").entrySet()) {
              if (want.getValue().isJsonNull()) {
                assertNull(got.get(want.getKey()), what + ": " + want.getKey());
              } else {
                assertEquals(want.getValue().getAsString(), got.get(want.getKey()), what + ": " + want.getKey());
              }
            }
          }
        }
      }
      ran++;
    }
    assertTrue(ran >= 7, "ran " + ran + " header scenarios");
  }

  @Test
  void headerOrderAndBadInput() {
    try (QuotaPolicy q = QuotaPolicy.of("api", 100, Duration.ofMinutes(1))) {
      Map<String, String> h = q.headers(new Decision(false, 0, Duration.ofMillis(1200), Duration.ofSeconds(30)));
      assertEquals(List.of("RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"),
          List.copyOf(h.keySet()));
      assertEquals("2", h.get("Retry-After"));
      assertThrows(InvalidArgumentException.class, () -> q.headers(null));
    }
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> QuotaPolicy.of("a\0b", 1, SEC));
    assertEquals("name", e.field());
    e = assertThrows(InvalidArgumentException.class, () -> QuotaPolicy.of("api", 1, Duration.ofSeconds(-1)));
    assertEquals("window", e.field());
  }

  @Test
  void parseRetryAfter() {
    Instant now = Instant.parse("2026-12-05T12:00:00Z");
    assertEquals(Optional.of(Duration.ofSeconds(120)), Classify.parseRetryAfter("120", now));
    assertEquals(Optional.of(Duration.ofMillis(1500)), Classify.parseRetryAfter("1.5", now));
    assertEquals(Optional.of(Duration.ofSeconds(30)), Classify.parseRetryAfter("Sat, 05 Dec 2026 12:00:30 GMT", now));
    assertEquals(Optional.of(Duration.ZERO), Classify.parseRetryAfter("Sat, 05 Dec 2026 11:00:00 GMT", now));
    assertEquals(Optional.empty(), Classify.parseRetryAfter("soon", now));
    assertEquals(Optional.empty(), Classify.parseRetryAfter("1\0" + "2", now));
    assertEquals(Optional.empty(), Classify.parseRetryAfter(null, now));
  }

  /** A wait that would end after its timeout is refused at once; a waiter is served when the clock moves. */
  @Test
  void waits() throws Exception {
    try (ManualClock clock = ManualClock.create(Duration.ZERO);
         TokenBucket b = TokenBucket.builder().burst(1).ratePerSec(1).clock(clock).build()) {
      assertTrue(b.acquire(1, Duration.ZERO).allowed());
      Decision no = b.acquire(1, Duration.ofMillis(500));
      assertFalse(no.allowed());
      assertEquals(SEC, no.retryAfter());
      CompletableFuture<Decision> waiter = CompletableFuture.supplyAsync(() -> b.acquire(1, Duration.ofSeconds(5)));
      while (b.metrics().waiting() == 0) {
        Thread.onSpinWait();
      }
      assertFalse(waiter.isDone());
      clock.advance(SEC);
      assertTrue(waiter.get(10, TimeUnit.SECONDS).allowed());
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> b.acquire(1, Duration.ofSeconds(-1)));
      assertEquals("timeout", e.field());
      assertThrows(InvalidArgumentException.class, () -> b.acquire(2, SEC));
    }
    try (ManualClock clock = ManualClock.create(Duration.ZERO);
         KeyedSlidingWindow k = KeyedSlidingWindow.builder().window(SlidingWindow.builder().limit(1).window(SEC).buckets(10)).clock(clock).build()) {
      assertTrue(k.acquire("u", 1, Duration.ZERO).allowed());
      assertFalse(k.peek("u", 1).allowed());
      assertTrue(k.peek("v", 1).allowed());
      CompletableFuture<Decision> waiter = CompletableFuture.supplyAsync(() -> k.acquire("u", 1, Duration.ofSeconds(5)));
      while (k.metrics().waiting() == 0) {
        Thread.onSpinWait();
      }
      clock.advance(Duration.ofMillis(1100));
      assertTrue(waiter.get(10, TimeUnit.SECONDS).allowed());
    }
  }
}
