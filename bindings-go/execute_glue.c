// The C side of Policy.Execute: seawall_policy_execute with the Go
// callbacks (exported from execute.go). The cgo.Handle of the call's state
// travels as user_data; the error is captured in the same C call (capture.h).
#include "capture.h"
#include "_cgo_export.h"

static int sw_attempt_tramp(void *ud, const seawall_attempt_info *info, seawall_attempt_failure *out) {
  return swGoAttempt((uintptr_t)ud, (seawall_attempt_info *)info, out);
}

static int sw_fallback_tramp(void *ud, const seawall_fallback_info *info) {
  return swGoFallback((uintptr_t)ud, (seawall_fallback_info *)info);
}

int sw_policy_execute(const seawall_policy *p, const seawall_execute_config *c, int has_fallback,
                      uintptr_t handle, seawall_execute_result *out, sw_err *e) {
  return sw_capture((int)seawall_policy_execute(p, c, sw_attempt_tramp,
                                                has_fallback ? sw_fallback_tramp : NULL,
                                                (void *)handle, out),
                    e);
}
