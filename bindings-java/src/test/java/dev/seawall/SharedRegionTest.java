package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedRegionTest {
  @TempDir Path dir;

  @Test
  void twoBreakersInOneRegionAreOneState() {
    String path = dir.resolve("region").toString();
    try (SharedRegion r1 = SharedRegion.open(path); SharedRegion r2 = SharedRegion.open(path);
        CircuitBreaker a = CircuitBreaker.builder().region(r1, "payments").build();
        CircuitBreaker b = CircuitBreaker.builder().region(r2, "payments").build();
        CircuitBreaker other = CircuitBreaker.builder().region(r1, "search").build()) {
      a.forceOpen();
      assertEquals(CircuitState.FORCED_OPEN, b.state());
      assertEquals(CircuitState.CLOSED, other.state());
      assertThrows(CircuitOpenException.class, b::tryAcquire);
    }
  }

  @Test
  void limitersBulkheadsAndBudgetsShareState() {
    try (SharedRegion r = SharedRegion.open(dir.resolve("region").toString());
        ManualClock clock = ManualClock.create(Duration.ZERO);
        TokenBucket a = TokenBucket.builder().burst(3).ratePerSec(0.001).region(r, "tb").build();
        TokenBucket b = TokenBucket.builder().burst(3).ratePerSec(0.001).region(r, "tb").build();
        SlidingWindow w = SlidingWindow.builder().limit(1).window(Duration.ofSeconds(1)).buckets(10).clock(clock).region(r, "sw").build();
        Bulkhead h1 = Bulkhead.builder().maxConcurrent(1).region(r, "bh").build();
        Bulkhead h2 = Bulkhead.builder().maxConcurrent(1).region(r, "bh").build();
        RetryBudget rb1 = RetryBudget.builder().maxTokens(2).tokenRatio(0.1).region(r, "rb").build();
        RetryBudget rb2 = RetryBudget.builder().maxTokens(2).tokenRatio(0.1).region(r, "rb").build()) {
      int granted = 0;
      for (int i = 0; i < 4; i++) {
        granted += a.tryAcquire().allowed() ? 1 : 0;
        granted += b.tryAcquire().allowed() ? 1 : 0;
      }
      assertEquals(3, granted);
      assertTrue(w.tryAcquire().allowed());
      assertFalse(w.tryAcquire().allowed());
      clock.advance(Duration.ofMillis(1100));
      assertTrue(w.tryAcquire().allowed(), "the manual clock moves a region window");
      try (Bulkhead.Permit p = h1.tryAcquire()) {
        assertThrows(BulkheadFullException.class, h2::tryAcquire);
      }
      h2.tryAcquire().close();
      for (int i = 0; i < 5; i++) {
        rb1.recordFailure();
      }
      assertFalse(rb2.tryRetry(), "failures through rb1 drained rb2's shared budget");
    }
  }

  /** Four JVMs on one region bucket are granted its burst in all. */
  @Test
  void oneBucketAcrossProcesses() throws Exception {
    String path = dir.resolve("region").toString();
    int burst = 200;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ps.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          "-Djna.library.path=" + System.getProperty("jna.library.path"), Taker.class.getName(), path, String.valueOf(burst))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }
    int total = 0;
    for (Process p : ps) {
      String out = new String(p.getInputStream().readAllBytes()).trim();
      assertEquals(0, p.waitFor(), out);
      total += Integer.parseInt(out);
    }
    assertEquals(burst, total);
  }

  /** A child process: takes tokens from the region bucket until 20,000 denials in a row, prints how many it got. */
  public static final class Taker {
    public static void main(String[] args) {
      try (SharedRegion r = SharedRegion.open(args[0]);
          TokenBucket b = TokenBucket.builder().burst(Long.parseLong(args[1])).ratePerSec(1e-6 * Long.parseLong(args[1]))
              .region(r, "shared").build()) {
        int granted = 0;
        for (int denied = 0; denied < 20_000; ) {
          if (b.tryAcquire().allowed()) {
            granted++;
            denied = 0;
          } else {
            denied++;
          }
        }
        System.out.println(granted);
      }
    }
  }

  @Test
  void badInput() throws Exception {
    try (SharedRegion r = SharedRegion.open(dir.resolve("region").toString())) {
      assertEquals("region", assertThrows(InvalidArgumentException.class, () -> TokenBucket.builder().region(null, "x")).field());
      assertEquals("name", assertThrows(InvalidArgumentException.class, () -> TokenBucket.builder().region(r, "a\0b").build()).field());
      assertEquals("name", assertThrows(InvalidArgumentException.class, () -> TokenBucket.builder().region(r, "").build()).field());
      TokenBucket.builder().burst(5).ratePerSec(1).region(r, "cfg").build().close();
      assertEquals("burst", assertThrows(InvalidConfigException.class,
          () -> TokenBucket.builder().burst(6).ratePerSec(1).region(r, "cfg").build()).field());
      assertEquals("maxQueue", assertThrows(InvalidConfigException.class,
          () -> Bulkhead.builder().maxQueue(1).region(r, "q").build()).field());
    }
    assertEquals("name", assertThrows(InvalidArgumentException.class, () -> SharedRegion.open("")).field());
    assertEquals("slots", assertThrows(InvalidConfigException.class,
        () -> SharedRegion.open(dir.resolve("r2").toString(), -1, 0)).field());
    Path junk = dir.resolve("junk");
    Files.write(junk, new byte[4096]);
    assertEquals(ErrorKind.SHARED_REGION, assertThrows(SharedRegionException.class, () -> SharedRegion.open(junk.toString())).kind());
    SharedRegion.remove(dir.resolve("region").toString());
    SharedRegion.remove(dir.resolve("region").toString()); // a missing file is no error
    assertFalse(new File(dir.resolve("region").toString()).exists());
  }
}
