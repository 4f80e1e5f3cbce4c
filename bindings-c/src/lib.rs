//! The C ABI of seawall.
//!
//! Most of seawall's `unsafe` is here: every function taking a pointer is
//! an `unsafe extern "C" fn`, and every use of such a pointer goes through
//! the macros of `ffi.rs`, which carry the one safety argument (the
//! header's pointer contract). The rest of the project's `unsafe` is in
//! the two core modules allowed it (the shared-memory mapping,
//! `core/src/shm/map.rs`, and the time-stamp counter read,
//! `core/src/ordered_tsc.rs`) and in the Node and Python bindings' own FFI
//! glue.
//!
//! Conventions (see include/seawall.h): prefix `seawall_`, opaque handles
//! made by `_new` and released by `_free` (NULL is fine), config structs
//! initialised by `seawall_*_config_default()`, every fallible function
//! returns a `seawall_status` and writes outputs only on `SEAWALL_OK`.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[macro_use]
mod ffi;
#[macro_use]
mod boundary;
mod adaptive_timeout;
mod backoff;
mod bulkhead;
mod circuit_breaker;
mod classify;
mod clock;
mod config;
mod events;
mod fault;
mod headers;
mod limiters;
mod policy;
mod policy_run;
mod redis;
#[cfg(unix)]
mod region;
mod registry;
mod retry;
mod retry_budget;
mod status;

pub use adaptive_timeout::*;
pub use backoff::*;
pub use bulkhead::*;
pub use circuit_breaker::*;
pub use classify::*;
pub use clock::*;
pub use config::SEAWALL_CONFIG_MIN_SIZE;
pub use events::*;
pub use fault::*;
pub use headers::*;
pub use limiters::*;
pub use policy::*;
pub use policy_run::*;
pub use redis::*;
#[cfg(unix)]
pub use region::*;
pub use registry::*;
pub use retry::*;
pub use retry_budget::*;
pub use status::seawall_status;

use std::os::raw::{c_char, c_int};

/// The major version of this header (the `N` of the SONAME
/// `libseawall.so.N`): a library with another major has another ABI.
pub const SEAWALL_VERSION_MAJOR: u32 = 0;
/// The minor version of this header: a library with the same major and a
/// minor at least this one runs programs built with this header.
pub const SEAWALL_VERSION_MINOR: u32 = 1;
/// The patch version of this header.
pub const SEAWALL_VERSION_PATCH: u32 = 0;
/// This header's version as one number, `major * 10000 + minor * 100 +
/// patch`, to compare with `seawall_version_number()` at run time.
pub const SEAWALL_VERSION_NUMBER: u32 =
    SEAWALL_VERSION_MAJOR * 10000 + SEAWALL_VERSION_MINOR * 100 + SEAWALL_VERSION_PATCH;

/// The version of the library running, as `SEAWALL_VERSION_NUMBER` spells
/// the header's: a program checks `seawall_version_number() / 10000 ==
/// SEAWALL_VERSION_MAJOR` and `>= SEAWALL_VERSION_NUMBER` at start-up.
/// Thread-safe; cannot fail.
#[no_mangle]
pub extern "C" fn seawall_version_number() -> u32 {
    SEAWALL_VERSION_NUMBER
}

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated string.
/// Thread-safe; never NULL; do not free.
#[no_mangle]
pub extern "C" fn seawall_version() -> *const c_char {
    static V: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    V.as_ptr().cast()
}

/// A static, NUL-terminated name for a `seawall_status` value (e.g.
/// `"circuit_open"`, the wire name used by every binding). Takes an `int` so
/// any value is safe: unknown values give `"unknown"`. Thread-safe; never
/// NULL; do not free.
#[no_mangle]
pub extern "C" fn seawall_status_str(status: c_int) -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), {
        seawall_status::from_int(status).map_or(c"unknown".as_ptr(), |s| s.as_cstr().as_ptr())
    })
}

/// This thread's message for the last failed seawall call (e.g.
/// `"invalid config: rate_per_sec must be a finite number > 0, got NaN"`),
/// or `""` if the last call succeeded. Valid until the next seawall call on
/// the same thread; owned by seawall, do not free. Never NULL.
#[no_mangle]
pub extern "C" fn seawall_last_error_message() -> *const c_char {
    ffi_value!(c"".as_ptr(), { boundary::last_error_ptr() })
}

/// The field or parameter this thread's last failed call named, in C
/// spelling (`"open_duration_ns"`, `"n"`, `"out"`), or `""` when it named
/// none. A static string: never NULL; do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn seawall_last_error_field() -> *const c_char {
    ffi_value!(c"".as_ptr(), { boundary::last_error_field_ptr() })
}

/// After a rejection by `seawall_policy_try_acquire` on this thread: the
/// stage that refused, `"rate_limiter"`, `"circuit_breaker"` or
/// `"bulkhead"`; `""` after any other call. A static string: never NULL;
/// do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn seawall_last_error_stage() -> *const c_char {
    ffi_value!(c"".as_ptr(), { boundary::last_error_stage_ptr() })
}

/// After `SEAWALL_CIRCUIT_OPEN` or `SEAWALL_RATE_LIMITED` on this thread:
/// how long until the call could be admitted, in ns; 0 after any other
/// status. Thread-safe (reads this thread's last error).
#[no_mangle]
pub extern "C" fn seawall_last_error_retry_after_ns() -> u64 {
    ffi_value!(0, { boundary::last_error_retry_after_ns() })
}

/// This thread's last error as one value, for callers that want the error
/// with the call rather than through later thread-local reads (a Go
/// goroutine may move to another thread between two cgo calls; a binding
/// calls the function and `seawall_last_error_take` in one C helper).
/// Set `struct_size = sizeof(seawall_error)` before the call: seawall
/// writes only that many bytes, so the struct can grow.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_error {
    /// Set by the caller to `sizeof(seawall_error)`.
    pub struct_size: u32,
    /// The status of the failed call; `SEAWALL_OK` if the last call on
    /// this thread succeeded (then every string is `""`).
    pub status: seawall_status,
    /// `seawall_status_str(status)`: a static string.
    pub kind: *const c_char,
    /// The field or parameter named (C spelling), or `""`: a static string.
    pub field: *const c_char,
    /// The policy stage that rejected the call, or `""`: a static string.
    pub stage: *const c_char,
    /// As `seawall_last_error_retry_after_ns()`.
    pub retry_after_ns: u64,
    /// The message, NUL-terminated, truncated to fit (UTF-8 may be cut).
    pub message: [c_char; 256],
}

/// Copies this thread's last error to `*out` (writing `out->struct_size`
/// bytes at most; it must be at least 8) and clears it. Reads the error of
/// the call before it: unlike other functions it does not clear the last
/// error first. Thread-safe (this thread's error). Returns `SEAWALL_OK`
/// (`out->status` is the last call's status, `SEAWALL_OK` if it
/// succeeded), `SEAWALL_INVALID_ARGUMENT` (`struct_size` below 8; nothing
/// written) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_last_error_take(out: *mut seawall_error) -> seawall_status {
    if out.is_null() {
        boundary::clear_last_error();
        return boundary::null_argument("out");
    }
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let size = ffi_struct_size!(out) as usize;
        if size < 8 {
            return None;
        }
        let status = boundary::last_error_status();
        let mut e = seawall_error {
            struct_size: size.min(std::mem::size_of::<seawall_error>()) as u32,
            status,
            kind: if status == status::seawall_status::SEAWALL_OK {
                c"".as_ptr()
            } else {
                status.as_cstr().as_ptr()
            },
            field: boundary::last_error_field_ptr(),
            stage: boundary::last_error_stage_ptr(),
            retry_after_ns: boundary::last_error_retry_after_ns(),
            message: [0; 256],
        };
        // SAFETY: last_error_ptr returns a NUL-terminated string of ours,
        // valid until the next seawall call on this thread.
        let msg = unsafe { std::ffi::CStr::from_ptr(boundary::last_error_ptr()) }.to_bytes();
        let n = msg.len().min(e.message.len() - 1);
        for (d, s) in e.message.iter_mut().zip(msg.iter().take(n)) {
            *d = *s as c_char;
        }
        Some(e)
    }));
    boundary::clear_last_error();
    match r {
        Ok(Some(e)) => {
            let n = (e.struct_size as usize).min(std::mem::size_of::<seawall_error>());
            ffi_write_prefix!(out, &e, n);
            status::seawall_status::SEAWALL_OK
        }
        Ok(None) => boundary::fail(seawall::Error::argument(
            "struct_size",
            "must be sizeof(seawall_error)",
        )),
        Err(payload) => boundary::panic_status(payload),
    }
}

/// Test hook: panics inside seawall. Returns `SEAWALL_PANIC` and the process
/// goes on; proves that no panic crosses the C boundary. Thread-safe.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn seawall_test_panic() -> seawall_status {
    ffi_boundary!([] {
        let v: Vec<u8> = Vec::new();
        #[allow(clippy::indexing_slicing)]
        let x = v[usize::MAX >> 1];
        if x == 0 { status::seawall_status::SEAWALL_OK } else { status::seawall_status::SEAWALL_PANIC }
    })
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn version_macros_match_the_crate_version() {
        let v = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
        assert_eq!(
            super::SEAWALL_VERSION_MAJOR,
            v(env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            super::SEAWALL_VERSION_MINOR,
            v(env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            super::SEAWALL_VERSION_PATCH,
            v(env!("CARGO_PKG_VERSION_PATCH"))
        );
    }
}
