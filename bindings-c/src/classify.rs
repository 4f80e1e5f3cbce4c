//! Retry classification defaults: HTTP statuses, transport failure kinds
//! and error-code tables, the same data every binding uses.

use crate::boundary::fail;
use crate::status::seawall_status;
use seawall::classify::{self, RetryableKind, RETRYABLE_STATUSES};
use std::os::raw::c_char;

/// A transient transport failure worth retrying by default.
/// `SEAWALL_RETRYABLE_NONE` means "not retryable / not listed".
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_retryable_kind {
    /// Not a retryable kind.
    SEAWALL_RETRYABLE_NONE = 0,
    /// `"connection_reset"`.
    SEAWALL_RETRYABLE_CONNECTION_RESET = 1,
    /// `"timed_out"`.
    SEAWALL_RETRYABLE_TIMED_OUT = 2,
    /// `"connection_refused"`.
    SEAWALL_RETRYABLE_CONNECTION_REFUSED = 3,
    /// `"network_error"`.
    SEAWALL_RETRYABLE_NETWORK_ERROR = 4,
    /// `"service_unavailable"`.
    SEAWALL_RETRYABLE_SERVICE_UNAVAILABLE = 5,
}

fn to_c(k: Option<RetryableKind>) -> seawall_retryable_kind {
    use seawall_retryable_kind::*;
    match k {
        None => SEAWALL_RETRYABLE_NONE,
        Some(RetryableKind::ConnectionReset) => SEAWALL_RETRYABLE_CONNECTION_RESET,
        Some(RetryableKind::TimedOut) => SEAWALL_RETRYABLE_TIMED_OUT,
        Some(RetryableKind::ConnectionRefused) => SEAWALL_RETRYABLE_CONNECTION_REFUSED,
        Some(RetryableKind::NetworkError) => SEAWALL_RETRYABLE_NETWORK_ERROR,
        Some(RetryableKind::ServiceUnavailable) => SEAWALL_RETRYABLE_SERVICE_UNAVAILABLE,
    }
}

fn kind_at(v: u32) -> Option<RetryableKind> {
    match v {
        1..=5 => RetryableKind::ALL.get(v as usize - 1).copied(),
        _ => None,
    }
}

/// Whether an HTTP status is retried by default (408, 429, 500, 502, 503,
/// 504). Thread-safe; cannot fail.
#[no_mangle]
pub extern "C" fn seawall_is_retryable_status(status: u32) -> bool {
    ffi_value!(false, {
        u16::try_from(status).is_ok_and(classify::is_retryable_status)
    })
}

/// Writes the sorted list of retryable HTTP statuses (a static array, do
/// not free) to `*out_statuses` and its length to `*out_len`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_statuses(
    out_statuses: *mut *const u16,
    out_len: *mut usize,
) -> seawall_status {
    ffi_boundary!([out_statuses, out_len] {
        ffi_write!(out_statuses, RETRYABLE_STATUSES.as_ptr());
        ffi_write!(out_len, RETRYABLE_STATUSES.len());
        seawall_status::SEAWALL_OK
    })
}

/// The wire name of a kind (`"timed_out"`), a static string; `"unknown"`
/// for `SEAWALL_RETRYABLE_NONE` and unknown values (never NULL, like every
/// `*_str`). Takes a `uint32_t` so any
/// value is safe. Kinds are numbered 1..=5 in declaration order.
/// Thread-safe; do not free.
#[no_mangle]
pub extern "C" fn seawall_retryable_kind_str(kind: u32) -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), {
        match kind_at(kind) {
            Some(RetryableKind::ConnectionReset) => c"connection_reset".as_ptr(),
            Some(RetryableKind::TimedOut) => c"timed_out".as_ptr(),
            Some(RetryableKind::ConnectionRefused) => c"connection_refused".as_ptr(),
            Some(RetryableKind::NetworkError) => c"network_error".as_ptr(),
            Some(RetryableKind::ServiceUnavailable) => c"service_unavailable".as_ptr(),
            None => c"unknown".as_ptr(),
        }
    })
}

/// Parses a kind's wire name (exact, case-sensitive) into `*out_kind`;
/// unknown names give `SEAWALL_RETRYABLE_NONE` (not retryable). Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field
/// `kind`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_kind_parse(
    kind: *const c_char,
    out_kind: *mut seawall_retryable_kind,
) -> seawall_status {
    ffi_boundary!([kind, out_kind] {
        match ffi_str!(kind, "kind") {
            Ok(name) => {
                ffi_write!(out_kind, to_c(RetryableKind::from_wire(name)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Maps an error code (POSIX errno name such as `"ECONNRESET"`, a
/// getaddrinfo code, a Node/undici `err.code`, a gRPC status name; exact,
/// upper-case) to the kind it means, written to `*out_kind`;
/// `SEAWALL_RETRYABLE_NONE` when the code is not listed. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field
/// `code`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_kind_for_code(
    code: *const c_char,
    out_kind: *mut seawall_retryable_kind,
) -> seawall_status {
    ffi_boundary!([code, out_kind] {
        match ffi_str!(code, "code") {
            Ok(name) => {
                ffi_write!(out_kind, to_c(classify::kind_for_code(name)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Parses a `Retry-After` header value (RFC 9110: delay-seconds, also
/// with a fraction such as `"1.5"`, or an HTTP-date) into a delay in ns,
/// written to `*out_delay_ns`; `*out_valid` is 1 when the value is valid,
/// else 0 (and the delay 0: use the computed backoff delay). `now_unix_ms`
/// is the caller's wall clock (ms since the Unix epoch), used only for
/// dates; a date in the past is 0. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field `value`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_parse_retry_after(
    value: *const c_char,
    now_unix_ms: u64,
    out_valid: *mut u8,
    out_delay_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([value, out_valid, out_delay_ns] {
        match ffi_str!(value, "value") {
            Ok(v) => {
                let d = classify::parse_retry_after(v, now_unix_ms);
                ffi_write!(out_valid, u8::from(d.is_some()));
                ffi_write!(out_delay_ns, d.unwrap_or(0));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

fn error_kind_of(status: u32) -> Option<seawall::ErrorKind> {
    seawall::ErrorKind::ALL
        .into_iter()
        .find(|k| seawall_status::from_kind(*k) as u32 == status)
}

/// Whether a seawall error (given by its status, 1..=10) is retried by
/// default: `SEAWALL_RATE_LIMITED`, `SEAWALL_TIMEOUT` and
/// `SEAWALL_INJECTED_FAULT` are; every other value is not. Thread-safe;
/// cannot fail.
#[no_mangle]
pub extern "C" fn seawall_is_retryable_error_status(status: u32) -> bool {
    ffi_value!(false, {
        error_kind_of(status).is_some_and(classify::is_retryable_error_kind)
    })
}

/// What a binding knows about one error of a cause chain (link 0 is the
/// error itself, then its cause, ...). Zero-initialised, a link says nothing.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_error_link {
    /// The error is a seawall error with this status (1..=10), or 0.
    pub seawall_status: u32,
    /// A listed transport failure (`seawall_retryable_kind`), or 0.
    pub transport: u32,
    /// An HTTP status the error carries, or 0.
    pub http_status: u32,
    /// Whether `retry_after_ns` applies.
    pub has_retry_after: u8,
    /// A hint carried by the error (a rejection's retry-after, a parsed
    /// `Retry-After` header), ns.
    pub retry_after_ns: u64,
}

/// The default classification of an error chain.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_verdict {
    /// 1: retry; 0: do not.
    pub retryable: u8,
    /// Whether `retry_after_ns` applies (only when retryable).
    pub has_retry_after: u8,
    /// The deciding link's hint, ns.
    pub retry_after_ns: u64,
    /// The link that decided (0 = the error itself), -1 when none did.
    pub decided_by: i32,
}

/// Classifies the cause chain `links[0..n]` by `spec/classify.md`: the
/// first link (of at most 32) that has a seawall status, a transport kind
/// or an HTTP status decides; when none does, the error is not retried.
/// Writes the verdict to `*out`. `links` may be NULL when `n` is 0. A
/// `seawall_status` or `transport` value that names nothing is refused.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
/// `links`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_classify_chain(
    links: *const seawall_error_link,
    n: usize,
    out: *mut seawall_verdict,
) -> seawall_status {
    ffi_boundary!([out] {
        if links.is_null() && n > 0 {
            return crate::boundary::null_argument("links");
        }
        let n = n.min(classify::MAX_CHAIN);
        let slice: &[seawall_error_link] = ffi_slice_or_empty!(links, n);
        let mut core = [classify::Link::default(); classify::MAX_CHAIN];
        for (dst, l) in core.iter_mut().zip(slice) {
            let seawall = match l.seawall_status {
                0 => None,
                s => match error_kind_of(s) {
                    Some(k) => Some(k),
                    None => return fail(seawall::Error::argument("links", format!("seawall_status must be 0 or a seawall error status (1..=10), got {s}"))),
                },
            };
            let transport = match l.transport {
                0 => None,
                t => match kind_at(t) {
                    Some(k) => Some(k),
                    None => return fail(seawall::Error::argument("links", format!("transport must be 0 or a seawall_retryable_kind (1..=5), got {t}"))),
                },
            };
            let status = match l.http_status {
                0 => None,
                s => match u16::try_from(s) {
                    Ok(s) => Some(s),
                    Err(_) => return fail(seawall::Error::argument("links", format!("http_status must be 0 or an HTTP status, got {s}"))),
                },
            };
            *dst = classify::Link {
                seawall,
                transport,
                status,
                retry_after_ns: (l.has_retry_after != 0).then_some(l.retry_after_ns),
            };
        }
        let v = classify::classify_chain(core.into_iter().take(n));
        ffi_write!(out, seawall_verdict {
            retryable: u8::from(v.retryable),
            has_retry_after: u8::from(v.retry_after_ns.is_some()),
            retry_after_ns: v.retry_after_ns.unwrap_or(0),
            decided_by: v.decided_by.map_or(-1, |i| i as i32),
        });
        seawall_status::SEAWALL_OK
    })
}

/// The breaker outcome (`seawall_outcome`) of a call that raised an error,
/// by `spec/classify.md`: `ignored` (the caller's ignore rule matched) →
/// ignored; else `recorded` 1 / 0 (the caller's record rule matched / did
/// not) → failure / success; else (`recorded` -1: no record rule) a
/// seawall rejection (`seawall_status` circuit_open, bulkhead_full,
/// rate_limited, invalid_config, invalid_argument) → ignored, anything
/// else → failure. `seawall_status` is the first seawall error's status on
/// the cause chain, 0 for none. Written to `*out_outcome`. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `recorded` not
/// -1, 0 or 1; `seawall_status` not 0..=9) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_outcome_for_error(
    ignored: u8,
    recorded: i32,
    seawall_status: u32,
    out_outcome: *mut u32,
) -> seawall_status {
    ffi_boundary!([out_outcome] {
        let rec = match recorded {
            -1 => None,
            0 => Some(false),
            1 => Some(true),
            r => return fail(seawall::Error::argument("recorded", format!("must be -1 (no rule), 0 or 1, got {r}"))),
        };
        let kind = match seawall_status {
            0 => None,
            s => match error_kind_of(s) {
                Some(k) => Some(k),
                None => return fail(seawall::Error::argument("seawall_status", format!("must be 0 or a seawall error status (1..=10), got {s}"))),
            },
        };
        ffi_write!(out_outcome, crate::circuit_breaker::outcome_to(classify::outcome_for_error(ignored != 0, rec, kind)));
        seawall_status::SEAWALL_OK
    })
}
