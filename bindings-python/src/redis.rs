//! The Redis backend (core `seawall::redis`, `spec/redis.md`): a
//! `RedisBackend` (one URL, deadline, failure mode) and keyed limiters whose
//! state lives in Redis. Blocking calls release the GIL; `start` completes
//! an asyncio future from the backend's runtime thread with
//! `loop.call_soon_threadsafe` (the Python half is `seawall/redis.py`).
//! No Redis logic lives here.

use crate::convert::{count, n_arg, real, secs, Kind};
use crate::errors::to_pyerr;
use crate::keyed::with_key;
use crate::limiter::Decision;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use seawall::redis::{
    FailureMode, RedisBackend as CoreBackend, RedisConfig, RedisLimiter as CoreLimiter,
    RedisMetrics,
};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use std::sync::Arc;

/// One Redis (one URL), shared by any number of limiters. Connects on the
/// first decision; never fails because Redis is down.
#[pyclass(frozen, subclass, module = "seawall._native", name = "RedisBackend")]
pub struct RedisBackend {
    inner: CoreBackend,
}

fn str_arg(v: &Bound<'_, PyAny>, field: &'static str, want: &str) -> PyResult<String> {
    let s = v
        .cast::<PyString>()
        .map_err(|_| crate::convert::wrong_type(field, want, v, Kind::Config))?;
    Ok(s.to_cow()?.into_owned())
}

fn metrics_into(d: &Bound<'_, PyDict>, m: &RedisMetrics) -> PyResult<()> {
    d.set_item("redis_ok", m.redis_ok)?;
    d.set_item("errors", m.errors)?;
    d.set_item("timeouts", m.timeouts)?;
    d.set_item("fallbacks", m.fallbacks)?;
    d.set_item("short_circuited", m.short_circuited)?;
    d.set_item("connects", m.connects)?;
    d.set_item("breaker_state", m.breaker_state)?;
    d.set_item("last_error", m.last_error.clone())?;
    Ok(())
}

#[pymethods]
impl RedisBackend {
    #[new]
    #[pyo3(signature = (url, *, deadline=None, on_failure=None, key_prefix=None))]
    fn new(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        deadline: Option<&Bound<'_, PyAny>>,
        on_failure: Option<&Bound<'_, PyAny>>,
        key_prefix: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut cfg = RedisConfig::new(str_arg(url, "url", "a str like \"redis://host:6379/0\"")?);
        if let Some(d) = deadline.filter(|d| !d.is_none()) {
            cfg.deadline = secs(d, "deadline", Kind::Config)?;
        }
        if let Some(m) = on_failure.filter(|m| !m.is_none()) {
            let s = str_arg(m, "on_failure", "\"open\", \"closed\" or \"local\"")?;
            cfg.on_failure = FailureMode::parse("on_failure", &s).map_err(|e| to_pyerr(py, &e))?;
        }
        if let Some(p) = key_prefix.filter(|p| !p.is_none()) {
            cfg.key_prefix = str_arg(p, "key_prefix", "a str")?;
        }
        let inner = CoreBackend::new(cfg).map_err(|e| to_pyerr(py, &e))?;
        Ok(Self { inner })
    }

    /// Counters of Redis answers, errors, timeouts and fallbacks.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        metrics_into(&d, &self.inner.metrics())?;
        Ok(d)
    }

    #[getter]
    fn on_failure(&self) -> &'static str {
        self.inner.config().on_failure.as_str()
    }

    #[getter]
    fn deadline(&self) -> f64 {
        self.inner.config().deadline.as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}

/// A keyed limiter whose state lives in Redis (token bucket or sliding
/// window), built by the Python classes in `seawall/redis.py`.
#[pyclass(frozen, subclass, module = "seawall._native", name = "RedisLimiter")]
pub struct RedisLimiter {
    inner: Arc<CoreLimiter>,
    window_ns: u64,
}

fn name_arg(name: &Bound<'_, PyAny>) -> PyResult<String> {
    str_arg(name, "name", "a str like \"api\"")
}

impl RedisLimiter {
    fn decision(&self, d: seawall::Decision) -> Decision {
        Decision {
            d,
            limit: self.inner.limit(),
            window_ns: self.window_ns,
        }
    }

    fn run(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: u64,
        f: fn(&CoreLimiter, &[u8], u64) -> seawall::Result<seawall::Decision>,
    ) -> PyResult<Decision> {
        let key = with_key(key, <[u8]>::to_vec)?;
        let inner = Arc::clone(&self.inner);
        let d = py
            .detach(move || f(&inner, &key, n))
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(self.decision(d))
    }
}

#[pymethods]
impl RedisLimiter {
    /// `RedisLimiter("token_bucket", backend, name, rate_per_sec, burst)` or
    /// `RedisLimiter("sliding_window", backend, name, limit, window, buckets)`.
    #[new]
    #[pyo3(signature = (kind, backend, name, a, b, buckets=None))]
    fn new(
        py: Python<'_>,
        kind: &str,
        backend: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
        buckets: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let backend = backend.cast::<RedisBackend>().map_err(|_| {
            crate::convert::wrong_type("backend", "a seawall.RedisBackend", backend, Kind::Config)
        })?;
        if kind == "token_bucket" {
            Self::token_bucket(py, backend, name, a, b)
        } else {
            Self::sliding_window(py, backend, name, a, b, buckets)
        }
    }

    #[staticmethod]
    fn token_bucket(
        py: Python<'_>,
        backend: &Bound<'_, RedisBackend>,
        name: &Bound<'_, PyAny>,
        rate_per_sec: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let cfg = TokenBucketConfig {
            rate_per_sec: real(rate_per_sec, "rate_per_sec", Kind::Config)?,
            burst: count(burst, "burst", Kind::Config)?,
            initial_tokens: None,
        };
        let window_ns = crate::limiter::token_bucket_window_ns(&cfg);
        let inner = CoreLimiter::token_bucket(&backend.get().inner, &name_arg(name)?, cfg)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
            window_ns,
        })
    }

    #[staticmethod]
    #[pyo3(signature = (backend, name, limit, window, buckets=None))]
    fn sliding_window(
        py: Python<'_>,
        backend: &Bound<'_, RedisBackend>,
        name: &Bound<'_, PyAny>,
        limit: &Bound<'_, PyAny>,
        window: &Bound<'_, PyAny>,
        buckets: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg = SlidingWindowConfig {
            limit: count(limit, "limit", Kind::Config)?,
            window: crate::convert::positive_secs(window, "window", Kind::Config)?,
            buckets: crate::sliding_window::buckets_arg(
                py,
                buckets,
                SlidingWindowConfig::default().buckets,
            )?,
        };
        let window_ns = seawall::clock::duration_to_ns(cfg.window);
        let inner = CoreLimiter::sliding_window(&backend.get().inner, &name_arg(name)?, cfg)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
            window_ns,
        })
    }

    /// Takes `n` for `key` if the limit allows; blocks (GIL released) at
    /// most the backend's deadline. A Redis failure is answered by the
    /// backend's failure mode, never raised.
    #[pyo3(signature = (key, n=None))]
    fn check(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let n = n_arg(n)?;
        self.run(py, key, n, CoreLimiter::try_acquire)
    }

    #[pyo3(signature = (key, n=None))]
    fn try_acquire(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        Ok(self.check(py, key, n)?.d.allowed)
    }

    /// What `check` would answer, taking nothing.
    #[pyo3(signature = (key, n=None))]
    fn peek(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let n = n_arg(n)?;
        self.run(py, key, n, CoreLimiter::peek)
    }

    /// Gives back up to `n` for `key` (a request granted but never sent).
    #[pyo3(signature = (key, n=None))]
    fn refund(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let n = n_arg(n)?;
        self.run(py, key, n, |l, k, n| {
            l.refund(k, n).map(|()| seawall::Decision {
                allowed: true,
                remaining: 0,
                retry_after: std::time::Duration::ZERO,
                reset_after: std::time::Duration::ZERO,
            })
        })
        .map(|_| ())
    }

    /// Starts `check(key, n)` without blocking; `settle(decision, error)`
    /// is scheduled on `loop` with `call_soon_threadsafe` when it is done
    /// (from the backend's runtime thread; at once for bad input).
    #[pyo3(signature = (key, n, event_loop, settle))]
    fn start(
        &self,
        key: &Bound<'_, PyAny>,
        n: Option<&Bound<'_, PyAny>>,
        event_loop: Py<PyAny>,
        settle: Py<PyAny>,
    ) -> PyResult<()> {
        let n = n_arg(n)?;
        let key = with_key(key, <[u8]>::to_vec)?;
        let limit = self.inner.limit();
        let window_ns = self.window_ns;
        self.inner.try_acquire_then(&key, n, move |r| {
            Python::attach(|py| {
                let args = match r {
                    Ok(d) => Py::new(
                        py,
                        Decision {
                            d,
                            limit,
                            window_ns,
                        },
                    )
                    .map(|d| (d.into_any(), py.None())),
                    Err(e) => Ok((py.None(), to_pyerr(py, &e).into_value(py).into_any())),
                };
                let res = args.and_then(|(d, e)| {
                    event_loop
                        .call_method1(py, "call_soon_threadsafe", (settle.clone_ref(py), d, e))
                        .map(|_| ())
                });
                if let Err(e) = res {
                    // The loop is closed: nobody awaits this any more.
                    e.write_unraisable(py, Some(settle.bind(py)));
                }
                drop(event_loop);
                drop(settle);
            });
        });
        Ok(())
    }

    /// TEST ONLY, not a feature: never call it outside a test. The
    /// decision for `op` (`"acquire"`, `"peek"` or `"refund"`) with the
    /// script's clock set to `now_ns` (ns since an epoch 0) instead of
    /// Redis `TIME`, and no key expiry (`spec/redis.md`, "Test-only time
    /// override"): how the conformance vectors run against Redis. Never mix
    /// it with the real-time calls on one key.
    #[pyo3(signature = (key, n, op, now_ns))]
    fn _test_only_decide_at(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        n: &Bound<'_, PyAny>,
        op: &str,
        now_ns: u64,
    ) -> PyResult<Decision> {
        let n = n_arg(Some(n))?;
        let key = with_key(key, <[u8]>::to_vec)?;
        let inner = Arc::clone(&self.inner);
        let op = op.to_owned();
        let d = py
            .detach(move || inner.decide_at(&key, n, &op, now_ns))
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(self.decision(d))
    }

    /// This limiter's allowed/denied and its backend's counters.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("limit", m.limit)?;
        d.set_item("allowed", m.allowed)?;
        d.set_item("denied", m.denied)?;
        metrics_into(&d, &m.backend)?;
        Ok(d)
    }

    #[getter]
    fn limit(&self) -> u64 {
        self.inner.limit()
    }
}

/// A permit of a `RedisConcurrencyLimit` (a lease that expires unless
/// renewed or released).
#[pyclass(frozen, module = "seawall._native", name = "RedisLease")]
pub struct RedisLease {
    inner: std::sync::Mutex<Option<seawall::redis::RedisLease>>,
}

#[pymethods]
impl RedisLease {
    /// Whether the failure mode granted it (Redis was not reachable).
    #[getter]
    fn is_local(&self) -> bool {
        self.inner
            .lock()
            .map(|g| g.as_ref().is_some_and(seawall::redis::RedisLease::is_local))
            .unwrap_or(false)
    }

    /// Whether it was released already.
    #[getter]
    fn released(&self) -> bool {
        self.inner.lock().map(|g| g.is_none()).unwrap_or(true)
    }
}

/// At most `max_concurrent` permits per key held at once across hosts;
/// each permit is a lease of `lease` seconds.
#[pyclass(
    frozen,
    subclass,
    module = "seawall._native",
    name = "RedisConcurrencyLimit"
)]
pub struct RedisConcurrencyLimit {
    inner: Arc<seawall::redis::RedisConcurrencyLimit>,
}

#[pymethods]
impl RedisConcurrencyLimit {
    #[new]
    #[pyo3(signature = (max_concurrent, lease=None, *, backend, name))]
    fn new(
        py: Python<'_>,
        max_concurrent: &Bound<'_, PyAny>,
        lease: Option<&Bound<'_, PyAny>>,
        backend: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let backend = backend.cast::<RedisBackend>().map_err(|_| {
            crate::convert::wrong_type("backend", "a seawall.RedisBackend", backend, Kind::Config)
        })?;
        let max = count(max_concurrent, "max_concurrent", Kind::Config)?;
        let lease = match lease.filter(|t| !t.is_none()) {
            None => seawall::redis::DEFAULT_LEASE,
            Some(t) => crate::convert::positive_secs(t, "lease", Kind::Config)?,
        };
        let inner = seawall::redis::RedisConcurrencyLimit::new(
            &backend.get().inner,
            &name_arg(name)?,
            max,
            lease,
        )
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// A lease for `key`, or None when `max_concurrent` are held (GIL
    /// released; at most the backend's deadline).
    fn try_acquire(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Option<RedisLease>> {
        let key = with_key(key, <[u8]>::to_vec)?;
        let inner = Arc::clone(&self.inner);
        let d = py
            .detach(move || inner.try_acquire(&key))
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(d.lease.map(|l| RedisLease {
            inner: std::sync::Mutex::new(Some(l)),
        }))
    }

    /// Gives the permit back: True if it was still held (False: its lease
    /// had expired, or it was released already).
    fn release(&self, py: Python<'_>, lease: &RedisLease) -> bool {
        let taken = lease.inner.lock().ok().and_then(|mut g| g.take());
        let Some(l) = taken else { return false };
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.release(l))
    }

    /// Extends a held lease from now: True if it was still held.
    fn renew(&self, py: Python<'_>, lease: &RedisLease) -> bool {
        let held = lease.inner.lock().ok().and_then(|g| g.clone());
        let Some(l) = held else { return false };
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.renew(&l))
    }

    #[getter]
    fn max_concurrent(&self) -> u64 {
        self.inner.max_concurrent()
    }
}

/// Feature flags in Redis with a local cache and safe defaults.
#[pyclass(
    frozen,
    subclass,
    module = "seawall._native",
    name = "RedisFeatureFlags"
)]
pub struct RedisFeatureFlags {
    inner: Arc<seawall::redis::RedisFeatureFlags>,
}

fn flag_arg(flag: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    with_key(flag, <[u8]>::to_vec)
        .map_err(|_| crate::convert::wrong_type("flag", "a str or bytes", flag, Kind::Argument))
}

#[pymethods]
impl RedisFeatureFlags {
    #[new]
    #[pyo3(signature = (*, backend, namespace, cache_ttl=None))]
    fn new(
        py: Python<'_>,
        backend: &Bound<'_, PyAny>,
        namespace: &Bound<'_, PyAny>,
        cache_ttl: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let backend = backend.cast::<RedisBackend>().map_err(|_| {
            crate::convert::wrong_type("backend", "a seawall.RedisBackend", backend, Kind::Config)
        })?;
        let ns = str_arg(namespace, "namespace", "a str like \"app\"")?;
        let ttl = match cache_ttl.filter(|t| !t.is_none()) {
            None => seawall::redis::DEFAULT_CACHE_TTL,
            Some(t) => secs(t, "cache_ttl", Kind::Config)?,
        };
        let inner = seawall::redis::RedisFeatureFlags::new(&backend.get().inner, &ns, ttl)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Whether `flag` is on; `default` when it was never set or Redis
    /// cannot answer (never raises for Redis).
    #[pyo3(signature = (flag, default=false))]
    fn is_enabled(&self, py: Python<'_>, flag: &Bound<'_, PyAny>, default: bool) -> PyResult<bool> {
        let flag = flag_arg(flag)?;
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.is_enabled(&flag, default))
            .map_err(|e| to_pyerr(py, &e))
    }

    /// Sets `flag` for every host; False when Redis could not be written.
    fn set(&self, py: Python<'_>, flag: &Bound<'_, PyAny>, on: bool) -> PyResult<bool> {
        let flag = flag_arg(flag)?;
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.set(&flag, on))
            .map_err(|e| to_pyerr(py, &e))
    }

    /// Turns `flag` off for every host for `for_seconds`, then back.
    fn disable(
        &self,
        py: Python<'_>,
        flag: &Bound<'_, PyAny>,
        for_seconds: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let flag = flag_arg(flag)?;
        let d = secs(for_seconds, "for_seconds", Kind::Argument)?;
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.disable(&flag, d)).map_err(|e| {
            // core's `for` is this parameter
            let e = match e {
                seawall::Error::InvalidArgument {
                    field: "for",
                    reason,
                } => seawall::Error::argument("for_seconds", reason),
                other => other,
            };
            to_pyerr(py, &e)
        })
    }
}
