//! Fault injection (chaos): `seawall_fault_injector`.

use crate::boundary::fail;
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::clock::{duration_to_ns, ClockSource};
use seawall::fault::{Fault, FaultInjector, FaultInjectorConfig};
use std::mem::offset_of;
use std::time::Duration;

/// What to do to one call.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_fault_kind {
    /// Let the call through untouched (`"none"`).
    SEAWALL_FAULT_NONE = 0,
    /// Fail the call without running it (`"error"`).
    SEAWALL_FAULT_ERROR = 1,
    /// Wait `delay_ns`, then run the call (`"delay"`).
    SEAWALL_FAULT_DELAY = 2,
}

/// A fault decision.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_fault {
    /// What to do.
    pub kind: seawall_fault_kind,
    /// The delay to apply (0 unless `SEAWALL_FAULT_DELAY`).
    pub delay_ns: u64,
}

/// Configuration of a fault injector; fill it with
/// `seawall_fault_injector_config_default()` (injects nothing).
///
/// | field | default | rule |
/// |---|---|---|
/// | error_rate | 0 | in [0, 1] |
/// | delay_rate | 0 | in [0, 1]; error_rate + delay_rate ≤ 1 |
/// | delay_min_ns | 1 s | ≤ delay_max_ns |
/// | delay_max_ns | 1 s | ≤ 100 years; > 0 when delay_rate > 0 |
/// | has_seed, seed | false (seeded from the clock) | same seed, same faults in every language |
/// | enabled | 1 | whether it starts switched on (0 = off) |
///
/// A zeroed struct is not a config: its `struct_size` is 0, so `_new`
/// refuses it (`SEAWALL_INVALID_CONFIG`, field `struct_size`) rather than
/// making an injector that is silently switched off.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_fault_injector_config {
    /// Set by `seawall_fault_injector_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Probability of an error.
    pub error_rate: f64,
    /// Probability of a delay.
    pub delay_rate: f64,
    /// Shortest injected delay.
    pub delay_min_ns: u64,
    /// Longest injected delay (inclusive).
    pub delay_max_ns: u64,
    /// Whether `seed` applies.
    pub has_seed: u8,
    /// Seed of the generator.
    pub seed: u64,
    /// Whether the injector starts switched on.
    pub enabled: u8,
}

/// A snapshot of a fault injector's counters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_fault_injector_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Decisions made, enabled or not.
    pub decisions: u64,
    /// Error decisions.
    pub errors: u64,
    /// Delay decisions.
    pub delays: u64,
    /// Whether the injector is switched on now.
    pub enabled: bool,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_fault_injector_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_fault_injector_metrics, decisions),
        offset_of!(seawall_fault_injector_metrics, errors),
        offset_of!(seawall_fault_injector_metrics, delays),
        offset_of!(seawall_fault_injector_metrics, enabled),
    ];
}

/// Injects errors and delays with fixed probabilities. Opaque; thread-safe.
pub struct seawall_fault_injector(pub(crate) std::sync::Arc<FaultInjector>);

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_fault_injector_config {
    const INIT: &'static str = "seawall_fault_injector_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_fault_injector_config, error_rate),
        offset_of!(seawall_fault_injector_config, delay_rate),
        offset_of!(seawall_fault_injector_config, delay_min_ns),
        offset_of!(seawall_fault_injector_config, delay_max_ns),
        offset_of!(seawall_fault_injector_config, has_seed),
        offset_of!(seawall_fault_injector_config, seed),
        offset_of!(seawall_fault_injector_config, enabled),
    ];
    fn defaults() -> Self {
        let d = FaultInjectorConfig::default();
        seawall_fault_injector_config {
            struct_size: own_size::<seawall_fault_injector_config>(),
            error_rate: d.error_rate,
            delay_rate: d.delay_rate,
            delay_min_ns: duration_to_ns(d.delay_min),
            delay_max_ns: duration_to_ns(d.delay_max),
            has_seed: u8::from(d.seed.is_some()),
            seed: d.seed.unwrap_or(0),
            enabled: u8::from(d.enabled),
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_fault_injector_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_fault_injector_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_config_init(
    config: *mut seawall_fault_injector_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn fi_new(
    config: *const seawall_fault_injector_config,
    clock: ClockSource,
    out: *mut *mut seawall_fault_injector,
) -> seawall_status {
    let c = match ffi_config!(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let cfg = FaultInjectorConfig {
        error_rate: c.error_rate,
        delay_rate: c.delay_rate,
        delay_min: Duration::from_nanos(c.delay_min_ns),
        delay_max: Duration::from_nanos(c.delay_max_ns),
        seed: (c.has_seed != 0).then_some(c.seed),
        enabled: c.enabled != 0,
    };
    match FaultInjector::with_clock(cfg, clock) {
        Ok(f) => {
            ffi_new_handle!(out, seawall_fault_injector(std::sync::Arc::new(f)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a fault injector (seeded from the monotonic clock when no seed
/// is given) and writes it to `*out`. `config` is read, not kept. The
/// caller owns `*out` and frees it with `seawall_fault_injector_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field, e.g.
/// `delay_rate`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_new(
    config: *const seawall_fault_injector_config,
    out: *mut *mut seawall_fault_injector,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(fi_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_fault_injector_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_fault_injector_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_new_with_clock(
    config: *const seawall_fault_injector_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_fault_injector,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(fi_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a fault injector. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_free(injector: *mut seawall_fault_injector) {
    ffi_value!((), { ffi_free_handle!(injector) })
}

/// Decides what to do to one call and writes it to `*out`
/// (`SEAWALL_FAULT_NONE` while switched off). Thread-safe. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_decide(
    injector: *const seawall_fault_injector,
    out: *mut seawall_fault,
) -> seawall_status {
    ffi_boundary!([injector, out] {
        let f = ffi_ref!(injector).0.decide();
        injected(f);
        ffi_write!(out, seawall_fault {
            kind: match f {
                Fault::None => seawall_fault_kind::SEAWALL_FAULT_NONE,
                Fault::Error => seawall_fault_kind::SEAWALL_FAULT_ERROR,
                Fault::Delay(_) => seawall_fault_kind::SEAWALL_FAULT_DELAY,
            },
            delay_ns: duration_to_ns(f.delay()),
        });
        seawall_status::SEAWALL_OK
    })
}

/// Reports an injected fault (not `None`) when someone listens.
#[inline]
fn injected(f: Fault) {
    if f != Fault::None && seawall::events::any() {
        crate::events::report(seawall::events::EventKind::FaultInjected(f));
    }
}

/// `_decide` as a status: `SEAWALL_INJECTED_FAULT` when the call must fail;
/// else `SEAWALL_OK` with the delay to apply first (0 for none) in
/// `*out_delay_ns`. Thread-safe. Also returns `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_check(
    injector: *const seawall_fault_injector,
    out_delay_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([injector, out_delay_ns] {
        let f = ffi_ref!(injector).0.decide();
        injected(f);
        match f.into_result() {
            Ok(d) => {
                ffi_write!(out_delay_ns, duration_to_ns(d));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// The wire name of a `seawall_fault_kind` value (`"none"`, `"error"`,
/// `"delay"`), a static string; `"unknown"` for other values. Thread-safe.
#[no_mangle]
pub extern "C" fn seawall_fault_kind_str(kind: std::os::raw::c_int) -> *const std::os::raw::c_char {
    ffi_value!(c"unknown".as_ptr(), {
        match kind {
            0 => c"none".as_ptr(),
            1 => c"error".as_ptr(),
            2 => c"delay".as_ptr(),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// Switches the injector on or off at run time. Thread-safe. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_set_enabled(
    injector: *const seawall_fault_injector,
    enabled: u8,
) -> seawall_status {
    ffi_boundary!([injector] {
        ffi_ref!(injector).0.set_enabled(enabled != 0);
        seawall_status::SEAWALL_OK
    })
}

/// Writes the counters to `*out`. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_fault_injector_get_metrics(
    injector: *const seawall_fault_injector,
    out: *mut seawall_fault_injector_metrics,
) -> seawall_status {
    ffi_boundary!([injector, out] {
        let m = ffi_ref!(injector).0.metrics();
        ffi_write_out!(out, seawall_fault_injector_metrics {
            struct_size: 0,
            decisions: m.decisions,
            errors: m.errors,
            delays: m.delays,
            enabled: m.enabled,
        })
    })
}
