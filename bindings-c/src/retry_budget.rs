//! gRPC-style retry budget: retries limited to a share of traffic.

use crate::boundary::fail;
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use std::mem::offset_of;

/// Configuration of a retry budget; fill it with
/// `seawall_retry_budget_config_default()`.
///
/// | field | default | rule |
/// |---|---|---|
/// | max_tokens | 10 | integer in [1, 1000000] |
/// | token_ratio | 0.1 | finite, > 0, ≤ 1000000; rounded to thousandths, ≥ 0.001 |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_retry_budget_config {
    /// Set by `seawall_retry_budget_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Size of the bucket; retries stop when it is half empty.
    pub max_tokens: u32,
    /// Tokens each success gives back.
    pub token_ratio: f64,
}

/// A snapshot of a retry budget.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_retry_budget_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Current tokens in thousandths.
    pub tokens_milli: u64,
    /// `max_tokens` in thousandths.
    pub max_tokens_milli: u64,
    /// Retries are allowed while `tokens_milli` is above this.
    pub threshold_milli: u64,
    /// `try_retry` calls that allowed a retry.
    pub retries_allowed: u64,
    /// `try_retry` calls that denied one.
    pub retries_denied: u64,
    /// Successes recorded.
    pub successes: u64,
    /// Failures recorded (by `try_retry` and `record_failure`).
    pub failures: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_retry_budget_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_retry_budget_metrics, tokens_milli),
        offset_of!(seawall_retry_budget_metrics, max_tokens_milli),
        offset_of!(seawall_retry_budget_metrics, threshold_milli),
        offset_of!(seawall_retry_budget_metrics, retries_allowed),
        offset_of!(seawall_retry_budget_metrics, retries_denied),
        offset_of!(seawall_retry_budget_metrics, successes),
        offset_of!(seawall_retry_budget_metrics, failures),
    ];
}

/// gRPC-style retry throttling (gRFC A6). Opaque; thread-safe; reads no clock.
pub struct seawall_retry_budget(pub(crate) std::sync::Arc<RetryBudget>);

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_retry_budget_config {
    const INIT: &'static str = "seawall_retry_budget_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_retry_budget_config, max_tokens),
        offset_of!(seawall_retry_budget_config, token_ratio),
    ];
    fn defaults() -> Self {
        let d = RetryBudgetConfig::default();
        seawall_retry_budget_config {
            struct_size: own_size::<seawall_retry_budget_config>(),
            max_tokens: d.max_tokens,
            token_ratio: d.token_ratio,
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_retry_budget_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_retry_budget_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_config_init(
    config: *mut seawall_retry_budget_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// Creates (first process) or attaches to (later ones) the retry budget (full when created) `name`
/// in `region` and writes it to `*out`: every process that does so shares
/// it. `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_retry_budget_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (also for another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_new_in_region(
    config: *const seawall_retry_budget_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_retry_budget,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        let built = ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            RetryBudget::in_region(
                RetryBudgetConfig { max_tokens: c.max_tokens, token_ratio: c.token_ratio },
                r,
                n,
            )
        });
        match built {
            Ok(b) => {
                ffi_new_handle!(out, seawall_retry_budget(std::sync::Arc::new(b)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Creates a full retry budget and writes it to `*out`. `config` is read,
/// not kept. The caller owns `*out` and frees it with
/// `seawall_retry_budget_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (naming `max_tokens` or `token_ratio`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_new(
    config: *const seawall_retry_budget_config,
    out: *mut *mut seawall_retry_budget,
) -> seawall_status {
    ffi_boundary!([config, out] {
        let c = match ffi_config!(config) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        match RetryBudget::new(RetryBudgetConfig { max_tokens: c.max_tokens, token_ratio: c.token_ratio }) {
            Ok(b) => {
                ffi_new_handle!(out, seawall_retry_budget(std::sync::Arc::new(b)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees a retry budget. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_free(budget: *mut seawall_retry_budget) {
    ffi_value!((), { ffi_free_handle!(budget) })
}

/// Records a failed attempt (one token withdrawn) and asks for a retry:
/// `SEAWALL_OK` = send it, `SEAWALL_RETRY_BUDGET_EXHAUSTED` = don't.
/// Thread-safe (one CAS loop). Also returns `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_try_retry(
    budget: *const seawall_retry_budget,
) -> seawall_status {
    ffi_boundary!([budget] {
        if ffi_ref!(budget).0.try_retry() {
            seawall_status::SEAWALL_OK
        } else {
            fail(seawall::Error::RetryBudgetExhausted)
        }
    })
}

/// Records a failed attempt that will not be retried anyway (one token
/// withdrawn). Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_record_failure(
    budget: *const seawall_retry_budget,
) -> seawall_status {
    ffi_boundary!([budget] {
        ffi_ref!(budget).0.record_failure();
        seawall_status::SEAWALL_OK
    })
}

/// Records a success (`token_ratio` tokens back, never above max).
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_record_success(
    budget: *const seawall_retry_budget,
) -> seawall_status {
    ffi_boundary!([budget] {
        ffi_ref!(budget).0.record_success();
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of tokens and counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_budget_get_metrics(
    budget: *const seawall_retry_budget,
    out: *mut seawall_retry_budget_metrics,
) -> seawall_status {
    ffi_boundary!([budget, out] {
        let m = ffi_ref!(budget).0.metrics();
        ffi_write_out!(out, seawall_retry_budget_metrics {
            struct_size: 0,
            tokens_milli: m.tokens_milli,
            max_tokens_milli: m.max_tokens_milli,
            threshold_milli: m.threshold_milli,
            retries_allowed: m.retries_allowed,
            retries_denied: m.retries_denied,
            successes: m.successes,
            failures: m.failures,
        })
    })
}
