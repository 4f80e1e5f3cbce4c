//! Names, labels and a registry of live instances, for export.
//!
//! A primitive knows nothing of its name: a binding (or Rust code) registers
//! an instance under a name and labels and keeps the returned
//! [`Registration`]; dropping it removes the entry. Export
//! ([`Registry::prometheus_text`], [`Registry::health_json`]) reads each
//! instance's `metrics()` snapshot, so naming costs nothing per call.
//! Registration and export are cold paths and take a lock.
//!
//! Rules (`spec/metrics.md`): the name is 1..=200 bytes of UTF-8 without
//! control characters and unique in its registry; label names follow
//! Prometheus (`[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, not one the
//! export uses itself); at most [`MAX_LABELS`] labels, values at most
//! [`MAX_LABEL_VALUE_BYTES`] bytes.
//!
//! ```
//! use seawall::circuit_breaker::{CircuitBreaker, Config};
//! use seawall::registry::{Registry, Source};
//! use std::sync::Arc;
//!
//! let reg = Registry::new();
//! let cb = Arc::new(CircuitBreaker::new(Config::default())?);
//! let handle = reg.register("payments", &[("team", "billing")], Source::CircuitBreaker(cb))?;
//! assert!(reg.prometheus_text().contains("seawall_circuit_breaker_state{name=\"payments\""));
//! drop(handle);
//! assert!(!reg.prometheus_text().contains("payments"));
//! # Ok::<(), seawall::Error>(())
//! ```

use crate::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutMetrics};
use crate::backoff::{Backoff, BackoffMetrics};
use crate::bulkhead::{Bulkhead, BulkheadMetrics};
use crate::circuit_breaker::{CircuitBreaker, ListenerId, Metrics as BreakerMetrics};
use crate::error::{Error, Result};
use crate::fault::{FaultInjector, FaultInjectorMetrics};
use crate::keyed::{KeyedMetrics, KeyedSlidingWindow, KeyedTokenBucket};
use crate::retry_budget::{RetryBudget, RetryBudgetMetrics};
use crate::sliding_window::{SlidingWindowLimiter, SlidingWindowMetrics};
use crate::token_bucket::{TokenBucket, TokenBucketMetrics};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// Most labels one registration may carry.
pub const MAX_LABELS: usize = 16;
/// Longest label value, in bytes.
pub const MAX_LABEL_VALUE_BYTES: usize = 1024;
/// Longest instance name, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Label names the export writes itself; a user label may not use them.
pub const RESERVED_LABELS: [&str; 6] = ["name", "state", "outcome", "reason", "quantile", "kind"];

/// The instance a registration reads at export time.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Source {
    /// A circuit breaker.
    CircuitBreaker(Arc<CircuitBreaker>),
    /// A token bucket limiter.
    TokenBucket(Arc<TokenBucket>),
    /// A sliding window limiter.
    SlidingWindow(Arc<SlidingWindowLimiter>),
    /// A token bucket per key.
    KeyedTokenBucket(Arc<KeyedTokenBucket>),
    /// A sliding window per key.
    KeyedSlidingWindow(Arc<KeyedSlidingWindow>),
    /// A bulkhead.
    Bulkhead(Arc<Bulkhead>),
    /// A retry budget.
    RetryBudget(Arc<RetryBudget>),
    /// An adaptive timeout.
    AdaptiveTimeout(Arc<AdaptiveTimeout>),
    /// A fault injector.
    FaultInjector(Arc<FaultInjector>),
    /// A retry backoff (its schedules' retries and give-ups).
    Backoff(Arc<Backoff>),
}

impl Source {
    /// Reads the instance's snapshot now.
    pub fn sample(&self) -> Sample {
        match self {
            Source::CircuitBreaker(x) => Sample::CircuitBreaker(x.metrics()),
            Source::TokenBucket(x) => Sample::TokenBucket(x.metrics()),
            Source::SlidingWindow(x) => Sample::SlidingWindow(x.metrics()),
            Source::KeyedTokenBucket(x) => Sample::KeyedTokenBucket(x.metrics()),
            Source::KeyedSlidingWindow(x) => Sample::KeyedSlidingWindow(x.metrics()),
            Source::Bulkhead(x) => Sample::Bulkhead(x.metrics()),
            Source::RetryBudget(x) => Sample::RetryBudget(x.metrics()),
            Source::AdaptiveTimeout(x) => Sample::AdaptiveTimeout(x.metrics()),
            Source::FaultInjector(x) => Sample::FaultInjector(x.metrics()),
            Source::Backoff(x) => Sample::Backoff(x.metrics()),
        }
    }
}

/// One instance's snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sample {
    /// See [`Source::CircuitBreaker`].
    CircuitBreaker(BreakerMetrics),
    /// See [`Source::TokenBucket`].
    TokenBucket(TokenBucketMetrics),
    /// See [`Source::SlidingWindow`].
    SlidingWindow(SlidingWindowMetrics),
    /// See [`Source::KeyedTokenBucket`] (the table's counters).
    KeyedTokenBucket(KeyedMetrics),
    /// See [`Source::KeyedSlidingWindow`] (the table's counters).
    KeyedSlidingWindow(KeyedMetrics),
    /// See [`Source::Bulkhead`].
    Bulkhead(BulkheadMetrics),
    /// See [`Source::RetryBudget`].
    RetryBudget(RetryBudgetMetrics),
    /// See [`Source::AdaptiveTimeout`].
    AdaptiveTimeout(AdaptiveTimeoutMetrics),
    /// See [`Source::FaultInjector`].
    FaultInjector(FaultInjectorMetrics),
    /// See [`Source::Backoff`].
    Backoff(BackoffMetrics),
}

impl Sample {
    /// The kind's wire name: `circuit_breaker`, `token_bucket`,
    /// `sliding_window`, `keyed_token_bucket`, `keyed_sliding_window`,
    /// `bulkhead`, `retry_budget`, `adaptive_timeout`, `fault_injector`,
    /// `retry`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Sample::CircuitBreaker(_) => "circuit_breaker",
            Sample::TokenBucket(_) => "token_bucket",
            Sample::SlidingWindow(_) => "sliding_window",
            Sample::KeyedTokenBucket(_) => "keyed_token_bucket",
            Sample::KeyedSlidingWindow(_) => "keyed_sliding_window",
            Sample::Bulkhead(_) => "bulkhead",
            Sample::RetryBudget(_) => "retry_budget",
            Sample::AdaptiveTimeout(_) => "adaptive_timeout",
            Sample::FaultInjector(_) => "fault_injector",
            Sample::Backoff(_) => "retry",
        }
    }
}

/// One registered instance, read at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The registered name.
    pub name: String,
    /// The registered labels, in registration order.
    pub labels: Vec<(String, String)>,
    /// The instance's metrics.
    pub sample: Sample,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    name: String,
    labels: Vec<(String, String)>,
    source: Source,
    /// A breaker's listener forwarding its transitions to
    /// [`crate::events`] with this name and labels.
    listener: Option<ListenerId>,
}

impl Entry {
    fn unlisten(&self) {
        if let (Source::CircuitBreaker(cb), Some(id)) = (&self.source, self.listener) {
            cb.remove_listener(id);
        }
    }
}

#[derive(Debug)]
struct Inner {
    namespace: String,
    entries: Mutex<Vec<Entry>>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        // Nothing user-supplied runs under this lock; a poisoned lock still
        // holds a consistent Vec.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A registry dropped before its registrations: its breakers stop
        // reporting under its names.
        let v = self.entries.get_mut().unwrap_or_else(|e| e.into_inner());
        for e in v.iter() {
            e.unlisten();
        }
    }
}

type Pending = (String, Vec<(String, String)>, Source);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A set of named instances exported together. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// The process-wide registry bindings register into unless told otherwise.
pub fn default_registry() -> &'static Registry {
    static DEFAULT: OnceLock<Registry> = OnceLock::new();
    DEFAULT.get_or_init(Registry::new)
}

/// Keeps an instance registered; dropping it removes the entry.
#[derive(Debug)]
#[must_use = "dropping the Registration unregisters the instance"]
pub struct Registration {
    registry: Weak<Inner>,
    id: u64,
    name: String,
}

impl Registration {
    /// The registered name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(inner) = self.registry.upgrade() {
            let removed = {
                let mut v = inner.lock();
                v.iter()
                    .position(|e| e.id == self.id)
                    .map(|i| v.swap_remove(i))
            };
            // The listener goes, and the source (maybe the last Arc of the
            // instance) drops here, outside the lock.
            if let Some(e) = &removed {
                e.unlisten();
            }
            drop(removed);
        }
    }
}

fn is_metric_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn shorten(s: &str) -> String {
    if s.len() <= 64 {
        return format!("{s:?}");
    }
    let mut end = 64;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}... ({} bytes)", s.get(..end).unwrap_or(""), s.len())
}

/// Checks an instance name (see the [module docs](self)).
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::argument("name", "must not be empty, got \"\""));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::argument(
            "name",
            format!(
                "must be at most {MAX_NAME_BYTES} bytes, got {}",
                shorten(name)
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::argument(
            "name",
            format!("must not contain control characters, got {}", shorten(name)),
        ));
    }
    Ok(())
}

/// Checks a label set (see the [module docs](self)).
pub fn validate_labels<K: AsRef<str>, V: AsRef<str>>(labels: &[(K, V)]) -> Result<()> {
    if labels.len() > MAX_LABELS {
        return Err(Error::argument(
            "labels",
            format!(
                "must have at most {MAX_LABELS} entries, got {}",
                labels.len()
            ),
        ));
    }
    for (i, (k, v)) in labels.iter().enumerate() {
        let (k, v) = (k.as_ref(), v.as_ref());
        if !is_label_name(k) {
            return Err(Error::argument(
                "labels",
                format!(
                    "label name must match [a-zA-Z_][a-zA-Z0-9_]*, got {}",
                    shorten(k)
                ),
            ));
        }
        if k.starts_with("__") {
            return Err(Error::argument(
                "labels",
                format!("label names starting with \"__\" are reserved, got {k:?}"),
            ));
        }
        if RESERVED_LABELS.contains(&k) {
            return Err(Error::argument(
                "labels",
                format!("label name {k:?} is used by the export itself"),
            ));
        }
        if v.len() > MAX_LABEL_VALUE_BYTES {
            return Err(Error::argument(
                "labels",
                format!(
                    "value of {k:?} must be at most {MAX_LABEL_VALUE_BYTES} bytes, got {} bytes",
                    v.len()
                ),
            ));
        }
        if labels.iter().take(i).any(|(k2, _)| k2.as_ref() == k) {
            return Err(Error::argument(
                "labels",
                format!("label name {k:?} given twice"),
            ));
        }
    }
    Ok(())
}

impl Registry {
    /// An empty registry whose families start with `seawall_`.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                namespace: "seawall".to_owned(),
                entries: Mutex::new(Vec::new()),
            }),
        }
    }

    /// An empty registry whose families start with `namespace` + `_`
    /// instead of `seawall_`. `namespace` must be a Prometheus metric name
    /// (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    pub fn with_namespace(namespace: &str) -> Result<Self> {
        if !is_metric_name(namespace) || namespace.len() > MAX_NAME_BYTES {
            return Err(Error::argument(
                "namespace",
                format!(
                    "must match [a-zA-Z_:][a-zA-Z0-9_:]* (at most {MAX_NAME_BYTES} bytes), got {}",
                    shorten(namespace)
                ),
            ));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                namespace: namespace.to_owned(),
                entries: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The family prefix (without the trailing `_`).
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// Registers `source` as `name` with `labels`. Errors
    /// (`InvalidArgument`): a bad name (field `name`) or label set (field
    /// `labels`), or a name already registered here (field `name`).
    pub fn register<K: AsRef<str>, V: AsRef<str>>(
        &self,
        name: &str,
        labels: &[(K, V)],
        source: Source,
    ) -> Result<Registration> {
        validate_name(name)?;
        validate_labels(labels)?;
        let labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let mut v = self.inner.lock();
        if v.iter().any(|e| e.name == name) {
            return Err(Error::argument(
                "name",
                format!("{name:?} is already registered in this registry"),
            ));
        }
        v.try_reserve(1)
            .map_err(|_| Error::argument("name", "no memory for another registration"))?;
        let listener = match &source {
            Source::CircuitBreaker(cb) => {
                let (n, l) = (name.to_owned(), labels.clone());
                Some(cb.on_transition(Box::new(move |t| {
                    crate::events::emit(&crate::events::Event {
                        name: &n,
                        labels: &l,
                        kind: crate::events::EventKind::Transition(t),
                    });
                })))
            }
            _ => None,
        };
        v.push(Entry {
            id,
            name: name.to_owned(),
            labels,
            source,
            listener,
        });
        Ok(Registration {
            registry: Arc::downgrade(&self.inner),
            id,
            name: name.to_owned(),
        })
    }

    /// Whether `name` is registered here now.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.lock().iter().any(|e| e.name == name)
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.inner.lock().iter().map(|e| e.name.clone()).collect();
        n.sort();
        n
    }

    /// Every registered instance read now, sorted by name. The snapshots
    /// are taken after the lock is released.
    pub fn snapshot(&self) -> Vec<Snapshot> {
        let mut entries: Vec<Pending> = self
            .inner
            .lock()
            .iter()
            .map(|e| (e.name.clone(), e.labels.clone(), e.source.clone()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
            .into_iter()
            .map(|(name, labels, source)| Snapshot {
                name,
                labels,
                sample: source.sample(),
            })
            .collect()
    }

    /// The Prometheus text exposition (format 0.0.4) of every registered
    /// instance; families as in `spec/metrics.md`.
    pub fn prometheus_text(&self) -> String {
        crate::export::prometheus::render(&self.inner.namespace, &self.snapshot())
    }

    /// Every family's samples as data (see
    /// [`crate::export::prometheus::collect`]).
    pub fn collect(&self) -> Vec<crate::export::prometheus::FamilySamples> {
        crate::export::prometheus::collect(&self.inner.namespace, &self.snapshot())
    }

    /// The health snapshot as a JSON document (see
    /// [`crate::export::health`]).
    pub fn health_json(&self) -> String {
        crate::export::health::render(&self.snapshot())
    }
}

#[cfg(test)]
mod tests;
