//! Names, labels and registries (`spec/metrics.md`) over core's
//! `seawall::registry`; the export text and health JSON come from core.

use crate::adaptive_timeout::AdaptiveTimeout;
use crate::backoff::Backoff;
use crate::bulkhead::Bulkhead;
use crate::circuit_breaker::CircuitBreaker;
use crate::error::{from_core, type_error};
use crate::fault::FaultInjector;
use crate::limiter::{Limiter, RateLimiter};
use crate::retry_budget::RetryBudget;
use napi::Result;
use napi_derive::napi;
use seawall::registry::{self as core, Source};

/// One sample of a family.
#[napi(object)]
pub struct Sample {
    /// Label names, in output order.
    pub keys: Vec<String>,
    /// Label values, same order.
    pub values: Vec<String>,
    /// The value.
    pub value: f64,
}

/// One family with its samples.
#[napi(object)]
pub struct FamilySamples {
    /// Full family name.
    pub name: String,
    /// `counter` or `gauge`.
    pub kind: String,
    /// HELP text.
    pub help: String,
    /// The samples.
    pub samples: Vec<Sample>,
}

/// A set of named instances exported together.
#[napi(js_name = "NativeRegistry")]
pub struct Registry {
    inner: core::Registry,
}

/// Keeps one instance registered; `close()` (or collecting it) removes it.
#[napi(js_name = "NativeRegistration")]
pub struct Registration {
    handle: Option<core::Registration>,
}

#[napi]
impl Registration {
    /// Removes the entry (idempotent).
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.handle = None;
    }

    /// Whether the entry is still registered.
    #[napi(getter, catch_unwind)]
    pub fn active(&self) -> bool {
        self.handle.is_some()
    }
}

fn err(e: &seawall::Error) -> napi::Error {
    from_core(e, |f| f.to_owned())
}

impl Registry {
    fn add(
        &self,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
        src: Source,
    ) -> Result<Registration> {
        if keys.len() != values.len() {
            return Err(type_error("labels", "keys and values differ in length"));
        }
        let labels: Vec<(String, String)> = keys.into_iter().zip(values).collect();
        let h = self
            .inner
            .register(&name, &labels, src)
            .map_err(|e| err(&e))?;
        Ok(Registration { handle: Some(h) })
    }
}

#[napi]
impl Registry {
    /// `namespace` prefixes every family (default `seawall`).
    #[napi(constructor, catch_unwind)]
    pub fn new(namespace: Option<String>) -> Result<Self> {
        let inner = match namespace {
            None => core::Registry::new(),
            Some(ns) => core::Registry::with_namespace(&ns).map_err(|e| err(&e))?,
        };
        Ok(Self { inner })
    }

    /// The process-wide registry (shared with every other binding loaded
    /// in this process).
    #[napi(factory, catch_unwind)]
    pub fn default_registry() -> Self {
        Self {
            inner: core::default_registry().clone(),
        }
    }

    /// Registers a breaker.
    #[napi(catch_unwind)]
    pub fn register_breaker(
        &self,
        obj: &CircuitBreaker,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        self.add(
            name,
            keys,
            values,
            Source::CircuitBreaker(obj.inner.cb.clone()),
        )
    }

    /// Registers a token bucket or sliding window limiter.
    #[napi(catch_unwind)]
    pub fn register_limiter(
        &self,
        obj: &RateLimiter,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        let src = match &**obj.inner {
            Limiter::Bucket(b) => Source::TokenBucket(b.clone()),
            Limiter::Window(w) => Source::SlidingWindow(w.clone()),
            Limiter::KeyedBucket(b) => Source::KeyedTokenBucket(b.clone()),
            Limiter::KeyedWindow(w) => Source::KeyedSlidingWindow(w.clone()),
        };
        self.add(name, keys, values, src)
    }

    /// Registers a bulkhead.
    #[napi(catch_unwind)]
    pub fn register_bulkhead(
        &self,
        obj: &Bulkhead,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        self.add(name, keys, values, Source::Bulkhead((*obj.inner).clone()))
    }

    /// Registers an adaptive timeout.
    #[napi(catch_unwind)]
    pub fn register_adaptive_timeout(
        &self,
        obj: &AdaptiveTimeout,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        self.add(
            name,
            keys,
            values,
            Source::AdaptiveTimeout(obj.inner.clone()),
        )
    }

    /// Registers a fault injector.
    #[napi(catch_unwind)]
    pub fn register_fault_injector(
        &self,
        obj: &FaultInjector,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        self.add(name, keys, values, Source::FaultInjector(obj.inner.clone()))
    }

    /// Registers a backoff (a clone shares its counters: schedules,
    /// retries, give-ups by reason).
    #[napi(catch_unwind)]
    pub fn register_backoff(
        &self,
        obj: &Backoff,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        let src = Source::Backoff(std::sync::Arc::new(obj.inner.clone()));
        self.add(name, keys, values, src)
    }

    /// Registers a retry budget.
    #[napi(catch_unwind)]
    pub fn register_retry_budget(
        &self,
        obj: &RetryBudget,
        name: String,
        keys: Vec<String>,
        values: Vec<String>,
    ) -> Result<Registration> {
        self.add(name, keys, values, Source::RetryBudget(obj.inner.clone()))
    }

    /// The family prefix.
    #[napi(getter, catch_unwind)]
    pub fn namespace(&self) -> String {
        self.inner.namespace().to_owned()
    }

    /// Registered names, sorted.
    #[napi(catch_unwind)]
    pub fn names(&self) -> Vec<String> {
        self.inner.names()
    }

    /// Whether `name` is registered.
    #[napi(catch_unwind)]
    pub fn has(&self, name: String) -> bool {
        self.inner.contains(&name)
    }

    /// Prometheus text exposition (0.0.4).
    #[napi(catch_unwind)]
    pub fn prometheus_text(&self) -> String {
        self.inner.prometheus_text()
    }

    /// Every family's samples as data (for OpenTelemetry).
    #[napi(catch_unwind)]
    pub fn collect(&self) -> Vec<FamilySamples> {
        self.inner
            .collect()
            .into_iter()
            .map(|f| FamilySamples {
                name: f.name,
                kind: f.ty.to_owned(),
                help: f.help.to_owned(),
                samples: f
                    .samples
                    .into_iter()
                    .map(|(labels, value)| Sample {
                        keys: labels.iter().map(|(k, _)| k.clone()).collect(),
                        values: labels.into_iter().map(|(_, v)| v).collect(),
                        value,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The health document as JSON.
    #[napi(catch_unwind)]
    pub fn health_json(&self) -> String {
        self.inner.health_json()
    }
}

/// Every family a registry with `namespace` may write, as
/// `[name, type, help]`, in output order.
#[napi(catch_unwind)]
pub fn metric_families(namespace: String) -> Vec<Vec<String>> {
    seawall::export::prometheus::families(&namespace)
        .into_iter()
        .map(|(n, t, h)| vec![n, t.to_owned(), h.to_owned()])
        .collect()
}
