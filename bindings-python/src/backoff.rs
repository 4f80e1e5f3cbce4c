//! `Backoff` and `Schedule`: the retry schedule (core `seawall::backoff`).

use crate::clock::source;
use crate::convert::{count, opt_count, opt_secs, real, secs, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use seawall::backoff::{Backoff as Core, BackoffConfig, BackoffKind, Jitter, ScheduleState};
use seawall::clock::duration_to_ns;
use seawall::Error;
use std::sync::Mutex;
use std::time::Duration;

fn name_arg(v: Option<&Bound<'_, PyAny>>, field: &'static str) -> PyResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_none() => Ok(None),
        Some(x) => match x.cast::<PyString>() {
            Ok(s) => Ok(Some(s.to_string())),
            Err(_) => Err(crate::convert::wrong_type(field, "a str", x, Kind::Config)),
        },
    }
}

/// Renames core's parse errors of mode names to the Python parameter.
fn named(e: Error, field: &'static str) -> Error {
    match e {
        Error::InvalidConfig { reason, .. } | Error::InvalidArgument { reason, .. } => {
            Error::config(field, reason)
        }
        other => other,
    }
}

/// A retry schedule definition: delay growth (`kind`), `base`, `factor`,
/// `max_delay`, `jitter`, `max_attempts` (calls, the first included),
/// `max_elapsed`, and `seed` for reproducible jitter.
#[pyclass(frozen, weakref, module = "seawall._native", name = "Backoff")]
pub struct Backoff {
    pub inner: Core,
}

#[pymethods]
impl Backoff {
    #[new]
    #[pyo3(signature = (kind=None, *, base=None, factor=None, max_delay=None, jitter=None, max_attempts=None, max_elapsed=None, seed=None, clock=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        kind: Option<&Bound<'_, PyAny>>,
        base: Option<&Bound<'_, PyAny>>,
        factor: Option<&Bound<'_, PyAny>>,
        max_delay: Option<&Bound<'_, PyAny>>,
        jitter: Option<&Bound<'_, PyAny>>,
        max_attempts: Option<&Bound<'_, PyAny>>,
        max_elapsed: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = BackoffConfig::default();
        let err = |e: Error| to_pyerr(py, &e);
        let (kind_arg, jitter_arg, max_attempts_arg) = (kind, jitter, max_attempts);
        let kind = match name_arg(kind, "kind")? {
            Some(k) => BackoffKind::parse(&k).map_err(|e| err(named(e, "kind")))?,
            None => d.kind,
        };
        let jitter = match name_arg(jitter, "jitter")? {
            Some(j) => Jitter::parse(&j).map_err(|e| err(named(e, "jitter")))?,
            None => d.jitter,
        };
        let max_attempts = match opt_count(max_attempts, "max_attempts", Kind::Config)? {
            None => d.max_attempts,
            Some(v) => u32::try_from(v).map_err(|_| {
                err(Error::config(
                    "max_attempts",
                    format!("must be in [1, {}], got {v}", u32::MAX),
                ))
            })?,
        };
        let cfg = BackoffConfig {
            kind,
            base: match base {
                Some(b) if !b.is_none() => secs(b, "base", Kind::Config)?,
                _ => d.base,
            },
            factor: match factor {
                Some(f) if !f.is_none() => real(f, "factor", Kind::Config)?,
                _ => d.factor,
            },
            max_delay: match max_delay {
                Some(m) if !m.is_none() => secs(m, "max_delay", Kind::Config)?,
                _ => d.max_delay,
            },
            jitter,
            max_attempts,
            max_elapsed: opt_secs(max_elapsed, "max_elapsed", Kind::Config)?,
            seed: opt_count(seed, "seed", Kind::Config)?,
        };
        let passed = [
            ("kind", kind_arg),
            ("base", base),
            ("factor", factor),
            ("max_delay", max_delay),
            ("jitter", jitter_arg),
            ("max_attempts", max_attempts_arg),
            ("max_elapsed", max_elapsed),
            ("seed", seed),
        ];
        let inner = Core::with_clock(cfg, source(clock)?)
            .map_err(|e| crate::errors::config_error(py, &e, &passed))?;
        Ok(Self { inner })
    }

    /// The delay before retry `attempt` (1-based) without jitter, seconds.
    fn delay_for(&self, attempt: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(self.inner.delay_for(attempt_arg(attempt)?).as_secs_f64())
    }

    /// Like delay_for, in integer nanoseconds.
    fn delay_for_ns(&self, attempt: &Bound<'_, PyAny>) -> PyResult<u64> {
        Ok(duration_to_ns(self.inner.delay_for(attempt_arg(attempt)?)))
    }

    /// A new schedule for one retried call (elapsed time counts from now).
    fn schedule(&self) -> Schedule {
        Schedule {
            state: Mutex::new(self.inner.start()),
            backoff: self.inner.clone(),
        }
    }

    /// The delays (seconds) a fresh schedule hands out, at most `limit`
    /// of them, as if every retry started at once (no elapsed time).
    #[pyo3(signature = (limit=None))]
    fn delays<'py>(
        &self,
        py: Python<'py>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let limit = opt_count(limit, "limit", Kind::Argument)?.unwrap_or(u64::MAX);
        let mut s = self.inner.schedule();
        let out = PyList::empty(py);
        let mut i = 0u64;
        while i < limit {
            match s.next_delay_elapsed(Duration::ZERO, None) {
                Some(d) => out.append(d.as_secs_f64())?,
                None => break,
            }
            i += 1;
        }
        Ok(out)
    }

    #[getter]
    fn max_attempts(&self) -> u32 {
        self.inner.config().max_attempts
    }
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.config().kind.as_str()
    }
    #[getter]
    fn jitter(&self) -> &'static str {
        self.inner.config().jitter.as_str()
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("schedules", m.schedules)?;
        d.set_item("retries", m.retries)?;
        d.set_item("exhausted_attempts", m.exhausted_attempts)?;
        d.set_item("exhausted_elapsed", m.exhausted_elapsed)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!(
            "Backoff(kind={:?}, base={:?}, factor={:?}, max_delay={:?}, jitter={:?}, max_attempts={})",
            c.kind.as_str(),
            c.base.as_secs_f64(),
            c.factor,
            c.max_delay.as_secs_f64(),
            c.jitter.as_str(),
            c.max_attempts
        )
    }
}

fn attempt_arg(v: &Bound<'_, PyAny>) -> PyResult<u32> {
    let n = count(v, "attempt", Kind::Argument)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The retry state of one call: `next_delay()` after each failure gives the
/// seconds to wait, or None to give up. Ends (its retries are counted in the
/// backoff's metrics) when it gives up, on `finish()`, or when collected.
#[pyclass(frozen, module = "seawall._native", name = "Schedule")]
pub struct Schedule {
    backoff: Core,
    state: Mutex<ScheduleState>,
}

impl Schedule {
    fn with<R>(&self, f: impl FnOnce(&Core, &mut ScheduleState) -> R) -> R {
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&self.backoff, &mut g)
    }
}

impl Drop for Schedule {
    fn drop(&mut self) {
        let st = match self.state.get_mut() {
            Ok(st) => st,
            Err(p) => p.into_inner(),
        };
        self.backoff.finish(st);
    }
}

#[pymethods]
impl Schedule {
    /// After a failure: seconds to wait before the next retry, or None to
    /// give up. `retry_after` (seconds) is a server hint that replaces the
    /// computed delay; `elapsed` overrides the time since the schedule began.
    #[pyo3(signature = (retry_after=None, *, elapsed=None))]
    fn next_delay(
        &self,
        retry_after: Option<&Bound<'_, PyAny>>,
        elapsed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<f64>> {
        let hint = opt_secs(retry_after, "retry_after", Kind::Argument)?;
        let elapsed = opt_secs(elapsed, "elapsed", Kind::Argument)?;
        Ok(self
            .with(|b, s| match elapsed {
                Some(e) => b.next_delay_elapsed(s, e, hint),
                None => b.next_delay(s, hint),
            })
            .map(|d| d.as_secs_f64()))
    }

    /// next_delay in integer nanoseconds.
    #[pyo3(signature = (retry_after_ns=None, *, elapsed_ns=None))]
    fn next_delay_ns(
        &self,
        retry_after_ns: Option<&Bound<'_, PyAny>>,
        elapsed_ns: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<u64>> {
        let hint =
            opt_count(retry_after_ns, "retry_after_ns", Kind::Argument)?.map(Duration::from_nanos);
        let elapsed =
            opt_count(elapsed_ns, "elapsed_ns", Kind::Argument)?.map(Duration::from_nanos);
        Ok(self
            .with(|b, s| match elapsed {
                Some(e) => b.next_delay_elapsed(s, e, hint),
                None => b.next_delay(s, hint),
            })
            .map(duration_to_ns))
    }

    fn __repr__(&self) -> String {
        self.with(|_, s| {
            format!(
                "Schedule(retries={}, attempts={}, exhausted={})",
                s.retries(),
                s.attempts(),
                if s.is_exhausted() { "True" } else { "False" }
            )
        })
    }

    /// Retries handed out so far.
    #[getter]
    fn retries(&self) -> u32 {
        self.with(|_, s| s.retries())
    }
    /// Calls made so far if each delay was followed by a call.
    #[getter]
    fn attempts(&self) -> u32 {
        self.with(|_, s| s.attempts())
    }
    /// Whether the schedule has ended (gave up, or finish() was called).
    #[getter]
    fn exhausted(&self) -> bool {
        self.with(|_, s| s.is_exhausted())
    }
    /// Seconds since the schedule began, on its clock, when the backoff
    /// has max_elapsed; None without it (the schedule never reads the clock).
    #[getter]
    fn elapsed(&self) -> Option<f64> {
        self.with(|b, s| b.elapsed(s).map(|d| d.as_secs_f64()))
    }
    /// Ends the schedule (the call succeeded or was abandoned): its retries
    /// are counted in the backoff's metrics, and it gives up from now on.
    fn finish(&self) {
        self.with(|b, s| b.finish(s));
    }
}
