//! Node addon over the seawall core (napi-rs 3). The public API is the JS
//! layer in `lib/`; this crate exports the native classes it wraps.
//!
//! Every export is `#[napi(catch_unwind)]`: a Rust panic becomes a JS
//! `Error`, never an abort.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod adaptive_timeout;
pub mod backoff;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod classify;
pub mod clock;
pub mod conf;
pub mod error;
pub mod fault;
pub mod ffi;
pub mod limiter;
pub mod policy;
pub mod redis;
#[cfg(unix)]
pub mod region;
pub mod registry;
pub mod retry;
pub mod retry_budget;
pub mod share;

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

/// Adds each module's raw hot functions to the exports of each environment
/// that loads the addon (the main thread and every worker), each with its
/// module's per-thread context. The one place that names every module with
/// raw functions: `ffi` knows none of them.
#[napi(module_exports)]
pub fn register_hot(exports: Object, env: Env) -> napi::Result<()> {
    error::set_env(env.raw());
    ffi::register_raw(
        &exports,
        &env,
        circuit_breaker::HOT_FNS,
        &circuit_breaker::hot(),
    )?;
    ffi::register_raw(&exports, &env, limiter::HOT_FNS, &limiter::hot())?;
    ffi::register_raw(&exports, &env, bulkhead::HOT_FNS, &bulkhead::hot())?;
    ffi::register_raw(&exports, &env, backoff::HOT_FNS, &backoff::hot())?;
    ffi::register_raw(&exports, &env, ffi::HOT_FNS, &ffi::no_ctx())
}

/// The constants of the native calls' protocol, defined once here (each in
/// its module) and read once by `lib/native.js`: scratch layout, outcome
/// codes, the breaker's events flag, the special answers of the hot calls,
/// core's error kinds.
#[napi(object)]
pub struct Protocol {
    /// Length of the scratch array.
    pub scratch_len: u32,
    /// Added to a granted breaker permit when transitions wait to be drained.
    pub events_pending: f64,
    pub outcome_success: u32,
    pub outcome_failure: u32,
    pub outcome_ignored: u32,
    /// Scratch slots of a backoff schedule's state (8 of them).
    pub backoff_state: u32,
    /// Scratch slot where the backoff steps' arguments and answers start.
    pub backoff_args: u32,
    /// Most delays one `backoffSteps` call hands out.
    pub backoff_max_steps: u32,
    /// Scratch slot where a policy step's details start.
    pub policy_slots: u32,
    /// A rejected breaker acquire answers `breakerRejected - retryAfterMs`
    /// (- eventsPending); grants are >= 0.
    pub breaker_rejected: f64,
    /// The bulkhead's answers besides a permit id (>= 0): refused;
    /// queued as `bulkheadQueued - waiterId`; a claim still waiting; a
    /// claim re-queued as `bulkheadMoved - newId`.
    pub bulkhead_full: f64,
    pub bulkhead_queued: f64,
    pub bulkhead_waiting: f64,
    pub bulkhead_moved: f64,
    /// A fault injector's `decide()`: no fault, or inject an error (else a
    /// delay in ms, >= 0).
    pub fault_none: f64,
    pub fault_error: f64,
    /// A backoff step's answer: give up, or the backoff was freed.
    pub backoff_give_up: f64,
    pub backoff_freed: f64,
    /// Core's error kinds' wire names in numeric order (`errorKinds[k - 1]`
    /// is kind `k`): a policy step names its error by this index.
    pub error_kinds: Vec<String>,
    /// A policy run's steps by code, its stages and give-up reasons by
    /// index; a refused `polAcquire` answers `policyRejected - stage`.
    pub policy_steps: Vec<String>,
    pub policy_stages: Vec<String>,
    pub give_up_reasons: Vec<String>,
    pub policy_rejected: f64,
    /// `limiterTryAcquireOne`'s answers: granted, denied (else call
    /// `limiterTryAcquire` for the error).
    pub limiter_granted: f64,
    pub limiter_denied: f64,
}

/// The protocol constants (see [`Protocol`]).
#[napi(catch_unwind)]
pub fn protocol() -> Protocol {
    const _: () = assert!(backoff::ARGS + backoff::MAX_STEPS <= ffi::SCRATCH_LEN as usize);
    Protocol {
        scratch_len: ffi::SCRATCH_LEN,
        events_pending: circuit_breaker::EVENTS_PENDING,
        outcome_success: circuit_breaker::OUTCOME_SUCCESS,
        outcome_failure: circuit_breaker::OUTCOME_FAILURE,
        outcome_ignored: circuit_breaker::OUTCOME_IGNORED,
        backoff_state: backoff::STATE as u32,
        backoff_args: backoff::ARGS as u32,
        backoff_max_steps: backoff::MAX_STEPS as u32,
        policy_slots: policy::S as u32,
        breaker_rejected: circuit_breaker::REJECTED,
        bulkhead_full: bulkhead::FULL,
        bulkhead_queued: bulkhead::QUEUED,
        bulkhead_waiting: bulkhead::WAITING,
        bulkhead_moved: bulkhead::MOVED,
        fault_none: fault::NO_FAULT,
        fault_error: fault::INJECT_ERROR,
        backoff_give_up: backoff::GIVE_UP,
        backoff_freed: backoff::FREED,
        error_kinds: seawall::ErrorKind::ALL
            .map(|k| k.as_str().to_owned())
            .to_vec(),
        policy_steps: policy::STEPS.map(str::to_owned).to_vec(),
        policy_stages: policy::STAGES.map(str::to_owned).to_vec(),
        give_up_reasons: policy::REASONS.map(str::to_owned).to_vec(),
        policy_rejected: policy::REJECTED,
        limiter_granted: limiter::GRANTED,
        limiter_denied: limiter::DENIED,
    }
}

/// The seawall version (the same in every binding).
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    seawall::VERSION
}

/// Panics on purpose, so the tests can check that panics become JS errors.
#[napi(js_name = "__panicForTest", catch_unwind)]
#[allow(clippy::panic)]
pub fn panic_for_test() {
    panic!("seawall test panic");
}
