//! Adaptive timeout: `seawall_adaptive_timeout`.

use crate::boundary::fail;
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
use seawall::clock::{duration_to_ns, ClockSource};
use std::mem::offset_of;
use std::time::Duration;

/// Configuration of an adaptive timeout; fill it with
/// `seawall_adaptive_timeout_config_default()`. The timeout is
/// `clamp(percentile of recent latencies × multiplier, min, max)`.
///
/// | field | default | rule |
/// |---|---|---|
/// | percentile | 0.95 | in (0, 1] |
/// | multiplier | 1.5 | finite, ≥ 1 |
/// | min_timeout_ns | 1 s | > 0 |
/// | max_timeout_ns | 30 s | ≥ min_timeout_ns, ≤ 100 years |
/// | initial_timeout_ns | 5 s | in [min, max]; used until min_samples are known |
/// | min_samples | 10 | 1..=1000000000 |
/// | window_ns | 30 s | ≥ 1 ms, ≤ 100 years; the estimate covers two windows |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_adaptive_timeout_config {
    /// Set by `seawall_adaptive_timeout_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// The latency percentile to follow.
    pub percentile: f64,
    /// Factor applied to the percentile.
    pub multiplier: f64,
    /// Lower clamp.
    pub min_timeout_ns: u64,
    /// Upper clamp.
    pub max_timeout_ns: u64,
    /// The timeout until `min_samples` recent latencies are known.
    pub initial_timeout_ns: u64,
    /// Recent latencies needed before the percentile is used.
    pub min_samples: u64,
    /// Length of one histogram window.
    pub window_ns: u64,
}

/// A snapshot of an adaptive timeout.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_adaptive_timeout_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Latencies in the current and previous window.
    pub samples: u64,
    /// Latencies recorded since creation.
    pub total: u64,
    /// Median of the recent latencies (0 without samples).
    pub p50_ns: u64,
    /// 95th percentile.
    pub p95_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// The timeout `_timeout` returns now.
    pub timeout_ns: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_adaptive_timeout_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_adaptive_timeout_metrics, samples),
        offset_of!(seawall_adaptive_timeout_metrics, total),
        offset_of!(seawall_adaptive_timeout_metrics, p50_ns),
        offset_of!(seawall_adaptive_timeout_metrics, p95_ns),
        offset_of!(seawall_adaptive_timeout_metrics, p99_ns),
        offset_of!(seawall_adaptive_timeout_metrics, timeout_ns),
    ];
}

/// Tracks recent latencies and answers the timeout to use. Opaque;
/// thread-safe (lock-free).
pub struct seawall_adaptive_timeout(pub(crate) std::sync::Arc<AdaptiveTimeout>);

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_adaptive_timeout_config {
    const INIT: &'static str = "seawall_adaptive_timeout_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_adaptive_timeout_config, percentile),
        offset_of!(seawall_adaptive_timeout_config, multiplier),
        offset_of!(seawall_adaptive_timeout_config, min_timeout_ns),
        offset_of!(seawall_adaptive_timeout_config, max_timeout_ns),
        offset_of!(seawall_adaptive_timeout_config, initial_timeout_ns),
        offset_of!(seawall_adaptive_timeout_config, min_samples),
        offset_of!(seawall_adaptive_timeout_config, window_ns),
    ];
    fn defaults() -> Self {
        let d = AdaptiveTimeoutConfig::default();
        seawall_adaptive_timeout_config {
            struct_size: own_size::<seawall_adaptive_timeout_config>(),
            percentile: d.percentile,
            multiplier: d.multiplier,
            min_timeout_ns: duration_to_ns(d.min_timeout),
            max_timeout_ns: duration_to_ns(d.max_timeout),
            initial_timeout_ns: duration_to_ns(d.initial_timeout),
            min_samples: d.min_samples,
            window_ns: duration_to_ns(d.window),
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_adaptive_timeout_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_adaptive_timeout_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_config_init(
    config: *mut seawall_adaptive_timeout_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn at_new(
    config: *const seawall_adaptive_timeout_config,
    clock: ClockSource,
    out: *mut *mut seawall_adaptive_timeout,
) -> seawall_status {
    let c = match ffi_config!(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let ns = Duration::from_nanos;
    let cfg = AdaptiveTimeoutConfig {
        percentile: c.percentile,
        multiplier: c.multiplier,
        min_timeout: ns(c.min_timeout_ns),
        max_timeout: ns(c.max_timeout_ns),
        initial_timeout: ns(c.initial_timeout_ns),
        min_samples: c.min_samples,
        window: ns(c.window_ns),
    };
    match AdaptiveTimeout::with_clock(cfg, clock) {
        Ok(a) => {
            ffi_new_handle!(out, seawall_adaptive_timeout(std::sync::Arc::new(a)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates an adaptive timeout on the monotonic clock (the first window
/// starts now) and writes it to `*out`. `config` is read, not kept. The
/// caller owns `*out` and frees it with `seawall_adaptive_timeout_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field, e.g.
/// `max_timeout_ns`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_new(
    config: *const seawall_adaptive_timeout_config,
    out: *mut *mut seawall_adaptive_timeout,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(at_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_adaptive_timeout_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_adaptive_timeout_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_new_with_clock(
    config: *const seawall_adaptive_timeout_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_adaptive_timeout,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(at_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees an adaptive timeout. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_free(
    adaptive_timeout: *mut seawall_adaptive_timeout,
) {
    ffi_value!((), { ffi_free_handle!(adaptive_timeout) })
}

/// Records the latency of one completed call. Thread-safe (two relaxed
/// atomic adds). Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_record(
    adaptive_timeout: *const seawall_adaptive_timeout,
    latency_ns: u64,
) -> seawall_status {
    ffi_boundary!([adaptive_timeout] {
        ffi_ref!(adaptive_timeout).0.record_ns(latency_ns);
        seawall_status::SEAWALL_OK
    })
}

/// Writes the timeout to use for a call starting now to `*out_timeout_ns`.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_get(
    adaptive_timeout: *const seawall_adaptive_timeout,
    out_timeout_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([adaptive_timeout, out_timeout_ns] {
        ffi_write!(out_timeout_ns, duration_to_ns(ffi_ref!(adaptive_timeout).0.timeout()));
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot (samples, p50/p95/p99, timeout) to `*out`.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_adaptive_timeout_get_metrics(
    adaptive_timeout: *const seawall_adaptive_timeout,
    out: *mut seawall_adaptive_timeout_metrics,
) -> seawall_status {
    ffi_boundary!([adaptive_timeout, out] {
        let m = ffi_ref!(adaptive_timeout).0.metrics();
        ffi_write_out!(out, seawall_adaptive_timeout_metrics {
            struct_size: 0,
            samples: m.samples,
            total: m.total,
            p50_ns: duration_to_ns(m.p50),
            p95_ns: duration_to_ns(m.p95),
            p99_ns: duration_to_ns(m.p99),
            timeout_ns: duration_to_ns(m.timeout),
        })
    })
}
