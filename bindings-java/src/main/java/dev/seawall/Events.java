package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.LongByReference;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Process-wide decision events (spec/metrics.md, "Events and logs"): breaker transitions,
 * rejections (with the refusing instance's registered name), retries scheduled, give-ups,
 * fallbacks used, timeouts and injected faults, from primitives and policy runs alike.
 */
public final class Events {
  private Events() {}

  // JNA callbacks must stay reachable while the library may call them: each is kept under a
  // key passed as user_data until the library's destroy call says it can no longer run.
  private static final Map<Long, Lib.EventFn> SUBSCRIBED = new ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicLong NEXT = new java.util.concurrent.atomic.AtomicLong(1);
  private static final Lib.DestroyFn RELEASE = userData -> SUBSCRIBED.remove(Pointer.nativeValue(userData));

  /** One decision; the fields that do not apply to its kind are zero, null or empty. */
  public static final class Event {
    /** "transition", "rejected", "retry_scheduled", "gave_up", "fallback_used", "timeout", "fault_injected". */
    public final String kind;
    /** The instance's registered name ("" when unregistered, and for the run events). */
    public final String name;
    /** transition: the states. */
    public final CircuitState from;
    public final CircuitState to;
    /** rejected: "circuit_breaker", "rate_limiter" or "bulkhead". */
    public final String by;
    /** rejected: the retry-after, or null when not known (a bulkhead). */
    public final Duration retryAfter;
    /** rejected by a keyed limiter: the key; else null. */
    public final byte[] key;
    /** retry_scheduled: the attempt that failed (1 = the first); gave_up: the calls made. */
    public final int attempt;
    /** gave_up: "not_retryable", "attempts", "elapsed", "deadline" or "budget". */
    public final String reason;
    /** retry_scheduled: the delay; fault_injected: a delay fault's delay. */
    public final Duration delay;
    /** timeout: the limit. */
    public final Duration limit;
    /** fault_injected: "error" or "delay". */
    public final String fault;

    Event(Lib.Event e) {
      String[] kinds = {"", "transition", "rejected", "retry_scheduled", "gave_up", "fallback_used", "timeout",
          "fault_injected"};
      kind = e.kind >= 0 && e.kind < kinds.length ? kinds[e.kind] : "unknown";
      name = e.name == null ? "" : e.name.getString(0, "UTF-8");
      boolean transition = e.kind == 1;
      from = transition ? CircuitState.of(e.from) : null;
      to = transition ? CircuitState.of(e.to) : null;
      by = e.by == null ? "" : e.by.getString(0, "UTF-8");
      retryAfter = e.has_retry_after != 0 ? Durations.of(e.retry_after_ns) : null;
      key = e.key == null ? null : e.key.getByteArray(0, (int) e.key_len);
      attempt = e.attempt;
      reason = e.kind == 4 ? Lib.C.seawall_give_up_reason_str(e.reason) : "";
      delay = Durations.of(e.delay_ns);
      limit = Durations.of(e.limit_ns);
      fault = e.kind == 7 ? (e.fault == 2 ? "delay" : "error") : "";
    }

    @Override
    public String toString() {
      return "Event{" + kind + ", name=" + name + ", by=" + by + ", retryAfter=" + retryAfter + ", attempt="
          + attempt + ", reason=" + reason + "}";
    }
  }

  /**
   * Calls {@code listener} for every event from now on, on the thread that made the decision;
   * several may run at once, so it must be thread-safe and short. An exception it throws is
   * caught and dropped (it never reaches the call). Returns the id for {@link #unsubscribe}.
   */
  public static long subscribe(Consumer<Event> listener) {
    if (listener == null) {
      throw Err.argument("listener", "must not be null", "null");
    }
    Lib.EventFn fn = (userData, event) -> {
      try {
        listener.accept(new Event(new Lib.Event(event)));
      } catch (RuntimeException e) {
        // never unwind into native code
      }
    };
    long k = NEXT.getAndIncrement();
    SUBSCRIBED.put(k, fn);
    LongByReference id = new LongByReference();
    int st = Lib.C.seawall_events_subscribe(fn, new Pointer(k), RELEASE, id);
    if (st != 0) {
      SUBSCRIBED.remove(k);
      Err.check(st);
    }
    return id.getValue();
  }

  /** Stops a subscription; returns whether {@code id} was subscribed. */
  public static boolean unsubscribe(long id) {
    ByteByReference removed = new ByteByReference();
    Err.check(Lib.C.seawall_events_unsubscribe(id, removed));
    return removed.getValue() != 0;
  }
}
