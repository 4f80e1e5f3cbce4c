//! `CircuitBreaker::call`: run a closure under the breaker, measuring it
//! only when a rule needs its duration.

use super::{CircuitBreaker, Outcome, Permit, Rejected};
use crate::clock::duration_to_ns;
use std::fmt;
use std::time::Duration;

/// Why a `call` did not return the closure's value: seawall refused it
/// (`Rejected`), the closure failed (`Failed`, its own error), or a retry
/// gave up after failures (`GaveUp`: the retry error and the last failure,
/// its cause).
#[derive(Debug, Clone, PartialEq)]
pub enum CallError<R, E> {
    /// seawall refused the call (nothing ran, or a stage refused a retry).
    Rejected(R),
    /// The closure's own error.
    Failed(E),
    /// A retry stage gave up (`retry_exhausted` / `retry_budget_exhausted`)
    /// after the closure failed with the second field.
    GaveUp(R, E),
}

impl<R: fmt::Display, E: fmt::Display> fmt::Display for CallError<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Rejected(r) => r.fmt(f),
            CallError::Failed(e) => e.fmt(f),
            CallError::GaveUp(r, e) => write!(f, "{r}; last error: {e}"),
        }
    }
}

impl<R: fmt::Debug + fmt::Display, E: fmt::Debug + fmt::Display> std::error::Error
    for CallError<R, E>
{
}

/// Releases a permit without an outcome if the closure unwinds.
struct Armed<'a> {
    breaker: &'a CircuitBreaker,
    permit: Option<Permit>,
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.permit.take() {
            self.breaker.release(p);
        }
    }
}

impl CircuitBreaker {
    /// Runs `f` if the breaker admits it and records its outcome: `Ok` is a
    /// success, `Err` a failure. Rejected → `CallError::Rejected` (nothing
    /// runs). A panic in `f` releases the permit without an outcome.
    ///
    /// The duration is measured (on the breaker's clock, or its coarse
    /// variant when the threshold allows: [`ClockSource::stopwatch_ns`](crate::ClockSource::stopwatch_ns)) only when the
    /// slow-call rule is configured (`slow_call_rate_threshold`); without it
    /// no time is read for the call.
    ///
    /// ```
    /// use seawall::circuit_breaker::{CallError, CircuitBreaker, Config};
    /// let cb = CircuitBreaker::new(Config::default())?;
    /// let ok: Result<u32, CallError<_, &str>> = cb.call(|| Ok(7));
    /// assert_eq!(ok.ok(), Some(7));
    /// let failed = cb.call(|| Err::<u32, _>("boom"));
    /// assert!(matches!(failed, Err(CallError::Failed("boom"))));
    /// assert_eq!(cb.metrics().failures, 1);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn call<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, CallError<Rejected, E>> {
        self.call_classified(f, |_| Outcome::Failure)
    }

    /// [`call`](Self::call) with the outcome of an error chosen by
    /// `classify` (e.g. [`outcome_for_error`](crate::classify::outcome_for_error)):
    /// `Ignored` errors say nothing about the dependency, `Success` errors
    /// count as successes.
    ///
    /// ```
    /// use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
    /// let cb = CircuitBreaker::new(Config::default())?;
    /// let _ = cb.call_classified(|| Err::<(), _>(404), |s| {
    ///     if *s == 404 { Outcome::Success } else { Outcome::Failure }
    /// });
    /// assert_eq!((cb.metrics().successes, cb.metrics().failures), (1, 0));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn call_classified<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
        classify: impl FnOnce(&E) -> Outcome,
    ) -> Result<T, CallError<Rejected, E>> {
        let permit = self.try_acquire().map_err(CallError::Rejected)?;
        let timed = self.cfg.slow_call_rate_threshold.is_some();
        let threshold = duration_to_ns(self.cfg.slow_call_duration_threshold);
        let start = if timed {
            self.clock.stopwatch_ns(threshold)
        } else {
            0
        };
        let mut armed = Armed {
            breaker: self,
            permit: Some(permit),
        };
        let result = f();
        let duration = if timed {
            Duration::from_nanos(self.clock.stopwatch_ns(threshold).saturating_sub(start))
        } else {
            Duration::ZERO
        };
        if let Some(p) = armed.permit.take() {
            let outcome = match &result {
                Ok(_) => Outcome::Success,
                Err(e) => classify(e),
            };
            self.record(p, outcome, duration);
        }
        result.map_err(CallError::Failed)
    }
}
