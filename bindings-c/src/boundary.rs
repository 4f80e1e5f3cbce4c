//! The panic boundary, pointer checks and the per-thread last error.
//!
//! Every `extern "C"` function body runs inside [`ffi_boundary!`]: a panic
//! becomes `SEAWALL_PANIC`, an error becomes its status and sets the
//! thread's last-error message, and nothing unwinds into C.

use crate::status::seawall_status;
use std::cell::RefCell;
use std::ffi::CString;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `msg` as this thread's last error message.
pub(crate) fn set_last_error(msg: &str) {
    let c = CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// Clears this thread's last error message.
pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::default());
}

/// A pointer to this thread's last error message (valid until the next
/// seawall call on this thread).
pub(crate) fn last_error_ptr() -> *const std::os::raw::c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Maps a core error to its status and records its message.
#[allow(dead_code)] // used by the primitive wrappers
pub(crate) fn fail(e: &seawall::Error) -> seawall_status {
    set_last_error(&e.to_string());
    seawall_status::from_kind(e.kind())
}

/// A NULL pointer argument: status and message naming the parameter.
pub(crate) fn null_argument(name: &str) -> seawall_status {
    set_last_error(&format!("null argument: {name} must not be NULL"));
    seawall_status::SEAWALL_NULL_ARGUMENT
}

pub(crate) fn panic_status(payload: Box<dyn std::any::Any + Send>) -> seawall_status {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    set_last_error(&format!("internal panic caught at the C boundary: {msg}"));
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
