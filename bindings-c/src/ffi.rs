//! Every use of a pointer a C caller passed: the one place where raw
//! pointers become references, slices, strings, handles and writes.
//!
//! # The safety argument
//!
//! seawall.h's "Pointers" convention is the contract a C caller accepts
//! for every function: a pointer argument is NULL or points, for the
//! whole call, to what its type says —
//!
//! - a handle (`const seawall_x *`): one made by its `_new`, not yet freed,
//!   which other threads may use at the same time only through functions
//!   taking it `const` (the handle types are `Sync`);
//! - an input: initialised, readable memory of its type (a config or
//!   metrics struct: `struct_size` bytes; a string: NUL-terminated; an
//!   array: the given number of elements);
//! - an output or in-out value: aligned, writable memory of its type that
//!   no other thread touches during the call.
//!
//! Every function that takes pointers is an `unsafe extern "C" fn` whose
//! `# Safety` section is that contract, and its body checks each pointer
//! for NULL before it runs (the list of `ffi_boundary!`, which names the
//! parameter in `SEAWALL_NULL_ARGUMENT`). The macros below are used only
//! on such a checked parameter of the enclosing function (or on a pointer
//! read from caller memory under the same contract, such as the fields of
//! `seawall_policy_config`), so each operation needs exactly what the
//! contract gives. A reference made here lives no longer than the call
//! (the caller may free the memory afterwards), except handles, which the
//! caller keeps alive until `_free`. Each macro expands to one `unsafe`
//! block whose `SAFETY` comment is this argument, and inlines to the same
//! code as the raw operation (`debug_assert!` only in debug builds).
//!
//! Helpers that take checked pointers on (`decide(r, out)`) are `unsafe fn`s
//! whose `# Safety` section is this contract; [`ffi_pass!`] calls them.
//!
//! The few raw operations that are not a plain value of the pointer's type
//! stay next to the layout they depend on, each in an `unsafe` block with
//! its own `SAFETY` comment: versioned config and metrics structs, copied
//! by `struct_size` (`config.rs`, reached through [`ffi_config!`],
//! [`ffi_config_init!`] and [`ffi_write_out!`]); the caller-owned guard and
//! run storage (`policy.rs`, `policy_run.rs`); a `seawall_decision` whose
//! `bool` C may have set to any byte (`headers.rs`); a bulkhead permit,
//! which is an `Arc` pointer (`bulkhead.rs`); and calls of the caller's
//! callbacks and their user data (`circuit_breaker.rs`, `policy_run.rs`,
//! `events.rs`).

/// `&T` from a checked `*const T` or `*mut T` parameter (a handle or an
/// input).
macro_rules! ffi_ref {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::Raw::get($p);
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked pointer parameter
        // points at a live, initialised value of its type for the call.
        unsafe { &*p }
    }};
}

/// `Option<&T>` from an optional pointer (a `seawall_policy_config` stage
/// field, say): NULL is `None`.
macro_rules! ffi_opt_ref {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::Raw::get($p);
        // SAFETY: the module's argument: an optional pointer is NULL (None)
        // or points at a live, initialised value of its type for the call.
        unsafe { p.as_ref() }
    }};
}

/// `&mut T` from a checked `*mut T` parameter (an in-out value no other
/// thread touches during the call).
macro_rules! ffi_mut {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::RawMut::get($p);
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked in-out parameter is
        // aligned, initialised and exclusively ours for the call.
        unsafe { &mut *p }
    }};
}

/// Writes `v` to a checked output parameter `*mut T` (without reading or
/// dropping what was there: outputs may be uninitialised).
macro_rules! ffi_write {
    ($p:expr, $v:expr $(,)?) => {{
        let p = $crate::ffi::RawMut::get($p);
        let v = $v;
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked output parameter is
        // aligned and writable for its type for the call.
        unsafe { p.write(v) }
    }};
}

/// `&[T]` of `len` elements at a NULL-checked `*const T` parameter (a
/// key: `len` may be 0).
macro_rules! ffi_slice {
    ($p:expr, $len:expr $(,)?) => {{
        let p = $crate::ffi::Raw::get($p);
        let len: usize = $len;
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked array parameter
        // points at `len` initialised elements for the call (non-NULL and
        // aligned also when `len` is 0).
        unsafe { ::std::slice::from_raw_parts(p, len) }
    }};
}

/// `&[T]` of `len` elements at a `*const T` that may be NULL when `len`
/// is 0 (then the slice is empty); the caller refuses NULL with `len > 0`.
macro_rules! ffi_slice_or_empty {
    ($p:expr, $len:expr $(,)?) => {{
        let p = $crate::ffi::Raw::get($p);
        let len: usize = $len;
        if len == 0 {
            &[]
        } else {
            debug_assert!(!p.is_null());
            // SAFETY: the module's argument: a non-NULL array parameter
            // points at `len` initialised elements for the call.
            unsafe { ::std::slice::from_raw_parts(p, len) }
        }
    }};
}

/// Copies `bytes` and a NUL into a checked output buffer `*mut c_char`
/// that the caller has checked holds more than `bytes.len()` bytes.
macro_rules! ffi_write_cstr {
    ($buf:expr, $bytes:expr $(,)?) => {{
        let buf: *mut ::std::os::raw::c_char = $buf;
        let bytes: &[u8] = $bytes;
        debug_assert!(!buf.is_null());
        // SAFETY: the module's argument: a NULL-checked output buffer of
        // `cap` bytes is writable, and the caller checked `cap > bytes.len()`;
        // `bytes` is our own memory, so they do not overlap.
        unsafe {
            ::std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
            buf.add(bytes.len()).write(0);
        }
    }};
}

/// The `uint32_t struct_size` at the start of a checked versioned struct
/// parameter (read unaligned).
macro_rules! ffi_struct_size {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::Raw::get($p);
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked versioned struct
        // has at least its 4-byte `struct_size`, initialised by the caller.
        unsafe { p.cast::<u32>().read_unaligned() }
    }};
}

/// Copies the first `n` bytes of our own `value: &T` into a checked
/// output parameter `*mut T` whose caller said (`struct_size`) it has at
/// least `n` writable bytes; `n` is at most `size_of::<T>()`.
macro_rules! ffi_write_prefix {
    ($p:expr, $value:expr, $n:expr $(,)?) => {{
        let p = $crate::ffi::RawMut::get($p);
        let value: &_ = $value;
        let n: usize = $n;
        debug_assert!(!p.is_null() && n <= ::std::mem::size_of_val(value));
        // SAFETY: the module's argument: the output has `struct_size >= n`
        // writable bytes; `value` is ours and at least `n` bytes, so the
        // two do not overlap.
        unsafe {
            ::std::ptr::copy_nonoverlapping(
                ::std::ptr::from_ref(value).cast::<u8>(),
                p.cast::<u8>(),
                n,
            )
        }
    }};
}

/// `seawall::Result<&str>` from a checked NUL-terminated string parameter;
/// not UTF-8 is `SEAWALL_INVALID_ARGUMENT` naming `field`.
macro_rules! ffi_str {
    ($p:expr, $field:expr $(,)?) => {{
        let p: *const ::std::os::raw::c_char = $p;
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a NULL-checked string parameter is
        // NUL-terminated and unchanged for the call.
        $crate::ffi::utf8(unsafe { ::std::ffi::CStr::from_ptr(p) }, $field)
    }};
}

/// Moves `value` into a new heap handle and writes it to the checked
/// output parameter `out: *mut *mut T`.
macro_rules! ffi_new_handle {
    ($out:expr, $value:expr $(,)?) => {{
        let handle = $crate::ffi::into_handle($value);
        ffi_write!($out, handle)
    }};
}

/// Takes back the `Box` of a checked handle parameter made by
/// [`ffi_new_handle!`] that the function consumes (frees).
macro_rules! ffi_take_handle {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::RawMut::get($p);
        debug_assert!(!p.is_null());
        // SAFETY: the module's argument: a handle the function consumes came
        // from `Box::into_raw` in `ffi_new_handle!` and, by the header's
        // contract, is not used again.
        unsafe { ::std::boxed::Box::from_raw(p) }
    }};
}

/// Frees a handle made by [`ffi_new_handle!`]; NULL is a no-op.
macro_rules! ffi_free_handle {
    ($p:expr $(,)?) => {{
        let p = $crate::ffi::RawMut::get($p);
        if !p.is_null() {
            // SAFETY: the module's argument: a non-NULL handle passed to
            // `_free` came from `Box::into_raw` in `ffi_new_handle!` and is
            // not used again (the header makes a second free, or a free
            // racing another call, the caller's undefined behaviour).
            drop(unsafe { ::std::boxed::Box::from_raw(p) });
        }
    }};
}

/// Calls a helper `unsafe fn` of this crate, `ffi_pass!(helper(a, b))`,
/// with the arguments evaluated before, outside the `unsafe` block.
/// Only for helpers whose `# Safety` section asks of their pointers only
/// what this module's argument gives, passed checked parameters of the
/// calling function (or pointers the helper itself checks for NULL).
macro_rules! ffi_pass {
    (@go [$($f:tt)*] [$($done:ident)*]) => {
        // SAFETY: the module's argument: the helper's `# Safety` asks of
        // its pointers only what the header's contract gives the calling
        // function's checked parameters, which it is passed.
        unsafe { $($f)*($($done),*) }
    };
    (@go [$($f:tt)*] [$($done:ident)*] $head:expr $(, $rest:expr)*) => {{
        let a = $head;
        ffi_pass!(@go [$($f)*] [$($done)* a] $($rest),*)
    }};
    ($($f:ident)::+ ( $($arg:expr),* $(,)? )) => {{
        ffi_pass!(@go [$($f)::+] [] $($arg),*)
    }};
}

/// Reads a checked config parameter (`crate::config::read`): its
/// `struct_size` bytes over the defaults.
macro_rules! ffi_config {
    ($p:expr $(,)?) => {{
        let p: *const _ = $p;
        // SAFETY: the module's argument: a NULL-checked config parameter
        // has `struct_size` readable bytes, set by its `_init`.
        unsafe { $crate::config::read(p) }
    }};
}

/// Fills a checked config parameter of `size` bytes with the defaults
/// (`crate::config::init`).
macro_rules! ffi_config_init {
    ($p:expr, $size:expr $(,)?) => {{
        let p: *mut _ = $p;
        // SAFETY: the module's argument: `_init(&c, sizeof c)` passes
        // `size` writable bytes at a NULL-checked pointer.
        unsafe { $crate::config::init(p, $size) }
    }};
}

/// Writes a metrics snapshot into a checked output parameter
/// (`crate::config::write_out`): its `struct_size` bytes.
macro_rules! ffi_write_out {
    ($p:expr, $v:expr $(,)?) => {{
        let p: *mut _ = $p;
        let v = $v;
        // SAFETY: the module's argument: a NULL-checked metrics output has
        // `struct_size` writable bytes, set by the caller.
        unsafe { $crate::config::write_out(p, v) }
    }};
}

/// The string of [`ffi_str!`] as UTF-8, or an `InvalidArgument` naming
/// `field`.
#[inline]
pub(crate) fn utf8<'a>(s: &'a std::ffi::CStr, field: &'static str) -> seawall::Result<&'a str> {
    s.to_str()
        .map_err(|_| seawall::Error::argument(field, "is not valid UTF-8"))
}

/// A new heap handle holding `value`, for [`ffi_new_handle!`].
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    crate::boundary::register_atfork();
    Box::into_raw(Box::new(value))
}

/// A raw pointer, `*const T` or `*mut T`. The macros take their pointer
/// through this trait rather than a typed `let`, so that a reference
/// passed by mistake is a compile error instead of a silent coercion (a
/// write through `ffi_write!` to a `&mut` would skip the old value's drop).
pub(crate) trait Raw<T> {
    /// The pointer as `*const T`.
    fn get(self) -> *const T;
}

impl<T> Raw<T> for *const T {
    #[inline(always)]
    fn get(self) -> *const T {
        self
    }
}

impl<T> Raw<T> for *mut T {
    #[inline(always)]
    fn get(self) -> *const T {
        self.cast_const()
    }
}

/// A `*mut T` (see [`Raw`]).
pub(crate) trait RawMut<T> {
    /// The pointer itself.
    fn get(self) -> *mut T;
}

impl<T> RawMut<T> for *mut T {
    #[inline(always)]
    fn get(self) -> *mut T {
        self
    }
}

#[cfg(test)]
mod tests {
    use std::os::raw::c_char;

    /// Raw operations on a caller's pointers stay in this module and in
    /// the files its documentation names; a new `unsafe` block elsewhere
    /// belongs here as a macro (or in that list, with its reason).
    #[test]
    fn unsafe_blocks_live_in_the_files_the_module_names() {
        const ALLOWED: &[&str] = &[
            "ffi.rs",
            "config.rs",
            "policy.rs",
            "policy_run.rs",
            "headers.rs",
            "bulkhead.rs",
            "circuit_breaker.rs",
            "events.rs",
            // Not a caller's pointer: the library's own strings, and
            // pthread_atfork.
            "boundary.rs",
            "lib.rs",
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let mut seen = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            seen += 1;
            let blocks = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .filter(|l| l.contains("unsafe {"))
                .count();
            assert!(
                blocks == 0 || ALLOWED.contains(&name.as_str()),
                "{name} has {blocks} unsafe block(s): use the macros of ffi.rs"
            );
        }
        assert!(seen > 10, "read only {seen} files from {dir}");
    }

    #[test]
    fn an_empty_array_may_be_null_and_a_key_may_be_empty() {
        let none: &[u64] = ffi_slice_or_empty!(std::ptr::null::<u64>(), 0);
        assert!(none.is_empty());
        let xs = [1u64, 2, 3];
        let all: &[u64] = ffi_slice_or_empty!(xs.as_ptr(), 3);
        assert_eq!(all, &xs);
        let key: &[u8] = ffi_slice!(b"k".as_ptr(), 0);
        assert!(key.is_empty());
    }

    #[test]
    fn strings_are_utf8_or_an_error_naming_the_field() {
        assert_eq!(ffi_str!(c"name".as_ptr(), "name").ok(), Some("name"));
        let bad = [0xFFu8, 0];
        let e = ffi_str!(bad.as_ptr().cast::<c_char>(), "url").err();
        assert_eq!(e.and_then(|e| e.field()), Some("url"));
    }

    #[test]
    fn outputs_are_written_and_handles_round_trip() {
        let mut out = 0u64;
        ffi_write!(&raw mut out, 7);
        assert_eq!(out, 7);
        let mut buf = [b'x' as c_char; 4];
        ffi_write_cstr!(buf.as_mut_ptr(), b"ab");
        assert_eq!(buf, [b'a' as c_char, b'b' as c_char, 0, b'x' as c_char]);
        let mut handle: *mut String = std::ptr::null_mut();
        ffi_new_handle!(&raw mut handle, String::from("h"));
        assert_eq!(ffi_ref!(handle).as_str(), "h");
        ffi_mut!(handle).push('!');
        assert_eq!(*ffi_take_handle!(handle), "h!");
        ffi_free_handle!(std::ptr::null_mut::<String>());
    }
}
