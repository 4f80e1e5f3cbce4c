//! Retry classification defaults: HTTP statuses, transport failure kinds
//! and error-code tables, the same data every binding uses.

use crate::boundary::c_str;
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
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_statuses(
    out_statuses: *mut *const u16,
    out_len: *mut usize,
) -> seawall_status {
    ffi_boundary!([out_statuses, out_len] {
        *out_statuses = RETRYABLE_STATUSES.as_ptr();
        *out_len = RETRYABLE_STATUSES.len();
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
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_kind_parse(
    kind: *const c_char,
    out_kind: *mut seawall_retryable_kind,
) -> seawall_status {
    ffi_boundary!([kind, out_kind] {
        match c_str(kind, "kind") {
            Ok(name) => {
                *out_kind = to_c(RetryableKind::from_wire(name));
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
#[no_mangle]
pub unsafe extern "C" fn seawall_retryable_kind_for_code(
    code: *const c_char,
    out_kind: *mut seawall_retryable_kind,
) -> seawall_status {
    ffi_boundary!([code, out_kind] {
        match c_str(code, "code") {
            Ok(name) => {
                *out_kind = to_c(classify::kind_for_code(name));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}
