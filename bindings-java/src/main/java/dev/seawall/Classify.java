package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The default answer to "is this failure worth retrying?", from core's tables. Whether repeating
 * the call is safe (idempotency) is the caller's choice.
 */
public final class Classify {
  private Classify() {}

  /** A transient transport failure worth retrying by default. */
  public enum RetryableKind {
    NONE, CONNECTION_RESET, TIMED_OUT, CONNECTION_REFUSED, NETWORK_ERROR, SERVICE_UNAVAILABLE;

    /** The wire name ({@code "timed_out"}); {@code "unknown"} for NONE. */
    public String wireName() {
      String s = Lib.C.seawall_retryable_kind_str(ordinal());
      return s == null ? "unknown" : s;
    }

    static RetryableKind of(int v) {
      return v >= 0 && v < values().length ? values()[v] : NONE;
    }
  }

  /** An exception carrying an HTTP status (classified by {@link #isRetryableStatus}). */
  public interface HasHttpStatus {
    int httpStatus();
  }

  /** An exception carrying an error code: an errno name or a gRPC status name ({@link #kindForCode}). */
  public interface HasErrorCode {
    String errorCode();
  }

  /** An exception carrying a server's Retry-After hint, honoured by the backoff. */
  public interface HasRetryAfter {
    Duration retryAfter();
  }

  /**
   * Reads a {@code Retry-After} header value (RFC 9110: delay-seconds, also with a fraction such
   * as {@code "1.5"}, or an HTTP date, compared with {@code now}): the delay, or empty when the
   * value is not valid (use the computed backoff delay then). A date in the past is zero.
   */
  public static Optional<Duration> parseRetryAfter(String value, Instant now) {
    if (value == null || value.indexOf('\0') >= 0) {
      return Optional.empty(); // in no valid header value
    }
    if (now == null) {
      throw Err.argument("now", "must not be null", "null");
    }
    ByteByReference valid = new ByteByReference();
    LongByReference ns = new LongByReference();
    Err.check(Lib.C.seawall_parse_retry_after(value, Math.max(now.toEpochMilli(), 0), valid, ns));
    return valid.getValue() != 0 ? Optional.of(Durations.of(ns.getValue())) : Optional.empty();
  }

  /** Whether an HTTP status is retried by default (408, 429, 500, 502, 503, 504). */
  public static boolean isRetryableStatus(int status) {
    return status >= 0 && Lib.C.seawall_is_retryable_status(status) != 0;
  }

  /** The retryable HTTP statuses, ascending. */
  public static List<Integer> retryableStatuses() {
    PointerByReference p = new PointerByReference();
    LongByReference n = new LongByReference();
    Err.check(Lib.C.seawall_retryable_statuses(p, n));
    Pointer arr = p.getValue();
    List<Integer> out = new ArrayList<>();
    for (long i = 0; i < n.getValue(); i++) {
      out.add(arr.getShort(i * 2) & 0xffff);
    }
    return out;
  }

  /** Parses a kind's wire name; unknown names give NONE. */
  public static RetryableKind parseKind(String name) {
    if (name == null) {
      throw Err.argument("kind", "must not be null", "null");
    }
    IntByReference out = new IntByReference();
    Err.check(Lib.C.seawall_retryable_kind_parse(name, out));
    return RetryableKind.of(out.getValue());
  }

  /** The kind an error code means ({@code "ECONNRESET"}, {@code "UNAVAILABLE"}); NONE when not listed. */
  public static RetryableKind kindForCode(String code) {
    if (code == null) {
      throw Err.argument("code", "must not be null", "null");
    }
    IntByReference out = new IntByReference();
    Err.check(Lib.C.seawall_retryable_kind_for_code(code, out));
    return RetryableKind.of(out.getValue());
  }

  /**
   * The kind of a Java exception or any of its causes: a {@link HasErrorCode}'s code, and the JDK's
   * network exceptions spelled as the errno they report (ConnectException → ECONNREFUSED,
   * SocketTimeoutException / TimeoutException / HttpTimeoutException → ETIMEDOUT,
   * NoRouteToHostException → EHOSTUNREACH, "Connection reset" → ECONNRESET, "Broken pipe" →
   * EPIPE). seawall's own rejections are NONE.
   */
  public static RetryableKind kindOf(Throwable t) {
    for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof SeawallException) {
        return RetryableKind.NONE;
      }
      String code = codeOf(e);
      if (code != null) {
        RetryableKind k = kindForCode(code);
        if (k != RetryableKind.NONE) {
          return k;
        }
      }
    }
    return RetryableKind.NONE;
  }

  private static String codeOf(Throwable e) {
    if (e instanceof HasErrorCode c) {
      return c.errorCode();
    }
    if (e instanceof java.net.ConnectException || e instanceof java.net.PortUnreachableException) {
      return "ECONNREFUSED";
    }
    if (e instanceof java.net.NoRouteToHostException) {
      return "EHOSTUNREACH";
    }
    if (e instanceof java.net.SocketTimeoutException || e instanceof java.util.concurrent.TimeoutException
        || e.getClass().getName().equals("java.net.http.HttpTimeoutException")
        || e.getClass().getName().equals("java.net.http.HttpConnectTimeoutException")) {
      return "ETIMEDOUT";
    }
    if (e instanceof java.net.SocketException && e.getMessage() != null) {
      String m = e.getMessage();
      if (m.startsWith("Connection reset")) {
        return "ECONNRESET";
      }
      if (m.startsWith("Broken pipe")) {
        return "EPIPE";
      }
    }
    return null;
  }

  /**
   * The default answer to "is this failure worth retrying?": core's rule over the cause chain
   * (spec/classify.md). The first exception on the chain that is a {@link SeawallException}
   * (rate_limited, timeout and injected_fault are retried, other kinds are not), carries a
   * transport kind ({@link #kindOf}'s codes) or an HTTP status ({@link HasHttpStatus}) decides.
   */
  public static boolean isRetryable(Throwable t) {
    return t != null && verdict(t).retryable();
  }

  /** Core's verdict on an exception chain: retry?, the hint, the breaker outcome (internal). */
  record Verdict(boolean retryable, Duration retryAfter, int outcome) {}

  private static final int MAX_LINKS = 32;

  static Verdict verdict(Throwable t) {
    java.util.List<Throwable> chain = new ArrayList<>();
    for (Throwable e = t; e != null && chain.size() < MAX_LINKS; e = e.getCause() == e ? null : e.getCause()) {
      chain.add(e);
    }
    int firstStatus = 0;
    Lib.Verdict v = new Lib.Verdict();
    if (chain.isEmpty()) {
      Err.check(Lib.C.seawall_classify_chain(null, 0, v));
    } else {
      Lib.ErrorLink[] links = (Lib.ErrorLink[]) new Lib.ErrorLink().toArray(chain.size());
      for (int i = 0; i < chain.size(); i++) {
        Throwable e = chain.get(i);
        Lib.ErrorLink l = links[i];
        if (e instanceof SeawallException s) {
          int code = s.kind().code();
          if (code >= 1 && code <= 9) {
            l.seawall_status = code;
            if (firstStatus == 0) {
              firstStatus = code;
            }
          }
          if (!s.retryAfter().isZero()) {
            l.has_retry_after = 1;
            l.retry_after_ns = Durations.nanos(s.retryAfter());
          }
        } else {
          if (e instanceof HasHttpStatus h && h.httpStatus() > 0 && h.httpStatus() < 1000) {
            l.http_status = h.httpStatus();
          }
          if (e instanceof HasRetryAfter h && h.retryAfter() != null) {
            l.has_retry_after = 1;
            l.retry_after_ns = Durations.nanos(h.retryAfter());
          }
          String code = codeOf(e);
          if (code != null) {
            l.transport = kindForCode(code).ordinal();
          }
        }
        l.write();
      }
      Err.check(Lib.C.seawall_classify_chain(links[0], links.length, v));
    }
    IntByReference outcome = new IntByReference();
    Err.check(Lib.C.seawall_outcome_for_error((byte) 0, -1, firstStatus, outcome));
    return new Verdict(v.retryable != 0, v.has_retry_after != 0 ? Durations.of(v.retry_after_ns) : null, outcome.getValue());
  }
}
