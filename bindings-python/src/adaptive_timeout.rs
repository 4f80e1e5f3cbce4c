//! `AdaptiveTimeout`: the timeout to use now, from recent latencies
//! (core `seawall::adaptive_timeout`).

use crate::clock::source;
use crate::convert::{count, real, secs, Kind};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::adaptive_timeout::{AdaptiveTimeout as Core, AdaptiveTimeoutConfig};
use seawall::clock::duration_to_ns;

/// `timeout() = clamp(percentile(recent latencies) × multiplier,
/// min_timeout, max_timeout)`, or `initial_timeout` until `min_samples`
/// latencies are known. Lock-free log-bucket histogram over two windows.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "AdaptiveTimeout"
)]
pub struct AdaptiveTimeout {
    pub inner: std::sync::Arc<Core>,
}

fn opt<'py, T>(
    v: Option<&Bound<'py, PyAny>>,
    default: T,
    f: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<T> {
    match v {
        Some(x) if !x.is_none() => f(x),
        _ => Ok(default),
    }
}

#[pymethods]
impl AdaptiveTimeout {
    #[new]
    #[pyo3(signature = (*, percentile=None, multiplier=None, min_timeout=None, max_timeout=None, initial_timeout=None, min_samples=None, window=None, clock=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        percentile: Option<&Bound<'_, PyAny>>,
        multiplier: Option<&Bound<'_, PyAny>>,
        min_timeout: Option<&Bound<'_, PyAny>>,
        max_timeout: Option<&Bound<'_, PyAny>>,
        initial_timeout: Option<&Bound<'_, PyAny>>,
        min_samples: Option<&Bound<'_, PyAny>>,
        window: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = AdaptiveTimeoutConfig::default();
        let c = Kind::Config;
        let cfg = AdaptiveTimeoutConfig {
            percentile: opt(percentile, d.percentile, |v| real(v, "percentile", c))?,
            multiplier: opt(multiplier, d.multiplier, |v| real(v, "multiplier", c))?,
            min_timeout: opt(min_timeout, d.min_timeout, |v| secs(v, "min_timeout", c))?,
            max_timeout: opt(max_timeout, d.max_timeout, |v| secs(v, "max_timeout", c))?,
            initial_timeout: opt(initial_timeout, d.initial_timeout, |v| {
                secs(v, "initial_timeout", c)
            })?,
            min_samples: opt(min_samples, d.min_samples, |v| count(v, "min_samples", c))?,
            window: opt(window, d.window, |v| secs(v, "window", c))?,
        };
        let passed = [
            ("percentile", percentile),
            ("multiplier", multiplier),
            ("min_timeout", min_timeout),
            ("max_timeout", max_timeout),
            ("initial_timeout", initial_timeout),
            ("min_samples", min_samples),
            ("window", window),
        ];
        let inner = std::sync::Arc::new(
            Core::with_clock(cfg, source(clock)?)
                .map_err(|e| crate::errors::config_error(py, &e, &passed))?,
        );
        Ok(Self { inner })
    }

    /// The timeout to use now, seconds.
    fn timeout(&self) -> f64 {
        self.inner.timeout().as_secs_f64()
    }

    /// The timeout to use now, integer nanoseconds.
    fn timeout_ns(&self) -> u64 {
        duration_to_ns(self.inner.timeout())
    }

    /// Records the latency (seconds) of one completed call.
    fn record(&self, latency: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.record(secs(latency, "latency", Kind::Argument)?);
        Ok(())
    }

    /// Records a latency in integer nanoseconds.
    fn record_ns(&self, latency_ns: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .record_ns(count(latency_ns, "latency_ns", Kind::Argument)?);
        Ok(())
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("samples", m.samples)?;
        d.set_item("total", m.total)?;
        d.set_item("p50", m.p50.as_secs_f64())?;
        d.set_item("p95", m.p95.as_secs_f64())?;
        d.set_item("p99", m.p99.as_secs_f64())?;
        d.set_item("timeout", m.timeout.as_secs_f64())?;
        d.set_item("p50_ns", duration_to_ns(m.p50))?;
        d.set_item("p95_ns", duration_to_ns(m.p95))?;
        d.set_item("p99_ns", duration_to_ns(m.p99))?;
        d.set_item("timeout_ns", duration_to_ns(m.timeout))?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "AdaptiveTimeout(timeout={:?})",
            self.inner.timeout().as_secs_f64()
        )
    }
}
