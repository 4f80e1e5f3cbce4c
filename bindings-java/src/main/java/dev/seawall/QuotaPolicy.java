package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a limiter advertises in its response headers (spec/headers.md): a name, a limit and a
 * window. The header values are written by the core, so a Java server sends the same bytes as a
 * Python, Node or Go one.
 *
 * <pre>{@code
 * QuotaPolicy policy = QuotaPolicy.ofTokenBucket("per-client", 50, 50.0);
 * Decision d = limiter.tryAcquire(clientId, 1);
 * policy.headers(d).forEach(response::setHeader);
 * if (!d.allowed()) response.setStatus(429);
 * }</pre>
 */
public final class QuotaPolicy extends Handle {
  private static final int[] HEADERS = {0, 1, 2, 3, 4, 5}; // SEAWALL_HEADER_*, in the order written
  private static final int RETRY_AFTER = 5;

  private QuotaPolicy(Pointer p) {
    super(p, "quota policy");
  }

  /**
   * {@code limit} requests per {@code window}, named {@code name} (1 to 64 printable ASCII
   * characters; "default" is the usual choice).
   */
  public static QuotaPolicy of(String name, long limit, Duration window) {
    long ns = Durations.argNs(window, "window");
    return make(name, (n, out) -> Lib.C.seawall_quota_policy_new(n, limit, ns, out));
  }

  /** What a token bucket of {@code burst} at {@code ratePerSec} advertises (limit = burst, window = time to refill). */
  public static QuotaPolicy ofTokenBucket(String name, long burst, double ratePerSec) {
    Lib.TokenBucketConfig c = Lib.init(new Lib.TokenBucketConfig(), Lib.C::seawall_token_bucket_config_init);
    c.burst = burst;
    c.rate_per_sec = ratePerSec;
    return make(name, (n, out) -> Lib.C.seawall_quota_policy_from_token_bucket(n, c, out));
  }

  /** What a sliding window of {@code limit} per {@code window} advertises. */
  public static QuotaPolicy ofSlidingWindow(String name, long limit, Duration window) {
    Lib.SlidingWindowConfig c = Lib.init(new Lib.SlidingWindowConfig(), Lib.C::seawall_sliding_window_config_init);
    c.limit = limit;
    c.window_ns = Durations.configNs(window, "window");
    return make(name, (n, out) -> Lib.C.seawall_quota_policy_from_sliding_window(n, c, out));
  }

  private interface Make {
    int make(String name, PointerByReference out);
  }

  private static QuotaPolicy make(String name, Make f) {
    if (name == null) {
      throw Err.argument("name", "must not be null", "null");
    }
    if (name.indexOf('\0') >= 0) {
      throw Err.argument("name", "must not contain a NUL character", name);
    }
    PointerByReference out = new PointerByReference();
    Err.check(f.make(name, out));
    return new QuotaPolicy(out.getValue());
  }

  /**
   * The response headers for {@code d} (from any limiter's tryAcquire, acquire or peek), in the
   * order the core writes them: RateLimit-Policy and RateLimit
   * (draft-ietf-httpapi-ratelimit-headers), X-RateLimit-Limit, -Remaining and -Reset, and
   * Retry-After when {@code d} was denied.
   */
  public Map<String, String> headers(Decision d) {
    if (d == null) {
      throw Err.argument("decision", "must not be null", "null");
    }
    Lib.Decision cd = new Lib.Decision();
    cd.allowed = (byte) (d.allowed() ? 1 : 0);
    cd.remaining = d.remaining();
    cd.retry_after_ns = Durations.nanos(d.retryAfter());
    cd.reset_after_ns = Durations.nanos(d.resetAfter());
    byte[] buf = new byte[160]; // every value fits (seawall.h)
    LongByReference len = new LongByReference();
    Map<String, String> out = new LinkedHashMap<>();
    for (int h : HEADERS) {
      if (h == RETRY_AFTER && d.allowed()) {
        continue;
      }
      Err.check(Lib.C.seawall_rate_limit_header_value(ptr(), cd, h, buf, buf.length, len));
      out.put(Lib.C.seawall_rate_limit_header_name(h), new String(buf, 0, (int) len.getValue(), StandardCharsets.US_ASCII));
    }
    return out;
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_quota_policy_free(p);
  }
}
