/*
 * seawall Go binding: every fallible C function is called through a wrapper
 * that reads the thread-local last error inside the SAME C call, before it
 * returns to Go. A goroutine may move to another OS thread between two cgo
 * calls, so reading seawall_last_error_*() in a second cgo call could read
 * another goroutine's error; this way no runtime.LockOSThread is needed.
 */
#ifndef SEAWALL_GO_CAPTURE_H
#define SEAWALL_GO_CAPTURE_H

#include <stdlib.h>
#include <string.h>
#include <seawall.h>

/* The error of one call, copied out of the thread-local state. `message`
 * is a malloc'd copy (freed by Go); field and stage are static strings. */
typedef struct sw_err {
  int status;
  char *message;
  const char *field;
  const char *stage;
  uint64_t retry_after_ns;
} sw_err;

/* A rejection's message is made of its kind and retry-after alone: Go
 * writes it when asked (Error()), so a refusal copies no string here. */
static inline int sw_is_rejection(int st) {
  return st == SEAWALL_CIRCUIT_OPEN || st == SEAWALL_RATE_LIMITED || st == SEAWALL_BULKHEAD_FULL;
}

static inline int sw_capture(int st, sw_err *e) {
  if (st != SEAWALL_OK) {
    e->status = st;
    e->message = sw_is_rejection(st) ? NULL : strdup(seawall_last_error_message());
    e->field = seawall_last_error_field();
    e->stage = seawall_last_error_stage();
    e->retry_after_ns = seawall_last_error_retry_after_ns();
  }
  return st;
}

/* SW_WRAP(name, (params..., sw_err *e), (args...)) defines
 * int sw_<name>(params..., sw_err *e) calling seawall_<name>(args...). */
#define SW_WRAP(name, params, args) \
  static inline int sw_##name params { return sw_capture((int)seawall_##name args, e); }

/* SW_NEW(name, config type) defines sw_<name>_new(cfg, clock, out, e):
 * the monotonic clock when clock is NULL, else the manual clock. */
#define SW_NEW(name, cfgt) \
  static inline int sw_##name##_new(const cfgt *cfg, const seawall_manual_clock *c, seawall_##name **out, sw_err *e) { \
    return sw_capture(c ? (int)seawall_##name##_new_with_clock(cfg, c, out) : (int)seawall_##name##_new(cfg, out), e); }

/* SW_NEW_SHARED(name, config type) defines sw_<name>_new_in(cfg, clock,
 * region, name, out, e): as SW_NEW when region is NULL, else the
 * primitive named `rname` in the shared-memory region. */
#define SW_NEW_SHARED(name, cfgt) \
  SW_NEW(name, cfgt) \
  static inline int sw_##name##_new_in(const cfgt *cfg, const seawall_manual_clock *c, const seawall_region *r, const char *rn, seawall_##name **out, sw_err *e) { \
    if (r == NULL) return sw_##name##_new(cfg, c, out, e); \
    return sw_capture(c ? (int)seawall_##name##_new_in_region_with_clock(cfg, c, r, rn, out) : (int)seawall_##name##_new_in_region(cfg, r, rn, out), e); }

/* manual clock */
SW_WRAP(manual_clock_new, (uint64_t s, seawall_manual_clock **out, sw_err *e), (s, out))
SW_WRAP(manual_clock_advance, (const seawall_manual_clock *c, uint64_t ns, sw_err *e), (c, ns))
SW_WRAP(manual_clock_set, (const seawall_manual_clock *c, uint64_t ns, sw_err *e), (c, ns))
SW_WRAP(manual_clock_now, (const seawall_manual_clock *c, uint64_t *out, sw_err *e), (c, out))

/* circuit breaker */
SW_NEW_SHARED(circuit_breaker, seawall_circuit_breaker_config)
SW_WRAP(circuit_breaker_try_acquire, (const seawall_circuit_breaker *b, uint64_t *out, sw_err *e), (b, out))
SW_WRAP(circuit_breaker_state, (const seawall_circuit_breaker *b, seawall_circuit_state *out, sw_err *e), (b, out))
SW_WRAP(circuit_breaker_force_open, (const seawall_circuit_breaker *b, sw_err *e), (b))
SW_WRAP(circuit_breaker_disable, (const seawall_circuit_breaker *b, sw_err *e), (b))
SW_WRAP(circuit_breaker_metrics_only, (const seawall_circuit_breaker *b, sw_err *e), (b))
SW_WRAP(circuit_breaker_reset, (const seawall_circuit_breaker *b, sw_err *e), (b))
SW_WRAP(circuit_breaker_get_metrics, (const seawall_circuit_breaker *b, seawall_circuit_breaker_metrics *out, sw_err *e), (b, out))
SW_WRAP(circuit_breaker_on_transition, (const seawall_circuit_breaker *b, seawall_transition_fn f, void *ud, seawall_destroy_fn d, uint64_t *out, sw_err *e), (b, f, ud, d, out))

/* token bucket */
SW_NEW_SHARED(token_bucket, seawall_token_bucket_config)
SW_WRAP(token_bucket_try_acquire, (const seawall_token_bucket *b, uint64_t n, seawall_decision *out, sw_err *e), (b, n, out))
SW_WRAP(token_bucket_peek, (const seawall_token_bucket *b, uint64_t n, seawall_decision *out, sw_err *e), (b, n, out))
SW_WRAP(token_bucket_refund, (const seawall_token_bucket *b, uint64_t n, sw_err *e), (b, n))
SW_WRAP(token_bucket_get_metrics, (const seawall_token_bucket *b, seawall_token_bucket_metrics *out, sw_err *e), (b, out))

/* sliding window */
SW_NEW_SHARED(sliding_window, seawall_sliding_window_config)
SW_WRAP(sliding_window_try_acquire, (const seawall_sliding_window *b, uint64_t n, seawall_decision *out, sw_err *e), (b, n, out))
SW_WRAP(sliding_window_peek, (const seawall_sliding_window *b, uint64_t n, seawall_decision *out, sw_err *e), (b, n, out))
SW_WRAP(sliding_window_refund, (const seawall_sliding_window *b, uint64_t n, sw_err *e), (b, n))
SW_WRAP(sliding_window_get_metrics, (const seawall_sliding_window *b, seawall_sliding_window_metrics *out, sw_err *e), (b, out))

/* keyed limiters: the key is passed as a pointer into Go memory for the
 * duration of the call only (allowed by the cgo pointer rules). */
SW_NEW_SHARED(keyed_token_bucket, seawall_keyed_token_bucket_config)
SW_WRAP(keyed_token_bucket_try_acquire, (const seawall_keyed_token_bucket *b, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (b, k, kl, n, out))
SW_WRAP(keyed_token_bucket_refund, (const seawall_keyed_token_bucket *b, const uint8_t *k, size_t kl, uint64_t n, sw_err *e), (b, k, kl, n))
SW_WRAP(keyed_token_bucket_get_metrics, (const seawall_keyed_token_bucket *b, seawall_keyed_metrics *out, sw_err *e), (b, out))
SW_NEW_SHARED(keyed_sliding_window, seawall_keyed_sliding_window_config)
SW_WRAP(keyed_sliding_window_try_acquire, (const seawall_keyed_sliding_window *b, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (b, k, kl, n, out))
SW_WRAP(keyed_sliding_window_refund, (const seawall_keyed_sliding_window *b, const uint8_t *k, size_t kl, uint64_t n, sw_err *e), (b, k, kl, n))
SW_WRAP(keyed_sliding_window_get_metrics, (const seawall_keyed_sliding_window *b, seawall_keyed_metrics *out, sw_err *e), (b, out))

/* limiter waits (spec/token_bucket.md "Waiting acquires"): reserve, then
 * claim when due; a wait freed unclaimed gives its reservation back */
SW_WRAP(token_bucket_reserve, (const seawall_token_bucket *b, uint64_t n, uint64_t mw, seawall_decision *out, seawall_limiter_wait **w, sw_err *e), (b, n, mw, out, w))
SW_WRAP(sliding_window_reserve, (const seawall_sliding_window *b, uint64_t n, uint64_t mw, seawall_decision *out, seawall_limiter_wait **w, sw_err *e), (b, n, mw, out, w))
SW_WRAP(keyed_token_bucket_reserve, (const seawall_keyed_token_bucket *b, const uint8_t *k, size_t kl, uint64_t n, uint64_t mw, seawall_decision *out, seawall_limiter_wait **w, sw_err *e), (b, k, kl, n, mw, out, w))
SW_WRAP(keyed_sliding_window_reserve, (const seawall_keyed_sliding_window *b, const uint8_t *k, size_t kl, uint64_t n, uint64_t mw, seawall_decision *out, seawall_limiter_wait **w, sw_err *e), (b, k, kl, n, mw, out, w))
SW_WRAP(limiter_wait_try_claim, (seawall_limiter_wait *w, seawall_decision *out, sw_err *e), (w, out))
SW_WRAP(limiter_wait_wait, (seawall_limiter_wait *w, seawall_decision *out, sw_err *e), (w, out))
SW_WRAP(keyed_token_bucket_peek, (const seawall_keyed_token_bucket *b, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (b, k, kl, n, out))
SW_WRAP(keyed_sliding_window_peek, (const seawall_keyed_sliding_window *b, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (b, k, kl, n, out))

/* rate-limit headers (spec/headers.md) */
SW_WRAP(quota_policy_new, (const char *name, uint64_t limit, uint64_t w, seawall_quota_policy **out, sw_err *e), (name, limit, w, out))
SW_WRAP(quota_policy_from_token_bucket, (const char *name, const seawall_token_bucket_config *c, seawall_quota_policy **out, sw_err *e), (name, c, out))
SW_WRAP(quota_policy_from_sliding_window, (const char *name, const seawall_sliding_window_config *c, seawall_quota_policy **out, sw_err *e), (name, c, out))
SW_WRAP(rate_limit_header_value, (const seawall_quota_policy *p, const seawall_decision *d, uint32_t h, char *buf, size_t n, size_t *len, sw_err *e), (p, d, h, buf, n, len))
static inline int sw_parse_retry_after(const char *v, uint64_t now_ms, int *valid, uint64_t *ns, sw_err *e) {
  uint8_t ok = 0;
  int st = sw_capture((int)seawall_parse_retry_after(v, now_ms, &ok, ns), e);
  *valid = ok != 0;
  return st;
}

/* bulkhead */
SW_NEW_SHARED(bulkhead, seawall_bulkhead_config)
SW_WRAP(bulkhead_try_acquire, (const seawall_bulkhead *b, seawall_bulkhead_permit **out, sw_err *e), (b, out))
SW_WRAP(bulkhead_acquire, (const seawall_bulkhead *b, uint64_t t, seawall_bulkhead_permit **out, sw_err *e), (b, t, out))
SW_WRAP(bulkhead_enqueue, (const seawall_bulkhead *b, seawall_bulkhead_permit **p, seawall_bulkhead_waiter **w, sw_err *e), (b, p, w))
SW_WRAP(bulkhead_waiter_try_claim, (seawall_bulkhead_waiter *w, seawall_bulkhead_permit **out, sw_err *e), (w, out))
SW_WRAP(bulkhead_get_metrics, (const seawall_bulkhead *b, seawall_bulkhead_metrics *out, sw_err *e), (b, out))

/* backoff */
SW_NEW(backoff, seawall_backoff_config)
SW_WRAP(backoff_delay_for, (const seawall_backoff *b, uint32_t a, uint64_t *out, sw_err *e), (b, a, out))
SW_WRAP(backoff_get_metrics, (const seawall_backoff *b, seawall_backoff_metrics *out, sw_err *e), (b, out))
SW_WRAP(backoff_start, (const seawall_backoff *b, seawall_backoff_schedule_state *s, sw_err *e), (b, s))
SW_WRAP(backoff_next_delay, (const seawall_backoff *b, seawall_backoff_schedule_state *s, int has, uint64_t ra, seawall_backoff_delay *out, sw_err *e), (b, s, has != 0, ra, out))
SW_WRAP(backoff_next_delay_elapsed, (const seawall_backoff *b, seawall_backoff_schedule_state *s, uint64_t el, int has, uint64_t ra, seawall_backoff_delay *out, sw_err *e), (b, s, el, has != 0, ra, out))
SW_WRAP(backoff_finish, (const seawall_backoff *b, seawall_backoff_schedule_state *s, sw_err *e), (b, s))

/* retry budget */
SW_WRAP(retry_budget_new, (const seawall_retry_budget_config *cfg, seawall_retry_budget **out, sw_err *e), (cfg, out))
static inline int sw_retry_budget_new_in(const seawall_retry_budget_config *cfg, const seawall_region *r, const char *rn, seawall_retry_budget **out, sw_err *e) {
  return sw_capture(r ? (int)seawall_retry_budget_new_in_region(cfg, r, rn, out) : (int)seawall_retry_budget_new(cfg, out), e);
}
SW_WRAP(retry_budget_try_retry, (const seawall_retry_budget *b, sw_err *e), (b))
SW_WRAP(retry_budget_record_failure, (const seawall_retry_budget *b, sw_err *e), (b))
SW_WRAP(retry_budget_record_success, (const seawall_retry_budget *b, sw_err *e), (b))
SW_WRAP(retry_budget_get_metrics, (const seawall_retry_budget *b, seawall_retry_budget_metrics *out, sw_err *e), (b, out))

/* adaptive timeout */
SW_NEW(adaptive_timeout, seawall_adaptive_timeout_config)
SW_WRAP(adaptive_timeout_record, (const seawall_adaptive_timeout *a, uint64_t l, sw_err *e), (a, l))
SW_WRAP(adaptive_timeout_get, (const seawall_adaptive_timeout *a, uint64_t *out, sw_err *e), (a, out))
SW_WRAP(adaptive_timeout_get_metrics, (const seawall_adaptive_timeout *a, seawall_adaptive_timeout_metrics *out, sw_err *e), (a, out))

/* fault injector */
SW_NEW(fault_injector, seawall_fault_injector_config)
SW_WRAP(fault_injector_decide, (const seawall_fault_injector *f, seawall_fault *out, sw_err *e), (f, out))
SW_WRAP(fault_injector_check, (const seawall_fault_injector *f, uint64_t *out, sw_err *e), (f, out))
SW_WRAP(fault_injector_set_enabled, (const seawall_fault_injector *f, int on, sw_err *e), (f, on != 0))
SW_WRAP(fault_injector_get_metrics, (const seawall_fault_injector *f, seawall_fault_injector_metrics *out, sw_err *e), (f, out))

/* policy guard */
SW_NEW(policy, seawall_policy_config)
SW_WRAP(policy_try_acquire, (const seawall_policy *p, seawall_policy_guard *g, sw_err *e), (p, g))
SW_WRAP(policy_guard_complete, (seawall_policy_guard *g, uint32_t o, sw_err *e), (g, o))
SW_WRAP(policy_guard_complete_with_duration, (seawall_policy_guard *g, uint32_t o, uint64_t d, sw_err *e), (g, o, d))

/* classify */
SW_WRAP(retryable_kind_parse, (const char *k, seawall_retryable_kind *out, sw_err *e), (k, out))
SW_WRAP(retryable_kind_for_code, (const char *c, seawall_retryable_kind *out, sw_err *e), (c, out))
SW_WRAP(classify_chain, (const seawall_error_link *l, size_t n, seawall_verdict *out, sw_err *e), (l, n, out))
SW_WRAP(outcome_for_error, (int ignored, int32_t recorded, uint32_t st, uint32_t *out, sw_err *e), ((uint8_t)(ignored != 0), recorded, st, out))

/* Policy.Execute drives the stepped run; the two calls of the common
 * path are one cgo call each: start + the first step, and a success +
 * the end of the run (a success always ends it). */
static inline void sw_run_begin(const seawall_policy *p, uint8_t has_deadline, uint64_t deadline_ns,
                                seawall_policy_run *run, seawall_policy_step *step) {
  (void)seawall_policy_run_start(p, has_deadline, deadline_ns, run);
  (void)seawall_policy_run_next(run, step);
}
static inline void sw_run_succeeded(seawall_policy_run *run, seawall_policy_step *step) {
  (void)seawall_policy_run_on_success(run, step);
  (void)seawall_policy_run_end(run);
}

/* retry stage */
SW_WRAP(retry_new, (const seawall_backoff *b, const seawall_retry_config *c, seawall_retry **out, sw_err *e), (b, c, out))

/* C `bool` outputs read through int, so the Go side does not depend on
 * whether the header declares them as bool or uint8_t. */
/* A one-byte out-parameter passed as void * converts to bool * or uint8_t *
 * alike. */
static inline int sw_remove_listener(const seawall_circuit_breaker *b, uint64_t id, int *removed, sw_err *e) {
  uint8_t r = 0;
  int st = sw_capture((int)seawall_circuit_breaker_remove_listener(b, id, (void *)&r), e);
  *removed = r != 0;
  return st;
}
static inline int sw_policy_guard_is_probe(const seawall_policy_guard *g, int *probe, sw_err *e) {
  uint8_t r = 0;
  int st = sw_capture((int)seawall_policy_guard_is_probe(g, (void *)&r), e);
  *probe = r != 0;
  return st;
}
static inline int sw_permit_is_probe(uint64_t permit) { return seawall_permit_is_probe(permit) != 0; }
static inline int sw_is_retryable_status(uint32_t status) { return seawall_is_retryable_status(status) != 0; }

/* Hot paths return their result by value, so no Go pointer is passed and
 * nothing escapes to the Go heap. */
typedef struct sw_decision_r { int status; seawall_decision d; sw_err e; } sw_decision_r;
typedef struct sw_permit_r { int status; uint64_t permit; sw_err e; } sw_permit_r;
typedef struct sw_status_r { int status; sw_err e; } sw_status_r;

static inline sw_decision_r sw_token_bucket_try_acquire_v(const seawall_token_bucket *b, uint64_t n) {
  sw_decision_r r = {0};
  r.status = sw_capture((int)seawall_token_bucket_try_acquire(b, n, &r.d), &r.e);
  return r;
}
static inline sw_decision_r sw_sliding_window_try_acquire_v(const seawall_sliding_window *w, uint64_t n) {
  sw_decision_r r = {0};
  r.status = sw_capture((int)seawall_sliding_window_try_acquire(w, n, &r.d), &r.e);
  return r;
}
static inline sw_permit_r sw_circuit_breaker_try_acquire_v(const seawall_circuit_breaker *b) {
  sw_permit_r r = {0};
  r.status = sw_capture((int)seawall_circuit_breaker_try_acquire(b, &r.permit), &r.e);
  return r;
}
/* Record and release finish the permit: the C side zeroes it (checked
 * permits); the new value comes back in r.permit for the caller's copy. */
static inline sw_permit_r sw_circuit_breaker_record_v(const seawall_circuit_breaker *b, uint64_t p, uint32_t o, uint64_t d) {
  sw_permit_r r = {0};
  r.permit = p;
  r.status = sw_capture((int)seawall_circuit_breaker_record(b, &r.permit, o, d), &r.e);
  return r;
}
static inline sw_permit_r sw_circuit_breaker_release_v(const seawall_circuit_breaker *b, uint64_t p) {
  sw_permit_r r = {0};
  r.permit = p;
  r.status = sw_capture((int)seawall_circuit_breaker_release(b, &r.permit), &r.e);
  return r;
}
static inline void sw_bulkhead_release(seawall_bulkhead_permit *p) { (void)seawall_bulkhead_release(&p); }

/* shared-memory regions (spec/shared_memory.md) */
SW_WRAP(region_config_init, (seawall_region_config *c, size_t n, sw_err *e), (c, n))
SW_WRAP(region_open, (const char *name, const seawall_region_config *c, seawall_region **out, sw_err *e), (name, c, out))
SW_WRAP(region_remove, (const char *name, sw_err *e), (name))

/* Redis backend (spec/redis.md): every call blocks at most the backend's
 * deadline; keys and flags point into Go memory for the call only. */
SW_WRAP(redis_backend_new, (const char *url, uint64_t d, uint32_t f, seawall_redis_backend **out, sw_err *e), (url, d, f, out))
SW_WRAP(redis_token_bucket_new, (const seawall_redis_backend *b, const char *n, const seawall_token_bucket_config *c, seawall_redis_limiter **out, sw_err *e), (b, n, c, out))
SW_WRAP(redis_sliding_window_new, (const seawall_redis_backend *b, const char *n, const seawall_sliding_window_config *c, seawall_redis_limiter **out, sw_err *e), (b, n, c, out))
SW_WRAP(redis_limiter_try_acquire, (const seawall_redis_limiter *l, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (l, k, kl, n, out))
SW_WRAP(redis_limiter_peek, (const seawall_redis_limiter *l, const uint8_t *k, size_t kl, uint64_t n, seawall_decision *out, sw_err *e), (l, k, kl, n, out))
SW_WRAP(redis_limiter_refund, (const seawall_redis_limiter *l, const uint8_t *k, size_t kl, uint64_t n, sw_err *e), (l, k, kl, n))
SW_WRAP(redis_limiter_metrics, (const seawall_redis_limiter *l, seawall_redis_metrics *out, sw_err *e), (l, out))
SW_WRAP(redis_concurrency_limit_new, (const seawall_redis_backend *b, const char *n, uint64_t m, uint64_t lease, seawall_redis_concurrency_limit **out, sw_err *e), (b, n, m, lease, out))
SW_WRAP(redis_concurrency_limit_try_acquire, (const seawall_redis_concurrency_limit *l, const uint8_t *k, size_t kl, seawall_redis_lease **out, uint64_t *ra, sw_err *e), (l, k, kl, out, ra))
SW_WRAP(redis_feature_flags_new, (const seawall_redis_backend *b, const char *ns, uint64_t ttl, seawall_redis_feature_flags **out, sw_err *e), (b, ns, ttl, out))
/* The bool outputs go through a uint8_t (see sw_remove_listener). */
#define SW_BOOL_OUT(name, params, args) \
  static inline int sw_##name params { uint8_t r = 0; int st = sw_capture((int)seawall_##name args, e); *out = r != 0; return st; }
SW_BOOL_OUT(redis_lease_release, (const seawall_redis_concurrency_limit *l, seawall_redis_lease *lease, int *out, sw_err *e), (l, lease, (void *)&r))
SW_BOOL_OUT(redis_lease_renew, (const seawall_redis_concurrency_limit *l, const seawall_redis_lease *lease, int *out, sw_err *e), (l, lease, (void *)&r))
SW_BOOL_OUT(redis_feature_flags_is_enabled, (const seawall_redis_feature_flags *f, const uint8_t *k, size_t kl, int def, int *out, sw_err *e), (f, k, kl, (uint8_t)(def != 0), (void *)&r))
SW_BOOL_OUT(redis_feature_flags_set, (const seawall_redis_feature_flags *f, const uint8_t *k, size_t kl, int on, int *out, sw_err *e), (f, k, kl, (uint8_t)(on != 0), (void *)&r))
SW_BOOL_OUT(redis_feature_flags_disable, (const seawall_redis_feature_flags *f, const uint8_t *k, size_t kl, uint64_t ns, int *out, sw_err *e), (f, k, kl, ns, (void *)&r))

/* metrics registry and events (spec/metrics.md) */
SW_WRAP(registry_new, (const char *prefix, seawall_registry **out, sw_err *e), (prefix, out))
#define SW_REGISTER(kind, t) \
  SW_WRAP(registry_register_##kind, (const seawall_registry *r, const t *h, const char *name, const seawall_label *l, size_t n, seawall_registration **out, sw_err *e), (r, h, name, l, n, out))
SW_REGISTER(circuit_breaker, seawall_circuit_breaker)
SW_REGISTER(token_bucket, seawall_token_bucket)
SW_REGISTER(sliding_window, seawall_sliding_window)
SW_REGISTER(keyed_token_bucket, seawall_keyed_token_bucket)
SW_REGISTER(keyed_sliding_window, seawall_keyed_sliding_window)
SW_REGISTER(bulkhead, seawall_bulkhead)
SW_REGISTER(retry_budget, seawall_retry_budget)
SW_REGISTER(adaptive_timeout, seawall_adaptive_timeout)
SW_REGISTER(fault_injector, seawall_fault_injector)
SW_REGISTER(backoff, seawall_backoff)
SW_WRAP(registry_prometheus_text, (const seawall_registry *r, char *buf, size_t cap, size_t *len, sw_err *e), (r, buf, cap, len))
SW_WRAP(registry_health_json, (const seawall_registry *r, char *buf, size_t cap, size_t *len, sw_err *e), (r, buf, cap, len))
SW_WRAP(events_subscribe, (seawall_event_fn f, void *ud, seawall_destroy_fn d, uint64_t *id, sw_err *e), (f, ud, d, id))
SW_WRAP(events_unsubscribe, (uint64_t id, bool *removed, sw_err *e), (id, removed))

#endif
