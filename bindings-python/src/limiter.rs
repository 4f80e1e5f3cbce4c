//! What every rate limiter shares in Python: the `Decision` object, the
//! rate-limit response headers, and the blocking wait of `acquire()`.

use crate::bulkhead::Notify;
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use seawall::clock::duration_to_ns;
use seawall::{Decision as CoreDecision, LimiterWait, Reservation};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A rate limiter's answer: `allowed`, `remaining`, `retry_after` and
/// `reset_after` (float seconds; `*_ns` for exact integers), and the
/// limiter's `limit`. Truthy when allowed.
#[pyclass(frozen, module = "seawall._native", name = "Decision")]
pub struct Decision {
    pub d: CoreDecision,
    pub limit: u64,
    /// The quota window of the limiter's policy (`spec/headers.md`), ns.
    pub window_ns: u64,
}

/// The quota window of a token bucket: `burst × T` (`spec/headers.md`).
pub fn token_bucket_window_ns(cfg: &seawall::token_bucket::TokenBucketConfig) -> u64 {
    seawall::headers::QuotaPolicy::token_bucket("default", cfg)
        .map_or(0, |p| duration_to_ns(p.window()))
}

#[pymethods]
impl Decision {
    #[getter]
    fn allowed(&self) -> bool {
        self.d.allowed
    }
    #[getter]
    fn remaining(&self) -> u64 {
        self.d.remaining
    }
    #[getter]
    fn retry_after(&self) -> f64 {
        self.d.retry_after.as_secs_f64()
    }
    #[getter]
    fn reset_after(&self) -> f64 {
        self.d.reset_after.as_secs_f64()
    }
    #[getter]
    fn retry_after_ns(&self) -> u64 {
        duration_to_ns(self.d.retry_after)
    }
    #[getter]
    fn reset_after_ns(&self) -> u64 {
        duration_to_ns(self.d.reset_after)
    }
    #[getter]
    fn limit(&self) -> u64 {
        self.limit
    }
    fn __bool__(&self) -> bool {
        self.d.allowed
    }

    /// The rate-limit response headers (`spec/headers.md`, core's
    /// `seawall::headers`): `RateLimit-Policy`, `RateLimit` (IETF draft),
    /// `X-RateLimit-Limit` / `-Remaining` / `-Reset` and, when denied,
    /// `Retry-After`; times in whole seconds, rounded up. `name` names the
    /// quota policy (default "default").
    #[pyo3(signature = (name=None))]
    fn headers<'py>(
        &self,
        py: Python<'py>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let name = match name {
            Some(n) if !n.is_none() => match n.cast::<pyo3::types::PyString>() {
                Ok(s) => s.to_string(),
                Err(_) => {
                    return Err(crate::convert::wrong_type(
                        "name",
                        "a str",
                        n,
                        crate::convert::Kind::Argument,
                    ))
                }
            },
            _ => "default".to_owned(),
        };
        let policy = seawall::headers::QuotaPolicy::new(
            &name,
            self.limit,
            Duration::from_nanos(self.window_ns),
        )
        .map_err(|e| to_pyerr(py, &e))?;
        crate::classify::headers_dict(py, &self.d, &policy)
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(allowed={}, remaining={}, retry_after={:?}, reset_after={:?}, limit={})",
            if self.d.allowed { "True" } else { "False" },
            self.d.remaining,
            self.d.retry_after.as_secs_f64(),
            self.d.reset_after.as_secs_f64(),
            self.limit
        )
    }
}

/// How long one stretch without the GIL may last before we re-attach to
/// look for signals (Ctrl-C must still work during a long wait).
const SIGNAL_CHECK_NS: u64 = 50_000_000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The limiter (and key) a wait belongs to: the source of the rejection
/// event when the wait ends refused.
pub struct Owner<'a, 'py> {
    pub source: &'a Bound<'py, PyAny>,
    pub key: Option<&'a Bound<'py, PyAny>>,
}

/// What `reserve` gives Python: the Decision when granted now, else a
/// `LimiterWaiter`; `RateLimitedError` when refused (a `rejected` event of
/// `owner`).
pub fn reservation(
    py: Python<'_>,
    r: seawall::Result<Reservation>,
    limit: u64,
    window_ns: u64,
    owner: Owner<'_, '_>,
) -> PyResult<Py<PyAny>> {
    crate::events::refused(py, owner.source, &r, owner.key);
    match r.map_err(|e| to_pyerr(py, &e))? {
        Reservation::Granted(d) => Ok(Py::new(
            py,
            Decision {
                d,
                limit,
                window_ns,
            },
        )?
        .into_any()),
        Reservation::Waiting(w) => Ok(Py::new(
            py,
            LimiterWaiter {
                w: Mutex::new(Some(w)),
                limit,
                window_ns,
                source: owner.source.clone().unbind(),
                key: owner.key.map(|k| k.clone().unbind()),
            },
        )?
        .into_any()),
    }
}

/// Blocks (GIL released, re-attaching every 50 ms for signals) until the
/// reservation is due; a signal handler's exception gives it back. A wait
/// the limiter refuses after it was queued is reported as a rejection.
pub fn block_on(
    py: Python<'_>,
    r: seawall::Result<Reservation>,
    limit: u64,
    window_ns: u64,
    owner: Owner<'_, '_>,
) -> PyResult<Decision> {
    crate::events::refused(py, owner.source, &r, owner.key);
    let mut w = match r.map_err(|e| to_pyerr(py, &e))? {
        Reservation::Granted(d) => {
            return Ok(Decision {
                d,
                limit,
                window_ns,
            })
        }
        Reservation::Waiting(w) => w,
    };
    loop {
        let got = py.detach(|| w.wait_for(Some(Duration::from_nanos(SIGNAL_CHECK_NS))));
        match got {
            Ok(Some(d)) => {
                return Ok(Decision {
                    d,
                    limit,
                    window_ns,
                })
            }
            Ok(None) => py.check_signals()?, // on error `w` is dropped: given back
            Err(e) => {
                crate::events::refused_err(py, owner.source, &e, owner.key);
                return Err(to_pyerr(py, &e));
            }
        }
    }
}

/// A waiting acquire of a rate limiter, in its FIFO order (from
/// `reserve()`). Core decides when it is due; `acquire_async` awaits it
/// through `poll(notify)`. Dropping or `cancel()`ing it unclaimed gives the
/// reservation back (counted as one denial). A wait the limiter refuses
/// (`try_claim` / `poll` raising RateLimitedError) is reported as a
/// rejection by its limiter.
#[pyclass(frozen, module = "seawall._native", name = "LimiterWaiter")]
pub struct LimiterWaiter {
    w: Mutex<Option<LimiterWait>>,
    limit: u64,
    window_ns: u64,
    source: Py<PyAny>,
    key: Option<Py<PyAny>>,
}

impl LimiterWaiter {
    /// The answer of a finished wait; a refusal is reported (after the
    /// waiter's lock is dropped: a subscriber may use the waiter).
    fn finished(
        &self,
        py: Python<'_>,
        r: seawall::Result<CoreDecision>,
    ) -> PyResult<Option<Decision>> {
        match r {
            Ok(d) => Ok(Some(Decision {
                d,
                limit: self.limit,
                window_ns: self.window_ns,
            })),
            Err(e) => {
                crate::events::refused_err(
                    py,
                    self.source.bind(py),
                    &e,
                    self.key.as_ref().map(|k| k.bind(py)),
                );
                Err(to_pyerr(py, &e))
            }
        }
    }
}

#[pymethods]
impl LimiterWaiter {
    /// Seconds on the limiter's clock until the wait is due (0 when due).
    #[getter]
    fn due_in(&self) -> f64 {
        lock(&self.w)
            .as_ref()
            .map_or(0.0, |w| w.due_in().as_secs_f64())
    }

    /// `due_in` in integer nanoseconds.
    #[getter]
    fn due_in_ns(&self) -> u64 {
        lock(&self.w)
            .as_ref()
            .map_or(0, |w| duration_to_ns(w.due_in()))
    }

    /// The Decision if the wait is due (counted as granted), else None.
    /// RateLimitedError if the limiter had to refuse it.
    fn try_claim(&self, py: Python<'_>) -> PyResult<Option<Decision>> {
        let mut g = lock(&self.w);
        let Some(w) = g.as_mut() else { return Ok(None) };
        let r = match w.try_claim() {
            Ok(None) => return Ok(None),
            Ok(Some(d)) => Ok(d),
            Err(e) => Err(e),
        };
        *g = None;
        drop(g);
        self.finished(py, r)
    }

    /// Like `try_claim`; when not yet due and the limiter runs on a
    /// ManualClock, `notify()` is called once (from the thread that moves
    /// the clock, with the GIL) when the clock reaches the due time, or the
    /// due time moves. On the monotonic clock nothing is registered: wait
    /// `due_in` seconds (asyncio `call_later`) and poll again.
    fn poll(&self, py: Python<'_>, notify: Py<PyAny>) -> PyResult<Option<Decision>> {
        let mut g = lock(&self.w);
        let Some(w) = g.as_mut() else { return Ok(None) };
        let waker = Waker::from(Arc::new(Notify(notify)));
        match Pin::new(w).poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(r) => {
                *g = None;
                drop(g);
                self.finished(py, r)
            }
            Poll::Pending => Ok(None),
        }
    }

    /// Gives the wait up (and its reservation back).
    fn cancel(&self) {
        let w = lock(&self.w).take();
        drop(w);
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.source)?;
        if let Some(k) = &self.key {
            visit.call(k)?;
        }
        Ok(())
    }

    /// Whether the wait has finished (claimed, refused or cancelled).
    #[getter]
    fn done(&self) -> bool {
        lock(&self.w).is_none()
    }
}
