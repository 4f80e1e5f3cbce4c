//! Names, labels and registries (`spec/metrics.md`): register an instance
//! under a name and labels, then write the Prometheus text or the health
//! JSON of every registered instance into a caller buffer.

use crate::adaptive_timeout::seawall_adaptive_timeout;
use crate::backoff::seawall_backoff;
use crate::boundary::fail;
use crate::bulkhead::seawall_bulkhead;
use crate::circuit_breaker::seawall_circuit_breaker;
use crate::fault::seawall_fault_injector;
use crate::limiters::{
    seawall_keyed_sliding_window, seawall_keyed_token_bucket, seawall_sliding_window,
    seawall_token_bucket,
};
use crate::retry_budget::seawall_retry_budget;
use crate::status::seawall_status;
use seawall::registry::{self as core, Source};
use std::os::raw::c_char;

/// A set of named instances exported together. Opaque; thread-safe.
pub struct seawall_registry(core::Registry);

/// Keeps one instance registered until `seawall_registration_free`.
/// Opaque.
pub struct seawall_registration(
    #[allow(dead_code)] core::Registration,
    /// The name refusal events carry (instances that can refuse a call).
    #[allow(dead_code)]
    Option<crate::events::NameGuard>,
);

/// The address refusal events know `src` by, for instances that can
/// refuse a call.
fn refusing_addr(src: &Source) -> Option<usize> {
    use crate::events::addr_of;
    match src {
        Source::CircuitBreaker(x) => Some(addr_of(x)),
        Source::TokenBucket(x) => Some(addr_of(x)),
        Source::SlidingWindow(x) => Some(addr_of(x)),
        Source::KeyedTokenBucket(x) => Some(addr_of(x)),
        Source::KeyedSlidingWindow(x) => Some(addr_of(x)),
        Source::Bulkhead(x) => Some(addr_of(x)),
        _ => None,
    }
}

/// One label: a Prometheus label name and its value (UTF-8, NUL-terminated).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_label {
    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, not one the export uses.
    pub name: *const c_char,
    /// Any UTF-8 of at most 1024 bytes.
    pub value: *const c_char,
}

/// Makes an empty registry whose families start with `prefix` + `_`
/// (core's `namespace`: a Prometheus metric name). `prefix` may be NULL
/// (then `seawall`). The caller frees `*out` with
/// `seawall_registry_free`. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (naming `prefix`) or
/// `SEAWALL_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_new(
    prefix: *const c_char,
    out: *mut *mut seawall_registry,
) -> seawall_status {
    ffi_boundary!([out] {
        let r = if prefix.is_null() {
            Ok(core::Registry::new())
        } else {
            ffi_str!(prefix, "prefix").and_then(|p| {
                core::Registry::with_namespace(p).map_err(|e| match e {
                    seawall::Error::InvalidArgument { reason, .. } => {
                        seawall::Error::argument("prefix", reason)
                    }
                    other => other,
                })
            })
        };
        match r {
            Ok(r) => {
                ffi_new_handle!(out, seawall_registry(r));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees a registry made by `seawall_registry_new`. NULL is a no-op.
/// Registrations in it stay valid (freeing them is then a no-op).
/// Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_free(registry: *mut seawall_registry) {
    ffi_value!((), { ffi_free_handle!(registry) })
}

/// Frees a registration: the instance leaves its registry. NULL is a
/// no-op. Free an instance's registrations when you free the instance
/// (a registration keeps the instance's counters alive, not its handle).
/// Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registration_free(registration: *mut seawall_registration) {
    ffi_value!((), { ffi_free_handle!(registration) })
}

/// The registry `registry` names: NULL is the process-wide default one.
fn reg(registry: Option<&seawall_registry>) -> &core::Registry {
    match registry {
        None => core::default_registry(),
        Some(r) => &r.0,
    }
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn register(
    registry: *const seawall_registry,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    src: Source,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    let name = match ffi_str!(name, "name") {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    if n_labels > core::MAX_LABELS {
        return fail(seawall::Error::argument(
            "labels",
            format!(
                "must have at most {} entries, got {n_labels}",
                core::MAX_LABELS
            ),
        ));
    }
    if n_labels > 0 && labels.is_null() {
        return crate::boundary::null_argument("labels");
    }
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(n_labels);
    for l in ffi_slice_or_empty!(labels, n_labels) {
        if l.name.is_null() || l.value.is_null() {
            return crate::boundary::null_argument("labels");
        }
        match (ffi_str!(l.name, "labels"), ffi_str!(l.value, "labels")) {
            (Ok(k), Ok(v)) => pairs.push((k, v)),
            (Err(e), _) | (_, Err(e)) => return fail(e),
        }
    }
    let addr = refusing_addr(&src);
    match reg(ffi_opt_ref!(registry)).register(name, &pairs, src) {
        Ok(h) => {
            let named = addr.and_then(|a| crate::events::name_instance(a, name));
            ffi_new_handle!(out, seawall_registration(h, named));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Registers `breaker` in `registry` as `name` with the `n_labels`
/// labels at `labels`; export reads its counters, so naming costs
/// nothing per call.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_circuit_breaker(
    registry: *const seawall_registry,
    breaker: *const seawall_circuit_breaker,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([breaker, name, out] {
        let src = Source::CircuitBreaker(ffi_ref!(breaker).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a token bucket.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_token_bucket(
    registry: *const seawall_registry,
    bucket: *const seawall_token_bucket,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([bucket, name, out] {
        let src = Source::TokenBucket(ffi_ref!(bucket).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a sliding window limiter.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_sliding_window(
    registry: *const seawall_registry,
    limiter: *const seawall_sliding_window,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([limiter, name, out] {
        let src = Source::SlidingWindow(ffi_ref!(limiter).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a keyed token
/// bucket (its table's counters: calls by outcome, waiting calls, keys
/// tracked, capacity, evictions, table full; spec/metrics.md).
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_keyed_token_bucket(
    registry: *const seawall_registry,
    limiter: *const seawall_keyed_token_bucket,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([limiter, name, out] {
        let src = Source::KeyedTokenBucket(ffi_ref!(limiter).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_keyed_token_bucket`, for a keyed
/// sliding window.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_keyed_sliding_window(
    registry: *const seawall_registry,
    limiter: *const seawall_keyed_sliding_window,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([limiter, name, out] {
        let src = Source::KeyedSlidingWindow(ffi_ref!(limiter).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a bulkhead.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_bulkhead(
    registry: *const seawall_registry,
    bulkhead: *const seawall_bulkhead,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([bulkhead, name, out] {
        let src = Source::Bulkhead(ffi_ref!(bulkhead).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a retry budget.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_retry_budget(
    registry: *const seawall_registry,
    budget: *const seawall_retry_budget,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([budget, name, out] {
        let src = Source::RetryBudget(ffi_ref!(budget).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for an adaptive timeout.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_adaptive_timeout(
    registry: *const seawall_registry,
    timeout: *const seawall_adaptive_timeout,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([timeout, name, out] {
        let src = Source::AdaptiveTimeout(ffi_ref!(timeout).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a fault injector.
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_fault_injector(
    registry: *const seawall_registry,
    injector: *const seawall_fault_injector,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([injector, name, out] {
        let src = Source::FaultInjector(ffi_ref!(injector).0.clone());
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// Like `seawall_registry_register_circuit_breaker`, for a backoff: its
/// schedules, retries and give-ups by reason (a retry built on it counts
/// there too).
///
/// `registry` may be NULL (the process-wide default registry).
/// `labels` may be NULL when `n_labels` is 0.
/// Thread-safe (cold path: takes the registry's lock). The caller
/// owns `*out` and frees it with `seawall_registration_free`.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
/// empty, over 200 bytes, control characters, not UTF-8, or already
/// registered there; or `labels`: a bad label name, a value over
/// 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_register_backoff(
    registry: *const seawall_registry,
    backoff: *const seawall_backoff,
    name: *const c_char,
    labels: *const seawall_label,
    n_labels: usize,
    out: *mut *mut seawall_registration,
) -> seawall_status {
    ffi_boundary!([backoff, name, out] {
        // A clone shares the backoff's counters.
        let src = Source::Backoff(std::sync::Arc::new(ffi_ref!(backoff).0.clone()));
        ffi_pass!(register(registry, name, labels, n_labels, src, out))
    })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn write_text(
    text: &str,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> seawall_status {
    let need = text.len();
    ffi_write!(out_len, need);
    if buf.is_null() || cap <= need {
        return fail(seawall::Error::argument(
            "cap",
            format!(
                "must be at least {} (the text and its NUL), got {cap}",
                need + 1
            ),
        ));
    }
    ffi_write_cstr!(buf, text.as_bytes());
    seawall_status::SEAWALL_OK
}

/// Writes the Prometheus text exposition (format 0.0.4, `spec/metrics.md`)
/// of every instance in `registry` into `buf`, NUL-terminated, and its
/// length without the NUL to `*out_len`. `registry` may be NULL (the
/// default registry). `buf` may be NULL (to ask for the length).
/// When `buf` is NULL or `cap` is not more than the length, writes
/// nothing into `buf`, still writes the length to `*out_len`, and returns
/// `SEAWALL_INVALID_ARGUMENT` naming `cap`: call again with a buffer of
/// `*out_len + 1` bytes (the text may grow in between; loop). Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
/// Thread-safe (cold path: takes the registry's lock while it copies the
/// entries, then reads each instance's counters).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_prometheus_text(
    registry: *const seawall_registry,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> seawall_status {
    ffi_boundary!([out_len] { ffi_pass!(write_text(&reg(ffi_opt_ref!(registry)).prometheus_text(), buf, cap, out_len)) })
}

/// Like `seawall_registry_prometheus_text`, for the health document
/// (JSON, `spec/metrics.md`). `registry` may be NULL (the default
/// registry). `buf` may be NULL (to ask for the length). Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (naming `cap`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_registry_health_json(
    registry: *const seawall_registry,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> seawall_status {
    ffi_boundary!([out_len] { ffi_pass!(write_text(&reg(ffi_opt_ref!(registry)).health_json(), buf, cap, out_len)) })
}
