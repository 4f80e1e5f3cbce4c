//! Awaitables returned by sync calls (the Python half is
//! `python/seawall/_aio.py`).
//!
//! A lambda or plain `def` that returns a coroutine has not run when the
//! sync path gets its result: the native sync paths look at every result
//! and hand an awaitable to `seawall._aio`, which awaits it and records the
//! real outcome. Builtin results are skipped with exact type checks.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

/// Whether `v` (what a sync call returned) is awaitable.
#[inline]
pub fn returns_awaitable(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if v.is_none()
        || v.is_exact_instance_of::<PyInt>()
        || v.is_exact_instance_of::<PyString>()
        || v.is_exact_instance_of::<PyFloat>()
        || v.is_exact_instance_of::<PyBool>()
        || v.is_exact_instance_of::<PyDict>()
        || v.is_exact_instance_of::<PyTuple>()
        || v.is_exact_instance_of::<PyList>()
        || v.is_exact_instance_of::<PyBytes>()
    {
        return Ok(false);
    }
    other(v)
}

#[cold]
fn other(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = v.py();
    let ty = v.get_type();
    if ty.hasattr(intern!(py, "__await__"))? {
        return Ok(true);
    }
    // A generator-based coroutine (`types.coroutine`) has no `__await__`.
    static GENERATOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    if ty.is(GENERATOR.import(py, "types", "GeneratorType")?) {
        static ISAWAITABLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        return ISAWAITABLE
            .import(py, "inspect", "isawaitable")?
            .call1((v,))?
            .is_truthy();
    }
    Ok(false)
}

/// `seawall._aio.guarded(permit, awaitable)`: the coroutine that awaits
/// `awaitable` and finishes the breaker permit with its outcome.
#[cold]
pub fn guarded(
    py: Python<'_>,
    permit: crate::circuit_breaker::BreakerPermit,
    awaitable: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    static GUARDED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let permit = Py::new(py, permit)?;
    Ok(GUARDED
        .import(py, "seawall._aio", "guarded")?
        .call1((permit, awaitable))?
        .unbind())
}
