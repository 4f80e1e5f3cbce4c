//! `ManualClock`: time that moves only when a test says so. Every seawall
//! primitive (and the retry sleeps of the Python layer) accepts one.

use crate::convert::{count, secs, Kind};
use pyo3::prelude::*;
use seawall::clock::{Clock, ClockSource, ManualClock as CoreManualClock, MonotonicClock};

/// A clock that moves only when `advance()` / `set()` is called.
///
/// Pass it as `clock=` to any primitive to test code that depends on time
/// without sleeping. `sleep(seconds)` advances it, so it can stand in for
/// `time.sleep` in retry loops.
#[pyclass(frozen, module = "seawall._native", name = "ManualClock")]
pub struct ManualClock {
    pub inner: CoreManualClock,
}

#[pymethods]
impl ManualClock {
    #[new]
    #[pyo3(signature = (start=None, *, start_ns=None))]
    fn new(
        py: Python<'_>,
        start: Option<&Bound<'_, PyAny>>,
        start_ns: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let given = |v: Option<&Bound<'_, PyAny>>| v.is_some_and(|v| !v.is_none());
        if given(start) && given(start_ns) {
            return Err(crate::errors::type_error(
                py,
                false,
                "start_ns",
                "ManualClock() takes start (seconds) or start_ns (nanoseconds), not both".into(),
            ));
        }
        let ns = match (start, start_ns) {
            (_, Some(n)) if !n.is_none() => count(n, "start_ns", Kind::Config)?,
            (Some(s), _) if !s.is_none() => {
                seawall::clock::duration_to_ns(secs(s, "start", Kind::Config)?)
            }
            _ => 0,
        };
        Ok(Self {
            inner: CoreManualClock::starting_at_ns(ns),
        })
    }

    /// Current time in float seconds.
    fn now(&self) -> f64 {
        self.inner.now_ns() as f64 / 1e9
    }

    /// Current time in integer nanoseconds.
    fn now_ns(&self) -> u64 {
        self.inner.now_ns()
    }

    /// Moves time forward by `seconds`.
    fn advance(&self, seconds: &Bound<'_, PyAny>) -> PyResult<()> {
        let d = secs(seconds, "seconds", Kind::Argument)?;
        self.inner.advance(d);
        Ok(())
    }

    /// Moves time forward by `ns` nanoseconds.
    fn advance_ns(&self, ns: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.advance_ns(count(ns, "ns", Kind::Argument)?);
        Ok(())
    }

    /// Sets the time to `seconds` (may move backwards, to test anomalies).
    fn set(&self, seconds: &Bound<'_, PyAny>) -> PyResult<()> {
        let d = secs(seconds, "seconds", Kind::Argument)?;
        self.inner.set_ns(seawall::clock::duration_to_ns(d));
        Ok(())
    }

    /// Sets the time to `ns` nanoseconds.
    fn set_ns(&self, ns: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.set_ns(count(ns, "ns", Kind::Argument)?);
        Ok(())
    }

    /// Calls `notify()` once (from the thread that moves the clock, with
    /// the GIL) when the time reaches `due_ns`; returns the timer's id for
    /// `_cancel_timer`, or None (nothing registered) when it already has.
    /// The building block of waits on this clock in event loops.
    fn _wake_at(&self, due_ns: &Bound<'_, PyAny>, notify: Py<PyAny>) -> PyResult<Option<u64>> {
        let due = count(due_ns, "due_ns", Kind::Argument)?;
        let waker = std::task::Waker::from(std::sync::Arc::new(crate::bulkhead::Notify(notify)));
        Ok(self.inner.wake_at(due, &waker))
    }

    /// Drops a timer of `_wake_at` uncalled (nothing if it already fired).
    fn _cancel_timer(&self, timer_id: u64) {
        self.inner.cancel_timer(timer_id);
    }

    /// Timers registered with `_wake_at` (or by waits) not yet fired.
    #[getter]
    fn _pending_timers(&self) -> usize {
        self.inner.pending_timers()
    }

    /// Stand-in for `time.sleep`: advances the clock by `seconds`.
    fn sleep(&self, seconds: &Bound<'_, PyAny>) -> PyResult<()> {
        self.advance(seconds)
    }

    fn __repr__(&self) -> String {
        format!("ManualClock(now_ns={})", self.inner.now_ns())
    }
}

/// The clock a primitive built with `clock=` should read: `None` is the
/// fast in-process monotonic clock (core's default, spec "Time"), a `ManualClock` is shared, anything else a TypeError.
pub fn source(clock: Option<&Bound<'_, PyAny>>) -> PyResult<ClockSource> {
    match clock {
        None => Ok(ClockSource::fast()),
        Some(c) if c.is_none() => Ok(ClockSource::fast()),
        Some(c) => match c.cast::<ManualClock>() {
            Ok(m) => Ok(ClockSource::Manual(m.get().inner.clone())),
            Err(_) => Err(crate::convert::wrong_type(
                "clock",
                "a seawall.ManualClock or None",
                c,
                Kind::Config,
            )),
        },
    }
}

/// `CLOCK_MONOTONIC` in integer nanoseconds: the clock every primitive
/// reads when no `clock=` is given.
#[pyfunction]
pub fn monotonic_ns() -> u64 {
    MonotonicClock.now_ns()
}
