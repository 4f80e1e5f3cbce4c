//! `PolicyCore` / `PolicyRun`: the policy run of core (`seawall::policy`,
//! `spec/policy.md`): rate limiter → breaker → bulkhead → timeout → retry →
//! fallback as one state machine. The Python `Policy` calls the function,
//! sleeps, waits for bulkhead slots and raises where the run says.

use crate::adaptive_timeout::AdaptiveTimeout;
use crate::bulkhead::{Bulkhead, BulkheadPermit, BulkheadWaiter};
use crate::circuit_breaker::CircuitBreaker;
use crate::clock::source;
use crate::convert::{opt_count, opt_secs, positive_secs, wrong_type, Kind};
use crate::errors::to_pyerr;
use crate::retry::RetryCore;
use crate::sliding_window::SlidingWindowLimiter;
use crate::token_bucket::TokenBucket;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyTuple};
use seawall::circuit_breaker::Outcome;
use seawall::clock::{duration_to_ns, Clock, ClockSource};
use seawall::limit::RateLimiter;
use seawall::policy::{
    AttemptFailure, Policy as Core, PolicyRun as CoreRun, Rejection, Stage, Step,
};
use std::sync::Arc;

/// A policy's stages, built once and shared by every call. `run()` starts
/// one call's PolicyRun.
#[pyclass(frozen, module = "seawall._native", name = "PolicyCore")]
pub struct PolicyCore {
    inner: Arc<Core>,
    clock: ClockSource,
    /// The stages as the user gave them (rate limiter, breaker, bulkhead):
    /// the source of a rejection event.
    stages: [Option<Py<PyAny>>; 3],
}

impl PolicyCore {
    /// Reports a stage's refusal inside a run (the caller checked that
    /// someone listens).
    #[cold]
    fn report(&self, py: Python<'_>, r: &Rejection) {
        let i = match r.stage {
            Stage::RateLimiter => 0,
            Stage::CircuitBreaker => 1,
            Stage::Bulkhead => 2,
        };
        let Some(Some(src)) = self.stages.get(i) else {
            return;
        };
        if r.error.refused_by().is_some() {
            crate::events::rejected(
                py,
                src.bind(py),
                r.stage.as_str(),
                r.error.retry_after(),
                None,
            );
        }
    }
}

#[pymethods]
impl PolicyCore {
    #[new]
    #[pyo3(signature = (*, rate_limiter=None, circuit_breaker=None, bulkhead=None, timeout=None, adaptive_timeout=None, retry=None, fallback=false, clock=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        rate_limiter: Option<&Bound<'_, PyAny>>,
        circuit_breaker: Option<&Bound<'_, PyAny>>,
        bulkhead: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        adaptive_timeout: Option<&Bound<'_, PyAny>>,
        retry: Option<&Bound<'_, PyAny>>,
        fallback: bool,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        fn given<'py>(v: Option<&Bound<'py, PyAny>>) -> Option<Bound<'py, PyAny>> {
            v.filter(|x| !x.is_none()).cloned()
        }
        let breaker = match given(circuit_breaker) {
            Some(b) => Some(
                b.cast::<CircuitBreaker>()
                    .map_err(|_| {
                        wrong_type(
                            "circuit_breaker",
                            "a seawall.CircuitBreaker",
                            &b,
                            Kind::Config,
                        )
                    })?
                    .clone(),
            ),
            None => None,
        };
        // Durations are measured on the given clock, else the breaker's.
        let clk = match (given(clock), &breaker) {
            (Some(c), _) => source(Some(&c))?,
            (None, Some(b)) => b.get().clock.clone(),
            _ => ClockSource::fast(),
        };
        let mut core = Core::with_clock(clk.clone());
        let stages = [
            given(rate_limiter).map(Bound::unbind),
            breaker.as_ref().map(|b| b.clone().into_any().unbind()),
            given(bulkhead).map(Bound::unbind),
        ];
        if let Some(l) = given(rate_limiter) {
            let lim: Arc<dyn RateLimiter> = if let Ok(tb) = l.cast::<TokenBucket>() {
                tb.get().inner.clone()
            } else if let Ok(sw) = l.cast::<SlidingWindowLimiter>() {
                sw.get().inner.clone()
            } else {
                return Err(wrong_type(
                    "rate_limiter",
                    "a seawall.TokenBucket or seawall.SlidingWindowLimiter",
                    &l,
                    Kind::Config,
                ));
            };
            core = core.rate_limiter(lim);
        }
        if let Some(b) = &breaker {
            core = core.circuit_breaker(b.get().inner.clone());
        }
        if let Some(bh) = given(bulkhead) {
            let bh = bh
                .cast::<Bulkhead>()
                .map_err(|_| wrong_type("bulkhead", "a seawall.Bulkhead", &bh, Kind::Config))?;
            core = core.bulkhead(bh.get().inner.clone());
        }
        if let Some(a) = given(adaptive_timeout) {
            let a = a.cast::<AdaptiveTimeout>().map_err(|_| {
                wrong_type("timeout", "a seawall.AdaptiveTimeout", &a, Kind::Config)
            })?;
            core = core.adaptive_timeout(a.get().inner.clone());
        } else if let Some(t) = given(timeout) {
            core = core.timeout(positive_secs(&t, "timeout", Kind::Config)?);
        }
        if let Some(r) = given(retry) {
            let r = r
                .cast::<RetryCore>()
                .map_err(|_| wrong_type("retry", "a seawall.Retry", &r, Kind::Config))?;
            core = core.retry(r.get().inner.clone());
        }
        core = core.fallback(fallback);
        Ok(Self {
            inner: Arc::new(core),
            clock: clk,
            stages,
        })
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        for s in self.stages.iter().flatten() {
            visit.call(s)?;
        }
        Ok(())
    }

    /// Starts one call. `deadline` is the seconds left until the call's
    /// deadline, `deadline_ns` an absolute time on the policy's clock; with
    /// `ns=True` the run's steps give times in integer ns, else in float
    /// seconds.
    #[pyo3(signature = (deadline=None, *, deadline_ns=None, ns=false))]
    fn run(
        slf: &Bound<'_, Self>,
        deadline: Option<&Bound<'_, PyAny>>,
        deadline_ns: Option<&Bound<'_, PyAny>>,
        ns: bool,
    ) -> PyResult<PolicyRun> {
        let me = slf.get();
        let at = match opt_count(deadline_ns, "deadline_ns", Kind::Argument)? {
            Some(at) => Some(at),
            None => opt_secs(deadline, "deadline", Kind::Argument)?
                .map(|left| me.clock.now_ns().saturating_add(duration_to_ns(left))),
        };
        Ok(PolicyRun {
            run: me.inner.run(at),
            ns,
            core: slf.clone().unbind(),
            refused: None,
        })
    }
}

/// One call through a policy; see `spec/policy.md`. Each method answers the
/// next step as a tuple: `("attempt", timeout)`, `("wait_for_slot", waiter,
/// max_wait)`, `("sleep", delay)`, `("fallback", error, stage)`,
/// `("done",)` or `("fail", error, stage)`; `error` is the exception to
/// raise (with `.stage` set for a stage's rejection), or None for the
/// caller's own last failure. A run collected unfinished is cancelled.
#[pyclass(module = "seawall._native", name = "PolicyRun")]
pub struct PolicyRun {
    run: CoreRun,
    ns: bool,
    core: Py<PolicyCore>,
    /// The stage refusal the last `next_step` / `slot_timed_out` made.
    refused: Option<Rejection>,
}

impl PolicyRun {
    /// Reports the refusal by a stage that step `s` answers, if any (a
    /// refusal answers `Sleep`, `Fallback` or `Fail`), once; while nobody
    /// listens it is only dropped.
    #[inline]
    fn report(&mut self, py: Python<'_>, s: &Step) {
        if matches!(s, Step::Attempt { .. } | Step::WaitForSlot { .. }) {
            self.refused = None;
            return;
        }
        self.refused = self.run.take_refusal();
        if let Some(r) = &self.refused {
            if crate::events::wanted() {
                self.core.get().report(py, r);
            }
        }
    }

    fn time<'py>(&self, py: Python<'py>, ns: u64) -> PyResult<Bound<'py, PyAny>> {
        if self.ns {
            Ok(ns.into_pyobject(py)?.into_any())
        } else {
            Ok(PyFloat::new(py, ns as f64 / 1e9).into_any())
        }
    }

    fn answer<'py>(&self, py: Python<'py>, step: Step) -> PyResult<Bound<'py, PyTuple>> {
        let name = step.as_str();
        match step {
            Step::Attempt { timeout_ns } => {
                let t = match timeout_ns {
                    Some(t) => self.time(py, t)?,
                    None => py.None().into_bound(py),
                };
                PyTuple::new(py, [name.into_pyobject(py)?.into_any(), t])
            }
            Step::WaitForSlot {
                waiter,
                max_wait_ns,
            } => {
                let w = Bound::new(py, BulkheadWaiter::new(waiter))?.into_any();
                PyTuple::new(
                    py,
                    [
                        name.into_pyobject(py)?.into_any(),
                        w,
                        self.time(py, max_wait_ns)?,
                    ],
                )
            }
            Step::Sleep { delay_ns } => PyTuple::new(
                py,
                [name.into_pyobject(py)?.into_any(), self.time(py, delay_ns)?],
            ),
            Step::Done => PyTuple::new(py, [name.into_pyobject(py)?.into_any()]),
            Step::Fallback { error, stage } | Step::Fail { error, stage } => {
                let st = stage.map(|s| s.as_str());
                let e = match error {
                    Some(e) => {
                        let v = to_pyerr(py, &e).into_value(py).into_bound(py).into_any();
                        if let Some(s) = st {
                            v.setattr("stage", s)?;
                        }
                        v
                    }
                    None => py.None().into_bound(py),
                };
                PyTuple::new(
                    py,
                    [
                        name.into_pyobject(py)?.into_any(),
                        e,
                        st.into_pyobject(py)?.into_any(),
                    ],
                )
            }
        }
    }
}

fn outcome_arg(py: Python<'_>, v: Option<&Bound<'_, PyAny>>) -> PyResult<Outcome> {
    match v {
        Some(o) if !o.is_none() => {
            let s: String = o
                .extract()
                .map_err(|_| wrong_type("outcome", "a str", o, Kind::Argument))?;
            Outcome::parse("outcome", &s).map_err(|e| to_pyerr(py, &e))
        }
        _ => Ok(Outcome::Failure),
    }
}

#[pymethods]
impl PolicyRun {
    /// The first step, and the step after a sleep.
    fn next_step<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let s = self.run.next_step();
        self.report(py, &s);
        self.answer(py, s)
    }

    /// The attempt returned.
    fn on_success<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let s = self.run.on_success();
        self.answer(py, s)
    }

    /// The attempt raised: `retryable` and the hint `retry_after` (seconds,
    /// or ns with `ns=True`) decide the retry, `outcome` ("failure",
    /// "success", "ignored") what the breaker records.
    #[pyo3(signature = (retryable, retry_after=None, outcome=None))]
    fn on_failure<'py>(
        &mut self,
        py: Python<'py>,
        retryable: &Bound<'_, PyAny>,
        retry_after: Option<&Bound<'_, PyAny>>,
        outcome: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let retryable = match retryable.cast::<PyBool>() {
            Ok(b) => b.is_true(),
            Err(_) => return Err(wrong_type("retryable", "a bool", retryable, Kind::Argument)),
        };
        let hint = if self.ns {
            opt_count(retry_after, "retry_after", Kind::Argument)?
        } else {
            opt_secs(retry_after, "retry_after", Kind::Argument)?.map(duration_to_ns)
        };
        let outcome = outcome_arg(py, outcome)?;
        let s = self.run.on_failure(AttemptFailure {
            retryable,
            retry_after_ns: hint,
            outcome,
        });
        self.answer(py, s)
    }

    /// The attempt was cut off at its limit: `(step, slot)`, where `slot`
    /// is the attempt's bulkhead slot (or None) to release when the cut-off
    /// function actually settles.
    fn on_timeout<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyTuple>, Option<BulkheadPermit>)> {
        let (s, slot) = self.run.on_timeout();
        Ok((self.answer(py, s)?, slot.map(BulkheadPermit::new)))
    }

    /// The waiter of a `wait_for_slot` step got its slot.
    fn slot_granted<'py>(
        &mut self,
        py: Python<'py>,
        permit: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let p = permit.cast::<BulkheadPermit>().map_err(|_| {
            wrong_type("permit", "a seawall.BulkheadPermit", permit, Kind::Argument)
        })?;
        match p.get().take() {
            Some(p) => {
                let s = self.run.slot_granted(p);
                self.answer(py, s)
            }
            None => Err(to_pyerr(
                py,
                &seawall::Error::argument("permit", "was already released"),
            )),
        }
    }

    /// The wait of a `wait_for_slot` step ran out.
    fn slot_timed_out<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let s = self.run.slot_timed_out();
        self.report(py, &s);
        self.answer(py, s)
    }

    /// The call was cancelled: nothing is recorded, the retry run is
    /// abandoned, held slots and permits return.
    fn cancel(&mut self) {
        self.run.cancel();
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.core)
    }

    /// Attempts started so far.
    #[getter]
    fn attempts(&self) -> u32 {
        self.run.attempts()
    }

    /// Whether the run has ended.
    #[getter]
    fn is_over(&self) -> bool {
        self.run.is_over()
    }

    /// The error of the stage refusal that the last step answers (a
    /// `sleep`, `fallback` or `fail` after `next_step` / `slot_timed_out`),
    /// with `.stage` set; None when that step answers no refusal. For the
    /// events of a run (`retry_scheduled`, `gave_up`).
    #[getter]
    fn refusal<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(r) = &self.refused else {
            return Ok(None);
        };
        let v = to_pyerr(py, &r.error)
            .into_value(py)
            .into_bound(py)
            .into_any();
        v.setattr("stage", r.stage.as_str())?;
        Ok(Some(v))
    }

    /// The calls the retry stage has counted so far (a stage's refusal
    /// counts), or None without a retry stage.
    #[getter]
    fn retry_attempts(&self) -> Option<u32> {
        self.run.retry_attempts()
    }

    /// Why the retry stage stopped, once it has: `(reason, attempts)`
    /// (core's `PolicyRun::give_up`; `not_retryable` included), else None.
    #[getter]
    fn give_up(&self) -> Option<(&'static str, u32)> {
        self.run.give_up().map(|g| (g.reason.as_str(), g.attempts))
    }
}
