//! The policy guard: rate limiter → circuit breaker → bulkhead admission in
//! one native call, with give-back on rejection (core `policy`). The JS
//! `Policy` builds timeout, retry and fallback around it.

use crate::adaptive_timeout::AdaptiveTimeout;
use crate::bulkhead::Bulkhead;
use crate::circuit_breaker::{outcome, CircuitBreaker};
use crate::clock::{source, ManualClock};
use crate::conf::duration_ms;
use crate::ffi::{put, Slab, ValSlab};
use crate::limiter::RateLimiter;
use crate::retry::Retry;
use napi::Result;
use napi_derive::napi;
use seawall::policy::{self as pol, Guard, Stage};
use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

/// This module's registry: the policies reached by id, their guards and
/// their runs in progress, handed to JS as ids.
#[derive(Default)]
pub struct Registry {
    policies: RefCell<Slab<pol::Policy>>,
    guards: RefCell<ValSlab<Guard>>,
    runs: RefCell<ValSlab<(pol::PolicyRun, bool)>>,
}

crate::thread_ctx!(Registry);

#[napi(js_name = "NativePolicy")]
pub struct Policy {
    #[allow(dead_code)]
    inner: AssertUnwindSafe<Arc<pol::Policy>>,
    id: u32,
    hot: AssertUnwindSafe<std::rc::Rc<Hot>>,
}

impl Drop for Policy {
    fn drop(&mut self) {
        self.hot.policies.borrow_mut().remove(self.id);
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
                    return Err(crate::error::config("rateLimiter",
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
        let hot = self::hot();
        let id = hot.policies.borrow_mut().insert(Arc::clone(&inner));
        Ok(Self {
            inner: AssertUnwindSafe(inner),
            id,
            hot: AssertUnwindSafe(hot),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }
}

// Core's policy run, one per call, in a per-thread slab addressed by id
// (no JS object per call). Each step returns its code (its index in
// STEPS: 0 attempt, 1 wait_for_slot, 2 sleep, 3 fallback, 4 done, 5 fail;
// NaN for an unknown run) and writes its details to scratch[S..S + 14]:
//   S+0: attempt time limit / waiter id / delay (ms), -1 for none
//   S+1: longest wait for a slot (ms)
//   S+2: error kind (index in ErrorKind::ALL, protocol().errorKinds), -1 none
//   S+3: refusing stage (index in STAGES), -1 none
//   S+4: the error's retry-after (ms), -1 none
//   S+5: the error's attempts, -1 none
//   S+6: the give-up reason (index in REASONS), -1 none
//   S+7: a bulkhead permit id the cut-off attempt still holds, -1 none
//   S+8: attempts made so far
//   S+9: the run's id for the next step, -1 once it is over
//   S+10: the stage whose refusal this step handles (index in STAGES), -1
//         none (core's PolicyRun::take_refusal: also when the step is a sleep)
//   S+11: that refusal's retry-after (ms), -1 none
//   S+12: why the retry stage gave up (index in REASONS), -1 not (yet)
//   S+13: the calls the retry stage counted (a refusal counts; at a
//         give-up, the attempts it gave up after), -1 without retry stage
// (S = 16: a region the backoff steps use only within one call, so no
// state lives there between calls.) A run that is over leaves the slab.
pub const S: usize = 16;
/// The steps by code (`protocol().policySteps`).
pub const STEPS: [&str; 6] = [
    "attempt",
    "wait_for_slot",
    "sleep",
    "fallback",
    "done",
    "fail",
];
/// The stages by index (`protocol().policyStages`).
pub const STAGES: [&str; 3] = ["rate_limiter", "circuit_breaker", "bulkhead"];
/// The give-up reasons by index (`protocol().giveUpReasons`).
pub const REASONS: [&str; 5] = ["not_retryable", "attempts", "elapsed", "deadline", "budget"];
/// A refused `polAcquire` answers `REJECTED - stage` (its index in
/// [`STAGES`]): -1 rate limiter, -2 circuit breaker, -3 bulkhead
/// (`protocol().policyRejected`).
pub const REJECTED: f64 = -1.0;

/// A stage's index in [`STAGES`] (a match, not a string search: a
/// refusal's answer is on the hot path).
#[inline]
fn stage_index(s: Stage) -> f64 {
    match s {
        Stage::RateLimiter => 0.0,
        Stage::CircuitBreaker => 1.0,
        Stage::Bulkhead => 2.0,
    }
}

thread_local! {
    static LAST_FIELD: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

fn index_of(table: &[&str], v: &str) -> f64 {
    table
        .iter()
        .position(|x| *x == v)
        .map_or(-1.0, |i| i as f64)
}

fn write_step(
    hot: &crate::bulkhead::Hot,
    step: pol::Step,
    held: Option<u32>,
    attempts: u32,
) -> f64 {
    let mut out = [-1.0f64; 9];
    out[7] = held.map_or(-1.0, f64::from);
    out[8] = f64::from(attempts);
    let code = match step {
        pol::Step::Attempt { timeout_ns } => {
            out[0] = timeout_ns.map_or(-1.0, |n| n as f64 / 1e6);
            0.0
        }
        pol::Step::WaitForSlot {
            waiter,
            max_wait_ns,
        } => {
            out[0] = f64::from(hot.bh_waiters.borrow_mut().insert(waiter));
            out[1] = max_wait_ns as f64 / 1e6;
            1.0
        }
        pol::Step::Sleep { delay_ns } => {
            out[0] = delay_ns as f64 / 1e6;
            2.0
        }
        pol::Step::Fallback { error, stage } => {
            describe_error(&mut out, error.as_ref(), stage);
            3.0
        }
        pol::Step::Fail { error, stage } => {
            describe_error(&mut out, error.as_ref(), stage);
            5.0
        }
        pol::Step::Done => 4.0,
    };
    for (i, v) in out.iter().enumerate() {
        hot.put(S + i, *v);
    }
    code
}

fn describe_error(out: &mut [f64; 9], error: Option<&seawall::Error>, stage: Option<Stage>) {
    out[3] = stage.map_or(-1.0, stage_index);
    LAST_FIELD.with(|f| f.set(error.and_then(|e| e.field())));
    if let Some(e) = error {
        out[2] = seawall::ErrorKind::ALL
            .iter()
            .position(|k| *k == e.kind())
            .map_or(-1.0, |i| i as f64);
        out[4] = e.retry_after().map_or(-1.0, duration_ms);
        out[5] = e.attempts().map_or(-1.0, f64::from);
        out[6] = e
            .give_up_reason()
            .map_or(-1.0, |r| index_of(&REASONS, r.as_str()));
    }
}

// Runs `f` on run `id`, writes its step, and keeps the run while it is not
// over (its next id in scratch[S+9]).
fn with_run(
    id: u32,
    f: impl FnOnce(&mut pol::PolicyRun, &crate::bulkhead::Hot) -> (pol::Step, Option<u32>),
) -> f64 {
    let hot = crate::bulkhead::hot();
    let taken = self::hot().runs.borrow_mut().take(id);
    let Some((mut run, keep)) = taken else {
        return f64::NAN;
    };
    let (step, held) = f(&mut run, &hot);
    let code = write_step(&hot, step, held, run.attempts());
    let refusal = run.take_refusal();
    hot.put(
        S + 10,
        refusal
            .as_ref()
            .map_or(-1.0, |r| index_of(&STAGES, r.stage.as_str())),
    );
    hot.put(
        S + 11,
        refusal
            .and_then(|r| r.error.retry_after())
            .map_or(-1.0, duration_ms),
    );
    let gave_up = run.give_up();
    hot.put(
        S + 12,
        gave_up.map_or(-1.0, |g| index_of(&REASONS, g.reason.as_str())),
    );
    let counted = gave_up.map(|g| g.attempts).or(run.retry_attempts());
    hot.put(S + 13, counted.map_or(-1.0, f64::from));
    if run.is_over() && !keep {
        hot.put(S + 9, -1.0);
    } else {
        let again = self::hot().runs.borrow_mut().insert((run, keep));
        hot.put(S + 9, f64::from(again));
    }
    code
}

/// A new run of policy `id` (its first step: `prNext`): the run id, or NaN
/// for an unknown policy. `deadlineMs` < 0: none. `keep`: the run stays
/// after it is over (a hand-driven run: later calls answer out of turn)
/// until `prCancel`.
#[napi(catch_unwind)]
pub fn pr_start(id: u32, deadline_ms: f64, keep: bool) -> f64 {
    let policy = self::hot().policies.borrow().get(id).cloned();
    let Some(policy) = policy else {
        return f64::NAN;
    };
    let dl =
        (deadline_ms.is_finite() && deadline_ms >= 0.0).then(|| crate::conf::ms_to_ns(deadline_ms));
    let run = policy.run(dl);
    f64::from(self::hot().runs.borrow_mut().insert((run, keep)))
}

#[napi(catch_unwind)]
pub fn pr_next(id: u32) -> f64 {
    with_run(id, |r, _| (r.next_step(), None))
}

/// The waiter of a wait_for_slot step got bulkhead permit `permit`.
#[napi(catch_unwind)]
pub fn pr_slot_granted(id: u32, permit: u32) -> f64 {
    with_run(id, |r, hot| {
        let p = hot.bh_permits.borrow_mut().take(permit);
        match p {
            Some(p) => (r.slot_granted(p), None),
            None => (r.slot_timed_out(), None),
        }
    })
}

#[napi(catch_unwind)]
pub fn pr_slot_timed_out(id: u32) -> f64 {
    with_run(id, |r, _| (r.slot_timed_out(), None))
}

#[napi(catch_unwind)]
pub fn pr_success(id: u32) -> f64 {
    with_run(id, |r, _| (r.on_success(), None))
}

/// `outcome`: 0 success, 1 failure, 2 ignored; `retryAfterMs` < 0: none.
#[napi(catch_unwind)]
pub fn pr_failure(id: u32, retryable: bool, retry_after_ms: f64, outcome_code: u32) -> f64 {
    let f = pol::AttemptFailure {
        retryable,
        retry_after_ns: (retry_after_ms >= 0.0 && retry_after_ms.is_finite())
            .then(|| crate::conf::ms_to_ns(retry_after_ms)),
        outcome: outcome(outcome_code),
    };
    with_run(id, |r, _| (r.on_failure(f), None))
}

/// The attempt ran out of time; the permit it keeps is in scratch[S+7].
#[napi(catch_unwind)]
pub fn pr_timeout(id: u32) -> f64 {
    with_run(id, |r, hot| {
        let (step, slot) = r.on_timeout();
        let held = slot.map(|p| hot.bh_permits.borrow_mut().insert(p));
        (step, held)
    })
}

/// Gives run `id` up (everything it holds goes back). False when unknown.
#[napi(catch_unwind)]
pub fn pr_cancel(id: u32) -> bool {
    let taken = self::hot().runs.borrow_mut().take(id);
    match taken {
        Some((mut run, _)) => {
            run.cancel();
            true
        }
        None => false,
    }
}

/// The field named by the last fallback / fail step's error, if any.
#[napi(catch_unwind)]
pub fn pr_last_field() -> Option<&'static str> {
    LAST_FIELD.with(|f| f.get())
}

/// A guard id (>= 0; scratch[0] = 1 when it holds a half-open probe), or a
/// rejection, `REJECTED - stage` (see [`REJECTED`]), with scratch[0] =
/// retry-after ms. NaN for an unknown policy.
#[napi(catch_unwind)]
pub fn pol_acquire(id: u32) -> f64 {
    let policy = self::hot().policies.borrow().get(id).cloned();
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
            self::hot().guards.borrow_mut().insert(g) as f64
        }
        Err(r) => {
            put(0, r.error.retry_after().map_or(0.0, duration_ms));
            REJECTED - stage_index(r.stage)
        }
    }
}

/// Finishes a guard: records the outcome (0 success, 1 failure, 2 ignored)
/// with the duration since acquire (or `duration_ms` when >= 0) and frees
/// the bulkhead slot. False for an unknown guard.
#[napi(catch_unwind)]
pub fn pol_complete(guard: u32, outcome_code: u32, duration_ms: f64) -> bool {
    match self::hot().guards.borrow_mut().take(guard) {
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
    self::hot().guards.borrow_mut().take(guard).is_some()
}
