//! Manual clock handle for deterministic tests from C.

use crate::status::seawall_status;
use seawall::clock::{Clock, ClockSource, ManualClock};

/// A clock that moves only when told to. Pass it to a primitive's
/// `_new_with_clock` to drive that primitive in tests; `clock` must not be
/// NULL there (`SEAWALL_NULL_ARGUMENT`): `_new` is the monotonic clock.
/// Thread-safe: any thread may advance or read it. Opaque.
pub struct seawall_manual_clock(pub(crate) ManualClock);

/// The clock a `_new_with_clock` constructor was given.
pub(crate) fn clock_source(c: &seawall_manual_clock) -> ClockSource {
    ClockSource::Manual(c.0.clone())
}

/// Creates a manual clock at `start_ns` and writes it to `*out`.
/// The caller owns it and frees it with `seawall_manual_clock_free`;
/// primitives made with it keep their own reference, so it may be freed first.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_manual_clock_new(
    start_ns: u64,
    out: *mut *mut seawall_manual_clock,
) -> seawall_status {
    ffi_boundary!([out] {
        ffi_new_handle!(out, seawall_manual_clock(ManualClock::starting_at_ns(start_ns)));
        seawall_status::SEAWALL_OK
    })
}

/// Frees a manual clock. NULL is a no-op. Not thread-safe with other calls
/// on the same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_manual_clock_free(clock: *mut seawall_manual_clock) {
    ffi_value!((), { ffi_free_handle!(clock) })
}

/// Moves the clock forward by `ns` (saturating). Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_manual_clock_advance(
    clock: *const seawall_manual_clock,
    ns: u64,
) -> seawall_status {
    ffi_boundary!([clock] {
        ffi_ref!(clock).0.advance_ns(ns);
        seawall_status::SEAWALL_OK
    })
}

/// Sets the clock to `ns`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_manual_clock_set(
    clock: *const seawall_manual_clock,
    ns: u64,
) -> seawall_status {
    ffi_boundary!([clock] {
        ffi_ref!(clock).0.set_ns(ns);
        seawall_status::SEAWALL_OK
    })
}

/// Writes the clock's time in ns to `*out_ns`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_manual_clock_now(
    clock: *const seawall_manual_clock,
    out_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([clock, out_ns] {
        ffi_write!(out_ns, ffi_ref!(clock).0.now_ns());
        seawall_status::SEAWALL_OK
    })
}

/// The host's monotonic clock (`CLOCK_MONOTONIC`) in ns, the clock every
/// primitive uses by default. Thread-safe.
#[no_mangle]
pub extern "C" fn seawall_monotonic_now_ns() -> u64 {
    ffi_value!(0, { seawall::clock::MonotonicClock.now_ns() })
}
