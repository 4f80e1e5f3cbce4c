//! The policy guard: rate limiter → circuit breaker → bulkhead, acquired in
//! that order with give-back on rejection (core `seawall::policy`). The
//! Python `Policy` wraps timeout, retry and fallback around it.

use crate::bulkhead::Bulkhead;
use crate::circuit_breaker::{CircuitBreaker, Finish};
use crate::clock::source;
use crate::convert::{secs, Kind};
use crate::errors::to_pyerr;
use crate::sliding_window::SlidingWindowLimiter;
use crate::token_bucket::TokenBucket;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use seawall::circuit_breaker::Outcome;
use seawall::limit::RateLimiter;
use seawall::policy::{Guard as CoreGuard, Policy as Core};
use std::sync::{Arc, Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The admission gates of a policy. `acquire()` returns a PolicyGuard or
/// raises the refusing stage's error (RateLimitedError, CircuitOpenError,
/// BulkheadFullError) with `.stage` set; nothing a refused call was granted
/// stays taken.
#[pyclass(frozen, module = "seawall._native", name = "PolicyGate")]
pub struct PolicyGate {
    inner: Arc<Core>,
    breaker: Option<Py<CircuitBreaker>>,
}

#[pymethods]
impl PolicyGate {
    #[new]
    #[pyo3(signature = (*, rate_limiter=None, circuit_breaker=None, bulkhead=None, clock=None))]
    fn new(
        rate_limiter: Option<&Bound<'_, PyAny>>,
        circuit_breaker: Option<&Bound<'_, PyAny>>,
        bulkhead: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let breaker: Option<Bound<'_, CircuitBreaker>> = match circuit_breaker {
            Some(b) if !b.is_none() => Some(
                b.cast::<CircuitBreaker>()
                    .map_err(|_| {
                        PyTypeError::new_err("circuit_breaker must be a seawall.CircuitBreaker")
                    })?
                    .clone(),
            ),
            _ => None,
        };
        // Durations are measured on the given clock, else the breaker's.
        let clk = match (clock, &breaker) {
            (Some(c), _) if !c.is_none() => source(Some(c))?,
            (_, Some(b)) => b.get().clock.clone(),
            _ => seawall::clock::ClockSource::fast(),
        };
        let mut core = Core::with_clock(clk);
        if let Some(l) = rate_limiter.filter(|l| !l.is_none()) {
            let lim: Arc<dyn RateLimiter> = if let Ok(tb) = l.cast::<TokenBucket>() {
                tb.get().inner.clone()
            } else if let Ok(sw) = l.cast::<SlidingWindowLimiter>() {
                sw.get().inner.clone()
            } else {
                return Err(PyTypeError::new_err(
                    "rate_limiter must be a seawall.TokenBucket or seawall.SlidingWindowLimiter",
                ));
            };
            core = core.rate_limiter(lim);
        }
        if let Some(b) = &breaker {
            core = core.circuit_breaker(b.get().inner.clone());
        }
        if let Some(bh) = bulkhead.filter(|b| !b.is_none()) {
            let bh = bh
                .cast::<Bulkhead>()
                .map_err(|_| PyTypeError::new_err("bulkhead must be a seawall.Bulkhead"))?;
            core = core.bulkhead(bh.get().inner.clone());
        }
        Ok(Self {
            inner: Arc::new(core),
            breaker: breaker.map(|b| b.unbind()),
        })
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Some(b) = &self.breaker {
            visit.call(b)?;
        }
        Ok(())
    }

    /// Passes every gate, or raises the refusing stage's error.
    fn acquire(&self, py: Python<'_>) -> PyResult<PolicyGuard> {
        match self.inner.try_acquire() {
            Ok(g) => Ok(PolicyGuard {
                g: Mutex::new(Some(g)),
                breaker: self.breaker.as_ref().map(|b| b.clone_ref(py)),
            }),
            Err(r) => {
                let e = to_pyerr(py, &r.error);
                let _ = e.value(py).setattr("stage", r.stage.as_str());
                Err(e)
            }
        }
    }
}

/// What an admitted call holds. Finish it once: `complete(outcome)`,
/// `finish(exc)` (classified by the breaker), or `release()` (no outcome).
/// A guard collected unfinished is released.
#[pyclass(frozen, module = "seawall._native", name = "PolicyGuard")]
pub struct PolicyGuard {
    g: Mutex<Option<CoreGuard>>,
    breaker: Option<Py<CircuitBreaker>>,
}

fn parse_outcome(py: Python<'_>, name: &str) -> PyResult<Outcome> {
    Outcome::parse("outcome", name).map_err(|e| to_pyerr(py, &e))
}

#[pymethods]
impl PolicyGuard {
    /// Records "success", "failure" or "ignored" on the breaker (duration
    /// measured since acquire unless given, seconds) and frees the slot.
    #[pyo3(signature = (outcome, duration=None))]
    fn complete(
        &self,
        py: Python<'_>,
        outcome: &str,
        duration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let o = parse_outcome(py, outcome)?;
        let d = match duration {
            Some(d) if !d.is_none() => Some(secs(d, "duration", Kind::Argument)?),
            _ => None,
        };
        let Some(g) = lock(&self.g).take() else {
            return Ok(false);
        };
        match d {
            Some(d) => g.complete_with_duration(o, d),
            None => g.complete(o),
        }
        Ok(true)
    }

    /// Finishes for an exception (None: success), classified as the
    /// policy's circuit breaker is configured.
    fn finish(&self, py: Python<'_>, exc: Option<&Bound<'_, PyAny>>) -> bool {
        let how = match (exc, &self.breaker) {
            (Some(e), Some(b)) if !e.is_none() => {
                b.get().classify(py, &PyErr::from_value(e.clone()))
            }
            (Some(e), None)
                if !e.is_none() && !e.is_instance_of::<pyo3::exceptions::PyException>() =>
            {
                Finish::Release
            }
            _ => Finish::Record(Outcome::Success),
        };
        let Some(g) = lock(&self.g).take() else {
            return false;
        };
        match how {
            Finish::Record(o) => g.complete(o),
            Finish::Release => g.release(),
        }
        true
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Some(b) = &self.breaker {
            visit.call(b)?;
        }
        Ok(())
    }

    /// Finishes without an outcome (a half-open probe slot returns).
    fn release(&self) -> bool {
        lock(&self.g).take().is_some()
    }

    /// Whether the breaker admitted this call as a half-open probe.
    #[getter]
    fn probe(&self) -> bool {
        lock(&self.g)
            .as_ref()
            .and_then(|g| g.breaker_permit())
            .is_some_and(|p| p.is_probe())
    }

    #[getter]
    fn finished(&self) -> bool {
        lock(&self.g).is_none()
    }
}
