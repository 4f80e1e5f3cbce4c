package dev.seawall;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * {@link Policy#execute}'s internals: the whole call is decided in core (the stepped policy run,
 * {@code seawall_policy_run_*}: limiter → breaker → bulkhead → timeout → retry → fallback). Java
 * calls the supplier, sleeps and waits where core says, classifies the supplier's exception in
 * core's terms, tells the supplier its deadline ({@link Policy#currentAttempt()}) and throws the
 * result. Nothing crosses back from C into Java: no callback.
 */
final class Execution<T> {
  private static final ThreadLocal<Policy.Attempt> CURRENT = new ThreadLocal<>();

  // seawall_policy_step, read in place (offsets from Lib.PolicyStep, checked against C by the
  // layout test); the run, the step, a failure and a flag in one native buffer per call.
  private static final int KIND, ATTEMPT, HAS_TIMEOUT, TIMEOUT_NS, MAX_WAIT_NS, DELAY_NS, ERROR, ERROR_ATTEMPTS,
      ERROR_REASON, STAGE;
  private static final int STEP = Lib.POLICY_RUN_SIZE;
  private static final int FAILURE = STEP + 128;
  private static final int CLAIMED = FAILURE + 64;
  private static final int BUFFER = CLAIMED + 8;
  private static final int ATTEMPT_STEP = 0, WAIT_FOR_SLOT = 1, SLEEP = 2, FALLBACK = 3, DONE = 4;

  static {
    Lib.PolicyStep s = new Lib.PolicyStep();
    KIND = s.offset("kind");
    ATTEMPT = s.offset("attempt");
    HAS_TIMEOUT = s.offset("has_timeout");
    TIMEOUT_NS = s.offset("timeout_ns");
    MAX_WAIT_NS = s.offset("max_wait_ns");
    DELAY_NS = s.offset("delay_ns");
    ERROR = s.offset("error");
    ERROR_ATTEMPTS = s.offset("error_attempts");
    ERROR_REASON = s.offset("error_reason");
    STAGE = s.offset("stage");
    if (s.size() > FAILURE - STEP) {
      throw new IllegalStateException("seawall_policy_step grew: " + s.size());
    }
  }

  /** Buffers of this thread (a supplier may call execute again: one buffer per nesting level). */
  private static final ThreadLocal<ArrayDeque<Memory>> BUFFERS = ThreadLocal.withInitial(ArrayDeque::new);

  private final Policy p;
  private final Supplier<T> fn;
  private final Memory m;
  private final Pointer run, step;
  private T result;
  private RuntimeException last; // the supplier's last exception
  private Error error; // an Error from the supplier: rethrown as is

  private Execution(Policy p, Supplier<T> fn, Memory m) {
    this.p = p;
    this.fn = fn;
    this.m = m;
    this.run = m;
    this.step = m.share(STEP);
  }

  static Policy.Attempt current() {
    return CURRENT.get();
  }

  static <T> T run(Policy p, Supplier<T> fn) {
    if (fn == null) {
      throw Err.argument("fn", "must not be null", "null");
    }
    ArrayDeque<Memory> free = BUFFERS.get();
    Memory m = free.poll();
    if (m == null) {
      m = new Memory(BUFFER);
    }
    m.clear(Lib.POLICY_RUN_SIZE); // an empty run
    try {
      return new Execution<>(p, fn, m).go();
    } finally {
      free.push(m);
    }
  }

  private T go() {
    Pointer policy = p.ptr();
    Err.check(Hot.seawall_policy_run_start(policy, (byte) 0, 0, run));
    try {
      Hot.seawall_policy_run_next(run, step);
      while (true) {
        switch (step.getInt(KIND)) {
          case ATTEMPT_STEP:
            attempt();
            break;
          case WAIT_FOR_SLOT:
            waitForSlot();
            break;
          case SLEEP:
            sleep();
            break;
          case DONE:
            return result;
          case FALLBACK:
            return fallback();
          default: // FAIL
            throw failed();
        }
      }
    } catch (CancellationException e) {
      Lib.C.seawall_policy_run_cancel(run);
      throw e;
    } finally {
      Hot.seawall_policy_run_end(run); // gives back whatever the run still holds
    }
  }

  /** The policy's clock: its ManualClock, or the monotonic clock. */
  private long nowNs() {
    return p.clock != null ? p.clock.now().toNanos() : System.nanoTime();
  }

  /** Calls the supplier once, bounded by the step's limit, and reports how it ended. */
  private void attempt() {
    boolean limited = step.getByte(HAS_TIMEOUT) != 0;
    long limit = limited ? step.getLong(TIMEOUT_NS) : 0;
    Policy.Attempt a = new Policy.Attempt(step.getInt(ATTEMPT), limited ? Durations.of(limit) : null);
    Policy.Attempt outer = CURRENT.get();
    CURRENT.set(a);
    long start = limited ? nowNs() : 0;
    Throwable failure = null;
    try {
      result = fn.get();
      last = null;
    } catch (RuntimeException e) {
      last = e;
      failure = e;
    } catch (Error e) {
      error = e;
    } catch (Throwable e) { // a checked exception thrown sneakily: the call's failure
      last = new RuntimeException(e);
      failure = e;
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
    if (error != null) {
      throw error; // finishes the call without an outcome (go() cancels the run)
    }
    // Java cannot stop a running supplier: one that returns after its limit counts as cut off,
    // whatever it returned (its bulkhead slot is free: it has returned).
    if (limited && nowNs() - start > limit) {
      Lib.C.seawall_policy_run_on_timeout(run, step);
      Lib.C.seawall_policy_run_settle(run);
      return;
    }
    if (failure == null) {
      Hot.seawall_policy_run_on_success(run, step);
      return;
    }
    m.setMemory(FAILURE, 16, (byte) 0); // no stale field from an earlier failure of this buffer
    Lib.AttemptFailure f = new Lib.AttemptFailure(m.share(FAILURE));
    Classify.Verdict v = Classify.verdict(failure);
    f.retryable = (byte) (p.retryIf != null ? (p.retryIf.test(failure) ? 1 : 0) : (v.retryable() ? 1 : 0));
    if (v.retryAfter() != null) {
      f.has_retry_after = 1;
      f.retry_after_ns = Durations.nanos(v.retryAfter());
    }
    f.outcome = v.outcome();
    f.write();
    Hot.seawall_policy_run_on_failure(run, f.getPointer(), step);
  }

  /**
   * Waits in the bulkhead's queue at most the step's max wait. On a manual clock a slot not
   * free now is a wait that runs out (the clock is moved by the wait).
   */
  private void waitForSlot() {
    long maxWait = step.getLong(MAX_WAIT_NS);
    Pointer claimed = m.share(CLAIMED);
    if (p.clock != null) {
      Lib.C.seawall_policy_run_try_claim(run, claimed, step);
      if (claimed.getByte(0) == 0) {
        p.clock.advance(Durations.of(maxWait));
        Lib.C.seawall_policy_run_wait_timed_out(run, step);
      }
      return;
    }
    long end = System.nanoTime() + maxWait;
    long poll = 50_000;
    while (true) {
      Lib.C.seawall_policy_run_try_claim(run, claimed, step);
      if (claimed.getByte(0) != 0) {
        return;
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        Lib.C.seawall_policy_run_wait_timed_out(run, step);
        return;
      }
      LockSupport.parkNanos(Math.min(poll, left));
      interrupted();
      poll = Math.min(2 * poll, 5_000_000);
    }
  }

  /** Sleeps the delay core chose (a manual clock is moved by it instead), then the next step. */
  private void sleep() {
    long d = step.getLong(DELAY_NS);
    if (p.clock != null) {
      p.clock.advance(Durations.of(d));
    } else if (d > 0) {
      try {
        Thread.sleep(d / 1_000_000, (int) (d % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw cancelled(e);
      }
    }
    Hot.seawall_policy_run_next(run, step);
  }

  private static void interrupted() {
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw cancelled(null);
    }
  }

  private static CancellationException cancelled(InterruptedException cause) {
    CancellationException e = new CancellationException("interrupted: the call was cancelled, nothing recorded");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** The error a FAIL or FALLBACK step names, or null for the supplier's own last failure. */
  private SeawallException stepError() {
    int status = step.getInt(ERROR);
    if (status == 0) {
      return null;
    }
    ErrorKind k = ErrorKind.of(status);
    Pointer sp = step.getPointer(STAGE);
    String stage = sp == null ? "" : sp.getString(0);
    int attempts = step.getInt(ERROR_ATTEMPTS);
    int reason = step.getInt(ERROR_REASON);
    String message = reason == -1 // UINT32_MAX: no give-up reason
        ? k.wireName()
        : "gave up after " + attempts + " attempt(s): " + Lib.C.seawall_give_up_reason_str(reason);
    Duration retryAfter = Durations.of(Lib.C.seawall_policy_run_retry_after_ns(run));
    boolean ranOut = k == ErrorKind.RETRY_EXHAUSTED || k == ErrorKind.RETRY_BUDGET_EXHAUSTED || k == ErrorKind.TIMEOUT;
    int started = step.getInt(ATTEMPT);
    if (k == ErrorKind.RETRY_EXHAUSTED) {
      return new RetryExhaustedException(started, message, last);
    }
    return Err.make(k, "", message, stage, retryAfter, ranOut && started > 0 && stage.isEmpty() ? last : null);
  }

  /** The exception a FAIL step ends the call with. */
  private RuntimeException failed() {
    SeawallException e = stepError();
    return e != null ? e : last;
  }

  @SuppressWarnings("unchecked")
  private T fallback() {
    SeawallException e = stepError();
    Throwable cause = e != null ? e : last;
    try {
      return (T) p.fallback.apply(cause);
    } catch (RuntimeException | Error x) {
      throw x;
    } catch (Throwable x) {
      throw new RuntimeException(x);
    }
  }
}
