//! The default retry classification tables, read from core
//! (`seawall::classify`) so Python keeps no list of its own.

use pyo3::prelude::*;
use seawall::classify::{
    is_retryable_kind, kind_for_code, kind_for_python_exception, RetryableKind, CODE_KINDS,
    PYTHON_EXCEPTION_KINDS, RETRYABLE_STATUSES,
};

/// HTTP statuses retried by default.
#[pyfunction]
pub fn retryable_statuses() -> Vec<u16> {
    RETRYABLE_STATUSES.to_vec()
}

/// Whether `status` is retried by default.
#[pyfunction]
pub fn is_retryable_status(status: i64) -> bool {
    u16::try_from(status).is_ok_and(seawall::classify::is_retryable_status)
}

/// The retryable failure kinds (wire names).
#[pyfunction]
pub fn retryable_kinds() -> Vec<&'static str> {
    RetryableKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Whether a wire name is a retryable kind.
#[pyfunction]
pub fn is_retryable_kind_name(kind: &str) -> bool {
    is_retryable_kind(kind)
}

/// The kind an error code (errno name, gRPC status name) means, or None.
#[pyfunction]
pub fn kind_for_error_code(code: &str) -> Option<&'static str> {
    kind_for_code(code).map(RetryableKind::as_str)
}

/// The kind a Python builtin exception class name means, or None.
#[pyfunction]
pub fn kind_for_exception_name(name: &str) -> Option<&'static str> {
    kind_for_python_exception(name).map(RetryableKind::as_str)
}

/// The code → kind table.
#[pyfunction]
pub fn error_code_kinds() -> Vec<(&'static str, &'static str)> {
    CODE_KINDS.iter().map(|(c, k)| (*c, k.as_str())).collect()
}

/// The Python exception class name → kind table.
#[pyfunction]
pub fn exception_name_kinds() -> Vec<(&'static str, &'static str)> {
    PYTHON_EXCEPTION_KINDS
        .iter()
        .map(|(c, k)| (*c, k.as_str()))
        .collect()
}
