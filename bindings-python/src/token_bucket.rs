//! `TokenBucket`: GCRA burst + steady rate (core `seawall::token_bucket`).

use crate::clock::source;
use crate::convert::{count, n_arg, opt_count, opt_secs, real, Kind};
use crate::errors::to_pyerr;
use crate::limiter::{block_on, reservation, Decision, Owner};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::clock::{duration_to_ns, ClockSource};
use seawall::token_bucket::{TokenBucket as Core, TokenBucketConfig};
use std::sync::Arc;
use std::time::Duration;

/// A token bucket: up to `burst` requests at once, refilled at
/// `rate_per_sec`. Thread-safe; one atomic compare-and-swap per decision.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "TokenBucket"
)]
pub struct TokenBucket {
    pub inner: Arc<Core>,
    pub clock: ClockSource,
    window_ns: u64,
}

#[pymethods]
impl TokenBucket {
    #[new]
    #[pyo3(signature = (rate_per_sec, burst, *, initial_tokens=None, clock=None, region=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rate_per_sec: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
        initial_tokens: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg = TokenBucketConfig {
            rate_per_sec: real(rate_per_sec, "rate_per_sec", Kind::Config)?,
            burst: count(burst, "burst", Kind::Config)?,
            initial_tokens: opt_count(initial_tokens, "initial_tokens", Kind::Config)?,
        };
        let clock = source(clock)?;
        let window_ns = crate::limiter::token_bucket_window_ns(&cfg);
        let built = match crate::region::region_arg(region, name)? {
            Some((r, n)) => Core::in_region_with_clock(cfg, clock.clone(), &r, &n),
            None => Core::with_clock(cfg, clock.clone()),
        };
        let inner = Arc::new(built.map_err(|e| to_pyerr(py, &e))?);
        Ok(Self {
            inner,
            clock,
            window_ns,
        })
    }

    /// Takes `n` tokens if available now: True/False.
    #[pyo3(signature = (n=None))]
    fn try_acquire(slf: &Bound<'_, Self>, n: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let py = slf.py();
        let r = slf.get().inner.try_acquire(n_arg(n)?);
        crate::events::decided(py, slf.as_any(), r, None).map(|d| d.allowed)
    }

    /// Like try_acquire, with the whole Decision.
    #[pyo3(signature = (n=None))]
    fn check(slf: &Bound<'_, Self>, n: Option<&Bound<'_, PyAny>>) -> PyResult<Decision> {
        let py = slf.py();
        let me = slf.get();
        let r = me.inner.try_acquire(n_arg(n)?);
        let d = crate::events::decided(py, slf.as_any(), r, None)?;
        Ok(Decision {
            d,
            limit: me.inner.burst(),
            window_ns: me.window_ns,
        })
    }

    /// What check(n) would answer now, taking nothing.
    #[pyo3(signature = (n=None))]
    fn peek(&self, py: Python<'_>, n: Option<&Bound<'_, PyAny>>) -> PyResult<Decision> {
        let d = self.inner.peek(n_arg(n)?).map_err(|e| to_pyerr(py, &e))?;
        Ok(Decision {
            d,
            limit: self.inner.burst(),
            window_ns: self.window_ns,
        })
    }

    /// Blocks (GIL released) until `n` tokens are taken, in FIFO order with
    /// every other waiter; RateLimitedError (with retry_after) at once when
    /// that cannot happen within `timeout` seconds (None: no limit).
    #[pyo3(signature = (n=None, timeout=None))]
    fn acquire(
        slf: &Bound<'_, Self>,
        n: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let py = slf.py();
        let me = slf.get();
        let n = n_arg(n)?;
        let timeout = opt_secs(timeout, "timeout", Kind::Argument)?.unwrap_or(Duration::MAX);
        let r = me.inner.reserve(n, timeout);
        block_on(
            py,
            r,
            me.inner.burst(),
            me.window_ns,
            Owner {
                source: slf.as_any(),
                key: None,
            },
        )
    }

    /// The Decision if `n` can be had now, else a LimiterWaiter holding
    /// this request's place (due within `timeout` seconds; None: no
    /// limit); RateLimitedError when it would be due later. Never blocks.
    #[pyo3(signature = (n=None, timeout=None))]
    fn reserve(
        slf: &Bound<'_, Self>,
        n: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let me = slf.get();
        let n = n_arg(n)?;
        let timeout = opt_secs(timeout, "timeout", Kind::Argument)?.unwrap_or(Duration::MAX);
        let r = me.inner.reserve(n, timeout);
        reservation(
            py,
            r,
            me.inner.burst(),
            me.window_ns,
            Owner {
                source: slf.as_any(),
                key: None,
            },
        )
    }

    /// Gives back `n` tokens taken by a call that never went out.
    #[pyo3(signature = (n=None))]
    fn refund(&self, n: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.inner.refund(n_arg(n)?);
        Ok(())
    }

    /// The configured burst (the `X-RateLimit-Limit` value).
    #[getter]
    fn limit(&self) -> u64 {
        self.inner.burst()
    }

    #[getter]
    fn burst(&self) -> u64 {
        self.inner.burst()
    }

    /// Seconds per token.
    #[getter]
    fn emission_interval(&self) -> f64 {
        self.inner.emission_interval().as_secs_f64()
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("burst", m.burst)?;
        d.set_item("available", m.available)?;
        d.set_item("emission_interval", m.emission_interval.as_secs_f64())?;
        d.set_item("emission_interval_ns", duration_to_ns(m.emission_interval))?;
        d.set_item("allowed", m.allowed)?;
        d.set_item("denied", m.denied)?;
        d.set_item("waiting", m.waiting)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!("TokenBucket(burst={}, available={})", m.burst, m.available)
    }
}
