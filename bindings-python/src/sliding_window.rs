//! `SlidingWindowLimiter`: at most `limit` requests in any `window`
//! (core `seawall::sliding_window`).

use crate::clock::source;
use crate::convert::{count, n_arg, opt_count, opt_secs, secs, Kind};
use crate::errors::to_pyerr;
use crate::limiter::{block_on, reservation, Decision, Owner};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::clock::ClockSource;
use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter as Core};
use seawall::Error;
use std::sync::Arc;
use std::time::Duration;

/// `buckets` as u32 (values above are rejected by core's range check).
pub fn buckets_arg(py: Python<'_>, v: Option<&Bound<'_, PyAny>>, default: u32) -> PyResult<u32> {
    match opt_count(v, "buckets", Kind::Config)? {
        None => Ok(default),
        Some(b) => u32::try_from(b).map_err(|_| {
            to_pyerr(
                py,
                &Error::config("buckets", format!("must be in [1, 1024], got {b}")),
            )
        }),
    }
}

/// A sliding-window limiter: at most `limit` requests in any window of
/// `window` seconds, counted in `buckets` sub-windows. Lock-free.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "SlidingWindowLimiter"
)]
pub struct SlidingWindowLimiter {
    pub inner: Arc<Core>,
    pub clock: ClockSource,
    limit: u64,
    window_ns: u64,
}

#[pymethods]
impl SlidingWindowLimiter {
    #[new]
    #[pyo3(signature = (limit, window, *, buckets=None, clock=None, region=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        limit: &Bound<'_, PyAny>,
        window: &Bound<'_, PyAny>,
        buckets: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = SlidingWindowConfig::default();
        let cfg = SlidingWindowConfig {
            limit: count(limit, "limit", Kind::Config)?,
            window: secs(window, "window", Kind::Config)?,
            buckets: buckets_arg(py, buckets, d.buckets)?,
        };
        let limit = cfg.limit;
        let window_ns = seawall::clock::duration_to_ns(cfg.window);
        let clock = source(clock)?;
        let built = match crate::region::region_arg(region, name)? {
            Some((r, n)) => Core::in_region_with_clock(cfg, clock.clone(), &r, &n),
            None => Core::with_clock(cfg, clock.clone()),
        };
        let inner = Arc::new(built.map_err(|e| to_pyerr(py, &e))?);
        Ok(Self {
            inner,
            clock,
            limit,
            window_ns,
        })
    }

    /// Counts `n` requests if the window has room: True/False.
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
            limit: me.limit,
            window_ns: me.window_ns,
        })
    }

    /// What check(n) would answer now, counting nothing.
    #[pyo3(signature = (n=None))]
    fn peek(&self, py: Python<'_>, n: Option<&Bound<'_, PyAny>>) -> PyResult<Decision> {
        let d = self.inner.peek(n_arg(n)?).map_err(|e| to_pyerr(py, &e))?;
        Ok(Decision {
            d,
            limit: self.limit,
            window_ns: self.window_ns,
        })
    }

    /// Blocks (GIL released) until `n` requests are counted, in FIFO order with
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
            me.limit,
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
            me.limit,
            me.window_ns,
            Owner {
                source: slf.as_any(),
                key: None,
            },
        )
    }

    /// Un-counts up to `n` requests still in the window (newest first).
    #[pyo3(signature = (n=None))]
    fn refund(&self, n: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.inner.refund(n_arg(n)?);
        Ok(())
    }

    #[getter]
    fn limit(&self) -> u64 {
        self.limit
    }

    /// Width of one bucket, seconds.
    #[getter]
    fn bucket_width(&self) -> f64 {
        self.inner.bucket_width().as_secs_f64()
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("limit", m.limit)?;
        d.set_item("count", m.count)?;
        d.set_item("allowed", m.allowed)?;
        d.set_item("denied", m.denied)?;
        d.set_item("waiting", m.waiting)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!("SlidingWindowLimiter(limit={}, count={})", m.limit, m.count)
    }
}
