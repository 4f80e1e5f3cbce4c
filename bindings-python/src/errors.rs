//! The one place core errors become Python exceptions.
//!
//! The exception classes are plain Python classes in `seawall/errors.py`
//! (so they can carry attributes and subclass `ValueError` / `TimeoutError`);
//! they are imported once, on the first error raised.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use seawall::{Error, ErrorKind};
use std::time::Duration;

/// The Python spelling of a core field name. Python takes durations in
/// float seconds without a unit suffix and otherwise uses core's snake_case
/// names, so the mapping is the identity today; it lives here so that a
/// future rename has one place to go.
pub fn py_field(core_field: &str) -> &str {
    core_field
}

fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidConfig => "ConfigError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::CircuitOpen => "CircuitOpenError",
        ErrorKind::RateLimited => "RateLimitedError",
        ErrorKind::BulkheadFull => "BulkheadFullError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::RetryBudgetExhausted => "RetryBudgetExhaustedError",
        ErrorKind::InjectedFault => "InjectedFaultError",
        ErrorKind::RetryExhausted => "RetryError",
        _ => "SeawallError",
    }
}

fn class<'py>(py: Python<'py>, kind: ErrorKind) -> PyResult<Bound<'py, PyType>> {
    static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();
    let all = CLASSES.get_or_try_init(py, || -> PyResult<Vec<Py<PyType>>> {
        let m = py.import("seawall.errors")?;
        ErrorKind::ALL
            .iter()
            .map(|k| Ok(m.getattr(class_name(*k))?.cast_into::<PyType>()?.unbind()))
            .collect()
    })?;
    let idx = ErrorKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    match all.get(idx) {
        Some(c) => Ok(c.bind(py).clone()),
        None => Err(PyTypeError::new_err("seawall: error class table is empty")),
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Builds the Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let cls = class(py, e.kind())?;
    let kwargs = PyDict::new(py);
    let message = match e {
        Error::InvalidConfig { field, reason } | Error::InvalidArgument { field, reason } => {
            let f = py_field(field);
            kwargs.set_item("field", f)?;
            format!("{f} {reason}")
        }
        other => other.to_string(),
    };
    if let Some(ra) = e.retry_after() {
        kwargs.set_item("retry_after", secs(ra))?;
    }
    if let Some(a) = e.attempts() {
        kwargs.set_item("attempts", a)?;
    }
    if let Some(r) = e.give_up_reason() {
        kwargs.set_item("reason", r.as_str())?;
    }
    let obj = cls.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(obj))
}

/// A `TypeError` that names the parameter: `ConfigTypeError` for a
/// constructor parameter, `ArgumentTypeError` for a call argument. Both
/// subclass the builtin `TypeError` and `SeawallError` (with `field`).
pub fn type_error(py: Python<'_>, argument: bool, field: &str, message: String) -> PyErr {
    static CLASSES: PyOnceLock<(Py<PyType>, Py<PyType>)> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let (cfg, arg) =
            CLASSES.get_or_try_init(py, || -> PyResult<(Py<PyType>, Py<PyType>)> {
                let m = py.import("seawall.errors")?;
                Ok((
                    m.getattr("ConfigTypeError")?
                        .cast_into::<PyType>()?
                        .unbind(),
                    m.getattr("ArgumentTypeError")?
                        .cast_into::<PyType>()?
                        .unbind(),
                ))
            })?;
        let cls = if argument { arg } else { cfg };
        let kwargs = PyDict::new(py);
        kwargs.set_item("field", py_field(field))?;
        let obj = cls.bind(py).call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(obj))
    };
    match build() {
        Ok(e) => e,
        Err(_) => PyTypeError::new_err(message),
    }
}
