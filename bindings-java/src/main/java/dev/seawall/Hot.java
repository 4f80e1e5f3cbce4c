package dev.seawall;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The hot calls, bound by JNA's direct mapping (internal): a static native method per C
 * function, about a tenth of the cost of a call through the {@link Lib} interface's proxy. The
 * hot functions are declared here only; everything else is in {@link Lib}.
 */
final class Hot {
  private Hot() {}

  static {
    Native.register(Hot.class, "seawall");
  }

  static native int seawall_circuit_breaker_try_acquire(Pointer breaker, long[] outPermit);
  static native int seawall_circuit_breaker_record(Pointer breaker, long[] permit, int outcome, long durationNs);
  static native int seawall_circuit_breaker_release(Pointer breaker, long[] permit);
  static native int seawall_token_bucket_try_acquire(Pointer p, long n, long[] out);
  static native int seawall_sliding_window_try_acquire(Pointer p, long n, long[] out);
  static native int seawall_keyed_token_bucket_try_acquire(Pointer p, byte[] key, long keyLen, long n, long[] out);
  static native int seawall_keyed_sliding_window_try_acquire(Pointer p, byte[] key, long keyLen, long n, long[] out);
  static native String seawall_last_error_stage();
  static native long seawall_last_error_retry_after_ns();

  static native int seawall_policy_run_start(Pointer policy, byte hasDeadline, long deadlineNs, Pointer run);
  static native int seawall_policy_run_end(Pointer run);
  static native int seawall_policy_run_next(Pointer run, Pointer step);
  static native int seawall_policy_run_on_success(Pointer run, Pointer step);
  static native int seawall_policy_run_on_failure(Pointer run, Pointer failure, Pointer step);
}
