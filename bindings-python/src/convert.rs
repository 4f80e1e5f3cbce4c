//! The one place Python values become config values.
//!
//! Every constructor and every call argument goes through these functions,
//! so a bad value gets the same message everywhere: `ValueError` (our
//! `ConfigError` / `InvalidArgumentError`) naming the parameter and the
//! value for out-of-range numbers, `TypeError` naming the parameter and the
//! type for values of the wrong type. Range checks are core's
//! (`seawall::validate`), so messages match the other bindings.

use crate::errors::{py_field, to_pyerr};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};
use seawall::validate;
use seawall::Error;
use std::time::Duration;

/// Whether a bad value is a config field (`ConfigError`) or a call argument
/// (`InvalidArgumentError`).
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A constructor parameter.
    Config,
    /// A method argument.
    Argument,
}

fn err(py: Python<'_>, kind: Kind, field: &'static str, reason: String) -> PyErr {
    let e = match kind {
        Kind::Config => Error::config(field, reason),
        Kind::Argument => Error::argument(field, reason),
    };
    to_pyerr(py, &e)
}

pub fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

fn repr(v: &Bound<'_, PyAny>) -> String {
    let r = v
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".into());
    if r.len() > 60 {
        format!("{}...", r.chars().take(57).collect::<String>())
    } else {
        r
    }
}

/// A `TypeError` naming the parameter, the expected type and the value.
pub fn wrong_type(field: &'static str, want: &str, v: &Bound<'_, PyAny>, kind: Kind) -> PyErr {
    crate::errors::type_error(
        v.py(),
        matches!(kind, Kind::Argument),
        field,
        format!(
            "{} must be {want}, got {} {}",
            py_field(field),
            type_name(v),
            repr(v)
        ),
    )
}

/// A real number (int or float, not bool) as f64. Ints too large for a
/// float are a `ValueError`; other types a `TypeError`. NaN and infinities
/// pass through (the caller's range check rejects them with core's words).
pub fn real(v: &Bound<'_, PyAny>, field: &'static str, kind: Kind) -> PyResult<f64> {
    let py = v.py();
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(f.value());
    }
    if v.is_instance_of::<PyBool>() {
        return Err(wrong_type(field, "a number (int or float)", v, kind));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(err(
                py,
                kind,
                field,
                format!("is out of range, got {}", repr(v)),
            )),
        };
    }
    Err(wrong_type(field, "a number (int or float)", v, kind))
}

/// Float seconds → `Duration` (finite, `>= 0`, at most 100 years). Whether
/// zero is allowed is the primitive's own check.
pub fn secs(v: &Bound<'_, PyAny>, field: &'static str, kind: Kind) -> PyResult<Duration> {
    let py = v.py();
    let x = real(v, field, kind)?;
    match validate::duration_from_secs_f64(field, x) {
        Ok(d) => Ok(d),
        Err(Error::InvalidConfig { reason, .. }) => Err(err(py, kind, field, reason)),
        Err(e) => Err(to_pyerr(py, &e)),
    }
}

/// Like [`secs`] but `None` gives `None`.
pub fn opt_secs(
    v: Option<&Bound<'_, PyAny>>,
    field: &'static str,
    kind: Kind,
) -> PyResult<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_none() => Ok(None),
        Some(x) => secs(x, field, kind).map(Some),
    }
}

/// Float seconds that must be `> 0`.
pub fn positive_secs(v: &Bound<'_, PyAny>, field: &'static str, kind: Kind) -> PyResult<Duration> {
    let d = secs(v, field, kind)?;
    if d.is_zero() {
        return Err(err(
            v.py(),
            kind,
            field,
            format!("must be > 0 seconds, got {}", repr(v)),
        ));
    }
    Ok(d)
}

/// The least value core accepts for an int parameter: a negative value is
/// told this bound, so the message agrees with the one core gives 0 (a test
/// in test_bad_input.py compares the two for every int parameter).
fn least(field: &str) -> u64 {
    match field {
        "buckets"
        | "burst"
        | "failure_count_threshold"
        | "half_open_max_calls"
        | "limit"
        | "max_attempts"
        | "max_concurrent"
        | "max_keys"
        | "max_probe"
        | "max_tokens"
        | "min_samples"
        | "minimum_number_of_calls"
        | "n"
        | "success_threshold"
        | "window_size" => 1,
        _ => 0,
    }
}

/// A non-negative integer (not bool, not float) as u64.
pub fn count(v: &Bound<'_, PyAny>, field: &'static str, kind: Kind) -> PyResult<u64> {
    let py = v.py();
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        return Err(wrong_type(field, "an int", v, kind));
    }
    match v.extract::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => {
            let negative = v.lt(0i64).unwrap_or(false);
            let reason = if negative {
                format!("must be >= {}, got {}", least(field), repr(v))
            } else {
                format!("is out of range (at most {}), got {}", u64::MAX, repr(v))
            };
            Err(err(py, kind, field, reason))
        }
    }
}

/// Like [`count`] but `None` gives `None`.
pub fn opt_count(
    v: Option<&Bound<'_, PyAny>>,
    field: &'static str,
    kind: Kind,
) -> PyResult<Option<u64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_none() => Ok(None),
        Some(x) => count(x, field, kind).map(Some),
    }
}

/// The `n` of `try_acquire(n)`: fast path for a small exact int.
#[inline]
pub fn n_arg(v: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    match v {
        None => Ok(1),
        Some(x) => {
            if x.is_exact_instance_of::<PyInt>() {
                if let Ok(n) = x.extract::<u64>() {
                    return Ok(n);
                }
            }
            count(x, "n", Kind::Argument)
        }
    }
}
