package dev.seawall;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Names instances for export: one call renders every registered instance as Prometheus text
 * (the families of spec/metrics.md, rendered by the core, the same in every language) or as the
 * JSON health document. {@link #defaultRegistry()} is the process-wide default registry.
 */
public final class Registry implements AutoCloseable {
  private static final Registry DEFAULT = new Registry(null);
  private volatile Pointer p;
  private final boolean isDefault;

  private Registry(Pointer p) {
    this.p = p;
    this.isDefault = p == null;
  }

  /** The process-wide default registry (never closed). */
  public static Registry defaultRegistry() {
    return DEFAULT;
  }

  /**
   * An empty registry whose families start with {@code prefix + "_"} ({@code null} or "" for
   * "seawall"); a bad prefix is an {@link InvalidArgumentException} naming {@code prefix}.
   */
  public static Registry create(String prefix) {
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_registry_new(prefix == null || prefix.isEmpty() ? null : prefix, out));
    return new Registry(out.getValue());
  }

  private Pointer ptr() {
    Pointer x = p;
    if (x == null && !isDefault) {
      throw new ClosedException("registry", "registry is closed", "", java.time.Duration.ZERO);
    }
    return x;
  }

  /**
   * Registers {@code instance} (a CircuitBreaker, TokenBucket, SlidingWindow, KeyedTokenBucket,
   * KeyedSlidingWindow, Bulkhead, RetryBudget, AdaptiveTimeout, FaultInjector or Backoff) as
   * {@code name} with {@code labels} (may be null). A bad or duplicate name is an {@link
   * InvalidArgumentException} naming {@code name}; bad labels name {@code labels}; another type
   * names {@code instance}. Close the registration when you close the instance.
   */
  public Registration register(String name, Object instance, Map<String, String> labels) {
    if (name == null) {
      throw Err.argument("name", "must not be null", "null");
    }
    if (!(instance instanceof Handle)) {
      throw Err.argument("instance", "must be a seawall primitive",
          instance == null ? "null" : instance.getClass().getSimpleName());
    }
    Lib.Label first = null;
    int n = labels == null ? 0 : labels.size();
    if (n > 0) {
      first = new Lib.Label();
      Lib.Label[] all = (Lib.Label[]) first.toArray(n);
      int i = 0;
      for (Map.Entry<String, String> e : labels.entrySet()) {
        all[i].name = e.getKey();
        all[i].value = e.getValue();
        all[i].write();
        i++;
      }
    }
    Pointer reg = ptr();
    Pointer h = ((Handle) instance).ptr();
    PointerByReference out = new PointerByReference();
    int st;
    if (instance instanceof CircuitBreaker) {
      st = Lib.C.seawall_registry_register_circuit_breaker(reg, h, name, first, n, out);
    } else if (instance instanceof TokenBucket) {
      st = Lib.C.seawall_registry_register_token_bucket(reg, h, name, first, n, out);
    } else if (instance instanceof SlidingWindow) {
      st = Lib.C.seawall_registry_register_sliding_window(reg, h, name, first, n, out);
    } else if (instance instanceof KeyedTokenBucket) {
      st = Lib.C.seawall_registry_register_keyed_token_bucket(reg, h, name, first, n, out);
    } else if (instance instanceof KeyedSlidingWindow) {
      st = Lib.C.seawall_registry_register_keyed_sliding_window(reg, h, name, first, n, out);
    } else if (instance instanceof Bulkhead) {
      st = Lib.C.seawall_registry_register_bulkhead(reg, h, name, first, n, out);
    } else if (instance instanceof RetryBudget) {
      st = Lib.C.seawall_registry_register_retry_budget(reg, h, name, first, n, out);
    } else if (instance instanceof AdaptiveTimeout) {
      st = Lib.C.seawall_registry_register_adaptive_timeout(reg, h, name, first, n, out);
    } else if (instance instanceof FaultInjector) {
      st = Lib.C.seawall_registry_register_fault_injector(reg, h, name, first, n, out);
    } else if (instance instanceof Backoff) {
      st = Lib.C.seawall_registry_register_backoff(reg, h, name, first, n, out);
    } else {
      throw Err.argument("instance", "must be a seawall primitive", instance.getClass().getSimpleName());
    }
    Err.check(st);
    return new Registration(out.getValue());
  }

  /** Like {@link #register(String, Object, Map)} without labels. */
  public Registration register(String name, Object instance) {
    return register(name, instance, null);
  }

  @FunctionalInterface
  private interface TextFn {
    int call(Pointer registry, Pointer buf, long cap, LongByReference outLen);
  }

  // The C call answers a buffer too small (none, at first) with SEAWALL_INVALID_ARGUMENT
  // naming "cap" and the length; then again with room for it (again if the text grew).
  private String text(TextFn fn) {
    Pointer reg = ptr();
    LongByReference len = new LongByReference();
    Memory buf = null;
    long cap = 0;
    for (;;) {
      int st = fn.call(reg, buf, cap, len);
      if (st == 0) {
        return buf == null ? "" : new String(buf.getByteArray(0, (int) len.getValue()), StandardCharsets.UTF_8);
      }
      String field = Lib.C.seawall_last_error_field();
      if (ErrorKind.of(st) != ErrorKind.INVALID_ARGUMENT || !"cap".equals(field) || len.getValue() < cap) {
        Err.check(st);
      }
      cap = len.getValue() + 1;
      buf = new Memory(cap);
    }
  }

  /** Every registered instance as Prometheus text (format 0.0.4). */
  public String prometheusText() {
    return text(Lib.C::seawall_registry_prometheus_text);
  }

  /** The health document (JSON; "status" is "degraded" while a breaker is not closed). */
  public String healthJson() {
    return text(Lib.C::seawall_registry_health_json);
  }

  /** Frees a registry made by {@link #create}; the default one is never freed. Idempotent. */
  @Override
  public synchronized void close() {
    Pointer x = p;
    if (x != null && !isDefault) {
      p = null;
      Lib.C.seawall_registry_free(x);
    }
  }
}
