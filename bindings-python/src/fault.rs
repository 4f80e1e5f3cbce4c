//! `FaultInjector`: inject errors and delays on purpose, seedably
//! (core `seawall::fault`). The core decides; the Python layer raises or
//! sleeps.

use crate::clock::source;
use crate::convert::{opt_count, real, secs, Kind};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use seawall::clock::duration_to_ns;
use seawall::fault::{Fault, FaultInjector as Core, FaultInjectorConfig};

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

fn boolean(v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<bool> {
    match v.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(crate::convert::wrong_type(field, "a bool", v, Kind::Config)),
    }
}

/// Decides per call whether to inject an error (`error_rate`), a delay of
/// `delay_min..=delay_max` seconds (`delay_rate`), or nothing. A `seed`
/// replays the same faults in every language.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "FaultInjector"
)]
pub struct FaultInjector {
    pub(crate) inner: std::sync::Arc<Core>,
}

#[pymethods]
impl FaultInjector {
    #[new]
    #[pyo3(signature = (*, error_rate=None, delay_rate=None, delay_min=None, delay_max=None, seed=None, enabled=None, clock=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        error_rate: Option<&Bound<'_, PyAny>>,
        delay_rate: Option<&Bound<'_, PyAny>>,
        delay_min: Option<&Bound<'_, PyAny>>,
        delay_max: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
        enabled: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = FaultInjectorConfig::default();
        let c = Kind::Config;
        let cfg = FaultInjectorConfig {
            error_rate: opt(error_rate, d.error_rate, |v| real(v, "error_rate", c))?,
            delay_rate: opt(delay_rate, d.delay_rate, |v| real(v, "delay_rate", c))?,
            delay_min: opt(delay_min, d.delay_min, |v| secs(v, "delay_min", c))?,
            delay_max: opt(delay_max, d.delay_max, |v| secs(v, "delay_max", c))?,
            seed: opt_count(seed, "seed", c)?,
            enabled: opt(enabled, d.enabled, |v| boolean(v, "enabled"))?,
        };
        let passed = [
            ("error_rate", error_rate),
            ("delay_rate", delay_rate),
            ("delay_min", delay_min),
            ("delay_max", delay_max),
        ];
        let inner = Core::with_clock(cfg, source(clock)?)
            .map_err(|e| crate::errors::config_error(py, &e, &passed))?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// One decision: `("none", 0.0)`, `("error", 0.0)` or `("delay", seconds)`.
    fn decide(&self) -> (&'static str, f64) {
        let f = self.inner.decide();
        (f.as_str(), f.delay().as_secs_f64())
    }

    /// decide() with the delay in integer nanoseconds.
    fn decide_ns(&self) -> (&'static str, u64) {
        let f: Fault = self.inner.decide();
        (f.as_str(), duration_to_ns(f.delay()))
    }

    #[getter]
    fn enabled(&self) -> bool {
        self.inner.is_enabled()
    }

    #[setter]
    fn set_enabled(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.set_enabled(boolean(value, "enabled")?);
        Ok(())
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("decisions", m.decisions)?;
        d.set_item("errors", m.errors)?;
        d.set_item("delays", m.delays)?;
        d.set_item("enabled", m.enabled)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!(
            "FaultInjector(error_rate={:?}, delay_rate={:?}, enabled={})",
            c.error_rate,
            c.delay_rate,
            if self.inner.is_enabled() {
                "True"
            } else {
                "False"
            }
        )
    }
}
