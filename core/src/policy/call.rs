//! `Policy::call`: the policy run driven synchronously in Rust.

use super::{AttemptFailure, Policy, Step};
use crate::circuit_breaker::CallError;
use crate::error::Error;
use std::sync::Arc;
use std::time::Duration;

impl Policy {
    /// Runs `f` through the whole policy on this thread
    /// ([`Policy::run`] without a deadline): each attempt acquires every
    /// stage, a full bulkhead with a queue is waited on (blocking, up to its
    /// `max_wait`), retry delays are slept with `std::thread::sleep`, and
    /// `classify` says what each error is ([`AttemptFailure`]). Durations
    /// are measured by the run, and only when a rule needs them.
    ///
    /// A synchronous closure cannot be cut off: the timeout stage's limit is
    /// not enforced here (an attempt that returns late returns its result;
    /// a breaker slow-call rule still sees its duration). The fallback flag
    /// is not used: the error is returned for the caller to fall back on.
    ///
    /// Errors: `Rejected(e)` — a stage refused (e.g. `circuit_open`);
    /// `Failed(e)` — `f`'s error that was not retried; `GaveUp(e, last)` —
    /// the retry stage gave up after `f` failed with `last`.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::circuit_breaker::CallError;
    /// use seawall::policy::{AttemptFailure, Policy};
    /// use seawall::retry::Retry;
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let backoff = Backoff::new(BackoffConfig { base: Duration::ZERO, max_attempts: 3, ..BackoffConfig::default() })?;
    /// let policy = Arc::new(Policy::new().retry(Retry::new(backoff)));
    /// let mut calls = 0;
    /// let r = policy.call(|| { calls += 1; if calls < 3 { Err("flaky") } else { Ok(calls) } },
    ///                     |_| AttemptFailure::retryable());
    /// assert_eq!(r.ok(), Some(3));
    /// let r = policy.call(|| Err::<(), _>("down"), |_| AttemptFailure::retryable());
    /// assert!(matches!(r, Err(CallError::GaveUp(ref e, "down")) if e.attempts() == Some(3)));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn call<T, E>(
        self: &Arc<Self>,
        mut f: impl FnMut() -> Result<T, E>,
        classify: impl Fn(&E) -> AttemptFailure,
    ) -> Result<T, CallError<Error, E>> {
        let mut run = self.run(None);
        let mut step = run.next_step();
        let mut last: Option<E> = None;
        loop {
            step = match step {
                Step::Attempt { .. } => match f() {
                    Ok(v) => {
                        run.on_success();
                        return Ok(v);
                    }
                    Err(e) => {
                        let failure = classify(&e);
                        last = Some(e);
                        run.on_failure(failure)
                    }
                },
                Step::WaitForSlot {
                    waiter,
                    max_wait_ns,
                } => match waiter.wait(Duration::from_nanos(max_wait_ns)) {
                    Ok(slot) => run.slot_granted(slot),
                    Err(_) => run.slot_timed_out(),
                },
                Step::Sleep { delay_ns } => {
                    std::thread::sleep(Duration::from_nanos(delay_ns));
                    run.next_step()
                }
                Step::Fallback { error, .. } | Step::Fail { error, .. } => {
                    return Err(match (error, last) {
                        (Some(e), Some(l)) if e.give_up_reason().is_some() => {
                            CallError::GaveUp(e, l)
                        }
                        (Some(e), _) => CallError::Rejected(e),
                        (None, Some(l)) => CallError::Failed(l),
                        (None, None) => CallError::Rejected(Error::argument(
                            "step",
                            "the policy run ended without an error",
                        )),
                    })
                }
                Step::Done => {
                    return Err(CallError::Rejected(Error::argument(
                        "step",
                        "the policy run ended without a result",
                    )))
                }
            };
        }
    }
}
