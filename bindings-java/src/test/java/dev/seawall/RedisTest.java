package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real redis-server the test starts (free port of 127.0.0.1, temp dir, killed after). */
class RedisTest {
  static Process redis;
  static int port;
  static Path dir;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Process start(int port, String... extra) throws Exception {
    String bin = new File("/usr/bin/redis-server").canExecute() ? "/usr/bin/redis-server" : "/usr/local/bin/redis-server";
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(bin, "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    cmd.addAll(java.util.List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
    for (int i = 0; i < 1000; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return p;
      } catch (java.io.IOException e) {
        Thread.sleep(10);
      }
    }
    throw new IllegalStateException("redis-server did not listen");
  }

  @BeforeAll
  static void server() throws Exception {
    boolean have = new File("/usr/bin/redis-server").canExecute() || new File("/usr/local/bin/redis-server").canExecute();
    if (!have && System.getenv("SEAWALL_REQUIRE_REDIS") != null) {
      throw new IllegalStateException("redis-server not found and SEAWALL_REQUIRE_REDIS is set (make deps-redis installs it)");
    }
    assumeTrue(have, "redis-server not found");
    dir = Files.createTempDirectory("seawall-java-redis");
    port = freePort();
    redis = start(port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.destroyForcibly().waitFor();
    }
  }

  static String url(int port) {
    return "redis://127.0.0.1:" + port + "/0";
  }

  static RedisBackend backend(String url, RedisBackend.FailureMode mode) {
    return RedisBackend.builder(url).onFailure(mode).build();
  }

  @Test
  void oneLimitForTwoLimiters() {
    try (RedisBackend b1 = backend(url(port), RedisBackend.FailureMode.CLOSED);
        RedisBackend b2 = backend(url(port), RedisBackend.FailureMode.CLOSED);
        RedisLimiter a = RedisLimiter.tokenBucket(b1, "java-tb", 5, 0.001);
        RedisLimiter b = RedisLimiter.tokenBucket(b2, "java-tb", 5, 0.001)) {
      int granted = 0;
      for (int i = 0; i < 5; i++) {
        for (RedisLimiter l : new RedisLimiter[] {a, b}) {
          Decision d = l.tryAcquire("customer-1", 1);
          if (d.allowed()) {
            granted++;
          } else {
            assertTrue(d.retryAfter().compareTo(Duration.ZERO) > 0);
          }
        }
      }
      assertEquals(5, granted);
      assertTrue(a.tryAcquire("customer-2", 1).allowed());
      assertFalse(a.peek("customer-1", 1).allowed());
      a.refund("customer-1", 1);
      assertTrue(b.tryAcquire("customer-1", 1).allowed());
      RedisLimiter.Metrics m = a.metrics();
      assertEquals(5, m.limit());
      assertTrue(m.redisOk() > 0 && m.connects() > 0);
      assertEquals(0, m.fallbacks());
    }
    try (RedisBackend b = backend(url(port), RedisBackend.FailureMode.CLOSED);
        RedisLimiter w = RedisLimiter.slidingWindow(b, "java-sw", 3, Duration.ofHours(1))) {
      for (int i = 0; i < 3; i++) {
        assertTrue(w.tryAcquire("k", 1).allowed());
      }
      assertFalse(w.tryAcquire("k", 1).allowed());
    }
  }

  @Test
  void failureModesWithNoRedis() throws Exception {
    String down = url(freePort());
    Object[][] cases = {
      {RedisBackend.FailureMode.OPEN, new boolean[] {true, true, true}},
      {RedisBackend.FailureMode.CLOSED, new boolean[] {false, false, false}},
      {RedisBackend.FailureMode.LOCAL, new boolean[] {true, true, false}},
    };
    for (Object[] c : cases) {
      try (RedisBackend b = backend(down, (RedisBackend.FailureMode) c[0]);
          RedisLimiter l = RedisLimiter.tokenBucket(b, "java-down", 2, 0.001)) {
        boolean[] want = (boolean[]) c[1];
        for (boolean w : want) {
          long t0 = System.nanoTime();
          assertEquals(w, l.tryAcquire("k", 1).allowed(), String.valueOf(c[0]));
          assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "a decision took over a second with a 50 ms deadline");
        }
        assertEquals(3, l.metrics().fallbacks());
      }
    }
  }

  @Test
  void wrongPasswordIsAnsweredByTheMode() throws Exception {
    int p = freePort();
    Process locked = start(p, "--requirepass", "right");
    try (RedisBackend bad = backend("redis://:wrong@127.0.0.1:" + p + "/0", RedisBackend.FailureMode.CLOSED);
        RedisLimiter l = RedisLimiter.tokenBucket(bad, "java-pw", 5, 1);
        RedisBackend good = backend("redis://:right@127.0.0.1:" + p + "/0", RedisBackend.FailureMode.CLOSED);
        RedisLimiter ok = RedisLimiter.tokenBucket(good, "java-pw", 5, 1)) {
      assertFalse(l.tryAcquire("k", 1).allowed());
      assertTrue(l.metrics().errors() > 0);
      assertTrue(ok.tryAcquire("k", 1).allowed());
    } finally {
      locked.destroyForcibly().waitFor();
    }
  }

  @Test
  void concurrencyLimitAndFlags() throws Exception {
    try (RedisBackend b = backend(url(port), RedisBackend.FailureMode.CLOSED);
        RedisConcurrencyLimit l = RedisConcurrencyLimit.of(b, "java-cl", 2)) {
      RedisConcurrencyLimit.Lease x = l.tryAcquire("db").orElseThrow();
      RedisConcurrencyLimit.Lease y = l.tryAcquire("db").orElseThrow();
      assertEquals(Optional.empty(), l.tryAcquire("db"));
      assertTrue(x.renew());
      assertTrue(x.release());
      assertFalse(x.release()); // once
      try (RedisConcurrencyLimit.Lease z = l.tryAcquire("db").orElseThrow()) {
        assertEquals(Optional.empty(), l.tryAcquire("db"));
      }
      y.close();
    }
    try (RedisBackend b = backend(url(port), RedisBackend.FailureMode.CLOSED);
        RedisFeatureFlags f = RedisFeatureFlags.of(b, "java-shop", Duration.ZERO);
        RedisBackend downB = backend(url(freePort()), RedisBackend.FailureMode.CLOSED);
        RedisFeatureFlags down = RedisFeatureFlags.of(downB, "java-shop")) {
      assertTrue(f.isEnabled("checkout", true), "never set: the safe default");
      assertTrue(f.set("checkout", false));
      assertFalse(f.isEnabled("checkout", true));
      f.set("checkout", true);
      assertTrue(f.disable("checkout", Duration.ofHours(1)));
      assertFalse(f.isEnabled("checkout", true));
      assertFalse(down.isEnabled("checkout", false), "Redis down: the safe default");
    }
  }

  @Test
  void badInput() {
    for (String u : new String[] {"", "http://127.0.0.1", "redis://:hunter2@127.0.0.1:99999/0", "redis://127.0.0.1/0#frag", null}) {
      InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RedisBackend.builder(u).build(), String.valueOf(u));
      assertEquals("url", e.field());
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
    assertEquals("deadline", assertThrows(InvalidConfigException.class,
        () -> RedisBackend.builder(url(port)).deadline(Duration.ZERO).build()).field());
    assertEquals("deadline", assertThrows(InvalidConfigException.class,
        () -> RedisBackend.builder(url(port)).deadline(Duration.ofSeconds(-1)).build()).field());
    try (RedisBackend b = backend(url(port), RedisBackend.FailureMode.OPEN)) {
      assertEquals("backend", assertThrows(InvalidArgumentException.class, () -> RedisLimiter.tokenBucket(null, "x", 1, 1)).field());
      for (String n : new String[] {"", "has space", "n".repeat(129), null}) {
        assertEquals("name", assertThrows(InvalidConfigException.class, () -> RedisLimiter.tokenBucket(b, n, 1, 1)).field(), String.valueOf(n));
      }
      assertEquals("burst", assertThrows(InvalidConfigException.class, () -> RedisLimiter.tokenBucket(b, "x", 0, 1)).field());
      assertEquals("window", assertThrows(InvalidConfigException.class, () -> RedisLimiter.slidingWindow(b, "x", 1, Duration.ofSeconds(-1))).field());
      try (RedisLimiter l = RedisLimiter.tokenBucket(b, "x", 1, 1)) {
        assertEquals("key", assertThrows(InvalidArgumentException.class, () -> l.tryAcquire("", 1)).field());
        assertEquals("key", assertThrows(InvalidArgumentException.class, () -> l.tryAcquire("k".repeat(1025), 1)).field());
        assertEquals("key", assertThrows(InvalidArgumentException.class, () -> l.tryAcquire(null, 1)).field());
        assertEquals("n", assertThrows(InvalidArgumentException.class, () -> l.tryAcquire("k", 0)).field());
      }
      assertEquals("maxConcurrent", assertThrows(InvalidConfigException.class, () -> RedisConcurrencyLimit.of(b, "c", 0)).field());
      assertEquals("lease", assertThrows(InvalidConfigException.class, () -> RedisConcurrencyLimit.of(b, "c", 1, Duration.ZERO)).field());
      assertEquals("cacheTtl", assertThrows(InvalidConfigException.class, () -> RedisFeatureFlags.of(b, "f", Duration.ofHours(2))).field());
      assertEquals("namespace", assertThrows(InvalidConfigException.class, () -> RedisFeatureFlags.of(b, "", Duration.ZERO)).field());
      try (RedisFeatureFlags f = RedisFeatureFlags.of(b, "f", Duration.ZERO)) {
        assertEquals("flag", assertThrows(InvalidArgumentException.class, () -> f.isEnabled("", false)).field());
        assertEquals("duration", assertThrows(InvalidArgumentException.class, () -> f.disable("x", Duration.ZERO)).field());
      }
    }
  }

  /** The defaults Java passes are the header's (core's), not numbers of its own. */
  @Test
  void defaultsAreTheHeaders() throws Exception {
    String h = Files.readString(Path.of(System.getProperty("seawall.include"), "seawall.h"));
    assertEquals(RedisBackend.DEFAULT_DEADLINE.toNanos(), define(h, "SEAWALL_REDIS_DEFAULT_DEADLINE_NS"));
    assertEquals(RedisBackend.DEFAULT_LEASE.toNanos(), define(h, "SEAWALL_REDIS_DEFAULT_LEASE_NS"));
    assertEquals(RedisBackend.DEFAULT_CACHE_TTL.toNanos(), define(h, "SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS"));
  }

  static long define(String header, String name) {
    Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(header);
    assertTrue(m.find(), name);
    return Long.parseLong(m.group(1));
  }
}
