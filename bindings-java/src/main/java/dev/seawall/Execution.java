package dev.seawall;

import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@link Policy#execute}'s internals: the whole call runs in core ({@code seawall_policy_execute}:
 * limiter → breaker → bulkhead → timeout → retry → fallback, sleeps included). Java only
 * classifies the supplier's exception in core's terms, tells the supplier its deadline
 * ({@link Policy#currentAttempt()}) and throws the result.
 */
final class Execution<T> {
  private static final ThreadLocal<Policy.Attempt> CURRENT = new ThreadLocal<>();

  private final Policy p;
  private final Supplier<T> fn;
  private T result;
  private RuntimeException last; // the supplier's last exception
  private Error error; // an Error from the supplier or the fallback: rethrown as is
  private T fallbackResult;
  private RuntimeException fallbackFailure;

  private Execution(Policy p, Supplier<T> fn) {
    this.p = p;
    this.fn = fn;
  }

  static Policy.Attempt current() {
    return CURRENT.get();
  }

  static <T> T run(Policy p, Supplier<T> fn) {
    if (fn == null) {
      throw Err.argument("fn", "must not be null", "null");
    }
    return new Execution<>(p, fn).go();
  }

  private T go() {
    Lib.ExecuteConfig cfg = Lib.init(new Lib.ExecuteConfig(), Lib.C::seawall_execute_config_init);
    Lib.AttemptFn attempt = this::attempt;
    Lib.FallbackFn fallback = p.fallback == null ? null : this::fallback;
    Lib.ExecuteResult out = new Lib.ExecuteResult();
    int st;
    try {
      st = Lib.C.seawall_policy_execute(p.ptr(), cfg, attempt, fallback, null, out);
    } finally {
      // the callbacks must outlive the native call (JNA keeps only a weak reference)
      Reference.reachabilityFence(attempt);
      Reference.reachabilityFence(fallback);
    }
    SeawallException failure = st == 0 || st == Lib.CALL_FAILED ? null : Err.fromLast(st);
    if (error != null) {
      throw error;
    }
    if (st == 0) {
      return out.fell_back != 0 ? fallbackResult : result;
    }
    if (st == Lib.CALL_FAILED) {
      throw out.fell_back != 0 ? fallbackFailure : last;
    }
    if (out.attempts > 0 && failure != null) {
      switch (failure.kind()) {
        case RETRY_EXHAUSTED:
          throw new RetryExhaustedException(out.attempts, failure.getMessage(), last);
        case RETRY_BUDGET_EXHAUSTED:
        case TIMEOUT:
          throw Err.make(failure.kind(), failure.field(), failure.getMessage(), failure.stage(), failure.retryAfter(), last);
        default:
          break;
      }
    }
    throw failure;
  }

  private int attempt(Pointer userData, Pointer infoP, Pointer outP) {
    Lib.AttemptInfo info = new Lib.AttemptInfo(infoP);
    Policy.Attempt a = new Policy.Attempt(info.attempt,
        info.has_deadline != 0 ? Durations.of(info.timeout_ns) : null);
    Policy.Attempt outer = CURRENT.get();
    CURRENT.set(a);
    try {
      result = fn.get();
      last = null;
      return 0;
    } catch (RuntimeException e) {
      last = e;
      Lib.AttemptFailure f = new Lib.AttemptFailure(outP);
      classify(e, f);
      f.write();
      return 1;
    } catch (Error e) {
      error = e; // finishes the call without an outcome, rethrown by go()
      Lib.AttemptFailure f = new Lib.AttemptFailure(outP);
      f.retryable = 0;
      f.outcome = Outcome.IGNORED.ordinal();
      f.write();
      return 1;
    } catch (Throwable e) { // a checked exception thrown sneakily: the call's failure
      last = new RuntimeException(e);
      Lib.AttemptFailure f = new Lib.AttemptFailure(outP);
      classify(e, f);
      f.write();
      return 1;
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private int fallback(Pointer userData, Pointer infoP) {
    if (error != null) {
      return 1; // an Error ends the call: no fallback
    }
    Lib.FallbackInfo info = new Lib.FallbackInfo(infoP);
    Throwable cause;
    if (info.error == 0) {
      cause = last;
    } else {
      ErrorKind k = ErrorKind.of(info.error);
      String stage = info.stage == null ? "" : info.stage;
      cause = k == ErrorKind.RETRY_EXHAUSTED
          ? new RetryExhaustedException(info.attempts, k.wireName(), last)
          : Err.make(k, "", k.wireName(), stage, Duration.ZERO, stage.isEmpty() ? last : null);
    }
    try {
      fallbackResult = (T) p.fallback.apply(cause);
      return 0;
    } catch (RuntimeException e) {
      fallbackFailure = e;
      return 1;
    } catch (Error e) {
      error = e;
      return 1;
    } catch (Throwable e) {
      fallbackFailure = new RuntimeException(e);
      return 1;
    }
  }

  private void classify(Throwable e, Lib.AttemptFailure f) {
    Classify.Verdict v = Classify.verdict(e);
    f.retryable = (byte) (p.retryIf != null ? (p.retryIf.test(e) ? 1 : 0) : (v.retryable() ? 1 : 0));
    if (v.retryAfter() != null) {
      f.has_retry_after = 1;
      f.retry_after_ns = Durations.nanos(v.retryAfter());
    }
    f.outcome = v.outcome();
  }
}
