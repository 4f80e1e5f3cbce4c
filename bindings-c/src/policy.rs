//! The policy guard: rate limiter → circuit breaker → bulkhead in one call.

use crate::boundary::{fail, fail_stage, free_handle, invalid_config, write_handle};
use crate::bulkhead::seawall_bulkhead;
use crate::circuit_breaker::{outcome_from, seawall_circuit_breaker};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::limiters::{seawall_sliding_window, seawall_token_bucket};
use crate::status::seawall_status;
use seawall::clock::ClockSource;
use seawall::policy::{Guard, Policy, Stage};
use std::sync::Arc;
use std::time::Duration;

/// The stages of a policy: handles made by their own `_new`; each may be
/// NULL (stage absent). At most one rate limiter (`token_bucket` or
/// `sliding_window`). The policy keeps its own references: the handles may
/// be freed after `seawall_policy_new`, and inspecting them (state,
/// metrics) shows what the policy does. Fill it with
/// `seawall_policy_config_default()` (all NULL: admits everything).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_policy_config {
    /// Rate limiter stage (one token per call), or NULL.
    pub token_bucket: *const seawall_token_bucket,
    /// Rate limiter stage (one request per call), or NULL.
    pub sliding_window: *const seawall_sliding_window,
    /// Circuit breaker stage, or NULL.
    pub circuit_breaker: *const seawall_circuit_breaker,
    /// Bulkhead stage, or NULL.
    pub bulkhead: *const seawall_bulkhead,
}

/// Rate limiter → circuit breaker → bulkhead, acquired in that order; a
/// stage that rejects gives back what earlier stages granted. Opaque;
/// thread-safe.
pub struct seawall_policy(Arc<Policy>);

/// Everything one admitted call holds. Finish it exactly once with
/// `seawall_policy_guard_complete*` or `seawall_policy_guard_release`
/// (which free it). Opaque; any thread, one at a time.
pub struct seawall_policy_guard(Guard);

/// A policy config with no stage. Thread-safe; cannot fail.
#[no_mangle]
pub extern "C" fn seawall_policy_config_default() -> seawall_policy_config {
    seawall_policy_config {
        token_bucket: std::ptr::null(),
        sliding_window: std::ptr::null(),
        circuit_breaker: std::ptr::null(),
        bulkhead: std::ptr::null(),
    }
}

unsafe fn policy_new(
    config: *const seawall_policy_config,
    clock: ClockSource,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    let c = *config;
    let mut p = Policy::with_clock(clock);
    match (c.token_bucket.as_ref(), c.sliding_window.as_ref()) {
        (Some(_), Some(_)) => {
            return fail(invalid_config(
                "rate_limiter",
                "token_bucket and sliding_window are both set; a policy has one rate limiter"
                    .to_string(),
            ))
        }
        (Some(tb), None) => p = p.rate_limiter(tb.0.clone()),
        (None, Some(sw)) => p = p.rate_limiter(sw.0.clone()),
        (None, None) => {}
    }
    if let Some(cb) = c.circuit_breaker.as_ref() {
        p = p.circuit_breaker(cb.0.clone());
    }
    if let Some(bh) = c.bulkhead.as_ref() {
        p = p.bulkhead(bh.0.clone());
    }
    write_handle(out, seawall_policy(Arc::new(p)));
    seawall_status::SEAWALL_OK
}

/// Creates a policy measuring call durations on the monotonic clock and
/// writes it to `*out`. The caller owns `*out` and frees it with
/// `seawall_policy_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (field `rate_limiter`: both limiters set) or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_new(
    config: *const seawall_policy_config,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    ffi_boundary!([config, out] { policy_new(config, ClockSource::Monotonic, out) })
}

/// Like `seawall_policy_new`, measuring durations on `clock`. The caller
/// owns `*out` and frees it with `seawall_policy_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_new_with_clock(
    config: *const seawall_policy_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { policy_new(config, clock_source(clock), out) })
}

/// Frees a policy. NULL is a no-op. Guards still held stay valid. Not
/// thread-safe: must not race other calls on the same handle.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_free(policy: *mut seawall_policy) {
    ffi_value!((), { free_handle(policy) })
}

/// Acquires every stage in order. `SEAWALL_OK`: run the call, then finish
/// the guard written to `*out_guard` (the caller owns it; completing or
/// releasing it frees it). A rejection returns the stage's
/// status (`SEAWALL_RATE_LIMITED`, `SEAWALL_CIRCUIT_OPEN` or
/// `SEAWALL_BULKHEAD_FULL`) after giving back what earlier stages granted;
/// `seawall_last_error_stage()` names the stage and
/// `seawall_last_error_retry_after_ns()` says when to retry. Thread-safe.
/// Also returns `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_try_acquire(
    policy: *const seawall_policy,
    out_guard: *mut *mut seawall_policy_guard,
) -> seawall_status {
    ffi_boundary!([policy, out_guard] {
        match (*policy).0.try_acquire() {
            Ok(g) => {
                write_handle(out_guard, seawall_policy_guard(g));
                seawall_status::SEAWALL_OK
            }
            Err(r) => fail_stage(
                r.error,
                match r.stage {
                    Stage::RateLimiter => c"rate_limiter",
                    Stage::CircuitBreaker => c"circuit_breaker",
                    Stage::Bulkhead => c"bulkhead",
                },
            ),
        }
    })
}

/// Whether the guard's breaker permit is a half-open probe (false without
/// a breaker stage); written to `*out_probe`. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_is_probe(
    guard: *const seawall_policy_guard,
    out_probe: *mut bool,
) -> seawall_status {
    ffi_boundary!([guard, out_probe] {
        *out_probe = (*guard).0.breaker_permit().is_some_and(|p| p.is_probe());
        seawall_status::SEAWALL_OK
    })
}

/// Records `outcome` (a `seawall_outcome`) with the time since
/// `seawall_policy_try_acquire` on the policy's clock, releases the
/// bulkhead slot and frees the guard. Any thread, once per guard. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (unknown outcome; the guard is not consumed)
/// or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_complete(
    guard: *mut seawall_policy_guard,
    outcome: u32,
) -> seawall_status {
    ffi_boundary!([guard] {
        match outcome_from(outcome) {
            Ok(o) => {
                Box::from_raw(guard).0.complete(o);
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_policy_guard_complete` with a duration measured by the
/// caller. Any thread, once per guard. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (the guard is
/// not consumed) or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_complete_with_duration(
    guard: *mut seawall_policy_guard,
    outcome: u32,
    duration_ns: u64,
) -> seawall_status {
    ffi_boundary!([guard] {
        match outcome_from(outcome) {
            Ok(o) => {
                Box::from_raw(guard)
                    .0
                    .complete_with_duration(o, Duration::from_nanos(duration_ns));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Finishes a guard without an outcome (the call was cancelled): a
/// half-open probe slot returns, the bulkhead slot is released, the guard
/// is freed. NULL is a no-op. Any thread, once per guard.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_release(guard: *mut seawall_policy_guard) {
    ffi_value!((), { free_handle(guard) })
}
