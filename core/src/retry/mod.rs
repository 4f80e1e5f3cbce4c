//! A retry run: every decision of a retried call, step by step, in core.
//!
//! A [`Retry`] is built once from a [`Backoff`], an optional shared
//! [`RetryBudget`] and an optional attempt cap, and shared by every call it
//! retries. Each call takes its own run ([`Retry::run`], or the plain data
//! [`RetryState`] from [`Retry::start`] for bindings that keep state in
//! their own objects). The caller makes the attempts and tells the run what
//! happened:
//!
//! - [`on_success`](RetryRun::on_success): the call is done;
//! - [`on_failure`](RetryRun::on_failure) with a [`Failure`]: the run
//!   answers [`RetryStep::Sleep`] (sleep that many ns, then make the next
//!   attempt) or [`RetryStep::GiveUp`] with a [`GiveUp`] naming the
//!   [`GiveUpReason`] and what to raise ([`GiveUp::error`]).
//!
//! The run owns every rule of `spec/retry.md`: the schedule starts at the
//! first failure (a call that succeeds first time starts no schedule and
//! reads no clock), the schedule is asked before the budget, a failure that
//! is not retryable does not touch the budget, and each give-up maps to one
//! error. Stepping allocates nothing and takes no lock.
//!
//! ```
//! use seawall::backoff::{Backoff, BackoffConfig, Jitter};
//! use seawall::retry::{Failure, GiveUpReason, Retry, RetryStep};
//! use seawall::ErrorKind;
//! use std::time::Duration;
//!
//! let backoff = Backoff::new(BackoffConfig {
//!     base: Duration::from_millis(100),
//!     jitter: Jitter::None,
//!     max_attempts: 3,
//!     ..BackoffConfig::default()
//! })?;
//! let retry = Retry::new(backoff);
//! let mut run = retry.run();
//! let failed = Failure::retryable(1_000_000); // took 1 ms
//! assert_eq!(run.on_failure(failed), RetryStep::Sleep(100_000_000));
//! assert_eq!(run.on_failure(failed), RetryStep::Sleep(200_000_000));
//! let RetryStep::GiveUp(g) = run.on_failure(failed) else { unreachable!() };
//! assert_eq!((g.reason, g.attempts), (GiveUpReason::Attempts, 3));
//! assert_eq!(g.error().map(|e| e.kind()), Some(ErrorKind::RetryExhausted));
//! # Ok::<(), seawall::Error>(())
//! ```

use crate::backoff::{Backoff, ScheduleState, Stop};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::retry_budget::RetryBudget;
use std::fmt;
use std::sync::Arc;

/// Why a retry run stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GiveUpReason {
    /// The failure was not retryable: raise it as it is.
    NotRetryable,
    /// `max_attempts` calls were made.
    Attempts,
    /// The next retry would start after the backoff's `max_elapsed`.
    Elapsed,
    /// The next retry would start at or after the run's deadline.
    Deadline,
    /// The retry budget denied the retry.
    Budget,
}

impl GiveUpReason {
    /// Every reason, in declaration order.
    pub const ALL: [GiveUpReason; 5] = [
        GiveUpReason::NotRetryable,
        GiveUpReason::Attempts,
        GiveUpReason::Elapsed,
        GiveUpReason::Deadline,
        GiveUpReason::Budget,
    ];

    /// The wire name: `not_retryable`, `attempts`, `elapsed`, `deadline`,
    /// `budget`.
    ///
    /// ```
    /// use seawall::retry::GiveUpReason;
    /// assert_eq!(GiveUpReason::Budget.as_str(), "budget");
    /// assert_eq!(GiveUpReason::from_wire("deadline"), Some(GiveUpReason::Deadline));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUpReason::NotRetryable => "not_retryable",
            GiveUpReason::Attempts => "attempts",
            GiveUpReason::Elapsed => "elapsed",
            GiveUpReason::Deadline => "deadline",
            GiveUpReason::Budget => "budget",
        }
    }

    /// The reason with this wire name, `None` if unknown.
    ///
    /// ```
    /// use seawall::retry::GiveUpReason;
    /// for r in GiveUpReason::ALL {
    ///     assert_eq!(GiveUpReason::from_wire(r.as_str()), Some(r));
    /// }
    /// assert_eq!(GiveUpReason::from_wire("Budget"), None);
    /// ```
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// A short English phrase for error messages ("attempts ran out").
    ///
    /// ```
    /// use seawall::retry::GiveUpReason;
    /// assert_eq!(GiveUpReason::Attempts.describe(), "attempts ran out");
    /// ```
    pub const fn describe(self) -> &'static str {
        match self {
            GiveUpReason::NotRetryable => "the failure is not retryable",
            GiveUpReason::Attempts => "attempts ran out",
            GiveUpReason::Elapsed => "max_elapsed ran out",
            GiveUpReason::Deadline => "the deadline leaves no time for a retry",
            GiveUpReason::Budget => "retry budget exhausted",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed attempt, as the caller classified and measured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failure {
    /// Whether the failure is worth retrying (see `spec/classify.md` for the
    /// defaults; the caller's own predicate may decide instead).
    pub retryable: bool,
    /// A server hint (HTTP `Retry-After`, a `rate_limited` error's
    /// `retry_after`, gRPC pushback) in ns; replaces the computed delay.
    pub retry_after_ns: Option<u64>,
    /// How long the failed attempt took, in ns. Only the first failure's
    /// duration is used: elapsed time counts from when the first attempt
    /// started, i.e. the first failure's time minus this.
    pub duration_ns: u64,
}

impl Failure {
    /// A retryable failure without a hint that took `duration_ns`.
    ///
    /// ```
    /// use seawall::retry::Failure;
    /// let f = Failure::retryable(5);
    /// assert!(f.retryable);
    /// assert_eq!((f.retry_after_ns, f.duration_ns), (None, 5));
    /// ```
    pub const fn retryable(duration_ns: u64) -> Self {
        Failure {
            retryable: true,
            retry_after_ns: None,
            duration_ns,
        }
    }

    /// A failure that is not retried, that took `duration_ns`.
    ///
    /// ```
    /// use seawall::retry::Failure;
    /// assert!(!Failure::not_retryable(0).retryable);
    /// ```
    pub const fn not_retryable(duration_ns: u64) -> Self {
        Failure {
            retryable: false,
            retry_after_ns: None,
            duration_ns,
        }
    }

    /// The same failure with a server hint of `retry_after_ns`.
    ///
    /// ```
    /// use seawall::retry::Failure;
    /// let f = Failure::retryable(0).with_retry_after(7);
    /// assert_eq!(f.retry_after_ns, Some(7));
    /// ```
    pub const fn with_retry_after(mut self, retry_after_ns: u64) -> Self {
        self.retry_after_ns = Some(retry_after_ns);
        self
    }
}

/// A retry run that stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GiveUp {
    /// Why.
    pub reason: GiveUpReason,
    /// Calls made, the first included.
    pub attempts: u32,
}

impl GiveUp {
    /// What the caller raises: `None` for [`GiveUpReason::NotRetryable`]
    /// (raise the failure itself, unchanged), else
    /// [`Error::RetryExhausted`] with the attempts and the reason, whose
    /// kind is `retry_budget_exhausted` for [`GiveUpReason::Budget`] and
    /// `retry_exhausted` otherwise. Bindings attach the last failure as the
    /// error's cause.
    ///
    /// ```
    /// use seawall::retry::{GiveUp, GiveUpReason};
    /// use seawall::ErrorKind;
    /// let g = GiveUp { reason: GiveUpReason::Budget, attempts: 2 };
    /// let e = g.error().ok_or("no error")?;
    /// assert_eq!(e.kind(), ErrorKind::RetryBudgetExhausted);
    /// assert_eq!(e.attempts(), Some(2));
    /// let g = GiveUp { reason: GiveUpReason::NotRetryable, attempts: 1 };
    /// assert!(g.error().is_none());
    /// # Ok::<(), &str>(())
    /// ```
    pub fn error(&self) -> Option<Error> {
        match self.reason {
            GiveUpReason::NotRetryable => None,
            reason => Some(Error::RetryExhausted {
                attempts: self.attempts,
                reason,
            }),
        }
    }
}

/// The run's answer to a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryStep {
    /// Sleep this many ns, then make the next attempt.
    Sleep(u64),
    /// Stop: raise [`GiveUp::error`] (or the failure itself).
    GiveUp(GiveUp),
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Attempts may still be made.
    Running,
    /// An attempt succeeded.
    Succeeded,
    /// The run gave up.
    GaveUp(GiveUp),
    /// The caller abandoned the run (cancelled).
    Abandoned,
}

/// The state of one retried call as plain data (`Copy`, no pointers), for
/// bindings that keep it in their own objects; stepped by
/// [`Retry::on_success`] / [`Retry::on_failure`] / [`Retry::abandon`]. A
/// state must be stepped by the [`Retry`] that started it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryState {
    /// Attempts that have finished (failed or succeeded) so far.
    pub attempts: u32,
    /// The backoff schedule, from the first failure on.
    pub schedule: Option<ScheduleState>,
    /// When the first attempt started, on the backoff's clock (ns); read
    /// only when a rule needs the time (`max_elapsed` or a deadline).
    pub origin_ns: u64,
    /// The run's deadline on the backoff's clock (ns), if any.
    pub deadline_ns: Option<u64>,
    /// Where the run is.
    pub status: RunStatus,
}

impl RetryState {
    /// Delays handed out so far (retries scheduled).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// assert_eq!(r.start(None).retries(), 0);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn retries(&self) -> u32 {
        self.schedule.map_or(0, |s| s.retries)
    }
}

/// A retry definition: a backoff, an optional shared budget and an optional
/// attempt cap. Cheap to clone (the backoff and budget are shared).
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone)]
pub struct Retry {
    backoff: Backoff,
    budget: Option<Arc<RetryBudget>>,
    max_attempts: u32,
}

impl Retry {
    /// A retry on `backoff`, with the backoff's `max_attempts`, no budget.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// assert_eq!(r.max_attempts(), 3);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn new(backoff: Backoff) -> Self {
        let max_attempts = backoff.config().max_attempts;
        Retry {
            backoff,
            budget: None,
            max_attempts,
        }
    }

    /// Charges and consults `budget` (shared by every call that holds it).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
    /// use std::sync::Arc;
    /// let budget = Arc::new(RetryBudget::new(RetryBudgetConfig::default())?);
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?).with_budget(budget);
    /// assert!(r.budget().is_some());
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn with_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Caps the calls per run at `max_attempts` (the first included), which
    /// must be in `[1, backoff's max_attempts]`: a backoff cannot hand out
    /// more delays than its own `max_attempts` allows, and a cap above it
    /// would be silently ignored. Else `InvalidConfig` naming `max_attempts`.
    /// (Bindings that take both a backoff and `max_attempts` pass both here.)
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let b = Backoff::new(BackoffConfig { max_attempts: 5, ..BackoffConfig::default() })?;
    /// assert_eq!(Retry::new(b.clone()).with_max_attempts(2)?.max_attempts(), 2);
    /// assert!(Retry::new(b).with_max_attempts(6).is_err());
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Result<Self> {
        let limit = self.backoff.config().max_attempts;
        if max_attempts == 0 || max_attempts > limit {
            return Err(Error::config(
                "max_attempts",
                format!("must be in [1, {limit}] (the backoff's max_attempts), got {max_attempts}"),
            ));
        }
        self.max_attempts = max_attempts;
        Ok(self)
    }

    /// The backoff.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// assert_eq!(r.backoff().metrics().schedules, 0);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// The budget, if any.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// assert!(Retry::new(Backoff::new(BackoffConfig::default())?).budget().is_none());
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn budget(&self) -> Option<&Arc<RetryBudget>> {
        self.budget.as_ref()
    }

    /// Calls per run at most, the first included.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let b = Backoff::new(BackoffConfig { max_attempts: 7, ..BackoffConfig::default() })?;
    /// assert_eq!(Retry::new(b).max_attempts(), 7);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Starts a run borrowing this retry; dropping it unfinished abandons it.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = r.run();
    /// run.on_success();
    /// assert_eq!(r.backoff().metrics().schedules, 0); // never failed
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn run(&self) -> RetryRun<'_> {
        RetryRun {
            retry: self,
            state: self.start(None),
        }
    }

    /// Like [`run`](Self::run), with a deadline on the backoff's clock (ns):
    /// no retry is scheduled that would start at or after it.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig, Jitter};
    /// use seawall::retry::{Failure, GiveUpReason, Retry, RetryStep};
    /// use seawall::ManualClock;
    /// use std::time::Duration;
    /// let clock = ManualClock::new();
    /// let b = Backoff::with_clock(BackoffConfig { base: Duration::from_secs(1),
    ///     jitter: Jitter::None, ..BackoffConfig::default() }, &clock)?;
    /// let r = Retry::new(b);
    /// let mut run = r.run_with_deadline(1_000_000_000); // 1 s from now
    /// let RetryStep::GiveUp(g) = run.on_failure(Failure::retryable(0)) else { unreachable!() };
    /// assert_eq!(g.reason, GiveUpReason::Deadline); // a retry at 1 s starts at the deadline
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn run_with_deadline(&self, deadline_ns: u64) -> RetryRun<'_> {
        RetryRun {
            retry: self,
            state: self.start(Some(deadline_ns)),
        }
    }

    /// Whether a run reads the clock at its failures: the backoff has
    /// `max_elapsed`, or the run has a deadline.
    pub(crate) fn needs_time(&self, deadline: bool) -> bool {
        deadline || self.backoff.has_max_elapsed()
    }

    /// Starts a run as plain data (no clock read, no atomic), for callers
    /// that keep it in their own objects and step it with
    /// [`on_success`](Self::on_success), [`on_failure`](Self::on_failure)
    /// and [`abandon`](Self::abandon).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig, Jitter};
    /// use seawall::retry::{Failure, Retry, RetryStep, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig { jitter: Jitter::None, ..BackoffConfig::default() })?);
    /// let mut st = r.start(None);
    /// assert_eq!(r.on_failure(&mut st, Failure::retryable(0)), RetryStep::Sleep(100_000_000));
    /// r.on_success(&mut st);
    /// assert_eq!((st.status, st.attempts, st.retries()), (RunStatus::Succeeded, 2, 1));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn start(&self, deadline_ns: Option<u64>) -> RetryState {
        RetryState {
            attempts: 0,
            schedule: None,
            origin_ns: 0,
            deadline_ns,
            status: RunStatus::Running,
        }
    }

    /// The attempt recorded in `st` succeeded: the budget gets its refill,
    /// the schedule (if any) ends. Does nothing to a run that has ended.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Retry, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut st = r.start(None);
    /// r.on_success(&mut st);
    /// assert_eq!(st.status, RunStatus::Succeeded);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn on_success(&self, st: &mut RetryState) {
        if st.status != RunStatus::Running {
            return;
        }
        st.attempts = st.attempts.saturating_add(1);
        if let Some(b) = &self.budget {
            b.record_success();
        }
        if let Some(s) = st.schedule.as_mut() {
            self.backoff.finish(s);
        }
        st.status = RunStatus::Succeeded;
    }

    /// The run was cancelled by its caller: the schedule ends, the budget
    /// is not touched. Does nothing to a run that has ended.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Failure, Retry, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut st = r.start(None);
    /// let _ = r.on_failure(&mut st, Failure::retryable(0));
    /// r.abandon(&mut st);
    /// assert_eq!(st.status, RunStatus::Abandoned);
    /// assert_eq!(r.backoff().metrics().retries, 1); // the schedule ended
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn abandon(&self, st: &mut RetryState) {
        if st.status != RunStatus::Running {
            return;
        }
        if let Some(s) = st.schedule.as_mut() {
            self.backoff.finish(s);
        }
        st.status = RunStatus::Abandoned;
    }

    /// An attempt failed: sleep and retry, or give up (rules in
    /// `spec/retry.md`, "A failure, step by step"). A run that has ended
    /// answers its give-up again (or [`GiveUpReason::Attempts`] after a
    /// success or an abandon) and changes nothing.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Failure, GiveUpReason, Retry, RetryStep};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut st = r.start(None);
    /// // A server hint replaces the computed delay.
    /// let f = Failure::retryable(0).with_retry_after(2_000_000_000);
    /// assert_eq!(r.on_failure(&mut st, f), RetryStep::Sleep(2_000_000_000));
    /// // Not retryable: give up, raise the failure itself.
    /// let RetryStep::GiveUp(g) = r.on_failure(&mut st, Failure::not_retryable(0)) else { unreachable!() };
    /// assert_eq!((g.reason, g.attempts, g.error()), (GiveUpReason::NotRetryable, 2, None));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn on_failure(&self, st: &mut RetryState, failure: Failure) -> RetryStep {
        match st.status {
            RunStatus::Running => {}
            RunStatus::GaveUp(g) => return RetryStep::GiveUp(g),
            RunStatus::Succeeded | RunStatus::Abandoned => {
                return RetryStep::GiveUp(GiveUp {
                    reason: GiveUpReason::Attempts,
                    attempts: st.attempts,
                })
            }
        }
        st.attempts = st.attempts.saturating_add(1);
        let needs_time = st.deadline_ns.is_some() || self.backoff.has_max_elapsed();
        let now = if needs_time {
            self.backoff.clock().now_ns()
        } else {
            0
        };
        // 1. The first failure starts the schedule (a schedule = a call that
        //    failed at least once); elapsed counts from the first attempt.
        let mut sched = match st.schedule {
            Some(s) => s,
            None => {
                st.origin_ns = now.saturating_sub(failure.duration_ns);
                self.backoff.start_at(st.origin_ns)
            }
        };
        let step = self.decide(st, &mut sched, failure, now);
        st.schedule = Some(sched);
        if let RetryStep::GiveUp(g) = step {
            st.status = RunStatus::GaveUp(g);
        }
        step
    }

    fn decide(
        &self,
        st: &RetryState,
        sched: &mut ScheduleState,
        failure: Failure,
        now: u64,
    ) -> RetryStep {
        let give_up = |reason| {
            RetryStep::GiveUp(GiveUp {
                reason,
                attempts: st.attempts,
            })
        };
        // 2. Not retryable: stop, the budget untouched.
        if !failure.retryable {
            self.backoff.finish(sched);
            return give_up(GiveUpReason::NotRetryable);
        }
        // 3. The run's own cap (at most the backoff's).
        if st.attempts >= self.max_attempts {
            self.backoff.give_up_attempts(sched);
            self.charge_final_failure();
            return give_up(GiveUpReason::Attempts);
        }
        // 4. The schedule first (so a failure costs one token either way).
        let elapsed = now.saturating_sub(st.origin_ns);
        let delay = match self.backoff.step(sched, elapsed, failure.retry_after_ns) {
            Ok(d) => d,
            Err(why) => {
                self.charge_final_failure();
                return give_up(match why {
                    Stop::Elapsed => GiveUpReason::Elapsed,
                    Stop::Attempts | Stop::Ended => GiveUpReason::Attempts,
                });
            }
        };
        // 5. The deadline: the retry must start strictly before it.
        if let Some(dl) = st.deadline_ns {
            if now.saturating_add(delay) >= dl {
                sched.retries = sched.retries.saturating_sub(1); // not handed out
                self.backoff.finish(sched);
                self.charge_final_failure();
                return give_up(GiveUpReason::Deadline);
            }
        }
        // 6. The budget last.
        if let Some(b) = &self.budget {
            if !b.try_retry() {
                sched.retries = sched.retries.saturating_sub(1); // not handed out
                self.backoff.finish(sched);
                return give_up(GiveUpReason::Budget);
            }
        }
        RetryStep::Sleep(delay)
    }

    fn charge_final_failure(&self) {
        if let Some(b) = &self.budget {
            b.record_failure();
        }
    }
}

/// One retried call, borrowing its [`Retry`]. Dropping it while it is
/// still running abandons it ([`Retry::abandon`]).
#[derive(Debug)]
pub struct RetryRun<'a> {
    retry: &'a Retry,
    state: RetryState,
}

impl RetryRun<'_> {
    /// The attempt succeeded ([`Retry::on_success`]).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Retry, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = r.run();
    /// run.on_success();
    /// assert_eq!((run.status(), run.attempts()), (RunStatus::Succeeded, 1));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn on_success(&mut self) {
        self.retry.on_success(&mut self.state);
    }

    /// The attempt failed ([`Retry::on_failure`]).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig, Jitter};
    /// use seawall::retry::{Failure, Retry, RetryStep};
    /// let r = Retry::new(Backoff::new(BackoffConfig { jitter: Jitter::None, ..BackoffConfig::default() })?);
    /// let mut run = r.run();
    /// assert_eq!(run.on_failure(Failure::retryable(0)), RetryStep::Sleep(100_000_000));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn on_failure(&mut self, failure: Failure) -> RetryStep {
        self.retry.on_failure(&mut self.state, failure)
    }

    /// Cancels the run ([`Retry::abandon`]).
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Retry, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = r.run();
    /// run.abandon();
    /// assert_eq!(run.status(), RunStatus::Abandoned);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn abandon(&mut self) {
        self.retry.abandon(&mut self.state);
    }

    /// Attempts finished so far.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Failure, Retry};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// let mut run = r.run();
    /// let _ = run.on_failure(Failure::retryable(0));
    /// assert_eq!(run.attempts(), 1);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn attempts(&self) -> u32 {
        self.state.attempts
    }

    /// Where the run is.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::{Retry, RunStatus};
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// assert_eq!(r.run().status(), RunStatus::Running);
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn status(&self) -> RunStatus {
        self.state.status
    }

    /// The run as plain data.
    ///
    /// ```
    /// use seawall::backoff::{Backoff, BackoffConfig};
    /// use seawall::retry::Retry;
    /// let r = Retry::new(Backoff::new(BackoffConfig::default())?);
    /// assert_eq!(r.run().state(), r.start(None));
    /// # Ok::<(), seawall::Error>(())
    /// ```
    pub fn state(&self) -> RetryState {
        self.state
    }
}

impl Drop for RetryRun<'_> {
    fn drop(&mut self) {
        self.retry.abandon(&mut self.state);
    }
}

#[cfg(test)]
mod tests;
