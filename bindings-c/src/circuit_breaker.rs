//! Circuit breaker: `seawall_circuit_breaker`.

use crate::boundary::{fail, invalid_config, null_argument};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::circuit_breaker::{
    CircuitBreaker, Config, ListenerId, Outcome, Permit, State, Transition, WindowKind,
};
use seawall::clock::{duration_to_ns, ClockSource};
use std::mem::offset_of;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

/// A breaker state. Wire names (`seawall_circuit_state_str`): `closed`,
/// `open`, `half_open`, `disabled`, `forced_open`, `metrics_only`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_circuit_state {
    /// Calls pass; outcomes are recorded and may trip the breaker.
    SEAWALL_STATE_CLOSED = 0,
    /// Calls are rejected until the open duration has passed.
    SEAWALL_STATE_OPEN = 1,
    /// A limited number of probe calls pass; their outcomes decide.
    SEAWALL_STATE_HALF_OPEN = 2,
    /// Every call passes and nothing is recorded (`_disable`).
    SEAWALL_STATE_DISABLED = 3,
    /// Every call is rejected until `_reset` (`_force_open`).
    SEAWALL_STATE_FORCED_OPEN = 4,
    /// Calls pass and outcomes are recorded, but it never trips (`_metrics_only`).
    SEAWALL_STATE_METRICS_ONLY = 5,
}

/// The outcome of a call, as the caller classified it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_outcome {
    /// The call succeeded (it may still be slow).
    SEAWALL_OUTCOME_SUCCESS = 0,
    /// The call failed.
    SEAWALL_OUTCOME_FAILURE = 1,
    /// Says nothing about the dependency's health: counted as ignored only;
    /// a half-open probe gives its slot back.
    SEAWALL_OUTCOME_IGNORED = 2,
}

/// How the failure-rate window counts.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_window_kind {
    /// The last `window_size` calls.
    SEAWALL_WINDOW_COUNT_BASED = 0,
    /// The calls of the last `window_size` seconds.
    SEAWALL_WINDOW_TIME_BASED = 1,
}

/// Configuration of a circuit breaker; fill it with
/// `seawall_circuit_breaker_config_default()`. Optional fields have a
/// `has_` flag (false = rule off / no limit).
///
/// | field | default | rule |
/// |---|---|---|
/// | has_failure_rate_threshold, failure_rate_threshold | true, 0.5 | in (0, 1] |
/// | has_slow_call_rate_threshold, slow_call_rate_threshold | true, 1.0 | in (0, 1] |
/// | slow_call_duration_threshold_ns | 60 s | > 0, ≤ 100 years |
/// | window_kind | SEAWALL_WINDOW_COUNT_BASED | a `seawall_window_kind` |
/// | window_size | 100 | calls: 1..=100000; seconds: 1..=3600 |
/// | minimum_number_of_calls | 100 | ≥ 1; ≤ window_size if count-based |
/// | has_failure_count_threshold, failure_count_threshold | false | 1..=10000 failures in a row (or within the period) |
/// | has_failure_count_period, failure_count_period_ns | false | > 0; needs the threshold |
/// | open_duration_ns | 60 s | > 0, ≤ 100 years |
/// | open_duration_multiplier | 1.0 | in [1, 1000]; growth per consecutive open |
/// | has_max_open_duration, max_open_duration_ns | false | ≥ open_duration_ns |
/// | half_open_max_calls | 3 | 1..=16 probes per half-open episode |
/// | success_threshold | 3 | 1..=half_open_max_calls successes to close |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_circuit_breaker_config {
    /// Set by `seawall_circuit_breaker_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Whether the failure-rate rule is on.
    pub has_failure_rate_threshold: u8,
    /// Trip when failures / calls in the window reach this.
    pub failure_rate_threshold: f64,
    /// Whether the slow-call-rate rule is on.
    pub has_slow_call_rate_threshold: u8,
    /// Trip when slow calls / calls in the window reach this.
    pub slow_call_rate_threshold: f64,
    /// A call slower than this is slow.
    pub slow_call_duration_threshold_ns: u64,
    /// A `seawall_window_kind` value.
    pub window_kind: u32,
    /// Calls (count-based) or seconds (time-based) in the rate window.
    pub window_size: u64,
    /// Rates are computed once the window holds this many calls.
    pub minimum_number_of_calls: u64,
    /// Whether the failure-count rule is on.
    pub has_failure_count_threshold: u8,
    /// Trip after this many failures in a row (or within the period).
    pub failure_count_threshold: u64,
    /// Whether failures are counted within a period instead of in a row.
    pub has_failure_count_period: u8,
    /// Count failures younger than this.
    pub failure_count_period_ns: u64,
    /// How long the breaker stays open before probing.
    pub open_duration_ns: u64,
    /// Open duration growth per consecutive open episode.
    pub open_duration_multiplier: f64,
    /// Whether the open duration growth is capped.
    pub has_max_open_duration: u8,
    /// Cap of the grown open duration.
    pub max_open_duration_ns: u64,
    /// Probes admitted per half-open episode.
    pub half_open_max_calls: u64,
    /// Successful probes that close the breaker.
    pub success_threshold: u64,
}

/// A snapshot of a breaker's state and counters.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_circuit_breaker_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Current state.
    pub state: seawall_circuit_state,
    /// Outcomes recorded (successes + failures + ignored).
    pub calls: u64,
    /// Successful outcomes recorded.
    pub successes: u64,
    /// Failed outcomes recorded.
    pub failures: u64,
    /// Recorded calls slower than the slow-call threshold.
    pub slow: u64,
    /// Ignored outcomes recorded.
    pub ignored: u64,
    /// Rejected try_acquire calls.
    pub rejected: u64,
    /// State transitions so far.
    pub transitions: u64,
    /// Calls in the rate window now.
    pub buffered_calls: u64,
    /// Failures in the rate window now.
    pub buffered_failures: u64,
    /// Slow calls in the rate window now.
    pub buffered_slow: u64,
    /// Whether `failure_rate` is computed (window holds minimum_number_of_calls).
    pub has_failure_rate: bool,
    /// buffered_failures / buffered_calls.
    pub failure_rate: f64,
    /// Whether `slow_call_rate` is computed.
    pub has_slow_call_rate: bool,
    /// buffered_slow / buffered_calls.
    pub slow_call_rate: f64,
    /// The count the failure-count rule compares.
    pub failure_count: u64,
    /// Half-open probes admitted and not yet finished.
    pub half_open_in_flight: u32,
    /// Half-open probes that succeeded in this episode.
    pub half_open_successes: u32,
    /// The open duration of the current or last open episode.
    pub open_duration_ns: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_circuit_breaker_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_circuit_breaker_metrics, state),
        offset_of!(seawall_circuit_breaker_metrics, calls),
        offset_of!(seawall_circuit_breaker_metrics, successes),
        offset_of!(seawall_circuit_breaker_metrics, failures),
        offset_of!(seawall_circuit_breaker_metrics, slow),
        offset_of!(seawall_circuit_breaker_metrics, ignored),
        offset_of!(seawall_circuit_breaker_metrics, rejected),
        offset_of!(seawall_circuit_breaker_metrics, transitions),
        offset_of!(seawall_circuit_breaker_metrics, buffered_calls),
        offset_of!(seawall_circuit_breaker_metrics, buffered_failures),
        offset_of!(seawall_circuit_breaker_metrics, buffered_slow),
        offset_of!(seawall_circuit_breaker_metrics, has_failure_rate),
        offset_of!(seawall_circuit_breaker_metrics, failure_rate),
        offset_of!(seawall_circuit_breaker_metrics, has_slow_call_rate),
        offset_of!(seawall_circuit_breaker_metrics, slow_call_rate),
        offset_of!(seawall_circuit_breaker_metrics, failure_count),
        offset_of!(seawall_circuit_breaker_metrics, half_open_in_flight),
        offset_of!(seawall_circuit_breaker_metrics, half_open_successes),
        offset_of!(seawall_circuit_breaker_metrics, open_duration_ns),
    ];
}

/// A state-transition listener: `user_data` as registered, the state left,
/// the state entered, and the clock time of the transition in ns.
///
/// It runs synchronously on the thread that made the transition (the one
/// inside `_try_acquire`, `_record`, `_release`, `_force_open`, `_disable`,
/// `_metrics_only` or `_reset` of the breaker, or inside
/// `seawall_policy_try_acquire` / `seawall_policy_guard_*` of a policy
/// using it), after the transition, outside any lock of the hot path.
/// Several threads may call it at once, so it must be thread-safe. It may
/// call any seawall function (those calls change this thread's last
/// error), including on this breaker, except `seawall_circuit_breaker_free`
/// of this breaker. It must not unwind (longjmp, C++ exceptions) through
/// seawall. Keep it short: the caller waits for it, and so does
/// `_remove_listener` / `_free` on another thread.
///
/// Lifetime: a listener fires only while it is registered and the handle
/// it was registered on is not freed (a policy that keeps using the
/// breaker after `seawall_circuit_breaker_free` does not call it). See
/// `seawall_circuit_breaker_on_transition` for when `destroy` runs.
pub type seawall_transition_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        from: seawall_circuit_state,
        to: seawall_circuit_state,
        at_ns: u64,
    ),
>;

/// Frees a listener's `user_data`: called exactly once per registration,
/// when the listener can no longer fire (see
/// `seawall_circuit_breaker_on_transition`), on the thread that removed
/// it, freed the breaker, or made the last call. It must not call seawall
/// functions on the breaker it was registered on, nor unwind through seawall.
pub type seawall_destroy_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A thread-safe circuit breaker. Opaque.
pub struct seawall_circuit_breaker(
    pub(crate) Arc<CircuitBreaker>,
    /// This handle's permit tag (see [`PERMIT_TAG_SHIFT`]), never 0.
    u64,
    /// The listeners registered through this handle (removed by `_free`).
    std::sync::Mutex<Vec<ListenerId>>,
);

/// C permit bits: the core permit in bits `0..40` (core uses `0..37`),
/// the issuing handle's tag in bits `40..64`. 0 is never issued: a zeroed
/// permit is empty, and finishing a permit writes 0.
const PERMIT_TAG_SHIFT: u32 = 40;
const PERMIT_CORE_MASK: u64 = (1 << PERMIT_TAG_SHIFT) - 1;
const PERMIT_TAG_MAX: u64 = (1 << (64 - PERMIT_TAG_SHIFT)) - 1;

/// A tag for a new breaker handle: 1..=PERMIT_TAG_MAX, cycling, so live
/// breakers share a tag only after 16 million newer ones were created.
fn next_tag() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % PERMIT_TAG_MAX + 1
}

impl Drop for seawall_circuit_breaker {
    /// The handle's listeners end with it, even if a policy keeps the
    /// breaker alive: each is removed (waiting for running calls) and its
    /// `destroy` runs.
    fn drop(&mut self) {
        let ids = std::mem::take(
            &mut *self
                .2
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for id in ids {
            self.0.remove_listener_and_wait(id);
        }
    }
}

pub(crate) fn state_to_c(s: State) -> seawall_circuit_state {
    use seawall_circuit_state::*;
    match s {
        State::Closed => SEAWALL_STATE_CLOSED,
        State::Open => SEAWALL_STATE_OPEN,
        State::HalfOpen => SEAWALL_STATE_HALF_OPEN,
        State::Disabled => SEAWALL_STATE_DISABLED,
        State::ForcedOpen => SEAWALL_STATE_FORCED_OPEN,
        State::MetricsOnly => SEAWALL_STATE_METRICS_ONLY,
    }
}

impl seawall_circuit_breaker_config {
    fn to_core(self) -> seawall::Result<Config> {
        let ns = Duration::from_nanos;
        Ok(Config {
            failure_rate_threshold: (self.has_failure_rate_threshold != 0)
                .then_some(self.failure_rate_threshold),
            slow_call_rate_threshold: (self.has_slow_call_rate_threshold != 0)
                .then_some(self.slow_call_rate_threshold),
            slow_call_duration_threshold: ns(self.slow_call_duration_threshold_ns),
            window_kind: match self.window_kind {
                0 => WindowKind::CountBased,
                1 => WindowKind::TimeBased,
                v => {
                    return Err(invalid_config(
                        "window_kind",
                        format!("must be a seawall_window_kind (0 or 1), got {v}"),
                    ))
                }
            },
            window_size: self.window_size,
            minimum_number_of_calls: self.minimum_number_of_calls,
            failure_count_threshold: (self.has_failure_count_threshold != 0)
                .then_some(self.failure_count_threshold),
            failure_count_period: (self.has_failure_count_period != 0)
                .then(|| ns(self.failure_count_period_ns)),
            open_duration: ns(self.open_duration_ns),
            open_duration_multiplier: self.open_duration_multiplier,
            max_open_duration: (self.has_max_open_duration != 0)
                .then(|| ns(self.max_open_duration_ns)),
            half_open_max_calls: self.half_open_max_calls,
            success_threshold: self.success_threshold,
        })
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_circuit_breaker_config {
    const INIT: &'static str = "seawall_circuit_breaker_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_circuit_breaker_config, has_failure_rate_threshold),
        offset_of!(seawall_circuit_breaker_config, failure_rate_threshold),
        offset_of!(seawall_circuit_breaker_config, has_slow_call_rate_threshold),
        offset_of!(seawall_circuit_breaker_config, slow_call_rate_threshold),
        offset_of!(
            seawall_circuit_breaker_config,
            slow_call_duration_threshold_ns
        ),
        offset_of!(seawall_circuit_breaker_config, window_kind),
        offset_of!(seawall_circuit_breaker_config, window_size),
        offset_of!(seawall_circuit_breaker_config, minimum_number_of_calls),
        offset_of!(seawall_circuit_breaker_config, has_failure_count_threshold),
        offset_of!(seawall_circuit_breaker_config, failure_count_threshold),
        offset_of!(seawall_circuit_breaker_config, has_failure_count_period),
        offset_of!(seawall_circuit_breaker_config, failure_count_period_ns),
        offset_of!(seawall_circuit_breaker_config, open_duration_ns),
        offset_of!(seawall_circuit_breaker_config, open_duration_multiplier),
        offset_of!(seawall_circuit_breaker_config, has_max_open_duration),
        offset_of!(seawall_circuit_breaker_config, max_open_duration_ns),
        offset_of!(seawall_circuit_breaker_config, half_open_max_calls),
        offset_of!(seawall_circuit_breaker_config, success_threshold),
    ];
    fn defaults() -> Self {
        let d = Config::default();
        seawall_circuit_breaker_config {
            struct_size: own_size::<seawall_circuit_breaker_config>(),
            has_failure_rate_threshold: u8::from(d.failure_rate_threshold.is_some()),
            failure_rate_threshold: d.failure_rate_threshold.unwrap_or(0.5),
            has_slow_call_rate_threshold: u8::from(d.slow_call_rate_threshold.is_some()),
            slow_call_rate_threshold: d.slow_call_rate_threshold.unwrap_or(1.0),
            slow_call_duration_threshold_ns: duration_to_ns(d.slow_call_duration_threshold),
            window_kind: match d.window_kind {
                WindowKind::CountBased => 0,
                WindowKind::TimeBased => 1,
            },
            window_size: d.window_size,
            minimum_number_of_calls: d.minimum_number_of_calls,
            has_failure_count_threshold: u8::from(d.failure_count_threshold.is_some()),
            failure_count_threshold: d.failure_count_threshold.unwrap_or(0),
            has_failure_count_period: u8::from(d.failure_count_period.is_some()),
            failure_count_period_ns: d.failure_count_period.map_or(0, duration_to_ns),
            open_duration_ns: duration_to_ns(d.open_duration),
            open_duration_multiplier: d.open_duration_multiplier,
            has_max_open_duration: u8::from(d.max_open_duration.is_some()),
            max_open_duration_ns: d.max_open_duration.map_or(0, duration_to_ns),
            half_open_max_calls: d.half_open_max_calls,
            success_threshold: d.success_threshold,
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_circuit_breaker_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_circuit_breaker_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_config_init(
    config: *mut seawall_circuit_breaker_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn cb_new(
    config: *const seawall_circuit_breaker_config,
    clock: ClockSource,
    out: *mut *mut seawall_circuit_breaker,
) -> seawall_status {
    match ffi_config!(config)
        .and_then(|c| c.to_core())
        .and_then(|c| CircuitBreaker::with_clock(c, clock))
    {
        Ok(cb) => {
            ffi_new_handle!(
                out,
                seawall_circuit_breaker(Arc::new(cb), next_tag(), Default::default()),
            );
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates (first process) or attaches to (later ones) the breaker `name`
/// in `region` and writes it to `*out`: one state for every process that
/// does so (opened by one, it rejects in all at their next call). Each
/// process's listeners hear every transition once, at its next call on the
/// breaker or `seawall_circuit_breaker_poll_transitions`. `config` is read,
/// not kept. The caller owns `*out` and frees it with
/// `seawall_circuit_breaker_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (also for another config than the region's,
/// naming the field), `SEAWALL_INVALID_ARGUMENT` (`name`),
/// `SEAWALL_SHARED_REGION` (the region is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_new_in_region(
    config: *const seawall_circuit_breaker_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        let built = ffi_config!(config).and_then(|c| c.to_core()).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            CircuitBreaker::in_region(c, r, n)
        });
        match built {
            Ok(cb) => {
                ffi_new_handle!(
                    out,
                    seawall_circuit_breaker(Arc::new(cb), next_tag(), Default::default()),
                );
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_circuit_breaker_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_circuit_breaker_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_circuit_breaker_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_new_in_region_with_clock(
    config: *const seawall_circuit_breaker_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        let built = ffi_config!(config).and_then(|c| c.to_core()).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            CircuitBreaker::in_region_with_clock(c, clock_source(ffi_ref!(clock)), r, n)
        });
        match built {
            Ok(cb) => {
                ffi_new_handle!(
                    out,
                    seawall_circuit_breaker(Arc::new(cb), next_tag(), Default::default()),
                );
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Fires this process's listeners for transitions other processes made
/// to a breaker in a shared region since this process last looked (any
/// call on the breaker does this too; a process idle for a while can call
/// this from a timer). Does nothing for a breaker on the heap.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_poll_transitions(
    breaker: *const seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([breaker] {
        ffi_ref!(breaker).0.poll_transitions();
        seawall_status::SEAWALL_OK
    })
}

/// Creates a closed breaker on the monotonic clock and writes it to `*out`.
/// `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_circuit_breaker_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (the last error names the field, e.g.
/// `open_duration_ns`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_new(
    config: *const seawall_circuit_breaker_config,
    out: *mut *mut seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(cb_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_circuit_breaker_new`, on `clock` (the breaker keeps its own
/// reference; the clock may be freed first). Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_new_with_clock(
    config: *const seawall_circuit_breaker_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(cb_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a breaker handle and removes the listeners registered on it:
/// when it returns, none of them is running or will run again, and their
/// `destroy` callbacks have run (unless called from inside a listener of
/// any breaker: then calls running on other threads may still finish, and
/// `destroy` runs after the last). A policy using the breaker keeps
/// working without them. NULL is a no-op. Freeing a handle twice is
/// undefined behaviour, as for `free()`. Not thread-safe: must not race
/// other calls on the same handle (nor run inside one of its listeners).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_free(breaker: *mut seawall_circuit_breaker) {
    ffi_value!((), { ffi_free_handle!(breaker) })
}

/// Asks to make one call. `SEAWALL_OK`: make it, then finish the permit
/// written to `*out_permit` exactly once with `_record` or `_release` of
/// this breaker, passing its address. A permit is an opaque, non-zero
/// 64-bit token that names its breaker; finishing writes 0 to it, so a
/// second `_record` of it returns `SEAWALL_INVALID_ARGUMENT` (and a second
/// `_release` does nothing), and a permit from another breaker is
/// refused with `SEAWALL_INVALID_ARGUMENT`; a zeroed `uint64_t` is an empty
/// permit. A permit from before a transition is stale: it counts in the
/// lifetime counters only. Copies of one permit are one permit: finishing
/// each copy is a caller bug seawall cannot see. `SEAWALL_CIRCUIT_OPEN`:
/// don't call; `seawall_last_error_retry_after_ns()` says when the breaker
/// may admit again (`*out_permit` untouched). Closed: one atomic load.
/// Thread-safe. Also returns `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_try_acquire(
    breaker: *const seawall_circuit_breaker,
    out_permit: *mut u64,
) -> seawall_status {
    ffi_boundary!([breaker, out_permit] {
        match ffi_ref!(breaker).0.try_acquire() {
            Ok(p) => {
                ffi_write!(out_permit, p.to_bits() | (ffi_ref!(breaker).1 << PERMIT_TAG_SHIFT));
                seawall_status::SEAWALL_OK
            }
            Err(r) => {
                let e = r.into();
                if seawall::events::any() {
                    crate::events::report_refusal(crate::events::addr_of(&ffi_ref!(breaker).0), &e);
                }
                fail(e)
            }
        }
    })
}

/// Whether a permit from `_try_acquire` is a half-open probe (false for
/// an empty permit). Pure; thread-safe; cannot fail.
#[no_mangle]
pub extern "C" fn seawall_permit_is_probe(permit: u64) -> bool {
    ffi_value!(false, {
        permit != 0 && Permit::from_bits(permit & PERMIT_CORE_MASK).is_probe()
    })
}

/// Checks that `bits` (a caller's `*permit`) is a live permit of `breaker`: its core permit,
/// or the status to return.
#[inline]
fn live_permit(breaker: &seawall_circuit_breaker, bits: u64) -> Result<Permit, seawall_status> {
    if bits >> PERMIT_TAG_SHIFT == breaker.1 {
        return Ok(Permit::from_bits(bits & PERMIT_CORE_MASK));
    }
    Err(bad_permit(bits))
}

#[cold]
fn bad_permit(bits: u64) -> seawall_status {
    fail(seawall::Error::argument(
        "permit",
        if bits == 0 {
            "is not live: already finished, or not admitted by seawall_circuit_breaker_try_acquire"
        } else {
            "was issued by another circuit breaker"
        },
    ))
}

pub(crate) fn outcome_to(o: Outcome) -> u32 {
    match o {
        Outcome::Success => 0,
        Outcome::Failure => 1,
        Outcome::Ignored => 2,
    }
}

pub(crate) fn outcome_from(v: u32) -> seawall::Result<Outcome> {
    match v {
        0 => Ok(Outcome::Success),
        1 => Ok(Outcome::Failure),
        2 => Ok(Outcome::Ignored),
        _ => Err(seawall::Error::argument(
            "outcome",
            format!("must be a seawall_outcome (0..=2), got {v}"),
        )),
    }
}

/// Records the outcome (a `seawall_outcome` value) of the call `*permit`
/// admitted and how long it took (`duration_ns` above the slow-call
/// threshold makes it slow; ignored for `SEAWALL_OUTCOME_IGNORED`), and
/// writes 0 to `*permit` (finished). May trip, close or re-open the breaker
/// (listeners run on this thread). Thread-safe on `breaker`; one call at a
/// time per permit. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
/// (field `outcome`: unknown outcome, the permit stays live; field
/// `permit`: already finished, zero, or issued by another breaker; nothing
/// is recorded) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_record(
    breaker: *const seawall_circuit_breaker,
    permit: *mut u64,
    outcome: u32,
    duration_ns: u64,
) -> seawall_status {
    ffi_boundary!([breaker, permit] {
        let p = match live_permit(ffi_ref!(breaker), *ffi_ref!(permit)) {
            Ok(p) => p,
            Err(st) => return st,
        };
        match outcome_from(outcome) {
            Ok(o) => {
                ffi_write!(permit, 0);
                ffi_ref!(breaker).0.record(p, o, Duration::from_nanos(duration_ns));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Finishes a permit whose call produced no outcome (cancelled, or
/// rejected by a later stage): records nothing; a half-open probe gives its
/// slot back; writes 0 to `*permit`. An empty permit (0: finished already,
/// or never admitted) is a no-op, so it is safe in every cleanup path.
/// Thread-safe on `breaker`; one call at a time per permit. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `permit`: issued by
/// another breaker; nothing released) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_release(
    breaker: *const seawall_circuit_breaker,
    permit: *mut u64,
) -> seawall_status {
    ffi_boundary!([breaker, permit] {
        if *ffi_ref!(permit) == 0 {
            return seawall_status::SEAWALL_OK;
        }
        match live_permit(ffi_ref!(breaker), *ffi_ref!(permit)) {
            Ok(p) => {
                ffi_write!(permit, 0);
                ffi_ref!(breaker).0.release(p);
                seawall_status::SEAWALL_OK
            }
            Err(st) => st,
        }
    })
}

/// Writes the current state to `*out_state`. A pure read: an open breaker
/// whose open duration has passed reports open until the next
/// `_try_acquire`. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_state(
    breaker: *const seawall_circuit_breaker,
    out_state: *mut seawall_circuit_state,
) -> seawall_status {
    ffi_boundary!([breaker, out_state] {
        ffi_write!(out_state, state_to_c(ffi_ref!(breaker).0.state()));
        seawall_status::SEAWALL_OK
    })
}

/// The wire name of a `seawall_circuit_state` value (`"half_open"`), a
/// static string; `"unknown"` for other values. Thread-safe; do not free.
#[no_mangle]
pub extern "C" fn seawall_circuit_state_str(state: c_int) -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), {
        match state {
            0 => c"closed".as_ptr(),
            1 => c"open".as_ptr(),
            2 => c"half_open".as_ptr(),
            3 => c"disabled".as_ptr(),
            4 => c"forced_open".as_ptr(),
            5 => c"metrics_only".as_ptr(),
            _ => c"unknown".as_ptr(),
        }
    })
}

/// Holds the breaker open (every call rejected) until `_reset`.
/// Listeners run on this thread. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_force_open(
    breaker: *const seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([breaker] {
        ffi_ref!(breaker).0.force_open();
        seawall_status::SEAWALL_OK
    })
}

/// Admits every call and records nothing until `_reset`. Listeners run
/// on this thread. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_disable(
    breaker: *const seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([breaker] {
        ffi_ref!(breaker).0.disable();
        seawall_status::SEAWALL_OK
    })
}

/// Admits every call and records outcomes (fresh windows) without ever
/// tripping, until `_reset`. Listeners run on this thread. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_metrics_only(
    breaker: *const seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([breaker] {
        ffi_ref!(breaker).0.metrics_only();
        seawall_status::SEAWALL_OK
    })
}

/// Back to closed with fresh windows and the base open duration, from
/// any state; earlier permits become stale. Listeners run on this thread
/// unless it was already closed. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_reset(
    breaker: *const seawall_circuit_breaker,
) -> seawall_status {
    ffi_boundary!([breaker] {
        ffi_ref!(breaker).0.reset();
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of the state and counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_get_metrics(
    breaker: *const seawall_circuit_breaker,
    out: *mut seawall_circuit_breaker_metrics,
) -> seawall_status {
    ffi_boundary!([breaker, out] {
        let m = ffi_ref!(breaker).0.metrics();
        ffi_write_out!(out, seawall_circuit_breaker_metrics {
            struct_size: 0,
            state: state_to_c(m.state),
            calls: m.calls,
            successes: m.successes,
            failures: m.failures,
            slow: m.slow,
            ignored: m.ignored,
            rejected: m.rejected,
            transitions: m.transitions,
            buffered_calls: m.buffered_calls,
            buffered_failures: m.buffered_failures,
            buffered_slow: m.buffered_slow,
            has_failure_rate: m.failure_rate.is_some(),
            failure_rate: m.failure_rate.unwrap_or(0.0),
            has_slow_call_rate: m.slow_call_rate.is_some(),
            slow_call_rate: m.slow_call_rate.unwrap_or(0.0),
            failure_count: m.failure_count,
            half_open_in_flight: m.half_open_in_flight,
            half_open_successes: m.half_open_successes,
            open_duration_ns: duration_to_ns(m.open_duration),
        })
    })
}

/// `user_data` travels to another thread with the listener: the C caller
/// promised in the header that the listener is thread-safe. Dropped
/// exactly once, when the core drops the listener (it can no longer
/// fire): then `destroy(user_data)` runs. Also the user data of
/// `seawall_events_subscribe` (events.rs), under the same contract.
pub(crate) struct UserData(pub(crate) *mut c_void, pub(crate) seawall_destroy_fn);
// SAFETY: documented contract of seawall_circuit_breaker_on_transition and
// seawall_events_subscribe: the callback and its user_data may be used
// from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(d) = self.1 {
            // SAFETY: the caller registered a valid destroy function for
            // this user_data; core drops the listener (or subscriber) once.
            unsafe { d(self.0) }
        }
    }
}

/// Registers `listener`, called after every state transition with
/// `user_data` (see `seawall_transition_fn` for the thread it runs on and
/// what it may call), and writes its id to `*out_id`. `user_data` may be
/// NULL; seawall never reads it. `destroy` may be NULL (nothing to free).
///
/// Lifetime: the listener fires until `_remove_listener(id)` or
/// `seawall_circuit_breaker_free` of this handle returns (both wait for
/// calls running on other threads, except when called from inside a
/// listener). Then `destroy(user_data)` runs exactly once, if `destroy` is
/// not NULL: free `user_data` in `destroy`, never yourself. With `destroy`
/// NULL, `user_data` must stay valid until `_remove_listener` / `_free`
/// returns, and, if that call came from inside a listener, until calls
/// still running elsewhere return (which only `destroy` tells). If
/// registration fails, `destroy` is not called. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `listener`: no memory
/// to store it) or `SEAWALL_NULL_ARGUMENT` (`breaker`, `listener` or
/// `out_id`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_on_transition(
    breaker: *const seawall_circuit_breaker,
    listener: seawall_transition_fn,
    user_data: *mut c_void,
    destroy: seawall_destroy_fn,
    out_id: *mut u64,
) -> seawall_status {
    ffi_boundary!([breaker, out_id] {
        let Some(f) = listener else {
            return null_argument("listener");
        };
        let b = ffi_ref!(breaker);
        // Held across the registration, so `_free` (which must not race
        // this call anyway) sees every id.
        let mut ids = b.2.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if ids.try_reserve(1).is_err() {
            return fail(seawall::Error::argument("listener", "cannot be stored: out of memory"));
        }
        let ud = UserData(user_data, destroy);
        let id = b.0.on_transition(Box::new(move |t: Transition| {
            let ud = &ud;
            // SAFETY: the caller registered a valid function and user_data.
            unsafe { f(ud.0, state_to_c(t.from), state_to_c(t.to), t.at_ns) }
        }));
        ids.push(id);
        drop(ids);
        ffi_write!(out_id, id.0);
        seawall_status::SEAWALL_OK
    })
}

/// Removes the listener with id `id` registered on this handle; writes
/// whether it was registered to `*out_removed`. When it returns, the
/// listener is not running on any other thread and will not run again, and
/// its `destroy` has run, unless called from inside a listener (of any
/// breaker): waiting there could deadlock, so it returns at once; calls
/// running on other threads may still finish, and `destroy` runs after the
/// last. Do not call it while holding a lock the listener takes.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_circuit_breaker_remove_listener(
    breaker: *const seawall_circuit_breaker,
    id: u64,
    out_removed: *mut bool,
) -> seawall_status {
    ffi_boundary!([breaker, out_removed] {
        let b = ffi_ref!(breaker);
        let mine = {
            let mut ids = b.2.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match ids.iter().position(|i| i.0 == id) {
                Some(k) => {
                    ids.swap_remove(k);
                    true
                }
                None => false,
            }
        };
        ffi_write!(out_removed, mine && b.0.remove_listener_and_wait(ListenerId(id)));
        seawall_status::SEAWALL_OK
    })
}
