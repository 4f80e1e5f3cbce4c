//! Keyed limiters: one token bucket or sliding window per key (user id,
//! IP, tenant), in a bounded lock-free table (core `seawall::keyed`).

use crate::clock::source;
use crate::convert::{count, n_arg, opt_count, opt_secs, real, secs, Kind};
use crate::errors::to_pyerr;
use crate::limiter::{block_on, reservation, Decision, Owner};
use crate::sliding_window::buckets_arg;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use seawall::keyed::{
    KeyTableConfig, KeyedMetrics, KeyedSlidingWindow as CoreSw, KeyedSlidingWindowConfig,
    KeyedTokenBucket as CoreTb, KeyedTokenBucketConfig, OnFull,
};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall::Error;
use std::sync::Arc;
use std::time::Duration;

/// A key as bytes: `str` (UTF-8) or `bytes`; anything else is a TypeError.
pub(crate) fn with_key<R>(key: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(s) = key.cast::<PyString>() {
        let s = s.to_cow()?;
        return Ok(f(s.as_bytes()));
    }
    if let Ok(b) = key.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    Err(crate::convert::wrong_type(
        "key",
        "a str or bytes (use str(key) for numbers)",
        key,
        Kind::Argument,
    ))
}

fn table(
    py: Python<'_>,
    max_keys: Option<&Bound<'_, PyAny>>,
    max_probe: Option<&Bound<'_, PyAny>>,
    on_full: Option<&Bound<'_, PyAny>>,
    hash_seed: Option<&Bound<'_, PyAny>>,
) -> PyResult<KeyTableConfig> {
    let d = KeyTableConfig::default();
    let on_full = match on_full {
        Some(v) if !v.is_none() => {
            let s = v.cast::<PyString>().map_err(|_| {
                crate::convert::wrong_type("on_full", "\"deny\" or \"allow\"", v, Kind::Config)
            })?;
            OnFull::parse(&s.to_cow()?).map_err(|e| to_pyerr(py, &e))?
        }
        _ => d.on_full,
    };
    Ok(KeyTableConfig {
        max_keys: opt_count(max_keys, "max_keys", Kind::Config)?.unwrap_or(d.max_keys),
        max_probe: match opt_count(max_probe, "max_probe", Kind::Config)? {
            None => d.max_probe,
            Some(p) => u32::try_from(p).map_err(|_| {
                to_pyerr(
                    py,
                    &Error::config("max_probe", format!("must be in [1, 64], got {p}")),
                )
            })?,
        },
        on_full,
        hash_seed: opt_count(hash_seed, "hash_seed", Kind::Config)?,
    })
}

fn metrics_dict<'py>(py: Python<'py>, m: KeyedMetrics) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("keys_tracked", m.keys_tracked)?;
    d.set_item("capacity", m.capacity)?;
    d.set_item("evictions", m.evictions)?;
    d.set_item("table_full", m.table_full)?;
    d.set_item("allowed", m.allowed)?;
    d.set_item("denied", m.denied)?;
    d.set_item("waiting", m.waiting)?;
    Ok(d)
}

/// The methods both keyed limiters share (their core types have the same
/// per-key API), generated into each class's one `#[pymethods]` block
/// after its own constructor.
macro_rules! keyed_limiter_pymethods {
    ($ty:ident { $($new:tt)* }) => {
        #[pymethods]
        impl $ty {
            $($new)*

            #[pyo3(signature = (key, n=None))]
            fn try_acquire(
                slf: &Bound<'_, Self>,
                key: &Bound<'_, PyAny>,
                n: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<bool> {
                let py = slf.py();
                let n = n_arg(n)?;
                let r = with_key(key, |k| slf.get().inner.try_acquire(k, n))?;
                crate::events::decided(py, slf.as_any(), r, Some(key)).map(|d| d.allowed)
            }

            #[pyo3(signature = (key, n=None))]
            fn check(
                slf: &Bound<'_, Self>,
                key: &Bound<'_, PyAny>,
                n: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Decision> {
                let py = slf.py();
                let me = slf.get();
                let n = n_arg(n)?;
                let r = with_key(key, |k| me.inner.try_acquire(k, n))?;
                let d = crate::events::decided(py, slf.as_any(), r, Some(key))?;
                Ok(Decision {
                    d,
                    limit: me.limit,
                    window_ns: me.window_ns,
                })
            }

            /// What `check(key, n)` would answer now, without spending
            /// anything and without inserting the key (for rate-limit headers).
            #[pyo3(signature = (key, n=None))]
            fn peek(
                &self,
                py: Python<'_>,
                key: &Bound<'_, PyAny>,
                n: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Decision> {
                let n = n_arg(n)?;
                let d = with_key(key, |k| self.inner.peek(k, n))?.map_err(|e| to_pyerr(py, &e))?;
                Ok(Decision {
                    d,
                    limit: self.limit,
                    window_ns: self.window_ns,
                })
            }

            /// Blocks (GIL released) until `n` are granted for `key`, in
            /// FIFO order with the key's other waiters (core's per-key
            /// wait); RateLimitedError (with retry_after) at once when that
            /// cannot happen within `timeout` seconds (None: no limit).
            #[pyo3(signature = (key, n=None, timeout=None))]
            fn acquire(
                slf: &Bound<'_, Self>,
                key: &Bound<'_, PyAny>,
                n: Option<&Bound<'_, PyAny>>,
                timeout: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Decision> {
                let py = slf.py();
                let me = slf.get();
                let n = n_arg(n)?;
                let timeout = opt_secs(timeout, "timeout", Kind::Argument)?.unwrap_or(Duration::MAX);
                let r = with_key(key, |k| me.inner.reserve(k, n, timeout))?;
                block_on(
            py,
            r,
            me.limit,
            me.window_ns,
            Owner {
                source: slf.as_any(),
                key: Some(key),
            },
        )
            }

            /// The Decision if `n` can be had for `key` now, else a
            /// LimiterWaiter holding this request's place in the key's FIFO
            /// order (due within `timeout` seconds; None: no limit);
            /// RateLimitedError when it would be due later. Never blocks.
            #[pyo3(signature = (key, n=None, timeout=None))]
            fn reserve(
                slf: &Bound<'_, Self>,
                key: &Bound<'_, PyAny>,
                n: Option<&Bound<'_, PyAny>>,
                timeout: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let py = slf.py();
                let me = slf.get();
                let n = n_arg(n)?;
                let timeout = opt_secs(timeout, "timeout", Kind::Argument)?.unwrap_or(Duration::MAX);
                let r = with_key(key, |k| me.inner.reserve(k, n, timeout))?;
                reservation(
            py,
            r,
            me.limit,
            me.window_ns,
            Owner {
                source: slf.as_any(),
                key: Some(key),
            },
        )
            }

            #[pyo3(signature = (key, n=None))]
            fn refund(&self, key: &Bound<'_, PyAny>, n: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
                let n = n_arg(n)?;
                with_key(key, |k| self.inner.refund(k, n))
            }

            #[getter]
            fn limit(&self) -> u64 {
                self.limit
            }

            fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                metrics_dict(py, self.inner.metrics())
            }
        }
    };
}

/// One token bucket per key. Keys are `str` or `bytes`; the table always
/// has room for `max_keys` keys (idle keys, whose bucket is full again, are
/// reused); `on_full` ("deny" or "allow") answers new keys when the table
/// has no room.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "KeyedTokenBucket"
)]
pub struct KeyedTokenBucket {
    pub(crate) inner: Arc<CoreTb>,
    limit: u64,
    window_ns: u64,
}

keyed_limiter_pymethods!(KeyedTokenBucket {
    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!(
            "KeyedTokenBucket(limit={}, keys_tracked={}, capacity={})",
            self.limit, m.keys_tracked, m.capacity
        )
    }

    #[new]
    #[pyo3(signature = (rate_per_sec, burst, *, max_keys=None, max_probe=None, on_full=None, hash_seed=None, initial_tokens=None, clock=None, region=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rate_per_sec: &Bound<'_, PyAny>,
        burst: &Bound<'_, PyAny>,
        max_keys: Option<&Bound<'_, PyAny>>,
        max_probe: Option<&Bound<'_, PyAny>>,
        on_full: Option<&Bound<'_, PyAny>>,
        hash_seed: Option<&Bound<'_, PyAny>>,
        initial_tokens: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let bucket = TokenBucketConfig {
            rate_per_sec: real(rate_per_sec, "rate_per_sec", Kind::Config)?,
            burst: count(burst, "burst", Kind::Config)?,
            initial_tokens: opt_count(initial_tokens, "initial_tokens", Kind::Config)?,
        };
        let limit = bucket.burst;
        let window_ns = crate::limiter::token_bucket_window_ns(&bucket);
        let table = table(py, max_keys, max_probe, on_full, hash_seed)?;
        let clock = source(clock)?;
        let cfg = KeyedTokenBucketConfig { bucket, table };
        let inner = match crate::region::region_arg(region, name)? {
            Some((r, n)) => CoreTb::in_region_with_clock(cfg, clock, &r, &n),
            None => CoreTb::with_clock(cfg, clock),
        }
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
            limit,
            window_ns,
        })
    }
});

/// One sliding window per key; same table rules as KeyedTokenBucket.
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "KeyedSlidingWindow"
)]
pub struct KeyedSlidingWindow {
    pub(crate) inner: Arc<CoreSw>,
    limit: u64,
    window_ns: u64,
}

keyed_limiter_pymethods!(KeyedSlidingWindow {
    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!(
            "KeyedSlidingWindow(limit={}, keys_tracked={}, capacity={})",
            self.limit, m.keys_tracked, m.capacity
        )
    }

    #[new]
    #[pyo3(signature = (limit, window, *, buckets=None, max_keys=None, max_probe=None, on_full=None, hash_seed=None, clock=None, region=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        limit: &Bound<'_, PyAny>,
        window: &Bound<'_, PyAny>,
        buckets: Option<&Bound<'_, PyAny>>,
        max_keys: Option<&Bound<'_, PyAny>>,
        max_probe: Option<&Bound<'_, PyAny>>,
        on_full: Option<&Bound<'_, PyAny>>,
        hash_seed: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = SlidingWindowConfig::default();
        let window = SlidingWindowConfig {
            limit: count(limit, "limit", Kind::Config)?,
            window: secs(window, "window", Kind::Config)?,
            buckets: buckets_arg(py, buckets, d.buckets)?,
        };
        let limit = window.limit;
        let window_ns = seawall::clock::duration_to_ns(window.window);
        let table = table(py, max_keys, max_probe, on_full, hash_seed)?;
        let clock = source(clock)?;
        let cfg = KeyedSlidingWindowConfig { window, table };
        let inner = match crate::region::region_arg(region, name)? {
            Some((r, n)) => CoreSw::in_region_with_clock(cfg, clock, &r, &n),
            None => CoreSw::with_clock(cfg, clock),
        }
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
            limit,
            window_ns,
        })
    }
});
