//! The policy guard: rate limiter → circuit breaker → bulkhead, acquired in
//! that order, with everything an earlier stage granted given back when a
//! later stage rejects.
//!
//! The guard covers the stages that decide whether a call may start. The
//! stages that wrap the running call — timeout, retry, fallback — need the
//! caller's function and event loop, so each binding builds them around
//! this guard (`spec/policy.md`).
//!
//! ```
//! use seawall::bulkhead::{Bulkhead, BulkheadConfig};
//! use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome};
//! use seawall::policy::{Policy, Stage};
//! use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
//! use seawall::ManualClock;
//! use std::sync::Arc;
//!
//! let clock = ManualClock::new();
//! let bucket = TokenBucket::with_clock(TokenBucketConfig { burst: 5, ..Default::default() }, &clock)?;
//! let breaker = CircuitBreaker::with_clock(Config::default(), &clock)?;
//! let bulkhead = Bulkhead::with_clock(BulkheadConfig { max_concurrent: 1, ..Default::default() }, &clock)?;
//! let policy = Arc::new(
//!     Policy::with_clock(&clock)
//!         .rate_limiter(Arc::new(bucket))
//!         .circuit_breaker(Arc::new(breaker))
//!         .bulkhead(Arc::new(bulkhead)),
//! );
//! let guard = policy.try_acquire().map_err(seawall::Error::from)?;
//! // The bulkhead is full now: the second call is refused by it, and the
//! // token it took from the bucket is given back.
//! let refused = policy.try_acquire().err().map(|r| r.stage);
//! assert_eq!(refused, Some(Stage::Bulkhead));
//! guard.complete(Outcome::Success);
//! # Ok::<(), seawall::Error>(())
//! ```

mod call;
mod run;

pub use run::{AttemptFailure, AttemptTimeout, PolicyRun, Step};

use crate::adaptive_timeout::AdaptiveTimeout;
use crate::bulkhead::{Bulkhead, OwnedPermit};
use crate::circuit_breaker::{CircuitBreaker, Outcome, Permit};
use crate::clock::{Clock, ClockSource};
use crate::error::Error;
use crate::limit::RateLimiter;
use crate::retry::Retry;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A stage of the guard, in the order it is acquired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The rate limiter.
    RateLimiter,
    /// The circuit breaker.
    CircuitBreaker,
    /// The bulkhead.
    Bulkhead,
}

impl Stage {
    /// The wire name: `rate_limiter`, `circuit_breaker` or `bulkhead`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::RateLimiter => "rate_limiter",
            Stage::CircuitBreaker => "circuit_breaker",
            Stage::Bulkhead => "bulkhead",
        }
    }
}

/// Why [`Policy::try_acquire`] refused a call: the stage and its error
/// (`RateLimited { retry_after }`, `CircuitOpen { retry_after }` or
/// `BulkheadFull`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The stage that refused.
    pub stage: Stage,
    /// Its error.
    pub error: Error,
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Error {
        r.error
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.stage.as_str(), self.error)
    }
}

impl std::error::Error for Rejection {}

/// Rate limiter → circuit breaker → bulkhead. Every stage is optional;
/// the primitives are shared (`Arc`), so one breaker can sit in several
/// policies and be inspected directly.
#[derive(Default)]
pub struct Policy {
    limiter: Option<Arc<dyn RateLimiter>>,
    breaker: Option<Arc<CircuitBreaker>>,
    bulkhead: Option<Arc<Bulkhead>>,
    timeout: Option<AttemptTimeout>,
    retry: Option<Retry>,
    fallback: bool,
    clock: ClockSource,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("rate_limiter", &self.limiter.is_some())
            .field("circuit_breaker", &self.breaker.is_some())
            .field("bulkhead", &self.bulkhead.is_some())
            .field("timeout", &self.timeout)
            .field("retry", &self.retry.is_some())
            .field("fallback", &self.fallback)
            .finish()
    }
}

impl Policy {
    /// An empty policy (admits everything) on the fast in-process clock
    /// ([`ClockSource::fast`]).
    pub fn new() -> Self {
        Self::with_clock(ClockSource::fast())
    }

    /// An empty policy that measures call durations on `clock`.
    pub fn with_clock(clock: impl Into<ClockSource>) -> Self {
        Policy {
            clock: clock.into(),
            ..Self::default()
        }
    }

    /// Sets the rate limiter stage (one permit per call).
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Sets the circuit breaker stage.
    pub fn circuit_breaker(mut self, breaker: Arc<CircuitBreaker>) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Sets the bulkhead stage.
    pub fn bulkhead(mut self, bulkhead: Arc<Bulkhead>) -> Self {
        self.bulkhead = Some(bulkhead);
        self
    }

    /// Sets a fixed per-attempt timeout stage (used by [`Policy::run`]).
    ///
    /// ```
    /// use seawall::policy::{AttemptTimeout, Policy};
    /// use std::time::Duration;
    /// let p = Policy::new().timeout(Duration::from_secs(2));
    /// assert!(matches!(p.timeout_stage(), Some(AttemptTimeout::Fixed(d)) if *d == Duration::from_secs(2)));
    /// ```
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(AttemptTimeout::Fixed(limit));
        self
    }

    /// Sets an adaptive per-attempt timeout stage (used by [`Policy::run`]):
    /// each attempt's limit is `adaptive.timeout()` when it starts, and the
    /// run records every attempt's latency into it.
    ///
    /// ```
    /// use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
    /// use seawall::policy::{AttemptTimeout, Policy};
    /// use std::sync::Arc;
    /// let at = Arc::new(AdaptiveTimeout::new(AdaptiveTimeoutConfig::default())?);
    /// let p = Policy::new().adaptive_timeout(at);
    /// assert!(matches!(p.timeout_stage(), Some(AttemptTimeout::Adaptive(_))));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn adaptive_timeout(mut self, adaptive: Arc<AdaptiveTimeout>) -> Self {
        self.timeout = Some(AttemptTimeout::Adaptive(adaptive));
        self
    }

    /// Sets the retry stage (used by [`Policy::run`]): each retry attempt
    /// acquires every stage again.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::policy::Policy;
    /// use seawall::retry::Retry;
    /// let p = Policy::new().retry(Retry::new(Backoff::new(BackoffConfig::default())?));
    /// assert_eq!(p.retry_stage().map(Retry::max_attempts), Some(3));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Says the caller has a fallback: [`Policy::run`] ends a failed call
    /// with [`Step::Fallback`] instead of [`Step::Fail`].
    ///
    /// ```
    /// use seawall::policy::{AttemptFailure, Policy, Step};
    /// use std::sync::Arc;
    /// let mut run = Arc::new(Policy::new().fallback(true)).run(None);
    /// let _ = run.next_step();
    /// assert!(matches!(run.on_failure(AttemptFailure::not_retryable()), Step::Fallback { .. }));
    /// ```
    pub fn fallback(mut self, has_fallback: bool) -> Self {
        self.fallback = has_fallback;
        self
    }

    /// The timeout stage, if any.
    ///
    /// ```
    /// use seawall::policy::Policy;
    /// assert!(Policy::new().timeout_stage().is_none());
    /// ```
    pub fn timeout_stage(&self) -> Option<&AttemptTimeout> {
        self.timeout.as_ref()
    }

    /// The retry stage, if any.
    ///
    /// ```
    /// use seawall::policy::Policy;
    /// assert!(Policy::new().retry_stage().is_none());
    /// ```
    pub fn retry_stage(&self) -> Option<&Retry> {
        self.retry.as_ref()
    }

    /// The circuit breaker stage, if any.
    pub fn breaker(&self) -> Option<&Arc<CircuitBreaker>> {
        self.breaker.as_ref()
    }

    /// The bulkhead stage, if any.
    pub fn bulkhead_stage(&self) -> Option<&Arc<Bulkhead>> {
        self.bulkhead.as_ref()
    }

    /// The rate limiter stage, if any.
    pub fn limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.limiter.as_ref()
    }

    /// Acquires every stage in order. On a rejection, what earlier stages
    /// granted is given back: the rate limiter's permit is refunded and the
    /// breaker permit released without an outcome (a half-open probe slot
    /// returns). Lock-free when the stages are.
    pub fn try_acquire(self: &Arc<Self>) -> Result<Guard, Rejection> {
        if let Some(l) = &self.limiter {
            match l.try_acquire_n(1) {
                Ok(d) if d.allowed => {}
                Ok(d) => {
                    return Err(Rejection {
                        stage: Stage::RateLimiter,
                        error: Error::RateLimited {
                            retry_after: d.retry_after,
                        },
                    })
                }
                Err(error) => {
                    return Err(Rejection {
                        stage: Stage::RateLimiter,
                        error,
                    })
                }
            }
        }
        let permit = match &self.breaker {
            Some(b) => match b.try_acquire() {
                Ok(p) => Some(p),
                Err(r) => {
                    self.refund_limiter();
                    return Err(Rejection {
                        stage: Stage::CircuitBreaker,
                        error: r.into(),
                    });
                }
            },
            None => None,
        };
        let slot = match &self.bulkhead {
            Some(bh) => match bh.try_acquire_owned() {
                Ok(s) => Some(s),
                Err(error) => {
                    if let (Some(b), Some(p)) = (&self.breaker, permit) {
                        b.release(p);
                    }
                    self.refund_limiter();
                    return Err(Rejection {
                        stage: Stage::Bulkhead,
                        error,
                    });
                }
            },
            None => None,
        };
        Ok(Guard {
            policy: Arc::clone(self),
            permit,
            slot,
            started_ns: self.clock.now_ns(),
            finished: false,
        })
    }

    fn refund_limiter(&self) {
        if let Some(l) = &self.limiter {
            l.refund(1);
        }
    }
}

/// Everything a call holds while it runs. Finish it with
/// [`complete`](Guard::complete) (records the outcome with the measured
/// duration, releases the bulkhead slot) or [`release`](Guard::release)
/// (no outcome). Dropping an unfinished guard releases it.
#[derive(Debug)]
pub struct Guard {
    policy: Arc<Policy>,
    permit: Option<Permit>,
    slot: Option<OwnedPermit>,
    started_ns: u64,
    finished: bool,
}

impl Guard {
    /// Records `outcome` with the time since [`Policy::try_acquire`] on the
    /// policy's clock, then releases the bulkhead slot.
    pub fn complete(self, outcome: Outcome) {
        let elapsed = self.policy.clock.now_ns().saturating_sub(self.started_ns);
        self.complete_with_duration(outcome, Duration::from_nanos(elapsed));
    }

    /// Records `outcome` with a duration measured by the caller.
    pub fn complete_with_duration(mut self, outcome: Outcome, duration: Duration) {
        if let (Some(b), Some(p)) = (&self.policy.breaker, self.permit.take()) {
            b.record(p, outcome, duration);
        }
        self.finished = true;
        // `self` drops here: the bulkhead slot is released.
    }

    /// Finishes without an outcome (the call was cancelled before it said
    /// anything about the dependency): a half-open probe slot returns.
    pub fn release(self) {}

    /// The breaker permit this guard holds, if the policy has a breaker.
    pub fn breaker_permit(&self) -> Option<Permit> {
        self.permit
    }

    /// Time since the guard was acquired, on the policy's clock.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.policy.clock.now_ns().saturating_sub(self.started_ns))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            if let (Some(b), Some(p)) = (&self.policy.breaker, self.permit.take()) {
                b.release(p);
            }
        }
        // The bulkhead slot (if any) is released by OwnedPermit's own drop.
        drop(self.slot.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulkhead::BulkheadConfig;
    use crate::circuit_breaker::{Config, State};
    use crate::token_bucket::{TokenBucket, TokenBucketConfig};
    use crate::ManualClock;

    fn parts(
        clock: &ManualClock,
    ) -> crate::Result<(Arc<TokenBucket>, Arc<CircuitBreaker>, Arc<Bulkhead>)> {
        let tb = TokenBucket::with_clock(
            TokenBucketConfig {
                burst: 3,
                rate_per_sec: 1.0,
                initial_tokens: None,
            },
            clock,
        )?;
        let cb = CircuitBreaker::with_clock(
            Config {
                failure_count_threshold: Some(1),
                failure_rate_threshold: None,
                slow_call_rate_threshold: None,
                half_open_max_calls: 1,
                success_threshold: 1,
                ..Config::default()
            },
            clock,
        )?;
        let bh = Bulkhead::with_clock(
            BulkheadConfig {
                max_concurrent: 1,
                ..Default::default()
            },
            clock,
        )?;
        Ok((Arc::new(tb), Arc::new(cb), Arc::new(bh)))
    }

    type Parts = (
        Arc<Policy>,
        Arc<TokenBucket>,
        Arc<CircuitBreaker>,
        Arc<Bulkhead>,
    );

    fn policy(clock: &ManualClock) -> crate::Result<Parts> {
        let (tb, cb, bh) = parts(clock)?;
        let p = Policy::with_clock(clock)
            .rate_limiter(tb.clone())
            .circuit_breaker(cb.clone())
            .bulkhead(bh.clone());
        Ok((Arc::new(p), tb, cb, bh))
    }

    #[test]
    fn bulkhead_rejection_refunds_the_token() -> crate::Result<()> {
        let clock = ManualClock::new();
        let (p, tb, _, bh) = policy(&clock)?;
        let g = p.try_acquire()?;
        assert_eq!(tb.metrics().available, 2);
        let r = p.try_acquire().err();
        assert_eq!(r.as_ref().map(|r| r.stage), Some(Stage::Bulkhead));
        assert_eq!(r.map(|r| r.error), Some(Error::BulkheadFull));
        assert_eq!(tb.metrics().available, 2, "token refunded");
        assert_eq!(bh.metrics().active, 1);
        g.complete(Outcome::Success);
        assert_eq!(bh.metrics().active, 0);
        Ok(())
    }

    #[test]
    fn open_breaker_refunds_the_token_and_reports_retry_after() -> crate::Result<()> {
        let clock = ManualClock::new();
        let (p, tb, cb, bh) = policy(&clock)?;
        p.try_acquire()?.complete(Outcome::Failure);
        assert_eq!(cb.state(), State::Open);
        let before = tb.metrics().available;
        let r = p.try_acquire().err();
        assert_eq!(r.as_ref().map(|r| r.stage), Some(Stage::CircuitBreaker));
        assert_eq!(
            r.map(|r| r.error),
            Some(Error::CircuitOpen {
                retry_after: Duration::from_secs(60)
            })
        );
        assert_eq!(tb.metrics().available, before);
        assert_eq!(bh.metrics().active, 0);
        Ok(())
    }

    #[test]
    fn bulkhead_rejection_returns_the_half_open_probe_slot() -> crate::Result<()> {
        let clock = ManualClock::new();
        let (tb, cb, bh) = parts(&clock)?;
        let cb_only = Arc::new(Policy::with_clock(&clock).circuit_breaker(cb.clone()));
        cb_only.try_acquire()?.complete(Outcome::Failure);
        clock.advance(Duration::from_secs(60));
        // Hold the bulkhead elsewhere so the full policy is refused by it.
        let hog = bh.try_acquire_owned()?;
        let full = Arc::new(
            Policy::with_clock(&clock)
                .rate_limiter(tb)
                .circuit_breaker(cb.clone())
                .bulkhead(bh),
        );
        let r = full.try_acquire().err().map(|r| r.stage);
        assert_eq!(r, Some(Stage::Bulkhead));
        assert_eq!(cb.state(), State::HalfOpen);
        assert_eq!(cb.metrics().half_open_in_flight, 0, "probe slot given back");
        drop(hog);
        let g = full.try_acquire()?;
        assert!(g.breaker_permit().is_some_and(|p| p.is_probe()));
        g.complete(Outcome::Success);
        assert_eq!(cb.state(), State::Closed);
        Ok(())
    }

    #[test]
    fn limiter_rejection_touches_nothing_else() -> crate::Result<()> {
        let clock = ManualClock::new();
        let (p, _, cb, bh) = policy(&clock)?;
        for _ in 0..3 {
            p.try_acquire()?.complete(Outcome::Success);
        }
        let r = p.try_acquire().err();
        assert_eq!(r.as_ref().map(|r| r.stage), Some(Stage::RateLimiter));
        assert_eq!(
            r.map(|r| r.error),
            Some(Error::RateLimited {
                retry_after: Duration::from_secs(1)
            })
        );
        assert_eq!(cb.metrics().successes, 3);
        assert_eq!(bh.metrics().total, 3);
        Ok(())
    }

    #[test]
    fn complete_measures_duration_and_dropped_guard_records_nothing() -> crate::Result<()> {
        let clock = ManualClock::new();
        let cb = Arc::new(CircuitBreaker::with_clock(
            Config {
                slow_call_duration_threshold: Duration::from_secs(2),
                ..Config::default()
            },
            &clock,
        )?);
        let p = Arc::new(Policy::with_clock(&clock).circuit_breaker(cb.clone()));
        let g = p.try_acquire()?;
        clock.advance(Duration::from_secs(3));
        assert_eq!(g.elapsed(), Duration::from_secs(3));
        g.complete(Outcome::Success);
        assert_eq!(cb.metrics().slow, 1);
        drop(p.try_acquire()?);
        assert_eq!(cb.metrics().calls, 1, "a dropped guard records no outcome");
        Ok(())
    }

    #[test]
    fn empty_policy_admits() -> crate::Result<()> {
        let p = Arc::new(Policy::new());
        let g = p.try_acquire()?;
        assert!(g.breaker_permit().is_none());
        g.complete(Outcome::Failure);
        Ok(())
    }

    #[test]
    fn a_run_names_the_refusal_each_step_handles_and_why_it_gave_up() -> crate::Result<()> {
        use crate::backoff::{Backoff, BackoffConfig, Jitter};
        use crate::retry::{GiveUpReason, Retry};
        let clock = ManualClock::new();
        let (tb, cb, _) = parts(&clock)?;
        let backoff = Backoff::with_clock(
            BackoffConfig {
                jitter: Jitter::None,
                max_attempts: 2,
                ..BackoffConfig::default()
            },
            &clock,
        )?;
        let p = Arc::new(
            Policy::with_clock(&clock)
                .rate_limiter(tb.clone())
                .circuit_breaker(cb.clone())
                .retry(Retry::new(backoff)),
        );
        for _ in 0..3 {
            assert!(tb.try_acquire(1)?.allowed);
        }
        let mut run = p.run(None);
        // refused and retried: the Sleep step carries no error, the run
        // names the refusal
        assert!(matches!(run.next_step(), Step::Sleep { .. }));
        let r = run.take_refusal();
        assert_eq!(r.as_ref().map(|r| r.stage), Some(Stage::RateLimiter));
        assert_eq!(
            r.and_then(|r| r.error.retry_after()),
            Some(Duration::from_secs(1))
        );
        assert!(run.take_refusal().is_none(), "taken once");
        assert_eq!(run.give_up(), None);
        assert_eq!(run.retry_attempts(), Some(1), "the refusal counts");
        assert_eq!(run.attempts(), 0, "but is not an attempt");
        // admitted: no refusal any more
        clock.advance(Duration::from_secs(1));
        assert!(matches!(run.next_step(), Step::Attempt { .. }));
        assert!(run.take_refusal().is_none());
        // the failure ends the two-attempt run
        assert!(matches!(
            run.on_failure(AttemptFailure::retryable()),
            Step::Fail { error: Some(_), .. }
        ));
        assert!(run.take_refusal().is_none());
        let g = run.give_up();
        assert_eq!(
            g.map(|g| (g.reason, g.attempts)),
            Some((GiveUpReason::Attempts, 2))
        );
        // an open breaker's refusal is not retryable: refused, and given up
        clock.advance(Duration::from_secs(1)); // a token for the limiter
        cb.force_open();
        let mut run = p.run(None);
        assert!(matches!(
            run.next_step(),
            Step::Fail {
                error: Some(_),
                stage: Some(Stage::CircuitBreaker)
            }
        ));
        assert_eq!(
            run.take_refusal().map(|r| r.stage),
            Some(Stage::CircuitBreaker)
        );
        assert_eq!(
            run.give_up().map(|g| g.reason),
            Some(GiveUpReason::NotRetryable)
        );
        // without a retry stage: nothing gives up
        let mut plain = Arc::new(Policy::with_clock(&clock)).run(None);
        let _ = plain.next_step();
        let _ = plain.on_failure(AttemptFailure::retryable());
        assert_eq!(plain.give_up(), None);
        Ok(())
    }
}
