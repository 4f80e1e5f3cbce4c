//! The default retry classification tables, read from core
//! (`seawall::classify`) so Python keeps no list of its own.

use crate::convert::{wrong_type, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use seawall::circuit_breaker::Outcome;
use seawall::classify::classify_chain as classify_chain_core;
use seawall::classify::{
    is_retryable_kind, kind_for_code, kind_for_python_exception, RetryableKind, CODE_KINDS,
    PYTHON_EXCEPTION_KINDS, RETRYABLE_STATUSES,
};
use seawall::classify::{parse_retry_after, Link, MAX_CHAIN};
use seawall::headers::{QuotaPolicy, RateLimitHeaders};
use seawall::{Decision, Error, ErrorKind};
use std::time::Duration;

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

/// The qualified HTTP-client exception class name → kind table (requests,
/// urllib3, httpx, aiohttp).
#[pyfunction]
pub fn python_library_exception_kinds() -> Vec<(&'static str, &'static str)> {
    seawall::classify::PYTHON_LIBRARY_EXCEPTION_KINDS
        .iter()
        .map(|(c, k)| (*c, k.as_str()))
        .collect()
}

fn error_kind_arg(py: Python<'_>, name: &str, field: &'static str) -> PyResult<ErrorKind> {
    ErrorKind::from_wire(name).ok_or_else(|| {
        to_pyerr(
            py,
            &Error::argument(field, format!("must be a seawall error kind, got {name:?}")),
        )
    })
}

/// Whether a failure of one of seawall's own kinds (wire name) is retried
/// by default.
#[pyfunction]
pub fn is_retryable_error_kind(py: Python<'_>, kind: &Bound<'_, PyAny>) -> PyResult<bool> {
    let s = str_arg(kind, "kind")?;
    Ok(seawall::classify::is_retryable_error_kind(error_kind_arg(
        py, &s, "kind",
    )?))
}

fn str_arg(v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<String> {
    match v.cast::<PyString>() {
        Ok(s) => Ok(s.to_string()),
        Err(_) => Err(wrong_type(field, "a str", v, Kind::Argument)),
    }
}

/// Classifies a cause chain (link 0 is the error itself): each link is a
/// tuple `(seawall kind or None, transport kind or None, HTTP status or
/// None, retry_after_ns or None)`. Answers `(retryable, retry_after_ns,
/// decided_by)`: the first link with a verdict decides.
#[pyfunction]
pub fn classify_chain(
    py: Python<'_>,
    links: &Bound<'_, PyAny>,
) -> PyResult<(bool, Option<u64>, Option<usize>)> {
    let mut out: Vec<Link> = Vec::new();
    for item in links.try_iter()? {
        if out.len() >= MAX_CHAIN {
            break;
        }
        let item = item?;
        let (sw, tr, st, ra): (Option<String>, Option<String>, Option<i64>, Option<u64>) =
            item.extract().map_err(|_| {
                wrong_type(
                    "links",
                    "tuples (seawall kind, transport kind, status, retry_after_ns)",
                    &item,
                    Kind::Argument,
                )
            })?;
        let seawall = match sw {
            Some(s) => Some(error_kind_arg(py, &s, "seawall")?),
            None => None,
        };
        let transport = match tr {
            Some(t) => Some(RetryableKind::parse(&t).map_err(|e| to_pyerr(py, &e))?),
            None => None,
        };
        // A status outside u16 is no HTTP status: the link says nothing of it.
        let status = st.and_then(|s| u16::try_from(s).ok());
        out.push(Link {
            seawall,
            transport,
            status,
            retry_after_ns: ra,
        });
    }
    let v = classify_chain_core(out);
    Ok((v.retryable, v.retry_after_ns, v.decided_by))
}

/// A `Retry-After` header value as a delay in ns, or None when it is not
/// one (then the computed backoff delay is used). `now_unix_ms` is the wall
/// clock for HTTP-dates: the Python layer reads it (`time.time()`), the one
/// place seawall takes wall time, because the header is wall time.
#[pyfunction]
pub fn parse_retry_after_ns(
    value: &Bound<'_, PyAny>,
    now_unix_ms: &Bound<'_, PyAny>,
) -> PyResult<Option<u64>> {
    let s = str_arg(value, "value")?;
    let now = crate::convert::count(now_unix_ms, "now_unix_ms", Kind::Argument)?;
    Ok(parse_retry_after(&s, now))
}

/// The breaker outcome of a failed call: `ignored` (the ignore predicate
/// matched), `recorded` (the record predicate's answer, None when there is
/// none), `seawall` (the first seawall error kind on the cause chain).
/// Answers "success", "failure" or "ignored".
#[pyfunction]
#[pyo3(signature = (ignored, recorded=None, seawall=None))]
pub fn outcome_for_error(
    py: Python<'_>,
    ignored: bool,
    recorded: Option<bool>,
    seawall: Option<&str>,
) -> PyResult<&'static str> {
    let k = match seawall {
        Some(s) => Some(error_kind_arg(py, s, "seawall")?),
        None => None,
    };
    Ok(outcome_str(seawall::classify::outcome_for_error(
        ignored, recorded, k,
    )))
}

pub(crate) fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Ignored => "ignored",
    }
}

/// The rate-limit response headers (`spec/headers.md`) of a decision under
/// the quota policy `name` / `limit` / `window_ns`, in order.
#[pyfunction]
#[pyo3(signature = (allowed, remaining, retry_after_ns, reset_after_ns, *, name, limit, window_ns))]
#[allow(clippy::too_many_arguments)]
pub fn rate_limit_headers<'py>(
    py: Python<'py>,
    allowed: bool,
    remaining: u64,
    retry_after_ns: u64,
    reset_after_ns: u64,
    name: &Bound<'_, PyAny>,
    limit: u64,
    window_ns: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let name = str_arg(name, "name")?;
    let policy = QuotaPolicy::new(&name, limit, Duration::from_nanos(window_ns))
        .map_err(|e| to_pyerr(py, &e))?;
    let d = Decision {
        allowed,
        remaining,
        retry_after: Duration::from_nanos(retry_after_ns),
        reset_after: Duration::from_nanos(reset_after_ns),
    };
    headers_dict(py, &d, &policy)
}

pub(crate) fn headers_dict<'py>(
    py: Python<'py>,
    d: &Decision,
    policy: &QuotaPolicy,
) -> PyResult<Bound<'py, PyDict>> {
    let h = PyDict::new(py);
    for (k, v) in RateLimitHeaders::new(d, policy).pairs() {
        h.set_item(k, v)?;
    }
    Ok(h)
}
