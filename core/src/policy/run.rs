//! The policy run: one call through the whole stack — rate limiter →
//! circuit breaker → bulkhead → timeout → retry → fallback — as a state
//! machine the caller steps (`spec/policy.md`, "The policy run").

use super::{Policy, Rejection, Stage};
use crate::adaptive_timeout::AdaptiveTimeout;
use crate::bulkhead::{Admission, OwnedPermit, OwnedWaiter};
use crate::circuit_breaker::{Outcome, Permit};
use crate::clock::{duration_to_ns, Clock};
use crate::error::Error;
use crate::retry::{Failure, GiveUp, RetryState, RetryStep, RunStatus};
use std::sync::Arc;
use std::time::Duration;

/// The per-attempt timeout stage.
#[derive(Debug, Clone)]
pub enum AttemptTimeout {
    /// The same limit for every attempt.
    Fixed(Duration),
    /// The limit an [`AdaptiveTimeout`] gives when the attempt starts; the
    /// run records each attempt's latency into it (finished: the measured
    /// latency; cut off: the limit; cancelled: nothing).
    Adaptive(Arc<AdaptiveTimeout>),
}

/// What the caller does next.
#[derive(Debug)]
pub enum Step {
    /// Call the function once, cut off after `timeout_ns` if given (the
    /// attempt's limit, shortened to the run's deadline), then report
    /// [`PolicyRun::on_success`], [`PolicyRun::on_failure`] or
    /// [`PolicyRun::on_timeout`].
    Attempt {
        /// The attempt's time limit, ns.
        timeout_ns: Option<u64>,
    },
    /// The bulkhead is full and has queue room: wait on `waiter` (a
    /// `Future`, or [`OwnedWaiter::wait`]) at most `max_wait_ns`, then
    /// report [`PolicyRun::slot_granted`] or [`PolicyRun::slot_timed_out`].
    WaitForSlot {
        /// The place in the bulkhead's FIFO queue.
        waiter: OwnedWaiter,
        /// The longest wait: the bulkhead's `max_wait`, shortened to the
        /// run's deadline.
        max_wait_ns: u64,
    },
    /// Sleep this long, then call [`PolicyRun::next_step`].
    Sleep {
        /// ns.
        delay_ns: u64,
    },
    /// The call failed and the policy has a fallback: call it with the
    /// error (`Some`: this seawall error; `None`: the last failure the
    /// caller reported) and return what it returns.
    Fallback {
        /// The error, `None` for the caller's own last failure.
        error: Option<Error>,
        /// The stage that refused, when `error` is a stage's rejection
        /// (`rate_limited`, `circuit_open`, `bulkhead_full`).
        stage: Option<Stage>,
    },
    /// The call succeeded: return its result.
    Done,
    /// The call failed: raise `error` (`None`: the last failure the caller
    /// reported, unchanged).
    Fail {
        /// The error, `None` for the caller's own last failure.
        error: Option<Error>,
        /// The stage that refused, when `error` is a stage's rejection.
        stage: Option<Stage>,
    },
}

impl Step {
    /// The step's wire name: `attempt`, `wait_for_slot`, `sleep`,
    /// `fallback`, `done`, `fail`.
    ///
    /// ```
    /// use seawall::policy::Step;
    /// assert_eq!(Step::Done.as_str(), "done");
    /// assert_eq!(Step::Sleep { delay_ns: 1 }.as_str(), "sleep");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Step::Attempt { .. } => "attempt",
            Step::WaitForSlot { .. } => "wait_for_slot",
            Step::Sleep { .. } => "sleep",
            Step::Fallback { .. } => "fallback",
            Step::Done => "done",
            Step::Fail { .. } => "fail",
        }
    }
}

/// A failed attempt, as the caller classified it (`spec/classify.md`:
/// [`classify_chain`](crate::classify::classify_chain) for `retryable` and
/// the hint, [`outcome_for_error`](crate::classify::outcome_for_error) for
/// `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptFailure {
    /// Whether the retry stage may retry it.
    pub retryable: bool,
    /// A server hint, ns.
    pub retry_after_ns: Option<u64>,
    /// What the breaker records: usually `Failure`; `Ignored` or `Success`
    /// when the caller's outcome rule says so.
    pub outcome: Outcome,
}

impl AttemptFailure {
    /// A retryable failure recorded as a breaker failure.
    ///
    /// ```
    /// use seawall::policy::AttemptFailure;
    /// assert!(AttemptFailure::retryable().retryable);
    /// ```
    pub const fn retryable() -> Self {
        AttemptFailure {
            retryable: true,
            retry_after_ns: None,
            outcome: Outcome::Failure,
        }
    }

    /// A non-retryable failure recorded as a breaker failure.
    ///
    /// ```
    /// use seawall::policy::AttemptFailure;
    /// assert!(!AttemptFailure::not_retryable().retryable);
    /// ```
    pub const fn not_retryable() -> Self {
        AttemptFailure {
            retryable: false,
            retry_after_ns: None,
            outcome: Outcome::Failure,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before an attempt: `next` acquires the stages.
    Ready,
    /// Waiting for a bulkhead slot (the breaker permit is held).
    Waiting,
    /// An attempt is running.
    Running,
    /// Between attempts, after a `Sleep`.
    Sleeping,
    /// Over (done, failed, fell back or cancelled).
    Over,
}

/// One call through a [`Policy`], stepped by the caller. Built by
/// [`Policy::run`]; see the [module docs](super) and `spec/policy.md`.
///
/// Dropping a run that is not over cancels it ([`cancel`](Self::cancel)).
#[derive(Debug)]
pub struct PolicyRun {
    policy: Arc<Policy>,
    retry: Option<RetryState>,
    phase: Phase,
    permit: Option<Permit>,
    slot: Option<OwnedPermit>,
    started_ns: u64,
    timeout_ns: Option<u64>,
    deadline_ns: Option<u64>,
    attempts: u32,
    refusal: Option<Rejection>,
}

impl Policy {
    /// Starts one call through the whole stack. `deadline_ns` (on the
    /// policy's clock) bounds the whole call: attempts' limits and bulkhead
    /// waits are shortened to it and no retry starts at or after it.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig, Jitter};
    /// use seawall::circuit_breaker::{CircuitBreaker, Config};
    /// use seawall::policy::{AttemptFailure, Policy, Step};
    /// use seawall::retry::Retry;
    /// use seawall::ManualClock;
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let breaker = Arc::new(CircuitBreaker::with_clock(Config::default(), &clock)?);
    /// let backoff = Backoff::with_clock(
    ///     BackoffConfig { jitter: Jitter::None, max_attempts: 2, ..BackoffConfig::default() },
    ///     &clock,
    /// )?;
    /// let policy = Arc::new(
    ///     Policy::with_clock(&clock)
    ///         .circuit_breaker(breaker.clone())
    ///         .timeout(Duration::from_secs(1))
    ///         .retry(Retry::new(backoff)),
    /// );
    /// let mut run = policy.run(None);
    /// assert!(matches!(run.next_step(), Step::Attempt { timeout_ns: Some(1_000_000_000) }));
    /// assert!(matches!(run.on_failure(AttemptFailure::retryable()), Step::Sleep { delay_ns: 100_000_000 }));
    /// assert!(matches!(run.next_step(), Step::Attempt { .. }));
    /// assert!(matches!(run.on_success(), Step::Done));
    /// assert_eq!(breaker.metrics().failures, 1);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn run(self: &Arc<Self>, deadline_ns: Option<u64>) -> PolicyRun {
        PolicyRun {
            policy: Arc::clone(self),
            retry: self.retry.as_ref().map(|r| r.start(deadline_ns)),
            phase: Phase::Ready,
            permit: None,
            slot: None,
            started_ns: 0,
            timeout_ns: None,
            deadline_ns,
            attempts: 0,
            refusal: None,
        }
    }
}

impl PolicyRun {
    /// Attempts started so far.
    ///
    /// ```
    /// use seawall::policy::Policy;
    /// use std::sync::Arc;
    /// let mut run = Arc::new(Policy::new()).run(None);
    /// assert_eq!(run.attempts(), 0);
    /// let _ = run.next_step();
    /// assert_eq!(run.attempts(), 1);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The refusal by a stage that the last [`next_step`](Self::next_step)
    /// or [`slot_timed_out`](Self::slot_timed_out) made, once: a stage's
    /// rejection answers `Sleep` (retried), `Fallback` or `Fail` (the retry
    /// may give up with its own error), so a binding that reports
    /// rejections takes it after each of those steps. `None` otherwise.
    ///
    /// ```
    /// use seawall::circuit_breaker::{CircuitBreaker, Config};
    /// use seawall::policy::{Policy, Stage};
    /// use std::sync::Arc;
    /// let cb = Arc::new(CircuitBreaker::new(Config::default())?);
    /// cb.force_open();
    /// let mut run = Arc::new(Policy::new().circuit_breaker(cb)).run(None);
    /// let _ = run.next_step();
    /// let r = run.take_refusal().ok_or("no refusal")?;
    /// assert_eq!(r.stage, Stage::CircuitBreaker);
    /// assert!(run.take_refusal().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take_refusal(&mut self) -> Option<Rejection> {
        self.refusal.take()
    }

    /// Whether the run is over (done, failed, fell back or cancelled).
    ///
    /// ```
    /// use seawall::policy::Policy;
    /// use std::sync::Arc;
    /// let mut run = Arc::new(Policy::new()).run(None);
    /// let _ = run.next_step();
    /// let _ = run.on_success();
    /// assert!(run.is_over());
    /// ```
    pub fn is_over(&self) -> bool {
        self.phase == Phase::Over
    }

    /// Why the retry stage stopped, once it has (the run is then over):
    /// the reason and the attempts, also for a failure that is raised
    /// unchanged (`not_retryable`). `None` while the run goes on, and for a
    /// run without a retry stage. Bindings report it as a `gave_up` event.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::policy::{AttemptFailure, Policy};
    /// use seawall::retry::{GiveUpReason, Retry};
    /// use std::sync::Arc;
    /// let retry = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = Arc::new(Policy::new().retry(retry)).run(None);
    /// let _ = run.next_step();
    /// let _ = run.on_failure(AttemptFailure::not_retryable());
    /// assert_eq!(run.give_up().map(|g| g.reason), Some(GiveUpReason::NotRetryable));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn give_up(&self) -> Option<GiveUp> {
        match self.retry.as_ref()?.status {
            RunStatus::GaveUp(g) => Some(g),
            _ => None,
        }
    }

    /// The policy this run goes through.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The calls the retry stage has counted so far (a stage's refusal
    /// counts, as in [`Error::attempts`] of its give-up); `None` without a
    /// retry stage. Bindings report it as a `retry_scheduled` event's
    /// attempt.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::policy::{AttemptFailure, Policy};
    /// use seawall::retry::Retry;
    /// use std::sync::Arc;
    /// let retry = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = Arc::new(Policy::new().retry(retry)).run(None);
    /// let _ = run.next_step();
    /// let _ = run.on_failure(AttemptFailure::retryable());
    /// assert_eq!(run.retry_attempts(), Some(1));
    /// assert_eq!(Arc::new(Policy::new()).run(None).retry_attempts(), None);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn retry_attempts(&self) -> Option<u32> {
        self.retry.as_ref().map(|st| st.attempts)
    }

    /// The first step, and the step after a `Sleep`: acquires the rate
    /// limiter, the breaker and the bulkhead (in that order, giving back
    /// what earlier stages granted when a later one rejects) and answers
    /// `Attempt`, `WaitForSlot`, or — on a rejection, handled like a failed
    /// attempt — `Sleep`, `Fallback` or `Fail`. Out of turn: `Fail` with
    /// `invalid_argument` naming `step`, and the run is unchanged.
    ///
    /// ```
    /// use seawall::circuit_breaker::{CircuitBreaker, Config};
    /// use seawall::policy::{Policy, Step};
    /// use seawall::ErrorKind;
    /// use std::sync::Arc;
    /// let cb = Arc::new(CircuitBreaker::new(Config::default())?);
    /// cb.force_open();
    /// let mut run = Arc::new(Policy::new().circuit_breaker(cb)).run(None);
    /// let Step::Fail { error: Some(e), .. } = run.next_step() else { unreachable!() };
    /// assert_eq!(e.kind(), ErrorKind::CircuitOpen);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn next_step(&mut self) -> Step {
        if !matches!(self.phase, Phase::Ready | Phase::Sleeping) {
            return out_of_turn("next_step");
        }
        let p = Arc::clone(&self.policy);
        let now = self.deadline_ns.map(|_| p.clock.now_ns());
        if let (Some(dl), Some(now)) = (self.deadline_ns, now) {
            if now >= dl {
                return self.end_with(Error::Timeout);
            }
        }
        // 1. rate limiter
        if let Some(l) = &p.limiter {
            match l.try_acquire_n(1) {
                Ok(d) if d.allowed => {}
                Ok(d) => {
                    return self.rejected(
                        Stage::RateLimiter,
                        Error::RateLimited {
                            retry_after: d.retry_after,
                        },
                    )
                }
                Err(e) => return self.rejected(Stage::RateLimiter, e),
            }
        }
        // 2. breaker
        if let Some(b) = &p.breaker {
            match b.try_acquire() {
                Ok(permit) => self.permit = Some(permit),
                Err(r) => {
                    p.refund_limiter();
                    return self.rejected(Stage::CircuitBreaker, r.into());
                }
            }
        }
        // 3. bulkhead: take a slot, or queue when the bulkhead has a queue.
        if let Some(bh) = &p.bulkhead {
            let mut max_wait_ns = duration_to_ns(bh.config().max_wait);
            if let (Some(dl), Some(now)) = (self.deadline_ns, now) {
                max_wait_ns = max_wait_ns.min(dl.saturating_sub(now));
            }
            // Queue only when a wait is possible (a zero wait rejects at once).
            let queued = bh.config().max_queue > 0 && max_wait_ns > 0;
            let admission = if queued {
                bh.enqueue_owned()
            } else {
                bh.try_acquire_owned().map(Admission::Acquired)
            };
            match admission {
                Ok(Admission::Acquired(slot)) => self.slot = Some(slot),
                Ok(Admission::Queued(waiter)) => {
                    self.phase = Phase::Waiting;
                    return Step::WaitForSlot {
                        waiter,
                        max_wait_ns,
                    };
                }
                Err(e) => return self.bulkhead_rejected(e),
            }
        }
        self.begin_attempt(now)
    }

    /// The bulkhead wait of a `WaitForSlot` step got a slot: `Attempt`.
    ///
    /// ```
    /// use seawall::bulkhead::{Bulkhead, BulkheadConfig};
    /// use seawall::policy::{Policy, Step};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let bh = Arc::new(Bulkhead::new(BulkheadConfig {
    ///     max_concurrent: 1, max_queue: 1, max_wait: Duration::from_secs(1) })?);
    /// let policy = Arc::new(Policy::new().bulkhead(bh));
    /// let mut first = policy.run(None);
    /// let _ = first.next_step(); // holds the only slot
    /// let mut second = policy.run(None);
    /// let Step::WaitForSlot { waiter, .. } = second.next_step() else { unreachable!() };
    /// let _ = first.on_success(); // the slot goes to the waiter
    /// let slot = waiter.try_claim().map_err(|_| "not granted")?;
    /// assert!(matches!(second.slot_granted(slot), Step::Attempt { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slot_granted(&mut self, slot: OwnedPermit) -> Step {
        if self.phase != Phase::Waiting {
            return out_of_turn("slot_granted");
        }
        self.slot = Some(slot);
        let now = self.deadline_ns.map(|_| self.policy.clock.now_ns());
        self.begin_attempt(now)
    }

    /// The bulkhead wait of a `WaitForSlot` step ran out (the caller drops
    /// the waiter, which leaves the queue): a `bulkhead_full` rejection.
    ///
    /// ```
    /// use seawall::bulkhead::{Bulkhead, BulkheadConfig};
    /// use seawall::policy::{Policy, Step};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let bh = Arc::new(Bulkhead::new(BulkheadConfig {
    ///     max_concurrent: 1, max_queue: 1, max_wait: Duration::from_secs(1) })?);
    /// let policy = Arc::new(Policy::new().bulkhead(bh));
    /// let mut first = policy.run(None);
    /// let _ = first.next_step(); // holds the only slot
    /// let mut second = policy.run(None);
    /// let Step::WaitForSlot { waiter, .. } = second.next_step() else { unreachable!() };
    /// drop(waiter); // waited max_wait_ns in vain
    /// let Step::Fail { error: Some(e), .. } = second.slot_timed_out() else { unreachable!() };
    /// assert_eq!(e.kind(), seawall::ErrorKind::BulkheadFull);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn slot_timed_out(&mut self) -> Step {
        if self.phase != Phase::Waiting {
            return out_of_turn("slot_timed_out");
        }
        self.bulkhead_rejected(Error::BulkheadFull)
    }

    /// The attempt returned: the breaker records a success with the
    /// attempt's duration, the adaptive timeout its latency, the retry
    /// stage (and budget) a success; the bulkhead slot is released. `Done`.
    ///
    /// ```
    /// use seawall::policy::{Policy, Step};
    /// use std::sync::Arc;
    /// let mut run = Arc::new(Policy::new()).run(None);
    /// let _ = run.next_step();
    /// assert!(matches!(run.on_success(), Step::Done));
    /// ```
    pub fn on_success(&mut self) -> Step {
        if self.phase != Phase::Running {
            return out_of_turn("on_success");
        }
        self.finish_attempt(Outcome::Success, None);
        if let (Some(r), Some(st)) = (&self.policy.retry, self.retry.as_mut()) {
            r.on_success(st);
        }
        self.phase = Phase::Over;
        Step::Done
    }

    /// The attempt raised: the breaker records `failure.outcome`, the
    /// adaptive timeout the latency; the bulkhead slot is released; the
    /// retry stage decides: `Sleep`, or `Fallback` / `Fail`.
    ///
    /// ```
    /// use seawall::policy::{AttemptFailure, Policy, Step};
    /// use std::sync::Arc;
    /// let mut run = Arc::new(Policy::new().fallback(true)).run(None);
    /// let _ = run.next_step();
    /// // No retry stage: the failure itself goes to the fallback.
    /// assert!(matches!(run.on_failure(AttemptFailure::retryable()), Step::Fallback { error: None, .. }));
    /// ```
    pub fn on_failure(&mut self, failure: AttemptFailure) -> Step {
        if self.phase != Phase::Running {
            return out_of_turn("on_failure");
        }
        let d = self.finish_attempt(failure.outcome, None);
        self.after_failure(
            Failure {
                retryable: failure.retryable,
                retry_after_ns: failure.retry_after_ns,
                duration_ns: d,
            },
            None,
            None,
        )
    }

    /// The attempt was cut off by its time limit (the caller stopped
    /// waiting): the breaker records a failure lasting the limit, the
    /// adaptive timeout records the limit; the error is `timeout`
    /// (retryable). The bulkhead slot is **not** released: it is returned
    /// here, for the caller to drop when the cut-off function actually
    /// settles (it is still running and still occupies the dependency).
    ///
    /// ```
    /// use seawall::bulkhead::{Bulkhead, BulkheadConfig};
    /// use seawall::policy::{Policy, Step};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let bh = Arc::new(Bulkhead::new(BulkheadConfig { max_concurrent: 1, ..BulkheadConfig::default() })?);
    /// let policy = Arc::new(Policy::new().bulkhead(bh.clone()).timeout(Duration::from_millis(10)));
    /// let mut run = policy.run(None);
    /// let _ = run.next_step();
    /// let (step, slot) = run.on_timeout();
    /// assert!(matches!(step, Step::Fail { error: Some(seawall::Error::Timeout), .. }));
    /// assert_eq!(bh.metrics().active, 1); // still held by the cut-off call
    /// drop(slot); // ... until it settles
    /// assert_eq!(bh.metrics().active, 0);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn on_timeout(&mut self) -> (Step, Option<OwnedPermit>) {
        if self.phase != Phase::Running {
            return (out_of_turn("on_timeout"), None);
        }
        // Cut off at its limit; without one (the caller's own timeout), at
        // the time it was cut off.
        // (Measured only when a rule needs a duration; else 0, unused.)
        let limit = match self.timeout_ns {
            Some(l) => l,
            None if self.needs_duration() => {
                self.policy.clock.now_ns().saturating_sub(self.started_ns)
            }
            None => 0,
        };
        let slot = self.slot.take();
        self.finish_attempt(Outcome::Failure, Some(limit));
        let step = self.after_failure(Failure::retryable(limit), Some(Error::Timeout), None);
        (step, slot)
    }

    /// The caller gave up on the call (task cancelled, interrupt): a
    /// running attempt records nothing (a breaker probe slot returns, the
    /// adaptive timeout learns nothing), the bulkhead slot is released,
    /// the retry run is abandoned (budget untouched). The rate limiter's
    /// permit stays spent. Does nothing to a run that is over.
    ///
    /// ```
    /// use seawall::circuit_breaker::{CircuitBreaker, Config};
    /// use seawall::policy::Policy;
    /// use std::sync::Arc;
    /// let cb = Arc::new(CircuitBreaker::new(Config::default())?);
    /// let mut run = Arc::new(Policy::new().circuit_breaker(cb.clone())).run(None);
    /// let _ = run.next_step();
    /// run.cancel();
    /// let m = cb.metrics();
    /// assert_eq!((m.successes, m.failures, m.ignored), (0, 0, 0));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn cancel(&mut self) {
        if self.phase == Phase::Over {
            return;
        }
        self.release_stages();
        if let (Some(r), Some(st)) = (&self.policy.retry, self.retry.as_mut()) {
            r.abandon(st);
        }
        self.phase = Phase::Over;
    }

    // ---- internals -------------------------------------------------------

    fn begin_attempt(&mut self, now: Option<u64>) -> Step {
        let mut limit = match &self.policy.timeout {
            None => None,
            Some(AttemptTimeout::Fixed(d)) => Some(duration_to_ns(*d)),
            Some(AttemptTimeout::Adaptive(a)) => Some(duration_to_ns(a.timeout())),
        };
        if let (Some(dl), Some(now)) = (self.deadline_ns, now) {
            let left = dl.saturating_sub(now);
            limit = Some(limit.map_or(left, |l| l.min(left)));
        }
        self.timeout_ns = limit;
        self.started_ns = if self.needs_duration() {
            now.unwrap_or_else(|| self.policy.clock.now_ns())
        } else {
            0
        };
        self.attempts = self.attempts.saturating_add(1);
        self.phase = Phase::Running;
        Step::Attempt { timeout_ns: limit }
    }

    /// Whether any rule needs an attempt's duration: a breaker slow-call
    /// rule, an adaptive timeout, or a retry with time rules.
    fn needs_duration(&self) -> bool {
        let p = &self.policy;
        p.breaker
            .as_ref()
            .is_some_and(|b| b.config().slow_call_rate_threshold.is_some())
            || matches!(p.timeout, Some(AttemptTimeout::Adaptive(_)))
            || p.retry
                .as_ref()
                .is_some_and(|r| r.needs_time(self.deadline_ns.is_some()))
    }

    /// Records the attempt's outcome and latency, releases the slot (if
    /// still held); returns the duration used (ns; 0 when nobody needs it).
    fn finish_attempt(&mut self, outcome: Outcome, cut_at: Option<u64>) -> u64 {
        let d = match cut_at {
            Some(limit) => limit,
            None if self.needs_duration() => {
                self.policy.clock.now_ns().saturating_sub(self.started_ns)
            }
            None => 0,
        };
        if let (Some(b), Some(permit)) = (&self.policy.breaker, self.permit.take()) {
            b.record(permit, outcome, Duration::from_nanos(d));
        }
        if let Some(AttemptTimeout::Adaptive(a)) = &self.policy.timeout {
            a.record_ns(d);
        }
        drop(self.slot.take());
        d
    }

    /// A failed attempt (or a rejection): the retry stage decides.
    fn after_failure(
        &mut self,
        failure: Failure,
        error: Option<Error>,
        stage: Option<Stage>,
    ) -> Step {
        let (Some(r), Some(st)) = (&self.policy.retry, self.retry.as_mut()) else {
            return self.end(error, stage);
        };
        match r.on_failure(st, failure) {
            RetryStep::Sleep(delay_ns) => {
                self.phase = Phase::Sleeping;
                Step::Sleep { delay_ns }
            }
            RetryStep::GiveUp(g) => match g.error() {
                Some(e) => self.end(Some(e), None),
                None => self.end(error, stage),
            },
        }
    }

    /// A stage refused before the attempt: handled like a failed attempt
    /// that recorded nothing, classified by seawall's defaults.
    fn rejected(&mut self, stage: Stage, error: Error) -> Step {
        self.refusal = Some(Rejection {
            stage,
            error: error.clone(),
        });
        let retryable = crate::classify::is_retryable_error_kind(error.kind());
        let hint = if retryable {
            error.retry_after().map(duration_to_ns)
        } else {
            None
        };
        let failure = Failure {
            retryable,
            retry_after_ns: hint,
            duration_ns: 0,
        };
        self.after_failure(failure, Some(error), Some(stage))
    }

    fn bulkhead_rejected(&mut self, error: Error) -> Step {
        if let (Some(b), Some(permit)) = (&self.policy.breaker, self.permit.take()) {
            b.release(permit);
        }
        self.policy.refund_limiter();
        self.rejected(Stage::Bulkhead, error)
    }

    fn release_stages(&mut self) {
        if let (Some(b), Some(permit)) = (&self.policy.breaker, self.permit.take()) {
            b.release(permit);
        }
        drop(self.slot.take());
    }

    fn end_with(&mut self, error: Error) -> Step {
        self.release_stages();
        if let (Some(r), Some(st)) = (&self.policy.retry, self.retry.as_mut()) {
            r.abandon(st);
        }
        self.end(Some(error), None)
    }

    fn end(&mut self, error: Option<Error>, stage: Option<Stage>) -> Step {
        self.phase = Phase::Over;
        if self.policy.fallback {
            Step::Fallback { error, stage }
        } else {
            Step::Fail { error, stage }
        }
    }
}

fn out_of_turn(step: &'static str) -> Step {
    Step::Fail {
        error: Some(Error::argument(
            "step",
            format!("{step} called out of turn for this policy run"),
        )),
        stage: None,
    }
}

impl Drop for PolicyRun {
    fn drop(&mut self) {
        self.cancel();
    }
}
