//! `Bulkhead`: a cap on concurrent calls with an optional bounded FIFO wait
//! queue (core `seawall::bulkhead`).
//!
//! `with bulkhead:` is native: `__enter__` takes a slot (waiting up to
//! `max_wait` with the GIL released) and `__exit__` gives one back. Slots
//! are interchangeable, so the permits of open `with` blocks sit in one
//! stack and `__exit__` drops any of them.

use crate::clock::source;
use crate::convert::{count, opt_secs, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use seawall::bulkhead::{Admission, Bulkhead as Core, BulkheadConfig, OwnedPermit, OwnedWaiter};
use seawall::clock::ClockSource;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// At most `max_concurrent` calls at once; up to `max_queue` callers wait
/// (FIFO) at most `max_wait` seconds (or the timeout they pass).
#[pyclass(
    frozen,
    subclass,
    weakref,
    module = "seawall._native",
    name = "Bulkhead"
)]
pub struct Bulkhead {
    pub inner: Arc<Core>,
    held: Mutex<Vec<OwnedPermit>>,
    clock: ClockSource,
}

impl Bulkhead {
    /// A slot, waiting up to `timeout` (default `max_wait`) with the GIL
    /// released. One admission per call: a free slot is taken (or the
    /// queue joined) by one `enqueue`, so `metrics()["rejected"]` counts
    /// each call that got no slot exactly once and a call that waited for
    /// its slot not at all.
    /// A slot (see `take_core`); a refusal is reported as a rejection.
    fn take(slf: &Bound<'_, Self>, timeout: Option<Duration>) -> PyResult<OwnedPermit> {
        let py = slf.py();
        let r = slf.get().take_core(py, timeout);
        crate::events::refused(py, slf.as_any(), &r, None);
        r.map_err(|e| to_pyerr(py, &e))
    }

    fn take_core(&self, py: Python<'_>, timeout: Option<Duration>) -> seawall::Result<OwnedPermit> {
        let timeout = timeout.unwrap_or(self.inner.config().max_wait);
        if timeout.is_zero() || self.inner.config().max_queue == 0 {
            return self.inner.try_acquire_owned();
        }
        if let ClockSource::Manual(_) = self.clock {
            // The deadline is fixed before joining the queue: another thread
            // may advance a ManualClock as soon as this caller is queued.
            let inner = Arc::clone(&self.inner);
            return py.detach(move || inner.acquire_owned(timeout));
        }
        // Monotonic: a free slot is taken without releasing the GIL (the
        // common case, no clock read). A queued caller's wait starts a few
        // microseconds after it joined the queue (this thread's own work).
        match self.inner.enqueue_owned()? {
            Admission::Acquired(p) => Ok(p),
            Admission::Queued(w) => py.detach(move || w.wait(timeout)),
        }
    }
}

#[pymethods]
impl Bulkhead {
    #[new]
    #[pyo3(signature = (max_concurrent=None, *, max_queue=None, max_wait=None, clock=None, region=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        max_concurrent: Option<&Bound<'_, PyAny>>,
        max_queue: Option<&Bound<'_, PyAny>>,
        max_wait: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = BulkheadConfig::default();
        let cfg = BulkheadConfig {
            max_concurrent: match max_concurrent {
                Some(v) if !v.is_none() => count(v, "max_concurrent", Kind::Config)?,
                _ => d.max_concurrent,
            },
            max_queue: match max_queue {
                Some(v) if !v.is_none() => count(v, "max_queue", Kind::Config)?,
                _ => d.max_queue,
            },
            max_wait: opt_secs(max_wait, "max_wait", Kind::Config)?.unwrap_or(d.max_wait),
        };
        let clock = source(clock)?;
        let inner = match crate::region::region_arg(region, name)? {
            Some((r, n)) => Core::in_region_with_clock(cfg, clock.clone(), &r, &n),
            None => Core::with_clock(cfg, clock.clone()),
        }
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self {
            inner: Arc::new(inner),
            held: Mutex::new(Vec::new()),
            clock,
        })
    }

    /// A slot if one is free and nobody waits, else None. Never blocks.
    fn try_acquire(slf: &Bound<'_, Self>) -> Option<BulkheadPermit> {
        let r = slf.get().inner.try_acquire_owned();
        crate::events::refused(slf.py(), slf.as_any(), &r, None);
        r.ok().map(BulkheadPermit::new)
    }

    /// A slot, waiting in the FIFO queue up to `timeout` seconds (default
    /// `max_wait`) with the GIL released; BulkheadFullError otherwise.
    #[pyo3(signature = (timeout=None))]
    fn acquire(
        slf: &Bound<'_, Self>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<BulkheadPermit> {
        let t = opt_secs(timeout, "timeout", Kind::Argument)?;
        Self::take(slf, t).map(BulkheadPermit::new)
    }

    /// A permit now, or a BulkheadWaiter holding a place in the FIFO queue
    /// (BulkheadFullError when the queue is full). Never blocks: the
    /// building block of acquire_async and of waits in other event loops.
    fn enqueue(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let r = slf.get().inner.enqueue_owned();
        crate::events::refused(py, slf.as_any(), &r, None);
        match r.map_err(|e| to_pyerr(py, &e))? {
            Admission::Acquired(p) => Ok(Py::new(py, BulkheadPermit::new(p))?.into_any()),
            Admission::Queued(w) => Ok(Py::new(
                py,
                BulkheadWaiter {
                    w: Mutex::new(Some(w)),
                },
            )?
            .into_any()),
        }
    }

    /// Reports a rejection: a wait of `acquire_async` in the queue ran out.
    fn _wait_ran_out(slf: &Bound<'_, Self>) {
        crate::events::refused_err(slf.py(), slf.as_any(), &seawall::Error::BulkheadFull, None);
    }

    /// Moves a permit's slot onto the stack `__exit__` pops (for `async with`).
    fn _hold(&self, permit: &BulkheadPermit) -> bool {
        match lock(&permit.p).take() {
            Some(p) => {
                lock(&self.held).push(p);
                true
            }
            None => false,
        }
    }

    /// Calls `func(*args, **kwargs)` holding a slot (waiting up to
    /// `max_wait`). A sync callable that returns an awaitable keeps the
    /// slot until the awaitable is done: the coroutine returned releases it.
    #[pyo3(signature = (func, /, *args, **kwargs))]
    fn call(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let p = Self::take(slf, None)?;
        let v = func.call(args, kwargs)?; // an exception drops `p`: released
        if crate::awaitable::returns_awaitable(&v)? {
            return crate::awaitable::holding(py, BulkheadPermit::new(p), &v);
        }
        drop(p);
        Ok(v.unbind())
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<()> {
        let p = Self::take(slf, None)?;
        lock(&slf.get().held).push(p);
        Ok(())
    }

    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        let p = lock(&self.held).pop();
        drop(p);
        false
    }

    #[getter]
    fn max_concurrent(&self) -> u64 {
        self.inner.config().max_concurrent
    }
    #[getter]
    fn max_queue(&self) -> u64 {
        self.inner.config().max_queue
    }
    /// Seconds a call waits by default.
    #[getter]
    fn max_wait(&self) -> f64 {
        self.inner.config().max_wait.as_secs_f64()
    }
    /// Slots held now.
    #[getter]
    fn active(&self) -> u64 {
        self.inner.metrics().active
    }
    /// The clock waits are measured on (None: monotonic).
    #[getter]
    fn _manual_clock(&self) -> bool {
        matches!(self.clock, ClockSource::Manual(_))
    }

    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.metrics();
        let d = PyDict::new(py);
        d.set_item("active", m.active)?;
        d.set_item("queued", m.queued)?;
        d.set_item("total", m.total)?;
        d.set_item("rejected", m.rejected)?;
        d.set_item("max_concurrent", m.max_concurrent)?;
        d.set_item("max_queue", m.max_queue)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.metrics();
        format!(
            "Bulkhead(max_concurrent={}, active={}, queued={})",
            m.max_concurrent, m.active, m.queued
        )
    }
}

/// One bulkhead slot. `release()` gives it back (once); it is also a
/// context manager, and a permit collected unreleased gives its slot back.
#[pyclass(frozen, module = "seawall._native", name = "BulkheadPermit")]
pub struct BulkheadPermit {
    p: Mutex<Option<OwnedPermit>>,
}

impl BulkheadPermit {
    /// Takes the slot out (the permit is then released).
    pub(crate) fn take(&self) -> Option<OwnedPermit> {
        lock(&self.p).take()
    }

    pub(crate) fn new(p: OwnedPermit) -> Self {
        Self {
            p: Mutex::new(Some(p)),
        }
    }
}

#[pymethods]
impl BulkheadPermit {
    /// Gives the slot back; False if it was already released.
    fn release(&self) -> bool {
        let p = lock(&self.p).take();
        p.is_some()
    }
    #[getter]
    fn released(&self) -> bool {
        lock(&self.p).is_none()
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.release();
        false
    }
    fn __repr__(&self) -> String {
        format!(
            "BulkheadPermit(released={})",
            if self.released() { "True" } else { "False" }
        )
    }
}

/// A place in a bulkhead's FIFO queue. `acquire_async` awaits it through
/// `poll(notify)`: core wakes the registered waker when the slot is handed
/// over, and the waker calls `notify` (no polling).
#[pyclass(frozen, module = "seawall._native", name = "BulkheadWaiter")]
pub struct BulkheadWaiter {
    w: Mutex<Option<OwnedWaiter>>,
}

impl BulkheadWaiter {
    pub(crate) fn new(w: OwnedWaiter) -> Self {
        Self {
            w: Mutex::new(Some(w)),
        }
    }
}

/// A `Waker` that calls a Python callable. Core wakes it from whichever
/// thread hands the slot over, never with the bulkhead's lock held, so
/// taking the GIL here cannot deadlock against a thread that holds the GIL
/// and waits for that lock.
pub(crate) struct Notify(pub(crate) Py<PyAny>);

impl Notify {
    fn call(&self, py: Python<'_>) {
        if let Err(e) = self.0.call0(py) {
            e.write_unraisable(py, Some(self.0.bind(py)));
        }
    }
}

impl Wake for Notify {
    fn wake(self: Arc<Self>) {
        Python::attach(|py| {
            self.call(py);
            drop(self); // usually the last reference: decref with the GIL
        });
    }
    fn wake_by_ref(self: &Arc<Self>) {
        Python::attach(|py| self.call(py));
    }
}

#[pymethods]
impl BulkheadWaiter {
    /// The permit if a slot was handed to this waiter, else None.
    fn try_claim(&self) -> Option<BulkheadPermit> {
        let mut g = lock(&self.w);
        let w = g.take()?;
        match w.try_claim() {
            Ok(p) => Some(BulkheadPermit::new(p)),
            Err(w) => {
                *g = Some(w);
                None
            }
        }
    }
    /// The permit if a slot was handed to this waiter; else None, and
    /// `notify()` will be called once (from any thread, with the GIL) when
    /// the slot is handed over. A later `poll` replaces the callback;
    /// `cancel` drops it uncalled (after `cancel`, or once claimed, `poll`
    /// returns None and never calls `notify`). For asyncio pass
    /// `functools.partial(loop.call_soon_threadsafe, cb)`.
    fn poll(&self, notify: Py<PyAny>) -> Option<BulkheadPermit> {
        let mut g = lock(&self.w);
        let w = g.as_mut()?;
        let waker = Waker::from(Arc::new(Notify(notify)));
        match Pin::new(w).poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(p) => {
                *g = None; // claimed: the spent waiter leaves nothing behind
                Some(BulkheadPermit::new(p))
            }
            Poll::Pending => None,
        }
    }
    /// Leaves the queue (passing on a slot already handed to it).
    fn cancel(&self) {
        let w = lock(&self.w).take();
        drop(w);
    }

    /// Blocks (GIL released) until the slot is handed over, at most
    /// `timeout` seconds: the permit, or None when the wait ran out (the
    /// place in the queue is then given up).
    fn wait(&self, py: Python<'_>, timeout: &Bound<'_, PyAny>) -> PyResult<Option<BulkheadPermit>> {
        let t = crate::convert::secs(timeout, "timeout", Kind::Argument)?;
        let Some(w) = lock(&self.w).take() else {
            return Ok(None);
        };
        Ok(py.detach(move || w.wait(t)).ok().map(BulkheadPermit::new))
    }
}
