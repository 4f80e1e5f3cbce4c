package dev.seawall.bench;

import dev.seawall.CircuitBreaker;
import dev.seawall.CircuitOpenException;
import dev.seawall.Outcome;
import dev.seawall.Policy;
import dev.seawall.TokenBucket;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * seawall next to Resilience4j in one JVM, in the forms their users write. Every case runs in
 * turn for a batch, ROUNDS times (interleaved: all see the same machine load); the median ns
 * per call is printed with the ratio (peer ns / seawall ns; above 1: seawall is faster).
 */
public final class Peers {
  static volatile Object sink;

  interface Case {
    void run(int n);
  }

  public static void main(String[] args) {
    int rounds = Integer.getInteger("rounds", 15);
    int batch = Integer.getInteger("batch", 200_000);

    io.github.resilience4j.circuitbreaker.CircuitBreaker r4jCb =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("bench");
    io.github.resilience4j.circuitbreaker.CircuitBreaker r4jOpen =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("open");
    r4jOpen.transitionToForcedOpenState();
    RateLimiter r4jRl = RateLimiter.of("bench", RateLimiterConfig.custom()
        .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
    CircuitBreaker cb = CircuitBreaker.builder().build();
    CircuitBreaker open = CircuitBreaker.builder().build();
    open.forceOpen();
    Policy policy = Policy.builder().circuitBreaker(cb).build();
    TokenBucket tb = TokenBucket.builder().burst(1L << 40).ratePerSec(1e9).build();

    Map<String, Case> cases = new LinkedHashMap<>();
    cases.put("breaker call | Resilience4j executeSupplier", n -> {
      for (int i = 0; i < n; i++) sink = r4jCb.executeSupplier(() -> 1);
    });
    cases.put("breaker call | seawall tryAcquire + record", n -> {
      for (int i = 0; i < n; i++) {
        CircuitBreaker.Permit p = cb.tryAcquire();
        sink = 1;
        cb.record(p, Outcome.SUCCESS, Duration.ZERO);
      }
    });
    cases.put("breaker call | seawall Policy.execute", n -> {
      for (int i = 0; i < n; i++) sink = policy.execute(() -> 1);
    });
    cases.put("open breaker refuses | Resilience4j executeSupplier", n -> {
      for (int i = 0; i < n; i++) {
        try {
          sink = r4jOpen.executeSupplier(() -> 1);
        } catch (CallNotPermittedException e) {
          sink = e;
        }
      }
    });
    cases.put("open breaker refuses | seawall tryAcquire", n -> {
      for (int i = 0; i < n; i++) {
        try {
          sink = open.tryAcquire();
        } catch (CircuitOpenException e) {
          sink = e;
        }
      }
    });
    cases.put("rate limiter allows | Resilience4j acquirePermission", n -> {
      for (int i = 0; i < n; i++) sink = r4jRl.acquirePermission();
    });
    cases.put("rate limiter allows | seawall TokenBucket.tryAcquire", n -> {
      for (int i = 0; i < n; i++) sink = tb.tryAcquire();
    });

    Map<String, List<Double>> ns = new LinkedHashMap<>();
    for (int r = -2; r < rounds; r++) { // two warm-up rounds
      for (Map.Entry<String, Case> c : cases.entrySet()) {
        long t0 = System.nanoTime();
        c.getValue().run(batch);
        double per = (System.nanoTime() - t0) / (double) batch;
        if (r >= 0) {
          ns.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(per);
        }
      }
    }
    Map<String, Double> peer = new LinkedHashMap<>();
    System.out.println("| operation | library | ns/call (median of " + rounds + ") | peer ÷ seawall |");
    System.out.println("|---|---|---:|---:|");
    for (Map.Entry<String, List<Double>> e : ns.entrySet()) {
      String[] parts = e.getKey().split(" \\| ");
      double med = median(e.getValue());
      String ratio = "";
      if (parts[1].startsWith("Resilience4j")) {
        peer.put(parts[0], med);
      } else if (peer.containsKey(parts[0])) {
        ratio = String.format("%.2fx", peer.get(parts[0]) / med);
      }
      System.out.printf("| %s | %s | %.0f | %s |%n", parts[0], parts[1], med, ratio);
    }
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a[a.length / 2];
  }
}
