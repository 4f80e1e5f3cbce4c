//! Names, labels and registries (`spec/metrics.md`): a thin layer over
//! core's `seawall::registry`. Export text and the health document are
//! rendered by core.

use crate::convert::{wrong_type, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use seawall::registry::{self as core, Source};
use std::sync::Mutex;

/// A set of named instances exported together.
#[pyclass(frozen, module = "seawall._native", name = "Registry")]
pub struct Registry {
    pub(crate) inner: core::Registry,
}

/// Keeps one instance registered; `close()` (or collecting it) removes it.
#[pyclass(frozen, module = "seawall._native", name = "Registration")]
pub struct Registration {
    handle: Mutex<Option<core::Registration>>,
    name: String,
}

#[pymethods]
impl Registration {
    /// The registered name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Removes the entry (idempotent).
    fn close(&self) {
        let taken = self.handle.lock().map(|mut h| h.take()).ok().flatten();
        drop(taken);
    }

    /// Whether the entry is still registered.
    #[getter]
    fn active(&self) -> bool {
        self.handle.lock().map(|h| h.is_some()).unwrap_or(false)
    }
}

fn source(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    if let Ok(x) = obj.cast::<crate::circuit_breaker::CircuitBreaker>() {
        return Ok(Source::CircuitBreaker(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::token_bucket::TokenBucket>() {
        return Ok(Source::TokenBucket(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::sliding_window::SlidingWindowLimiter>() {
        return Ok(Source::SlidingWindow(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::keyed::KeyedTokenBucket>() {
        return Ok(Source::KeyedTokenBucket(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::keyed::KeyedSlidingWindow>() {
        return Ok(Source::KeyedSlidingWindow(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::bulkhead::Bulkhead>() {
        return Ok(Source::Bulkhead(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::retry_budget::RetryBudget>() {
        return Ok(Source::RetryBudget(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::adaptive_timeout::AdaptiveTimeout>() {
        return Ok(Source::AdaptiveTimeout(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::fault::FaultInjector>() {
        return Ok(Source::FaultInjector(x.get().inner.clone()));
    }
    if let Ok(x) = obj.cast::<crate::backoff::Backoff>() {
        // A clone shares the backoff's counters (its schedules' retries and
        // give-ups), so the registry reads the same numbers as metrics().
        return Ok(Source::Backoff(std::sync::Arc::new(x.get().inner.clone())));
    }
    Err(wrong_type(
        "obj",
        "a CircuitBreaker, TokenBucket, SlidingWindowLimiter, KeyedTokenBucket, KeyedSlidingWindow, Bulkhead, RetryBudget, AdaptiveTimeout, FaultInjector, Backoff or Retry",
        obj,
        Kind::Argument,
    ))
}

fn labels(v: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    if v.is_none() {
        return Ok(Vec::new());
    }
    let Ok(d) = v.cast::<PyDict>() else {
        return Err(wrong_type(
            "labels",
            "a dict of str to str",
            v,
            Kind::Argument,
        ));
    };
    if d.len() > core::MAX_LABELS {
        return Err(to_pyerr(
            v.py(),
            &seawall::Error::argument(
                "labels",
                format!(
                    "must have at most {} entries, got {}",
                    core::MAX_LABELS,
                    d.len()
                ),
            ),
        ));
    }
    let mut out = Vec::with_capacity(d.len());
    for (k, val) in d.iter() {
        let (Ok(ks), Ok(vs)) = (k.cast::<PyString>(), val.cast::<PyString>()) else {
            let bad = if k.cast::<PyString>().is_err() {
                &k
            } else {
                &val
            };
            return Err(wrong_type(
                "labels",
                "a dict of str to str",
                bad,
                Kind::Argument,
            ));
        };
        out.push((ks.extract::<String>()?, vs.extract::<String>()?));
    }
    Ok(out)
}

#[pymethods]
impl Registry {
    /// `Registry(namespace="seawall")`: an empty registry whose families
    /// start with `namespace` + `_`.
    #[new]
    #[pyo3(signature = (*, namespace=None))]
    fn new(py: Python<'_>, namespace: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner = match namespace {
            None => core::Registry::new(),
            Some(ns) if ns.is_none() => core::Registry::new(),
            Some(ns) => {
                let Ok(s) = ns.cast::<PyString>() else {
                    return Err(wrong_type("namespace", "str", ns, Kind::Argument));
                };
                core::Registry::with_namespace(&s.extract::<String>()?)
                    .map_err(|e| to_pyerr(py, &e))?
            }
        };
        Ok(Self { inner })
    }

    /// Registers `obj` as `name` with `labels`; keep the returned
    /// Registration (the Python layer ties it to `obj`'s lifetime).
    #[pyo3(signature = (obj, name, labels=None))]
    fn register(
        &self,
        py: Python<'_>,
        obj: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        labels: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Registration> {
        let Ok(name) = name.cast::<PyString>() else {
            return Err(wrong_type("name", "str", name, Kind::Argument));
        };
        let name: String = name.extract()?;
        let labels = self::labels(labels)?;
        let src = source(obj)?;
        let h = self
            .inner
            .register(&name, &labels, src)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Registration {
            handle: Mutex::new(Some(h)),
            name,
        })
    }

    /// The family prefix.
    #[getter]
    fn namespace(&self) -> &str {
        self.inner.namespace()
    }

    /// Registered names, sorted.
    fn names(&self) -> Vec<String> {
        self.inner.names()
    }

    fn __contains__(&self, name: &str) -> bool {
        self.inner.contains(name)
    }

    fn __len__(&self) -> usize {
        self.inner.names().len()
    }

    /// Prometheus text exposition (format 0.0.4) of every instance.
    fn prometheus_text(&self, py: Python<'_>) -> String {
        let r = self.inner.clone();
        py.detach(move || r.prometheus_text())
    }

    /// Every family as `(name, type, help, [(labels, value), ...])`, the
    /// data the text is rendered from (for OpenTelemetry).
    #[allow(clippy::type_complexity)]
    fn collect(
        &self,
        py: Python<'_>,
    ) -> Vec<(
        String,
        &'static str,
        &'static str,
        Vec<(Vec<(String, String)>, f64)>,
    )> {
        let r = self.inner.clone();
        py.detach(move || {
            r.collect()
                .into_iter()
                .map(|f| (f.name, f.ty, f.help, f.samples))
                .collect()
        })
    }

    /// The health document as a JSON string.
    fn health_json(&self, py: Python<'_>) -> String {
        let r = self.inner.clone();
        py.detach(move || r.health_json())
    }

    fn __repr__(&self) -> String {
        format!(
            "Registry(namespace={:?}, names={:?})",
            self.inner.namespace(),
            self.inner.names()
        )
    }
}

/// The process-wide registry.
#[pyfunction]
pub fn default_registry() -> Registry {
    Registry {
        inner: core::default_registry().clone(),
    }
}
