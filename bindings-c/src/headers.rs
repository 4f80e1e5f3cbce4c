//! Rate-limit response headers (`spec/headers.md`): `RateLimit-Policy`,
//! `RateLimit` (draft-09), `X-RateLimit-*` and `Retry-After`, computed by
//! the core from a limiter's decision.

use crate::boundary::fail;
use crate::limiters::{
    seawall_decision, seawall_sliding_window_config, seawall_token_bucket_config,
};
use crate::status::seawall_status;
use seawall::headers::{QuotaPolicy, RateLimitHeaders};
use seawall::Decision;
use std::os::raw::c_char;
use std::ptr::addr_of;
use std::time::Duration;

/// A quota policy: a name (1 to 64 printable ASCII characters), a limit
/// and a window, as the headers advertise it. Opaque; thread-safe
/// (immutable).
pub struct seawall_quota_policy(QuotaPolicy);

/// `seawall_rate_limit_header_value`'s `header`: `RateLimit-Policy`.
pub const SEAWALL_HEADER_RATELIMIT_POLICY: u32 = 0;
/// `RateLimit`.
pub const SEAWALL_HEADER_RATELIMIT: u32 = 1;
/// `X-RateLimit-Limit`.
pub const SEAWALL_HEADER_X_RATELIMIT_LIMIT: u32 = 2;
/// `X-RateLimit-Remaining`.
pub const SEAWALL_HEADER_X_RATELIMIT_REMAINING: u32 = 3;
/// `X-RateLimit-Reset`.
pub const SEAWALL_HEADER_X_RATELIMIT_RESET: u32 = 4;
/// `Retry-After` (sent only when the decision denied the request).
pub const SEAWALL_HEADER_RETRY_AFTER: u32 = 5;

/// One response's rate-limit headers as numbers (`seawall_rate_limit_headers_get`; the strings come from
/// `seawall_rate_limit_header_value`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_rate_limit_headers {
    /// `q` and `X-RateLimit-Limit`.
    pub limit: u64,
    /// `w`: the window in whole seconds, rounded up, at least 1.
    pub window_s: u64,
    /// `r` and `X-RateLimit-Remaining`.
    pub remaining: u64,
    /// `t` and `X-RateLimit-Reset`: seconds until full capacity, rounded up.
    pub reset_s: u64,
    /// 1 when `Retry-After` is sent (the request was denied).
    pub has_retry_after: u8,
    /// `Retry-After` in seconds, rounded up, at least 1.
    pub retry_after_s: u64,
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn policy_out(
    r: seawall::Result<QuotaPolicy>,
    out: *mut *mut seawall_quota_policy,
) -> seawall_status {
    match r {
        Ok(p) => {
            ffi_new_handle!(out, seawall_quota_policy(p));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a quota policy named `name` (copied) allowing `limit` requests
/// per `window_ns`, and writes it to `*out`. The caller owns `*out` and
/// frees it with `seawall_quota_policy_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `name`: empty, longer
/// than 64, or not printable ASCII) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_quota_policy_new(
    name: *const c_char,
    limit: u64,
    window_ns: u64,
    out: *mut *mut seawall_quota_policy,
) -> seawall_status {
    ffi_boundary!([name, out] {
        let n = match ffi_str!(name, "name") {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        ffi_pass!(policy_out(QuotaPolicy::new(n, limit, Duration::from_nanos(window_ns)), out))
    })
}

/// Creates the quota policy a token bucket advertises (`q` = burst, `w` =
/// burst × emission interval) and writes it to `*out`. The caller owns
/// `*out` and frees it with `seawall_quota_policy_free`. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `name`),
/// `SEAWALL_INVALID_CONFIG` (the bucket's config) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_quota_policy_from_token_bucket(
    name: *const c_char,
    config: *const seawall_token_bucket_config,
    out: *mut *mut seawall_quota_policy,
) -> seawall_status {
    ffi_boundary!([name, config, out] {
        let n = match ffi_str!(name, "name") {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        let c = match ffi_config!(config) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        ffi_pass!(policy_out(QuotaPolicy::token_bucket(n, &c.to_core()), out))
    })
}

/// Creates the quota policy a sliding window advertises (`q` = limit, `w`
/// = window) and writes it to `*out`. The caller owns `*out` and frees it
/// with `seawall_quota_policy_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `name`), `SEAWALL_INVALID_CONFIG` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_quota_policy_from_sliding_window(
    name: *const c_char,
    config: *const seawall_sliding_window_config,
    out: *mut *mut seawall_quota_policy,
) -> seawall_status {
    ffi_boundary!([name, config, out] {
        let n = match ffi_str!(name, "name") {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        let c = match ffi_config!(config) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        ffi_pass!(policy_out(QuotaPolicy::sliding_window(n, &c.to_core()), out))
    })
}

/// Frees a quota policy. NULL is a no-op. Not thread-safe: must not race
/// other calls on the same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_quota_policy_free(policy: *mut seawall_quota_policy) {
    ffi_value!((), { ffi_free_handle!(policy) })
}

/// The decision as the core's (its `allowed` byte read as a byte: any
/// non-zero value is true).
///
/// # Safety
/// `d` is a checked parameter (see `ffi.rs`): a readable `seawall_decision`,
/// whose `allowed` byte C may have set to any value.
unsafe fn decision(d: *const seawall_decision) -> Decision {
    // SAFETY: `d` points at a readable `seawall_decision` (contract). Its
    // fields are read through raw places, never through a reference to the
    // whole struct, so an `allowed` byte other than 0 or 1 is read as a
    // byte and never as a `bool`.
    unsafe {
        Decision {
            allowed: addr_of!((*d).allowed).cast::<u8>().read() != 0,
            remaining: (*d).remaining,
            retry_after: Duration::from_nanos((*d).retry_after_ns),
            reset_after: Duration::from_nanos((*d).reset_after_ns),
        }
    }
}

/// Writes the headers for `*decision` (from any limiter's `try_acquire`)
/// under `policy`, as numbers, to `*out`. Allocates nothing. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_rate_limit_headers_get(
    policy: *const seawall_quota_policy,
    decision: *const seawall_decision,
    out: *mut seawall_rate_limit_headers,
) -> seawall_status {
    ffi_boundary!([policy, decision, out] {
        let h = RateLimitHeaders::new(&ffi_pass!(self::decision(decision)), &ffi_ref!(policy).0);
        ffi_write!(out, seawall_rate_limit_headers {
            limit: h.limit,
            window_s: h.window_s,
            remaining: h.remaining,
            reset_s: h.reset_s,
            has_retry_after: u8::from(h.retry_after_s.is_some()),
            retry_after_s: h.retry_after_s.unwrap_or(0),
        });
        seawall_status::SEAWALL_OK
    })
}

/// The name of header `header` (a `SEAWALL_HEADER_*` value), e.g.
/// `"RateLimit-Policy"`; `"unknown"` for other values. A static string:
/// never NULL; do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn seawall_rate_limit_header_name(header: u32) -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), {
        match header {
            SEAWALL_HEADER_RATELIMIT_POLICY => c"RateLimit-Policy".as_ptr(),
            SEAWALL_HEADER_RATELIMIT => c"RateLimit".as_ptr(),
            SEAWALL_HEADER_X_RATELIMIT_LIMIT => c"X-RateLimit-Limit".as_ptr(),
            SEAWALL_HEADER_X_RATELIMIT_REMAINING => c"X-RateLimit-Remaining".as_ptr(),
            SEAWALL_HEADER_X_RATELIMIT_RESET => c"X-RateLimit-Reset".as_ptr(),
            SEAWALL_HEADER_RETRY_AFTER => c"Retry-After".as_ptr(),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// Formats the value of header `header` (a `SEAWALL_HEADER_*`) for
/// `*decision` under `policy` into `buf` (caller-owned, `buf_len` bytes),
/// NUL-terminated, like `snprintf`: `*out_len` is set to the value's
/// length (without the NUL) on `SEAWALL_OK` and when `buf_len` is too
/// small (then `SEAWALL_INVALID_ARGUMENT`, field `buf_len`, and `buf` is
/// untouched: call again with `*out_len + 1` bytes; 160 bytes always fit).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
/// `header`: unknown, or `Retry-After` for an allowed request, which sends
/// none; field `buf_len`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_rate_limit_header_value(
    policy: *const seawall_quota_policy,
    decision: *const seawall_decision,
    header: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> seawall_status {
    ffi_boundary!([policy, decision, buf, out_len] {
        let h = RateLimitHeaders::new(&ffi_pass!(self::decision(decision)), &ffi_ref!(policy).0);
        let v = match header {
            SEAWALL_HEADER_RATELIMIT_POLICY => h.policy_value(),
            SEAWALL_HEADER_RATELIMIT => h.ratelimit_value(),
            SEAWALL_HEADER_X_RATELIMIT_LIMIT => h.limit.to_string(),
            SEAWALL_HEADER_X_RATELIMIT_REMAINING => h.remaining.to_string(),
            SEAWALL_HEADER_X_RATELIMIT_RESET => h.reset_s.to_string(),
            SEAWALL_HEADER_RETRY_AFTER => match h.retry_after_s {
                Some(s) => s.to_string(),
                None => {
                    return fail(seawall::Error::argument(
                        "header",
                        "is Retry-After, which an allowed request does not send",
                    ))
                }
            },
            other => {
                return fail(seawall::Error::argument(
                    "header",
                    format!("must be a SEAWALL_HEADER_* value (0..=5), got {other}"),
                ))
            }
        };
        ffi_write!(out_len, v.len());
        if v.len() >= buf_len {
            return fail(seawall::Error::argument(
                "buf_len",
                format!("is {buf_len}, the value needs {} bytes with its NUL", v.len() + 1),
            ));
        }
        ffi_write_cstr!(buf, v.as_bytes());
        seawall_status::SEAWALL_OK
    })
}
