//! `RetryCore` / `RetryRun`: the retry run of core (`seawall::retry`,
//! `spec/retry.md`). Every decision of the retry loop is core's; the Python
//! layer (`seawall/retry.py`) makes the attempt, classifies its failure,
//! sleeps and raises what the run answers.

use crate::backoff::Backoff;
use crate::clock::source;
use crate::convert::{opt_count, opt_secs, wrong_type, Kind};
use crate::errors::to_pyerr;
use crate::retry_budget::RetryBudget;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat};
use seawall::clock::{duration_to_ns, Clock, ClockSource};
use seawall::retry::{Failure, GiveUpReason, Retry, RetryState, RetryStep, RunStatus};
use seawall::Error;

/// A retry definition shared by every call: a Backoff, an optional shared
/// RetryBudget and an optional attempt cap (at most the backoff's).
/// `start()` begins one call's run.
#[pyclass(frozen, module = "seawall._native", name = "RetryCore")]
pub struct RetryCore {
    pub(crate) inner: Retry,
    clock: ClockSource,
}

fn bool_arg(v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<bool> {
    match v.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(wrong_type(field, "a bool", v, Kind::Argument)),
    }
}

#[pymethods]
impl RetryCore {
    #[new]
    #[pyo3(signature = (backoff, *, budget=None, max_attempts=None, clock=None))]
    fn new(
        py: Python<'_>,
        backoff: &Bound<'_, PyAny>,
        budget: Option<&Bound<'_, PyAny>>,
        max_attempts: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let b = backoff
            .cast::<Backoff>()
            .map_err(|_| wrong_type("backoff", "a seawall.Backoff", backoff, Kind::Config))?;
        let mut inner = Retry::new(b.get().inner.clone());
        if let Some(bu) = budget.filter(|v| !v.is_none()) {
            let bu = bu.cast::<RetryBudget>().map_err(|_| {
                wrong_type("budget", "a seawall.RetryBudget or None", bu, Kind::Config)
            })?;
            inner = inner.with_budget(bu.get().inner.clone());
        }
        if let Some(n) = opt_count(max_attempts, "max_attempts", Kind::Config)? {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            inner = inner.with_max_attempts(n).map_err(|e| to_pyerr(py, &e))?;
        }
        Ok(Self {
            inner,
            clock: source(clock)?,
        })
    }

    /// Starts one call's run; `deadline` is the seconds left until the
    /// call's deadline (no retry is scheduled that would start at or after
    /// it); `deadline_ns` the same as an absolute time on the clock, in ns.
    #[pyo3(signature = (deadline=None, *, deadline_ns=None))]
    fn start(
        &self,
        deadline: Option<&Bound<'_, PyAny>>,
        deadline_ns: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RetryRun> {
        if let Some(at) = opt_count(deadline_ns, "deadline_ns", Kind::Argument)? {
            return Ok(RetryRun {
                retry: self.inner.clone(),
                st: self.inner.start(Some(at)),
            });
        }
        let deadline_ns = opt_secs(deadline, "deadline", Kind::Argument)?
            .map(|left| self.clock.now_ns().saturating_add(duration_to_ns(left)));
        Ok(RetryRun {
            retry: self.inner.clone(),
            st: self.inner.start(deadline_ns),
        })
    }

    /// A call that succeeded at its first attempt: the run that starts and
    /// succeeds at once (the budget records the success; no clock read).
    fn first_success(&self) {
        let mut st = self.inner.start(None);
        self.inner.on_success(&mut st);
    }

    /// The backoff's metrics and, with a budget, the budget's (prefixed
    /// `budget_`).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.backoff().metrics();
        let d = PyDict::new(py);
        d.set_item("schedules", m.schedules)?;
        d.set_item("retries", m.retries)?;
        d.set_item("exhausted_attempts", m.exhausted_attempts)?;
        d.set_item("exhausted_elapsed", m.exhausted_elapsed)?;
        if let Some(b) = self.inner.budget() {
            let bm = b.metrics();
            d.set_item("budget_tokens_milli", bm.tokens_milli)?;
            d.set_item("budget_retries_allowed", bm.retries_allowed)?;
            d.set_item("budget_retries_denied", bm.retries_denied)?;
            d.set_item("budget_successes", bm.successes)?;
            d.set_item("budget_failures", bm.failures)?;
        }
        Ok(d)
    }

    /// The run's attempt cap (calls, the first included).
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts()
    }

    fn __repr__(&self) -> String {
        format!("RetryCore(max_attempts={})", self.inner.max_attempts())
    }
}

/// One call's retry run. After each failed attempt `on_failure(retryable,
/// retry_after, duration)` answers: a float (sleep that many seconds, then
/// try again), None (the failure is not retried: re-raise it), or the
/// exception to raise (RetryError / RetryBudgetExhaustedError, with
/// `attempts` and `reason`; chain the last failure as its cause).
/// `on_success()` after a success, `abandon()` when the call is cancelled;
/// a run collected while running is abandoned.
#[pyclass(module = "seawall._native", name = "RetryRun")]
pub struct RetryRun {
    retry: Retry,
    st: RetryState,
}

impl Drop for RetryRun {
    fn drop(&mut self) {
        self.retry.abandon(&mut self.st);
    }
}

fn status_str(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::GaveUp(_) => "gave_up",
        RunStatus::Abandoned => "abandoned",
    }
}

impl RetryRun {
    fn step(&mut self, retryable: bool, hint: Option<u64>, duration_ns: u64) -> RetryStep {
        let mut f = if retryable {
            Failure::retryable(duration_ns)
        } else {
            Failure::not_retryable(duration_ns)
        };
        if let Some(h) = hint {
            f = f.with_retry_after(h);
        }
        self.retry.on_failure(&mut self.st, f)
    }
}

#[pymethods]
impl RetryRun {
    /// A failed attempt: see the class docstring for the answer.
    #[pyo3(signature = (retryable, retry_after=None, duration=None))]
    fn on_failure(
        &mut self,
        py: Python<'_>,
        retryable: &Bound<'_, PyAny>,
        retry_after: Option<&Bound<'_, PyAny>>,
        duration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let retryable = bool_arg(retryable, "retryable")?;
        let hint = opt_secs(retry_after, "retry_after", Kind::Argument)?.map(duration_to_ns);
        let dur = opt_secs(duration, "duration", Kind::Argument)?.map_or(0, duration_to_ns);
        Ok(match self.step(retryable, hint, dur) {
            RetryStep::Sleep(ns) => PyFloat::new(py, ns as f64 / 1e9).into_any().unbind(),
            RetryStep::GiveUp(g) => match g.error() {
                None => py.None(),
                Some(e) => to_pyerr(py, &e).into_value(py).into_any(),
            },
        })
    }

    /// on_failure in integer nanoseconds, answering a tuple:
    /// `("sleep", delay_ns, attempts)` or `("give_up", reason, attempts,
    /// error kind or None)`.
    #[pyo3(signature = (retryable, retry_after_ns=None, duration_ns=None))]
    fn on_failure_ns<'py>(
        &mut self,
        py: Python<'py>,
        retryable: &Bound<'_, PyAny>,
        retry_after_ns: Option<&Bound<'_, PyAny>>,
        duration_ns: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let retryable = bool_arg(retryable, "retryable")?;
        let hint = opt_count(retry_after_ns, "retry_after_ns", Kind::Argument)?;
        let dur = opt_count(duration_ns, "duration_ns", Kind::Argument)?.unwrap_or(0);
        let attempts = |s: &Self| s.st.attempts;
        match self.step(retryable, hint, dur) {
            RetryStep::Sleep(ns) => ("sleep", ns, attempts(self))
                .into_pyobject(py)
                .map(|t| t.into_any()),
            RetryStep::GiveUp(g) => (
                "give_up",
                g.reason.as_str(),
                g.attempts,
                g.error().map(|e: Error| e.kind().as_str()),
            )
                .into_pyobject(py)
                .map(|t| t.into_any()),
        }
    }

    /// The attempt succeeded.
    fn on_success(&mut self) {
        self.retry.on_success(&mut self.st);
    }

    /// The call was cancelled: the run ends, the budget is untouched.
    fn abandon(&mut self) {
        self.retry.abandon(&mut self.st);
    }

    /// Attempts finished so far.
    #[getter]
    fn attempts(&self) -> u32 {
        self.st.attempts
    }

    /// "running", "succeeded", "gave_up" or "abandoned".
    #[getter]
    fn status(&self) -> &'static str {
        status_str(self.st.status)
    }

    /// Why the run gave up, or None.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        match self.st.status {
            RunStatus::GaveUp(g) => Some(g.reason.as_str()),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryRun(status={:?}, attempts={})",
            status_str(self.st.status),
            self.st.attempts
        )
    }
}

/// The give-up reasons, by wire name.
#[pyfunction]
pub fn give_up_reasons() -> Vec<&'static str> {
    GiveUpReason::ALL.iter().map(|r| r.as_str()).collect()
}
