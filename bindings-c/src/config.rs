//! Versioned config structs: every `seawall_*_config` starts with
//! `uint32_t struct_size`, set by `seawall_*_config_init(&c, sizeof c)`.
//!
//! The library reads and writes only `struct_size` bytes of a caller's
//! config, so a program built against an older `seawall.h` (a shorter
//! struct: fields are only ever appended) keeps working with a newer
//! library, the missing fields taking their defaults; and a program built
//! against a newer header runs on an older library as long as it leaves
//! the fields that library does not know at their defaults (zero bytes),
//! else `_new` refuses the config (field `struct_size`) instead of ignoring
//! them. The `seawall_*_config_default()` convenience functions are
//! `static inline` in the header, so they are compiled with the caller's
//! own `sizeof`.

use crate::boundary::fail;
use crate::status::seawall_status;
use std::mem::size_of;

/// Smallest `struct_size`: the `struct_size` field and its padding.
pub const SEAWALL_CONFIG_MIN_SIZE: usize = 8;
/// Largest `struct_size` accepted (a bound on what is read).
const MAX_SIZE: usize = 1 << 16;

/// A config struct: `#[repr(C)]`, first field `struct_size: u32`, and every
/// byte pattern a valid value (no `bool`, no enum, no reference fields).
///
/// # Safety
/// Implementors must have exactly that layout.
pub(crate) unsafe trait Versioned: Copy + 'static {
    /// The `_init` function's name, for messages.
    const INIT: &'static str;
    /// The offset of every field after `struct_size`: the sizes an older
    /// layout (a prefix of this one) can have. Fields are appended in groups
    /// that start on an 8-byte boundary, so an older struct's `sizeof` is
    /// one of these offsets.
    const PREFIXES: &'static [usize];
    /// The library's defaults (`struct_size` = its own size).
    fn defaults() -> Self;
}

/// Whether `size` is the size of a layout of `T`: a prefix that ends at a
/// field boundary, this library's struct, or a newer, larger one.
fn known_size<T: Versioned>(size: usize) -> bool {
    (SEAWALL_CONFIG_MIN_SIZE..=MAX_SIZE).contains(&size)
        && (size >= size_of::<T>() || T::PREFIXES.contains(&size))
}

/// `size_of::<T>()` as the `struct_size` value.
pub(crate) fn own_size<T>() -> u32 {
    size_of::<T>() as u32
}

/// `seawall_*_config_init`: writes the defaults into the caller's `size`
/// bytes (zeroing any beyond this library's struct) and sets
/// `struct_size = size`.
///
/// # Safety
/// `cfg` is non-NULL and points at `size` writable bytes.
pub(crate) unsafe fn init<T: Versioned>(cfg: *mut T, size: usize) -> seawall_status {
    if !known_size::<T>(size) {
        return fail(seawall::Error::argument(
            "size",
            format!("must be sizeof the config struct (a layout of it, {SEAWALL_CONFIG_MIN_SIZE}..={MAX_SIZE} bytes), got {size}"),
        ));
    }
    let d = T::defaults();
    let ours = size_of::<T>();
    let dst = cfg.cast::<u8>();
    // SAFETY: `dst` has `size` writable bytes (this function's contract),
    // `size >= SEAWALL_CONFIG_MIN_SIZE` (4 bytes for `struct_size`, written
    // unaligned), and `d` is our own value, so the copy does not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping((&d as *const T).cast::<u8>(), dst, size.min(ours));
        if size > ours {
            std::ptr::write_bytes(dst.add(ours), 0, size - ours);
        }
        dst.cast::<u32>().write_unaligned(size as u32);
    }
    seawall_status::SEAWALL_OK
}

/// Reads a caller's config: its `struct_size` bytes over the defaults.
///
/// # Safety
/// `cfg` is non-NULL and points at a config initialised by `init` (at
/// least `struct_size` readable bytes).
pub(crate) unsafe fn read<T: Versioned>(cfg: *const T) -> seawall::Result<T> {
    let src = cfg.cast::<u8>();
    // SAFETY: a config has at least its 4-byte `struct_size` (contract).
    let size = unsafe { src.cast::<u32>().read_unaligned() } as usize;
    if !known_size::<T>(size) {
        return Err(seawall::Error::config(
            "struct_size",
            format!(
                "must be set by {}(&config, sizeof config), got {size}",
                T::INIT
            ),
        ));
    }
    let ours = size_of::<T>();
    if size > ours {
        // SAFETY: the config has `size` readable bytes (contract), checked
        // to be more than `ours`.
        let extra = unsafe { std::slice::from_raw_parts(src.add(ours), size - ours) };
        if extra.iter().any(|&b| b != 0) {
            return Err(seawall::Error::config(
                "struct_size",
                format!(
                    "is {size}, this library's struct is {ours} bytes, and fields it does not \
                     know are set (built against a newer seawall.h?)"
                ),
            ));
        }
    }
    let mut out = T::defaults();
    // SAFETY: `src` has `size` readable bytes (contract) and `out` is
    // `ours` bytes of our own; `Versioned` guarantees every byte pattern is
    // a valid `T`, so any prefix of caller bytes over the defaults is one.
    unsafe {
        std::ptr::copy_nonoverlapping(src, (&mut out as *mut T).cast::<u8>(), size.min(ours));
    }
    Ok(out)
}

/// An output struct (the `*_metrics` snapshots): `#[repr(C)]`, first field
/// `struct_size: u32`, which the caller sets to its `sizeof` before the
/// call; the library writes only that many bytes.
///
/// # Safety
/// Implementors must have exactly that layout.
pub(crate) unsafe trait VersionedOut: Copy + 'static {
    /// The offset of every field after `struct_size` (the sizes an older,
    /// shorter layout can have; see [`Versioned::PREFIXES`]).
    const PREFIXES: &'static [usize];
}

/// Writes `value` into the caller's output struct: its `struct_size`
/// bytes (an older, shorter struct gets the fields it has; the bytes of a
/// newer, larger one beyond this library's struct are zeroed), keeping
/// `struct_size`. `SEAWALL_INVALID_ARGUMENT` (field `struct_size`, nothing
/// written) when `struct_size` is no layout of the struct.
///
/// # Safety
/// `out` is non-NULL and points at `struct_size` writable bytes.
pub(crate) unsafe fn write_out<T: VersionedOut>(out: *mut T, value: T) -> seawall_status {
    let dst = out.cast::<u8>();
    // SAFETY: the caller's struct has at least its 4-byte `struct_size`.
    let size = unsafe { dst.cast::<u32>().read_unaligned() } as usize;
    let ours = size_of::<T>();
    let known = (SEAWALL_CONFIG_MIN_SIZE..=MAX_SIZE).contains(&size)
        && (size >= ours || T::PREFIXES.contains(&size));
    if !known {
        return fail(seawall::Error::argument(
            "struct_size",
            format!("must be set to sizeof the struct before the call (a layout of it, {SEAWALL_CONFIG_MIN_SIZE}..={MAX_SIZE} bytes), got {size}"),
        ));
    }
    // SAFETY: `dst` has `size` writable bytes (contract; `size` checked
    // to be at least `SEAWALL_CONFIG_MIN_SIZE`), and `value` is our own.
    unsafe {
        std::ptr::copy_nonoverlapping((&value as *const T).cast::<u8>(), dst, size.min(ours));
        if size > ours {
            std::ptr::write_bytes(dst.add(ours), 0, size - ours);
        }
        dst.cast::<u32>().write_unaligned(size as u32);
    }
    seawall_status::SEAWALL_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version 2 of a config: version 1 had `struct_size` and `a` only.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct V2 {
        struct_size: u32,
        a: u64,
        b: u64,
    }
    // SAFETY: repr(C), struct_size first, integers only.
    unsafe impl Versioned for V2 {
        const INIT: &'static str = "v2_init";
        const PREFIXES: &'static [usize] = &[8, 16];
        fn defaults() -> Self {
            V2 {
                struct_size: own_size::<V2>(),
                a: 1,
                b: 2,
            }
        }
    }

    /// `init` on a byte buffer: `size` must fit in it.
    fn init_in(buf: &mut [u8], size: usize) -> seawall_status {
        assert!(size <= buf.len());
        // SAFETY: `size` writable bytes of `buf` (checked just above).
        unsafe { init::<V2>(buf.as_mut_ptr().cast(), size) }
    }

    /// `read` from a byte buffer holding at least its `struct_size` bytes.
    fn read_from(buf: &[u8]) -> seawall::Result<V2> {
        let size = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        assert!(size <= buf.len() || !(SEAWALL_CONFIG_MIN_SIZE..=MAX_SIZE).contains(&size));
        // SAFETY: `buf` has `struct_size` readable bytes (checked above),
        // or a size `read` refuses before reading past the first 4.
        unsafe { read::<V2>(buf.as_ptr().cast()) }
    }

    #[test]
    fn an_older_caller_gets_defaults_for_the_fields_it_does_not_have() {
        // A v1 caller's 16 bytes, in a buffer whose rest must stay untouched.
        let mut buf = [0xAAu8; 24];
        let st = init_in(&mut buf, 16);
        assert_eq!(st, seawall_status::SEAWALL_OK);
        assert_eq!(&buf[16..], &[0xAA; 8]);
        buf[8..16].copy_from_slice(&7u64.to_ne_bytes()); // c.a = 7
        let got = read_from(&buf).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((got.a, got.b), (7, 2));
    }

    #[test]
    fn a_newer_caller_is_refused_only_if_it_sets_unknown_fields() {
        let mut buf = [0u8; 32];
        let st = init_in(&mut buf, 32);
        assert_eq!(st, seawall_status::SEAWALL_OK);
        assert!(read_from(&buf).is_ok());
        buf[24] = 1;
        let e = read_from(&buf).err();
        assert_eq!(e.and_then(|e| e.field()), Some("struct_size"));
        let zero = [0u8; 24];
        assert!(read_from(&zero).is_err());
        // A size that cuts a field is no layout of it.
        let mut cut = [0u8; 24];
        cut[0] = 12;
        assert!(read_from(&cut).is_err());
        let st = init_in(&mut cut, 12);
        assert_eq!(st, seawall_status::SEAWALL_INVALID_ARGUMENT);
    }
}
