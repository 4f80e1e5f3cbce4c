//! The policy guard: rate limiter → circuit breaker → bulkhead admission in
//! one native call, with give-back on rejection (core `policy`). The JS
//! `Policy` builds timeout, retry and fallback around it.

use crate::adaptive::AdaptiveTimeout;
use crate::bulkhead::Bulkhead;
use crate::circuit_breaker::CircuitBreaker;
use crate::clock::{source, ManualClock};
use crate::conf::duration_ms;
use crate::handles::{put, ValSlab};
use crate::limiter::RateLimiter;
use crate::retry::Retry;
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
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        limiter: Option<&RateLimiter>,
        breaker: Option<&CircuitBreaker>,
        bulkhead: Option<&Bulkhead>,
        clock: Option<&ManualClock>,
        timeout_ms: Option<f64>,
        adaptive: Option<&AdaptiveTimeout>,
        retry: Option<&Retry>,
        has_fallback: Option<bool>,
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
        if let Some(a) = adaptive {
            p = p.adaptive_timeout(Arc::clone(&a.inner));
        } else if let Some(t) = timeout_ms {
            p = p.timeout(crate::conf::ms_to_duration(t));
        }
        if let Some(r) = retry {
            p = p.retry(r.core().clone());
        }
        p = p.fallback(has_fallback.unwrap_or(false));
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

    /// One call's run (core's policy run). `deadlineMs`: on the policy's
    /// clock, or none.
    #[napi(catch_unwind)]
    pub fn run(&self, deadline_ms: Option<f64>) -> PolicyRun {
        let dl = deadline_ms
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(crate::conf::ms_to_ns);
        PolicyRun {
            run: AssertUnwindSafe(self.inner.run(dl)),
            hot: AssertUnwindSafe(crate::handles::hot()),
        }
    }
}

/// One call through the policy: core says what to do next.
#[napi(js_name = "NativePolicyRun")]
pub struct PolicyRun {
    run: AssertUnwindSafe<pol::PolicyRun>,
    hot: AssertUnwindSafe<std::rc::Rc<crate::handles::Hot>>,
}

/// A step of the run, as plain fields.
#[napi(object, object_from_js = false)]
pub struct StepOut {
    /// `attempt`, `wait_for_slot`, `sleep`, `fallback`, `done`, `fail`.
    pub step: &'static str,
    /// attempt: its time limit (ms), none without one.
    pub timeout_ms: Option<f64>,
    /// wait_for_slot: the bulkhead waiter id, and the longest wait (ms).
    pub waiter: Option<u32>,
    pub max_wait_ms: Option<f64>,
    /// sleep: the delay (ms).
    pub delay_ms: Option<f64>,
    /// fallback / fail: the error kind core raises (none: the attempt's
    /// own error), the refusing stage, and the error's details.
    pub error: Option<&'static str>,
    pub stage: Option<&'static str>,
    pub retry_after_ms: Option<f64>,
    pub attempts: Option<u32>,
    pub reason: Option<&'static str>,
    /// The field an invalid_argument / invalid_config error names.
    pub field: Option<&'static str>,
    /// on_timeout: the bulkhead permit id the cut-off attempt still holds
    /// (release it when the function settles).
    pub held: Option<u32>,
    /// Attempts made so far.
    pub attempt: u32,
}

impl PolicyRun {
    fn out(&self, step: pol::Step, held: Option<u32>) -> StepOut {
        let mut o = StepOut {
            step: step.as_str(),
            timeout_ms: None,
            waiter: None,
            max_wait_ms: None,
            delay_ms: None,
            error: None,
            stage: None,
            retry_after_ms: None,
            attempts: None,
            reason: None,
            field: None,
            held,
            attempt: self.run.attempts(),
        };
        match step {
            pol::Step::Attempt { timeout_ns } => o.timeout_ms = timeout_ns.map(|n| n as f64 / 1e6),
            pol::Step::WaitForSlot {
                waiter,
                max_wait_ns,
            } => {
                o.waiter = Some(self.hot.bh_waiters.borrow_mut().insert(waiter));
                o.max_wait_ms = Some(max_wait_ns as f64 / 1e6);
            }
            pol::Step::Sleep { delay_ns } => o.delay_ms = Some(delay_ns as f64 / 1e6),
            pol::Step::Fallback { error, stage } | pol::Step::Fail { error, stage } => {
                o.stage = stage.map(|s| s.as_str());
                if let Some(e) = error {
                    o.error = Some(e.kind().as_str());
                    o.retry_after_ms = e.retry_after().map(duration_ms);
                    o.attempts = e.attempts();
                    o.reason = e.give_up_reason().map(|r| r.as_str());
                    o.field = e.field();
                }
            }
            pol::Step::Done => {}
        }
        o
    }
}

#[napi]
impl PolicyRun {
    #[napi(catch_unwind)]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> StepOut {
        let s = self.run.next_step();
        self.out(s, None)
    }

    /// The waiter of a wait_for_slot step was granted the bulkhead permit
    /// `permit` (an id of the bulkhead's permit slab).
    #[napi(catch_unwind)]
    pub fn slot_granted(&mut self, permit: u32) -> Result<StepOut> {
        let p = self.hot.bh_permits.borrow_mut().take(permit);
        match p {
            Some(p) => {
                let s = self.run.slot_granted(p);
                Ok(self.out(s, None))
            }
            None => Err(crate::error::tagged(
                "invalid_argument",
                "permit",
                format!("is not a held bulkhead permit, got {permit}"),
            )),
        }
    }

    #[napi(catch_unwind)]
    pub fn slot_timed_out(&mut self) -> StepOut {
        let s = self.run.slot_timed_out();
        self.out(s, None)
    }

    #[napi(catch_unwind)]
    pub fn on_success(&mut self) -> StepOut {
        let s = self.run.on_success();
        self.out(s, None)
    }

    /// `outcome`: 0 success, 1 failure, 2 ignored (what the breaker
    /// records); `retryAfterMs` negative for none.
    #[napi(catch_unwind)]
    pub fn on_failure(
        &mut self,
        retryable: bool,
        retry_after_ms: f64,
        outcome_code: u32,
    ) -> StepOut {
        let f = pol::AttemptFailure {
            retryable,
            retry_after_ns: (retry_after_ms >= 0.0 && retry_after_ms.is_finite())
                .then(|| crate::conf::ms_to_ns(retry_after_ms)),
            outcome: outcome(outcome_code),
        };
        let s = self.run.on_failure(f);
        self.out(s, None)
    }

    /// The attempt ran out of time: the step, and (in `held`) the bulkhead
    /// permit the still-running function keeps until it settles.
    #[napi(catch_unwind)]
    pub fn on_timeout(&mut self) -> StepOut {
        let (s, slot) = self.run.on_timeout();
        let held = slot.map(|p| self.hot.bh_permits.borrow_mut().insert(p));
        self.out(s, held)
    }

    #[napi(catch_unwind)]
    pub fn cancel(&mut self) {
        self.run.cancel();
    }

    #[napi(getter, catch_unwind)]
    pub fn attempts(&self) -> u32 {
        self.run.attempts()
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
