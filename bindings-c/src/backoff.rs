//! Retry schedules: `seawall_backoff` (shared definition) and
//! `seawall_backoff_schedule` (the retry state of one call).

use crate::boundary::{fail, free_handle, invalid_config, write_handle};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::status::seawall_status;
use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter, ScheduleState};
use seawall::clock::{duration_to_ns, ClockSource};
use std::time::Duration;

/// How the un-jittered delay grows with the retry number n (1-based).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub enum seawall_backoff_kind {
    /// `base_ns` before every retry.
    SEAWALL_BACKOFF_CONSTANT = 0,
    /// `base_ns × n`, capped at `max_delay_ns`.
    SEAWALL_BACKOFF_LINEAR = 1,
    /// `base_ns × factor^(n−1)`, capped at `max_delay_ns` (the default).
    SEAWALL_BACKOFF_EXPONENTIAL = 2,
}

/// How randomness spreads each delay d (formulas in spec/backoff.md).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub enum seawall_jitter {
    /// d as scheduled; no random draw.
    SEAWALL_JITTER_NONE = 0,
    /// Uniform in [0, d] (the default).
    SEAWALL_JITTER_FULL = 1,
    /// In [d/2, d].
    SEAWALL_JITTER_EQUAL = 2,
    /// d ± 50%, capped at `max_delay_ns`.
    SEAWALL_JITTER_PROPORTIONAL = 3,
    /// AWS decorrelated: min(max_delay, uniform[base, 3 × previous]).
    SEAWALL_JITTER_DECORRELATED = 4,
}

/// Configuration of a backoff. Fill it with `seawall_backoff_config_default()`
/// and change the fields you need.
///
/// | field | default | rule |
/// |---|---|---|
/// | kind | SEAWALL_BACKOFF_EXPONENTIAL | a `seawall_backoff_kind` |
/// | base_ns | 100 ms | ≤ 100 years; 0 = retry at once |
/// | factor | 2.0 | finite, ≥ 1 |
/// | max_delay_ns | 30 s | base_ns ≤ max_delay_ns ≤ 100 years |
/// | jitter | SEAWALL_JITTER_FULL | a `seawall_jitter` |
/// | max_attempts | 3 | ≥ 1; counts every call, the first included |
/// | has_max_elapsed, max_elapsed_ns | false | if set: 0 < max_elapsed_ns ≤ 100 years |
/// | has_seed, seed | false | if unset, the jitter RNG is seeded from the clock |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_backoff_config {
    /// A `seawall_backoff_kind` value.
    pub kind: u32,
    /// The first delay, and the unit of linear growth.
    pub base_ns: u64,
    /// Multiplier per retry (exponential only).
    pub factor: f64,
    /// No computed delay exceeds this (a Retry-After hint may).
    pub max_delay_ns: u64,
    /// A `seawall_jitter` value.
    pub jitter: u32,
    /// Maximum number of calls, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Whether `max_elapsed_ns` applies.
    pub has_max_elapsed: bool,
    /// Give up when the next retry would start later than this after the
    /// schedule began.
    pub max_elapsed_ns: u64,
    /// Whether `seed` applies.
    pub has_seed: bool,
    /// Seed of the jitter RNG (same seed, same delays in every language).
    pub seed: u64,
}

/// Counters of a backoff, summed over all its schedules.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_backoff_metrics {
    /// Schedules started.
    pub schedules: u64,
    /// Delays handed out by schedules that have ended (counted when a
    /// schedule gives up or is freed, not per delay).
    pub retries: u64,
    /// Schedules that gave up because `max_attempts` was reached.
    pub exhausted_attempts: u64,
    /// Schedules that gave up because of `max_elapsed_ns`.
    pub exhausted_elapsed: u64,
}

/// The answer of `seawall_backoff_schedule_next_delay*`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_backoff_delay {
    /// true: do not retry (attempts or elapsed time exhausted); `delay_ns` is 0.
    pub give_up: bool,
    /// Sleep this long, then retry (when `give_up` is false).
    pub delay_ns: u64,
    /// Retries handed out by this schedule so far, this one included.
    pub retries: u32,
}

/// A retry schedule definition, shared by every call it retries. Opaque;
/// thread-safe.
pub struct seawall_backoff(Backoff);

/// The retry state of one call. Opaque; NOT thread-safe: one schedule per
/// call, used by one thread at a time. Freeing it ends it (its retries are
/// counted in the backoff's metrics).
pub struct seawall_backoff_schedule {
    backoff: Backoff,
    state: ScheduleState,
}

impl Drop for seawall_backoff_schedule {
    fn drop(&mut self) {
        self.backoff.finish(&mut self.state);
    }
}

fn kind_from(v: u32) -> seawall::Result<BackoffKind> {
    Ok(match v {
        0 => BackoffKind::Constant,
        1 => BackoffKind::Linear,
        2 => BackoffKind::Exponential,
        _ => {
            return Err(invalid_config(
                "kind",
                format!("must be a seawall_backoff_kind (0..=2), got {v}"),
            ))
        }
    })
}

fn jitter_from(v: u32) -> seawall::Result<Jitter> {
    Ok(match v {
        0 => Jitter::None,
        1 => Jitter::Full,
        2 => Jitter::Equal,
        3 => Jitter::Proportional,
        4 => Jitter::Decorrelated,
        _ => {
            return Err(invalid_config(
                "jitter",
                format!("must be a seawall_jitter (0..=4), got {v}"),
            ))
        }
    })
}

fn kind_to(k: BackoffKind) -> u32 {
    match k {
        BackoffKind::Constant => 0,
        BackoffKind::Linear => 1,
        BackoffKind::Exponential => 2,
    }
}

fn jitter_to(j: Jitter) -> u32 {
    match j {
        Jitter::None => 0,
        Jitter::Full => 1,
        Jitter::Equal => 2,
        Jitter::Proportional => 3,
        Jitter::Decorrelated => 4,
    }
}

impl seawall_backoff_config {
    fn to_core(self) -> seawall::Result<BackoffConfig> {
        Ok(BackoffConfig {
            kind: kind_from(self.kind)?,
            base: Duration::from_nanos(self.base_ns),
            factor: self.factor,
            max_delay: Duration::from_nanos(self.max_delay_ns),
            jitter: jitter_from(self.jitter)?,
            max_attempts: self.max_attempts,
            max_elapsed: self
                .has_max_elapsed
                .then(|| Duration::from_nanos(self.max_elapsed_ns)),
            seed: self.has_seed.then_some(self.seed),
        })
    }
}

/// The default backoff config (see `seawall_backoff_config` for the table).
/// Thread-safe; cannot fail.
#[no_mangle]
pub extern "C" fn seawall_backoff_config_default() -> seawall_backoff_config {
    let d = BackoffConfig::default();
    seawall_backoff_config {
        kind: kind_to(d.kind),
        base_ns: duration_to_ns(d.base),
        factor: d.factor,
        max_delay_ns: duration_to_ns(d.max_delay),
        jitter: jitter_to(d.jitter),
        max_attempts: d.max_attempts,
        has_max_elapsed: d.max_elapsed.is_some(),
        max_elapsed_ns: d.max_elapsed.map_or(0, duration_to_ns),
        has_seed: d.seed.is_some(),
        seed: d.seed.unwrap_or(0),
    }
}

unsafe fn backoff_new(
    config: *const seawall_backoff_config,
    clock: ClockSource,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    match (*config)
        .to_core()
        .and_then(|c| Backoff::with_clock(c, clock))
    {
        Ok(b) => {
            write_handle(out, seawall_backoff(b));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a backoff on the monotonic clock and writes it to `*out`.
/// `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_backoff_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (the last error names the field, e.g. `max_delay_ns`) or
/// `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_new(
    config: *const seawall_backoff_config,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    ffi_boundary!([config, out] { backoff_new(config, ClockSource::Monotonic, out) })
}

/// Like `seawall_backoff_new`, reading elapsed time from `clock` (the
/// backoff keeps its own reference; the clock may be freed first).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_new_with_clock(
    config: *const seawall_backoff_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { backoff_new(config, clock_source(clock), out) })
}

/// Frees a backoff. NULL is a no-op. Schedules made from it stay valid.
/// Not thread-safe: must not race other calls on the same handle.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_free(backoff: *mut seawall_backoff) {
    ffi_value!((), { free_handle(backoff) })
}

/// Writes the un-jittered delay before retry `attempt` (1-based; 0 gives 0)
/// to `*out_delay_ns`. Pure: no RNG, no clock. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_delay_for(
    backoff: *const seawall_backoff,
    attempt: u32,
    out_delay_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([backoff, out_delay_ns] {
        *out_delay_ns = duration_to_ns((*backoff).0.delay_for(attempt));
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of the backoff's counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_get_metrics(
    backoff: *const seawall_backoff,
    out: *mut seawall_backoff_metrics,
) -> seawall_status {
    ffi_boundary!([backoff, out] {
        let m = (*backoff).0.metrics();
        *out = seawall_backoff_metrics {
            schedules: m.schedules,
            retries: m.retries,
            exhausted_attempts: m.exhausted_attempts,
            exhausted_elapsed: m.exhausted_elapsed,
        };
        seawall_status::SEAWALL_OK
    })
}

/// Starts the schedule of one retried call (elapsed time counts from now)
/// and writes it to `*out`. The caller owns it and frees it with
/// `seawall_backoff_schedule_free`; it may outlive the backoff.
/// Thread-safe on `backoff`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_schedule_new(
    backoff: *const seawall_backoff,
    out: *mut *mut seawall_backoff_schedule,
) -> seawall_status {
    ffi_boundary!([backoff, out] {
        let backoff = (*backoff).0.clone();
        let state = backoff.start();
        write_handle(out, seawall_backoff_schedule { backoff, state });
        seawall_status::SEAWALL_OK
    })
}

/// Frees a schedule. NULL is a no-op. Not thread-safe with other calls on
/// the same schedule.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_schedule_free(schedule: *mut seawall_backoff_schedule) {
    ffi_value!((), { free_handle(schedule) })
}

fn delay_out(d: Option<Duration>, retries: u32) -> seawall_backoff_delay {
    match d {
        Some(d) => seawall_backoff_delay {
            give_up: false,
            delay_ns: duration_to_ns(d),
            retries,
        },
        None => seawall_backoff_delay {
            give_up: true,
            delay_ns: 0,
            retries,
        },
    }
}

/// After a failed call: writes the delay before the next retry, or
/// `give_up = true`, to `*out`. Elapsed time is read from the backoff's
/// clock. If `has_retry_after`, `retry_after_ns` (a server's Retry-After)
/// replaces the computed delay, uncapped but still subject to
/// `max_elapsed_ns`. Not thread-safe on `schedule`.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_schedule_next_delay(
    schedule: *mut seawall_backoff_schedule,
    has_retry_after: bool,
    retry_after_ns: u64,
    out: *mut seawall_backoff_delay,
) -> seawall_status {
    ffi_boundary!([schedule, out] {
        let s = &mut *schedule;
        let hint = has_retry_after.then(|| Duration::from_nanos(retry_after_ns));
        let d = s.backoff.next_delay(&mut s.state, hint);
        *out = delay_out(d, s.state.retries());
        seawall_status::SEAWALL_OK
    })
}

/// Like `seawall_backoff_schedule_next_delay` with the elapsed time since
/// the schedule began given by the caller. Not thread-safe on `schedule`.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_schedule_next_delay_elapsed(
    schedule: *mut seawall_backoff_schedule,
    elapsed_ns: u64,
    has_retry_after: bool,
    retry_after_ns: u64,
    out: *mut seawall_backoff_delay,
) -> seawall_status {
    ffi_boundary!([schedule, out] {
        let s = &mut *schedule;
        let d = s.backoff.next_delay_elapsed(
            &mut s.state,
            Duration::from_nanos(elapsed_ns),
            has_retry_after.then(|| Duration::from_nanos(retry_after_ns)),
        );
        *out = delay_out(d, s.state.retries());
        seawall_status::SEAWALL_OK
    })
}

/// Writes the retries handed out so far to `*out_retries`. Not thread-safe
/// on `schedule` against `next_delay`. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_schedule_retries(
    schedule: *const seawall_backoff_schedule,
    out_retries: *mut u32,
) -> seawall_status {
    ffi_boundary!([schedule, out_retries] {
        *out_retries = (*schedule).state.retries();
        seawall_status::SEAWALL_OK
    })
}
