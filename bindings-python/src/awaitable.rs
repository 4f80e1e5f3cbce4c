//! Awaitables returned by sync calls (the Python half is
//! `python/seawall/_aio.py`).
//!
//! A lambda or plain `def` that returns a coroutine has not run when the
//! sync path gets its result: the native sync paths look at every result
//! and hand an awaitable to `seawall._aio`, which awaits it and records the
//! real outcome. Builtin results are skipped with exact type checks.

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use std::sync::OnceLock;

/// Whether `v` (what a sync call returned) is awaitable.
#[inline(always)]
pub fn returns_awaitable(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    let tp = v.get_type_ptr();
    let plain = [
        &raw mut ffi::PyLong_Type,
        &raw mut ffi::PyUnicode_Type,
        &raw mut ffi::PyFloat_Type,
        &raw mut ffi::PyBool_Type,
        &raw mut ffi::PyDict_Type,
        &raw mut ffi::PyTuple_Type,
        &raw mut ffi::PyList_Type,
        &raw mut ffi::PyBytes_Type,
    ];
    if v.is_none() || plain.contains(&tp) {
        return Ok(false);
    }
    not_builtin(v, tp)
}

#[cold]
#[inline(never)]
fn not_builtin(v: &Bound<'_, PyAny>, tp: *mut ffi::PyTypeObject) -> PyResult<bool> {
    match am_await(v.py(), tp) {
        Some(true) => Ok(true),
        Some(false) => generator_coroutine(v, tp),
        None => other(v, tp),
    }
}

/// Whether the type fills the `am_await` slot (it has `__await__`), read
/// without an attribute lookup (a missing `__await__` would cost an
/// AttributeError). None where the limited API cannot read the slot: a
/// static type on CPython 3.9.
#[inline]
fn am_await(py: Python<'_>, tp: *mut ffi::PyTypeObject) -> Option<bool> {
    static SLOTS_OF_STATIC_TYPES: OnceLock<bool> = OnceLock::new();
    // SAFETY: `tp` is the type of a live object the caller holds, and the
    // GIL is held; PyType_GetFlags only reads the flags.
    let heap = unsafe { ffi::PyType_GetFlags(tp) } & ffi::Py_TPFLAGS_HEAPTYPE != 0;
    if !heap && !*SLOTS_OF_STATIC_TYPES.get_or_init(|| py.version_info() >= (3, 10)) {
        return None;
    }
    // SAFETY: as above; PyType_GetSlot accepts heap types on every
    // supported version and static types from 3.10 (checked just above),
    // and returns NULL for an empty slot without setting an error.
    let slot = unsafe { ffi::PyType_GetSlot(tp, ffi::Py_am_await) };
    Some(!slot.is_null())
}

/// A static type on CPython 3.9: the attribute lookup.
#[cold]
fn other(v: &Bound<'_, PyAny>, tp: *mut ffi::PyTypeObject) -> PyResult<bool> {
    if v.get_type().hasattr(intern!(v.py(), "__await__"))? {
        return Ok(true);
    }
    generator_coroutine(v, tp)
}

/// A generator-based coroutine (`types.coroutine`) is awaitable without
/// `__await__`.
#[inline]
fn generator_coroutine(v: &Bound<'_, PyAny>, tp: *mut ffi::PyTypeObject) -> PyResult<bool> {
    let py = v.py();
    static GENERATOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    if tp
        != GENERATOR
            .import(py, "types", "GeneratorType")?
            .as_type_ptr()
    {
        return Ok(false);
    }
    static ISAWAITABLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    ISAWAITABLE
        .import(py, "inspect", "isawaitable")?
        .call1((v,))?
        .is_truthy()
}

/// `seawall._native.returns_awaitable(value)`: the same check for the
/// decorators written in Python.
#[pyfunction]
#[pyo3(name = "returns_awaitable")]
pub fn returns_awaitable_py(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    returns_awaitable(value)
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

/// `seawall._aio.holding(permit, awaitable)`: the coroutine that awaits
/// `awaitable`, then releases the bulkhead permit.
#[cold]
pub fn holding(
    py: Python<'_>,
    permit: crate::bulkhead::BulkheadPermit,
    awaitable: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    static HOLDING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let permit = Py::new(py, permit)?;
    Ok(HOLDING
        .import(py, "seawall._aio", "holding")?
        .call1((permit, awaitable))?
        .unbind())
}
