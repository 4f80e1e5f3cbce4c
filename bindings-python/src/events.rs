//! Rejection events: when a breaker, a rate limiter or a bulkhead refuses
//! a call, `seawall.events` is told (its subscribers, and the `seawall`
//! logger at DEBUG). Python keeps `WANTED` true only while a subscriber
//! exists or the logger is enabled for DEBUG, so a refusal nobody listens
//! to costs one relaxed load; the hook runs on the refusing thread, with
//! the GIL, after core has decided (never inside a lock).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;
use seawall::Error;

static WANTED: AtomicBool = AtomicBool::new(false);
static HOOK: OnceLock<Py<PyAny>> = OnceLock::new();

/// Sets the function called as `hook(by, source, retry_after, key)` for
/// each rejection (once per process; later calls are ignored: False).
#[pyfunction]
pub fn _set_rejected_hook(hook: Py<PyAny>) -> bool {
    HOOK.set(hook).is_ok()
}

/// Whether rejections are reported at all (kept by `seawall.events`).
#[pyfunction]
pub fn _set_rejected_wanted(on: bool) {
    WANTED.store(on, Ordering::Relaxed);
}

#[inline]
pub fn wanted() -> bool {
    WANTED.load(Ordering::Relaxed)
}

/// Reports one rejection by `by` of a call to `source`. Whatever the hook
/// raises goes to `sys.unraisablehook`; the call's outcome is unchanged.
#[cold]
pub fn rejected(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    by: &'static str,
    retry_after: Option<Duration>,
    key: Option<&Bound<'_, PyAny>>,
) {
    let Some(h) = HOOK.get() else { return };
    let h = h.bind(py);
    let ra = retry_after.map(|d| d.as_secs_f64());
    if let Err(e) = h.call1((by, source, ra, key)) {
        e.write_unraisable(py, Some(h));
    }
}

// The helpers below test the flag inline and do everything else out of
// line, so the caller's answer stays in registers while nobody listens.

/// Reports `r` when it is a rejection (a refused call), if wanted.
#[inline(always)]
pub fn refused<T>(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    r: &Result<T, Error>,
    key: Option<&Bound<'_, PyAny>>,
) {
    if !wanted() {
        return;
    }
    if let Err(e) = r {
        report(py, source, e, key);
    }
}

/// Reports `e` when it is a rejection, if wanted.
#[inline(always)]
pub fn refused_err(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    e: &Error,
    key: Option<&Bound<'_, PyAny>>,
) {
    if wanted() {
        report(py, source, e, key);
    }
}

#[cold]
#[inline(never)]
fn report(py: Python<'_>, source: &Bound<'_, PyAny>, e: &Error, key: Option<&Bound<'_, PyAny>>) {
    if let Some(by) = e.refused_by() {
        rejected(py, source, by.as_str(), e.retry_after(), key);
    }
}

/// A limiter's answer: the Decision, or the Python error of a refusal.
/// A denial or a refusal is reported when someone listens; the flag test
/// is inline and the answer is matched by value (kept in registers), the
/// rest out of line.
#[inline(always)]
pub fn decided(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    r: Result<seawall::Decision, Error>,
    key: Option<&Bound<'_, PyAny>>,
) -> PyResult<seawall::Decision> {
    match r {
        Ok(d) => {
            if !d.allowed && wanted() {
                denied(py, source, d.retry_after, key);
            }
            Ok(d)
        }
        Err(e) => Err(refused_pyerr(py, source, &e, key)),
    }
}

#[cold]
#[inline(never)]
fn denied(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    retry_after: Duration,
    key: Option<&Bound<'_, PyAny>>,
) {
    rejected(py, source, "rate_limiter", Some(retry_after), key);
}

#[cold]
#[inline(never)]
fn refused_pyerr(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    e: &Error,
    key: Option<&Bound<'_, PyAny>>,
) -> PyErr {
    refused_err(py, source, e, key);
    crate::errors::to_pyerr(py, e)
}
