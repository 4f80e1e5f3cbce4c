//! The panic boundary, pointer checks and the per-thread last error.
//!
//! Every `extern "C"` function body runs inside [`ffi_boundary!`]: a panic
//! becomes `SEAWALL_PANIC`, an error becomes its status and sets the
//! thread's last error, and nothing unwinds into C.
//!
//! The last error is stored as data (no allocation for rejections such as
//! `circuit_open`); its message is formatted only when C asks for it.

use crate::status::seawall_status;
use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::c_char;

/// What the last failed call on this thread reported.
enum Last {
    None,
    Core(seawall::Error),
    Null(&'static str),
    Panic(String),
}

struct LastError {
    last: Last,
    /// The policy stage that rejected the call, if a policy did.
    stage: Option<&'static std::ffi::CStr>,
    /// The message, formatted on first request.
    message: Option<CString>,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = const {
        RefCell::new(LastError { last: Last::None, stage: None, message: None })
    };
    /// Whether LAST_ERROR holds an error: a const, destructor-free flag, so
    /// the check every successful call makes is one thread-local load.
    static HAS_ERROR: Cell<bool> = const { Cell::new(false) };
}

fn set(last: Last) {
    HAS_ERROR.with(|h| h.set(true));
    LAST_ERROR.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            e.last = last;
            e.stage = None;
            e.message = None;
        }
    });
}

/// Clears this thread's last error (start of every call).
#[inline]
pub(crate) fn clear_last_error() {
    if HAS_ERROR.with(Cell::get) {
        clear_slow();
    }
}

#[cold]
fn clear_slow() {
    HAS_ERROR.with(|h| h.set(false));
    LAST_ERROR.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            if !matches!(e.last, Last::None) {
                e.last = Last::None;
                e.stage = None;
                e.message = None;
            }
        }
    });
}

/// A core field name in C's spelling (`open_duration` → `open_duration_ns`):
/// the one place field names are converted for C. Core names durations
/// without a unit; C adds `_ns`. The table lists every duration field of
/// every core config (the C suite checks each one's bad-config message).
pub(crate) fn c_field(core: &'static str) -> &'static str {
    const DURATION_FIELDS: &[(&str, &str)] = &[
        ("base", "base_ns"),
        ("max_delay", "max_delay_ns"),
        ("max_elapsed", "max_elapsed_ns"),
        ("open_duration", "open_duration_ns"),
        ("max_open_duration", "max_open_duration_ns"),
        (
            "slow_call_duration_threshold",
            "slow_call_duration_threshold_ns",
        ),
        ("failure_count_period", "failure_count_period_ns"),
        ("window", "window_ns"),
        ("max_wait", "max_wait_ns"),
        ("min_timeout", "min_timeout_ns"),
        ("max_timeout", "max_timeout_ns"),
        ("initial_timeout", "initial_timeout_ns"),
        ("delay_min", "delay_min_ns"),
        ("delay_max", "delay_max_ns"),
    ];
    DURATION_FIELDS
        .iter()
        .find(|(k, _)| *k == core)
        .map_or(core, |(_, c)| c)
}

fn format(last: &Last) -> String {
    match last {
        Last::None => String::new(),
        Last::Core(seawall::Error::InvalidConfig { field, reason }) => {
            format!("invalid config: {} {reason}", c_field(field))
        }
        Last::Core(seawall::Error::InvalidArgument { field, reason }) => {
            format!("invalid argument: {} {reason}", c_field(field))
        }
        Last::Core(e) => e.to_string(),
        Last::Null(name) => format!("null argument: {name} must not be NULL"),
        Last::Panic(msg) => format!("internal panic caught at the C boundary: {msg}"),
    }
}

/// A pointer to this thread's last error message (valid until the next
/// seawall call on this thread).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        let Ok(mut e) = e.try_borrow_mut() else {
            return c"".as_ptr();
        };
        if matches!(e.last, Last::None) {
            return c"".as_ptr();
        }
        if e.message.is_none() {
            let s = format(&e.last);
            e.message = Some(CString::new(s.replace('\0', "\\0")).unwrap_or_default());
        }
        e.message.as_ref().map_or(c"".as_ptr(), |m| m.as_ptr())
    })
}

/// The field the last error names, in C spelling, as a static string; `""`.
pub(crate) fn last_error_field_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        let Ok(e) = e.try_borrow() else {
            return c"".as_ptr();
        };
        match &e.last {
            Last::Core(err) => err.field().map_or(c"".as_ptr(), |f| field_cstr(c_field(f))),
            Last::Null(name) => field_cstr(name),
            _ => c"".as_ptr(),
        }
    })
}

/// A static NUL-terminated copy of a static name (interned once).
fn field_cstr(c_name: &'static str) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static std::ffi::CStr>>> = OnceLock::new();
    let map = NAMES.get_or_init(|| Mutex::new(HashMap::new()));
    let Ok(mut map) = map.lock() else {
        return c"".as_ptr();
    };
    let s = map.entry(c_name).or_insert_with(|| {
        let owned = CString::new(c_name).unwrap_or_default();
        Box::leak(owned.into_boxed_c_str())
    });
    s.as_ptr()
}

/// `retry_after` of the last error in ns (`circuit_open`, `rate_limited`), else 0.
pub(crate) fn last_error_retry_after_ns() -> u64 {
    LAST_ERROR.with(|e| {
        e.try_borrow().ok().map_or(0, |e| match &e.last {
            Last::Core(err) => err.retry_after().map_or(0, seawall::clock::duration_to_ns),
            _ => 0,
        })
    })
}

/// Maps a core error to its status and records it as the last error.
#[inline]
pub(crate) fn fail(e: seawall::Error) -> seawall_status {
    let status = seawall_status::from_kind(e.kind());
    set(Last::Core(e));
    status
}

/// A policy rejection: the stage's error plus the stage's wire name.
#[inline]
pub(crate) fn fail_stage(e: seawall::Error, stage: &'static std::ffi::CStr) -> seawall_status {
    let status = fail(e);
    LAST_ERROR.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.stage = Some(stage);
        }
    });
    status
}

/// The policy stage of the last error (`"circuit_breaker"`), or `""`.
pub(crate) fn last_error_stage_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        e.try_borrow()
            .ok()
            .and_then(|e| e.stage)
            .map_or(c"".as_ptr(), |s| s.as_ptr())
    })
}

/// A NULL pointer argument: status and message naming the parameter.
#[cold]
pub(crate) fn null_argument(name: &'static str) -> seawall_status {
    set(Last::Null(name));
    seawall_status::SEAWALL_NULL_ARGUMENT
}

/// An invalid config field (as C spells it), e.g. an unknown enum value.
#[cold]
pub(crate) fn invalid_config(field: &'static str, reason: String) -> seawall::Error {
    seawall::Error::config(field, reason)
}

#[cold]
pub(crate) fn panic_status(payload: Box<dyn std::any::Any + Send>) -> seawall_status {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    set(Last::Panic(msg));
    seawall_status::SEAWALL_PANIC
}

/// Runs a body returning `seawall_status` with panics caught.
/// Returns early with `SEAWALL_NULL_ARGUMENT` for each listed NULL pointer.
macro_rules! ffi_boundary {
    ( [ $($ptr:ident),* ] $body:block ) => {{
        $crate::boundary::clear_last_error();
        $(
            if $ptr.is_null() {
                return $crate::boundary::null_argument(stringify!($ptr));
            }
        )*
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| -> $crate::status::seawall_status { $body })) {
            Ok(status) => status,
            Err(payload) => $crate::boundary::panic_status(payload),
        }
    }};
}

/// Runs a body returning a plain value (for infallible getters), with
/// panics caught and mapped to `$default`.
macro_rules! ffi_value {
    ( $default:expr, $body:block ) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(payload) => {
                let _ = $crate::boundary::panic_status(payload);
                $default
            }
        }
    }};
}

/// Moves `value` into a new heap handle and writes it to `*out`.
///
/// # Safety
/// `out` must be a valid, writable pointer (checked non-NULL by the caller).
pub(crate) unsafe fn write_handle<T>(out: *mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Frees a handle made by [`write_handle`]. NULL is a no-op.
///
/// # Safety
/// `p` must be NULL or a pointer from `write_handle::<T>` not yet freed.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}

/// Reads a NUL-terminated C string as UTF-8, or an `InvalidArgument`
/// naming `field`.
///
/// # Safety
/// `p` must be a valid NUL-terminated string (checked non-NULL by the caller).
pub(crate) unsafe fn c_str<'a>(p: *const c_char, field: &'static str) -> seawall::Result<&'a str> {
    std::ffi::CStr::from_ptr(p)
        .to_str()
        .map_err(|_| seawall::Error::argument(field, "is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_equal_core_error_kinds() {
        for k in seawall::ErrorKind::ALL {
            let st = seawall_status::from_kind(k);
            assert_eq!(st as i32, k as i32, "{k:?}");
            assert_eq!(st.as_cstr().to_str().ok(), Some(k.as_str()));
            assert_eq!(seawall_status::from_int(st as i32), Some(st));
        }
    }

    #[test]
    fn durations_get_ns_and_other_fields_stay() {
        assert_eq!(c_field("open_duration"), "open_duration_ns");
        assert_eq!(c_field("window"), "window_ns");
        assert_eq!(c_field("rate_per_sec"), "rate_per_sec");
        assert_eq!(c_field("n"), "n");
    }
}
