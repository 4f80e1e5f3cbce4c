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
        ErrorKind::SharedRegion => "SharedRegionError",
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

/// A core config error met while building a primitive from the keywords
/// in `passed` (name, value as given). When core blames a parameter the
/// caller did not pass (a default that conflicts with a value they chose,
/// e.g. `success_threshold` 3 against `half_open_max_calls=1`), the
/// message says that it is the default and names what was passed.
pub fn config_error(
    py: Python<'_>,
    e: &Error,
    passed: &[(&str, Option<&Bound<'_, PyAny>>)],
) -> PyErr {
    let given: Vec<String> = passed
        .iter()
        .filter_map(|(n, v)| match v {
            Some(v) if !v.is_none() => Some(format!(
                "{}={}",
                py_field(n),
                v.repr()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| "?".into())
            )),
            _ => None,
        })
        .collect();
    match e {
        Error::InvalidConfig { field, reason }
            if !given.is_empty()
                && !passed
                    .iter()
                    .any(|(n, v)| n == field && v.is_some_and(|v| !v.is_none())) =>
        {
            let f = py_field(field);
            let msg = format!(
                "{} (its default: you passed {}, so pass {f}= too)",
                message(py, f, reason),
                given.join(", ")
            );
            raise(py, e, msg, f)
        }
        _ => to_pyerr(py, e),
    }
}

fn raise(py: Python<'_>, e: &Error, message: String, field: &str) -> PyErr {
    let go = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("field", field)?;
        let obj = class(py, e.kind())?.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(obj))
    };
    go().unwrap_or_else(|err| err)
}

/// `field reason`, unless core's reason already names the field (a rule
/// over two fields: "error_rate + delay_rate must be <= 1"), with core's
/// durations written in seconds, the unit Python takes.
fn message(py: Python<'_>, field: &str, reason: &str) -> String {
    let reason = seconds_in(py, reason);
    if names(&reason, field) {
        reason
    } else {
        format!("{field} {reason}")
    }
}

/// Whether `text` contains `word` as a whole identifier, not as the unit
/// of a number ("a finite number of seconds" does not name a parameter
/// called `seconds`).
fn names(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let head = text.get(..i).unwrap_or("");
        let before = head.chars().next_back();
        let after = text.get(i + word.len()..).and_then(|t| t.chars().next());
        !before.is_some_and(ident) && !after.is_some_and(ident) && !head.ends_with(" of ")
    })
}

/// Rewrites core's `Duration` debug forms (`0ns`, `900µs`, `100ms`, `1.5s`)
/// as Python float seconds (`0.0`, `0.0009`, `0.1`, `1.5`).
pub fn seconds_in(py: Python<'_>, reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        let starts = c.is_ascii_digit()
            && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        if starts {
            if let Some((secs, used)) = duration_token(rest) {
                let r = pyo3::types::PyFloat::new(py, secs)
                    .repr()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| format!("{secs:?}"));
                out.push_str(&r);
                prev = rest.get(..used).and_then(|t| t.chars().next_back());
                rest = rest.get(used..).unwrap_or("");
                continue;
            }
        }
        out.push(c);
        prev = Some(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// `digits[.digits](ns|µs|ms|s)` not followed by an identifier character:
/// the value in seconds and the bytes used.
fn duration_token(s: &str) -> Option<(f64, usize)> {
    let int_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mut end = int_end;
    let tail = s.get(int_end..)?;
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        if n == 0 {
            return None;
        }
        end += 1 + n;
    }
    let number: f64 = s.get(..end)?.parse().ok()?;
    let after = s.get(end..)?;
    let (scale, unit) = [("ns", 1e-9), ("\u{b5}s", 1e-6), ("ms", 1e-3), ("s", 1.0)]
        .into_iter()
        .find_map(|(u, k)| after.starts_with(u).then_some((k, u.len())))?;
    let next = after.get(unit..).and_then(|t| t.chars().next());
    if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    // Through integer nanoseconds, so 900µs is 0.0009 and not 0.0009000000000000001.
    let ns = (number * (scale / 1e-9)).round();
    Some((ns / 1e9, end + unit))
}

/// A rejection (`CircuitOpenError`, `RateLimitedError`, `BulkheadFullError`)
/// made as cheaply as a builtin exception: `BaseException.__new__` through
/// the type's `tp_new` slot (no Python `__init__` runs, `args` is empty) and
/// one attribute, `retry_after`, when known. The message is built only when
/// asked for (`SeawallError.__str__` calls [`error_message`]).
fn rejection(py: Python<'_>, cls: &Bound<'_, PyType>, e: &Error) -> PyResult<PyErr> {
    use pyo3::ffi;
    let tp = cls.as_type_ptr();
    let args = pyo3::types::PyTuple::empty(py);
    // SAFETY: the GIL is held; `cls` is a live heap type (a class of
    // seawall/errors.py), whose `tp_new` slot PyType_GetSlot may read on
    // every supported version. The slot is BaseException's tp_new (the
    // classes define no __new__), which takes (type, args, kwds=NULL) and
    // returns a new reference or NULL with an error set.
    let obj = unsafe {
        let slot = ffi::PyType_GetSlot(tp, ffi::Py_tp_new);
        if slot.is_null() {
            return Err(PyTypeError::new_err(
                "seawall: exception class without tp_new",
            ));
        }
        let new: ffi::newfunc = std::mem::transmute::<*mut std::ffi::c_void, ffi::newfunc>(slot);
        Bound::from_owned_ptr_or_err(py, new(tp, args.as_ptr(), std::ptr::null_mut()))?
    };
    if let Some(ra) = e.retry_after() {
        obj.setattr(pyo3::intern!(py, "retry_after"), secs(ra))?;
    }
    Ok(PyErr::from_value(obj))
}

/// The message of an exception made without one (a rejection): core's
/// wording for `kind` (a wire name) and `retry_after` seconds.
#[pyfunction]
#[pyo3(signature = (kind, retry_after=None))]
pub fn error_message(kind: &str, retry_after: Option<f64>) -> String {
    let ra = retry_after
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_nanos((s * 1e9).round().min(u64::MAX as f64) as u64))
        .unwrap_or_default();
    match kind {
        "circuit_open" => Error::CircuitOpen { retry_after: ra }.to_string(),
        "rate_limited" => Error::RateLimited { retry_after: ra }.to_string(),
        "bulkhead_full" => Error::BulkheadFull.to_string(),
        other => other.replace('_', " "),
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let cls = class(py, e.kind())?;
    if matches!(
        e,
        Error::CircuitOpen { .. } | Error::RateLimited { .. } | Error::BulkheadFull
    ) {
        return rejection(py, &cls, e);
    }
    let kwargs = PyDict::new(py);
    let message = match e {
        Error::InvalidConfig { field, reason } | Error::InvalidArgument { field, reason } => {
            let f = py_field(field);
            kwargs.set_item("field", f)?;
            message(py, f, reason)
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
