//! Shared-memory regions (`spec/shared_memory.md`): a region handle, and
//! the `*_new_in_region` constructors (in each primitive's module) that
//! build a primitive whose state every process opening the region shares.

use crate::boundary::fail;
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::shm::{RegionOptions, SharedRegion};
use std::mem::offset_of;
use std::os::raw::c_char;

/// Options of a region, used only by the process that creates its file.
/// Versioned like every config: initialise with
/// `seawall_region_config_default()` or `seawall_region_config_init`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_region_config {
    /// Set by `seawall_region_config_init` to the caller's `sizeof`.
    pub struct_size: u32,
    /// Slots in the directory (named primitives the region can hold).
    /// Default 256, `1..=65536`.
    pub slots: u32,
    /// Total bytes of the file. Default 64 MiB (pages cost memory only
    /// once touched).
    pub size: u64,
}

// SAFETY: `#[repr(C)]`, first field `struct_size: u32`, integers only.
unsafe impl Versioned for seawall_region_config {
    const INIT: &'static str = "seawall_region_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_region_config, slots),
        offset_of!(seawall_region_config, size),
    ];
    fn defaults() -> Self {
        let d = RegionOptions::default();
        seawall_region_config {
            struct_size: own_size::<seawall_region_config>(),
            slots: d.slots,
            size: d.size,
        }
    }
}

/// A shared-memory region: a file (default under `/dev/shm`) mapped by
/// every process that opens it. Opaque; thread-safe.
pub struct seawall_region(pub(crate) SharedRegion);

/// Writes the default region options into the caller's `size` bytes and
/// sets `struct_size`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (an unknown `size`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_region_config_init(
    config: *mut seawall_region_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// Opens the region `name`, creating it if it does not exist, and writes
/// it to `*out`. A `name` with no `/` after its first character is a file
/// in `/dev/shm` (`"/payments"` is `/dev/shm/payments`); anything else is a
/// path. The file is created with mode 0600; `config` (may be NULL: the
/// defaults) is used only to create it. The caller owns `*out` and frees it
/// with `seawall_region_free`; primitives built in it keep the mapping
/// alive on their own. Thread-safe; many processes may open one region at
/// once. Returns `SEAWALL_OK`, `SEAWALL_SHARED_REGION` (I/O error, or a
/// truncated, corrupted or other-version file: the last error says which),
/// `SEAWALL_INVALID_CONFIG` (`size`, `slots`), `SEAWALL_INVALID_ARGUMENT`
/// (`name`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_region_open(
    name: *const c_char,
    config: *const seawall_region_config,
    out: *mut *mut seawall_region,
) -> seawall_status {
    ffi_boundary!([name, out] {
        let opts = if config.is_null() {
            Ok(RegionOptions::default())
        } else {
            ffi_config!(config).map(|c| RegionOptions {
                size: c.size,
                slots: c.slots,
            })
        };
        match opts
            .and_then(|o| Ok((o, ffi_str!(name, "name")?)))
            .and_then(|(o, n)| SharedRegion::open_with(n, &o))
        {
            Ok(r) => {
                ffi_new_handle!(out, seawall_region(r));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees a region handle (primitives built in it keep working). NULL is
/// a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_region_free(region: *mut seawall_region) {
    ffi_value!((), { ffi_free_handle!(region) })
}

/// Deletes the region file `name` (processes that have it open keep their
/// mapping; the next open creates a new region). A missing file is not an
/// error. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_SHARED_REGION`,
/// `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_region_remove(name: *const c_char) -> seawall_status {
    ffi_boundary!([name] {
        match ffi_str!(name, "name").and_then(SharedRegion::remove) {
            Ok(()) => seawall_status::SEAWALL_OK,
            Err(e) => fail(e),
        }
    })
}

/// The region and slot name of a `*_new_in_region` call.
///
/// # Safety
/// `region` and `name` are non-NULL and valid.
pub(crate) unsafe fn region_and_name<'a>(
    region: *const seawall_region,
    name: *const c_char,
) -> seawall::Result<(&'a SharedRegion, &'a str)> {
    Ok((&ffi_ref!(region).0, ffi_str!(name, "name")?))
}
