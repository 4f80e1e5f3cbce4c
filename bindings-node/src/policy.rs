//! The policy guard: rate limiter → circuit breaker → bulkhead admission in
//! one native call, with give-back on rejection (core `policy`). The JS
//! `Policy` builds timeout, retry and fallback around it.

use crate::bulkhead::Bulkhead;
use crate::circuit_breaker::CircuitBreaker;
use crate::clock::{source, ManualClock};
use crate::conf::duration_ms;
use crate::handles::{put, ValSlab};
use crate::limiter::RateLimiter;
use napi::Result;
use napi_derive::napi;
use seawall::circuit_breaker::Outcome;
use seawall::policy::{self as pol, Guard, Stage};
use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

crate::registry!(POLICIES, pol::Policy);

thread_local! {
    static GUARDS: RefCell<ValSlab<Guard>> = const { RefCell::new(ValSlab::new()) };
}

#[napi(js_name = "NativePolicy")]
pub struct Policy {
    #[allow(dead_code)]
    inner: AssertUnwindSafe<Arc<pol::Policy>>,
    id: u32,
}

impl Drop for Policy {
    fn drop(&mut self) {
        let _ = POLICIES.try_with(|r| r.borrow_mut().remove(self.id));
    }
}

#[napi]
impl Policy {
    /// Any stage may be missing. A keyed limiter is not a stage (apply it
    /// before the policy with the caller's key).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        limiter: Option<&RateLimiter>,
        breaker: Option<&CircuitBreaker>,
        bulkhead: Option<&Bulkhead>,
        clock: Option<&ManualClock>,
    ) -> Result<Self> {
        let mut p = pol::Policy::with_clock(source(clock));
        if let Some(l) = limiter {
            match l.as_stage() {
                Some(stage) => p = p.rate_limiter(stage),
                None => {
                    return Err(crate::error::tagged(
                        "invalid_config",
                        "rateLimiter",
                        "must be a TokenBucket or SlidingWindowLimiter (apply keyed limiters before the policy)",
                    ))
                }
            }
        }
        if let Some(b) = breaker {
            p = p.circuit_breaker(Arc::clone(&b.inner.cb));
        }
        if let Some(b) = bulkhead {
            p = p.bulkhead(Arc::clone(&b.inner));
        }
        let inner = Arc::new(p);
        let id = POLICIES.with(|r| r.borrow_mut().insert(Arc::clone(&inner)));
        Ok(Self {
            inner: AssertUnwindSafe(inner),
            id,
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }
}

/// A guard id (>= 0; scratch[0] = 1 when it holds a half-open probe), or a
/// rejection: -1 rate limiter, -2 circuit breaker, -3 bulkhead, with
/// scratch[0] = retry-after ms. NaN for an unknown policy.
#[napi(catch_unwind)]
pub fn pol_acquire(id: u32) -> f64 {
    let policy = POLICIES.with(|r| r.borrow().get(id).cloned());
    let Some(policy) = policy else {
        return f64::NAN;
    };
    match policy.try_acquire() {
        Ok(g) => {
            put(
                0,
                if g.breaker_permit().is_some_and(|p| p.is_probe()) {
                    1.0
                } else {
                    0.0
                },
            );
            GUARDS.with(|s| s.borrow_mut().insert(g)) as f64
        }
        Err(r) => {
            put(0, r.error.retry_after().map_or(0.0, duration_ms));
            match r.stage {
                Stage::RateLimiter => -1.0,
                Stage::CircuitBreaker => -2.0,
                Stage::Bulkhead => -3.0,
            }
        }
    }
}

fn outcome(code: u32) -> Outcome {
    match code {
        0 => Outcome::Success,
        1 => Outcome::Failure,
        _ => Outcome::Ignored,
    }
}

/// Finishes a guard: records the outcome (0 success, 1 failure, 2 ignored)
/// with the duration since acquire (or `duration_ms` when >= 0) and frees
/// the bulkhead slot. False for an unknown guard.
#[napi(catch_unwind)]
pub fn pol_complete(guard: u32, outcome_code: u32, duration_ms: f64) -> bool {
    match GUARDS.with(|s| s.borrow_mut().take(guard)) {
        Some(g) => {
            if duration_ms >= 0.0 && duration_ms.is_finite() {
                g.complete_with_duration(
                    outcome(outcome_code),
                    Duration::from_nanos((duration_ms * 1e6).round() as u64),
                );
            } else {
                g.complete(outcome(outcome_code));
            }
            true
        }
        None => false,
    }
}

/// Releases a guard without an outcome (probe slot back, bulkhead slot freed).
#[napi(catch_unwind)]
pub fn pol_release(guard: u32) -> bool {
    GUARDS.with(|s| s.borrow_mut().take(guard)).is_some()
}
