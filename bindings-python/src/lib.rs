//! `seawall._native`: the private native module behind the `seawall`
//! Python package. Each primitive is a thin `#[pyclass]` over the core type;
//! values are converted in `convert.rs` and errors in `errors.rs`, nowhere
//! else. Every decision (admit, count, retry, wait) is the core's; what is
//! here is conversion, the GIL, and the bookkeeping of Python's protocols
//! (a `with` block's permit, an awaitable's state).

use pyo3::prelude::*;

mod adaptive_timeout;
mod awaitable;
mod backoff;
mod bulkhead;
mod circuit_breaker;
mod classify;
mod clock;
mod convert;
mod errors;
mod events;
mod fault;
mod keyed;
mod kwargs;
mod limiter;
mod policy;
mod policy_run;
mod redis;
mod region;
mod registry;
mod retry;
mod retry_budget;
mod sliding_window;
mod token_bucket;

use convert::Kind;

/// Validates a duration in float seconds the way every constructor does and
/// returns it as float seconds (`-0.0` becomes `0.0`). Used by the Python
/// layer (`timeout()`, `deadline()`, fallbacks) so its messages match.
#[pyfunction]
#[pyo3(signature = (name, value, *, allow_zero=false, argument=false))]
fn check_seconds(
    name: String,
    value: &Bound<'_, PyAny>,
    allow_zero: bool,
    argument: bool,
) -> PyResult<f64> {
    let kind = if argument {
        Kind::Argument
    } else {
        Kind::Config
    };
    let field: &'static str = intern_field(&name);
    let d = if allow_zero {
        convert::secs(value, field, kind)?
    } else {
        convert::positive_secs(value, field, kind)?
    };
    Ok(d.as_secs_f64())
}

/// Validates a non-negative int parameter (not bool) the way every
/// constructor does.
#[pyfunction]
#[pyo3(signature = (name, value, *, minimum=0, argument=false))]
fn check_count(
    name: String,
    value: &Bound<'_, PyAny>,
    minimum: u64,
    argument: bool,
) -> PyResult<u64> {
    let kind = if argument {
        Kind::Argument
    } else {
        Kind::Config
    };
    let field: &'static str = intern_field(&name);
    let n = convert::count(value, field, kind)?;
    if n < minimum {
        let e = match kind {
            Kind::Config => seawall::Error::config(field, format!("must be >= {minimum}, got {n}")),
            Kind::Argument => {
                seawall::Error::argument(field, format!("must be >= {minimum}, got {n}"))
            }
        };
        return Err(errors::to_pyerr(value.py(), &e));
    }
    Ok(n)
}

/// Core error fields are `&'static str`; names coming from the Python layer
/// are leaked once each (a bounded set: parameter names of this package).
fn intern_field(name: &str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let m = NAMES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut g = match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if let Some(s) = g.get(name) {
        return s;
    }
    let s: &'static str = Box::leak(name.to_owned().into_boxed_str());
    g.insert(name.to_owned(), s);
    s
}

/// The core error kinds as (number, wire name), for tests of the mapping.
#[pyfunction]
fn error_kinds() -> Vec<(u32, &'static str)> {
    seawall::ErrorKind::ALL
        .iter()
        .map(|k| (*k as u32, k.as_str()))
        .collect()
}

/// Tells the core that this process is a child just made by `os.fork()`:
/// unseeded generators (backoff jitter, fault injection) draw from fresh
/// seeds instead of repeating the parent's. The package registers it with
/// `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
fn after_fork_in_child() {
    seawall::rng::after_fork();
}

/// `gil_used = true`: on a free-threaded CPython (3.13t) importing this
/// module turns the GIL back on. PyO3 declares modules free-threading-safe
/// by default; this one is not declared so until a stress suite has run on
/// a free-threaded interpreter, because its locking rules lean on the GIL
/// (see `Listeners` in circuit_breaker.rs: a lock is only taken attached to
/// Python, so `fork()`, which holds the GIL, never copies it locked). The
/// published wheel is abi3, which free-threaded 3.13/3.14 cannot load at
/// all (no stable ABI there before abi3t, CPython 3.15); only a build from
/// the sdist on 3.13t reaches this line.
#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", seawall::VERSION)?;
    m.add_class::<clock::ManualClock>()?;
    m.add_function(wrap_pyfunction!(clock::monotonic_ns, m)?)?;
    m.add_function(wrap_pyfunction!(check_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(awaitable::returns_awaitable_py, m)?)?;
    m.add_function(wrap_pyfunction!(check_count, m)?)?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_message, m)?)?;
    m.add_function(wrap_pyfunction!(after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(events::_set_rejected_hook, m)?)?;
    m.add_function(wrap_pyfunction!(events::_set_rejected_wanted, m)?)?;
    m.add_class::<limiter::Decision>()?;
    m.add_class::<limiter::LimiterWaiter>()?;
    m.add_class::<token_bucket::TokenBucket>()?;
    m.add_class::<region::SharedRegion>()?;
    m.add_class::<circuit_breaker::TransitionWatcher>()?;
    m.add_class::<sliding_window::SlidingWindowLimiter>()?;
    m.add_class::<keyed::KeyedTokenBucket>()?;
    m.add_class::<keyed::KeyedSlidingWindow>()?;
    m.add_class::<redis::RedisBackend>()?;
    m.add_class::<redis::RedisLimiter>()?;
    m.add_class::<redis::RedisLease>()?;
    m.add_class::<redis::RedisConcurrencyLimit>()?;
    m.add_class::<redis::RedisFeatureFlags>()?;
    m.add_class::<backoff::Backoff>()?;
    m.add_class::<adaptive_timeout::AdaptiveTimeout>()?;
    m.add_class::<fault::FaultInjector>()?;
    m.add_class::<bulkhead::Bulkhead>()?;
    m.add_class::<policy::PolicyGate>()?;
    m.add_class::<policy::PolicyGuard>()?;
    m.add_class::<bulkhead::BulkheadPermit>()?;
    m.add_class::<bulkhead::BulkheadWaiter>()?;
    m.add_class::<circuit_breaker::CircuitBreaker>()?;
    m.add_class::<circuit_breaker::BreakerPermit>()?;
    m.add_class::<circuit_breaker::BreakerCall>()?;
    m.add_class::<backoff::Schedule>()?;
    m.add_class::<retry_budget::RetryBudget>()?;
    m.add_class::<retry::RetryCore>()?;
    m.add_class::<retry::RetryRun>()?;
    m.add_class::<policy_run::PolicyCore>()?;
    m.add_class::<policy_run::PolicyRun>()?;
    m.add_class::<registry::Registry>()?;
    m.add_class::<registry::Registration>()?;
    m.add_function(wrap_pyfunction!(registry::default_registry, m)?)?;
    m.add_function(wrap_pyfunction!(retry::give_up_reasons, m)?)?;
    m.add_function(wrap_pyfunction!(classify::is_retryable_error_kind, m)?)?;
    m.add_function(wrap_pyfunction!(classify::classify_chain, m)?)?;
    m.add_function(wrap_pyfunction!(classify::parse_retry_after_ns, m)?)?;
    m.add_function(wrap_pyfunction!(classify::outcome_for_error, m)?)?;
    m.add_function(wrap_pyfunction!(
        classify::python_library_exception_kinds,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(classify::rate_limit_headers, m)?)?;
    m.add_function(wrap_pyfunction!(classify::retryable_statuses, m)?)?;
    m.add_function(wrap_pyfunction!(classify::is_retryable_status, m)?)?;
    m.add_function(wrap_pyfunction!(classify::retryable_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(classify::is_retryable_kind_name, m)?)?;
    m.add_function(wrap_pyfunction!(classify::kind_for_error_code, m)?)?;
    m.add_function(wrap_pyfunction!(classify::kind_for_exception_name, m)?)?;
    m.add_function(wrap_pyfunction!(classify::error_code_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(classify::exception_name_kinds, m)?)?;
    Ok(())
}
