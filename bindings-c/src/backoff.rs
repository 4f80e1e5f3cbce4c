//! Retry schedules: `seawall_backoff` (shared definition) and
//! `seawall_backoff_schedule_state` (the retry state of one call, a plain
//! struct the caller owns).

use crate::boundary::{fail, invalid_config};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter, ScheduleState};
use seawall::clock::{duration_to_ns, ClockSource};
use std::mem::offset_of;
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
    /// Set by `seawall_backoff_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
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
    pub has_max_elapsed: u8,
    /// Give up when the next retry would start later than this after the
    /// schedule began.
    pub max_elapsed_ns: u64,
    /// Whether `seed` applies.
    pub has_seed: u8,
    /// Seed of the jitter RNG (same seed, same delays in every language).
    pub seed: u64,
}

/// Counters of a backoff, summed over all its schedules.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_backoff_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Schedules started.
    pub schedules: u64,
    /// Delays handed out by schedules that have ended (counted when a
    /// schedule gives up or is finished with `seawall_backoff_finish`, not
    /// per delay; a schedule never finished is not counted).
    pub retries: u64,
    /// Schedules that gave up because `max_attempts` was reached.
    pub exhausted_attempts: u64,
    /// Schedules that gave up because of `max_elapsed_ns`.
    pub exhausted_elapsed: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_backoff_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_backoff_metrics, schedules),
        offset_of!(seawall_backoff_metrics, retries),
        offset_of!(seawall_backoff_metrics, exhausted_attempts),
        offset_of!(seawall_backoff_metrics, exhausted_elapsed),
    ];
}

/// The answer of `seawall_backoff_next_delay*`.
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
pub struct seawall_backoff(pub(crate) Backoff);

/// The retry state of one call: plain data the caller owns (on the stack,
/// in a request struct); nothing is allocated, nothing to free.
/// `seawall_backoff_start` fills it, `seawall_backoff_next_delay*` advance
/// it, `seawall_backoff_finish` ends it, always with the backoff that
/// started it. It may be copied (a copy is an independent schedule with
/// the same future delays) and stored; any field values are safe (they
/// only give other delays). Read `retries` and `done`; the other fields
/// are the schedule's working state. NOT thread-safe: one thread at a time
/// per state.
///
/// Metrics: a schedule's retries are added to the backoff's `retries` once,
/// when it ends: when it gives up, or at `seawall_backoff_finish`. A state
/// that is dropped without either is not counted (there is no destructor
/// to count it); finish every state whose call succeeded or was abandoned.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_backoff_schedule_state {
    /// When the schedule started, on the backoff's clock (ns); read only
    /// when the backoff has `max_elapsed_ns`, else 0.
    pub start_ns: u64,
    /// The previous delay (decorrelated jitter), ns.
    pub prev_ns: u64,
    /// The schedule's random stream (SplitMix64 state).
    pub rng: u64,
    /// Retries handed out so far.
    pub retries: u32,
    /// Whether the schedule has ended (gave up, or was finished); sticky.
    pub done: u8,
}

impl seawall_backoff_schedule_state {
    #[inline]
    fn to_core(self) -> ScheduleState {
        ScheduleState {
            start_ns: self.start_ns,
            retries: self.retries,
            prev_ns: self.prev_ns,
            rng: self.rng,
            done: self.done != 0,
        }
    }

    #[inline]
    fn from_core(s: ScheduleState) -> Self {
        Self {
            start_ns: s.start_ns,
            prev_ns: s.prev_ns,
            rng: s.rng,
            retries: s.retries,
            done: u8::from(s.done),
        }
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
            max_elapsed: (self.has_max_elapsed != 0)
                .then(|| Duration::from_nanos(self.max_elapsed_ns)),
            seed: (self.has_seed != 0).then_some(self.seed),
        })
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_backoff_config {
    const INIT: &'static str = "seawall_backoff_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_backoff_config, kind),
        offset_of!(seawall_backoff_config, base_ns),
        offset_of!(seawall_backoff_config, factor),
        offset_of!(seawall_backoff_config, max_delay_ns),
        offset_of!(seawall_backoff_config, jitter),
        offset_of!(seawall_backoff_config, max_attempts),
        offset_of!(seawall_backoff_config, has_max_elapsed),
        offset_of!(seawall_backoff_config, max_elapsed_ns),
        offset_of!(seawall_backoff_config, has_seed),
        offset_of!(seawall_backoff_config, seed),
    ];
    fn defaults() -> Self {
        let d = BackoffConfig::default();
        seawall_backoff_config {
            struct_size: own_size::<seawall_backoff_config>(),
            kind: kind_to(d.kind),
            base_ns: duration_to_ns(d.base),
            factor: d.factor,
            max_delay_ns: duration_to_ns(d.max_delay),
            jitter: jitter_to(d.jitter),
            max_attempts: d.max_attempts,
            has_max_elapsed: u8::from(d.max_elapsed.is_some()),
            max_elapsed_ns: d.max_elapsed.map_or(0, duration_to_ns),
            has_seed: u8::from(d.seed.is_some()),
            seed: d.seed.unwrap_or(0),
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_backoff_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_backoff_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_config_init(
    config: *mut seawall_backoff_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn backoff_new(
    config: *const seawall_backoff_config,
    clock: ClockSource,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    match ffi_config!(config)
        .and_then(|c| c.to_core())
        .and_then(|c| Backoff::with_clock(c, clock))
    {
        Ok(b) => {
            ffi_new_handle!(out, seawall_backoff(b));
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
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_new(
    config: *const seawall_backoff_config,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(backoff_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_backoff_new`, reading elapsed time from `clock` (the
/// backoff keeps its own reference; the clock may be freed first).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_new_with_clock(
    config: *const seawall_backoff_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_backoff,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(backoff_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a backoff. NULL is a no-op. Schedule states it started cannot be
/// used after it is freed (every schedule call takes the backoff).
/// Not thread-safe: must not race other calls on the same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_free(backoff: *mut seawall_backoff) {
    ffi_value!((), { ffi_free_handle!(backoff) })
}

/// Writes the un-jittered delay before retry `attempt` (1-based; 0 gives 0)
/// to `*out_delay_ns`. Pure: no RNG, no clock. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_delay_for(
    backoff: *const seawall_backoff,
    attempt: u32,
    out_delay_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([backoff, out_delay_ns] {
        ffi_write!(out_delay_ns, duration_to_ns(ffi_ref!(backoff).0.delay_for(attempt)));
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of the backoff's counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_get_metrics(
    backoff: *const seawall_backoff,
    out: *mut seawall_backoff_metrics,
) -> seawall_status {
    ffi_boundary!([backoff, out] {
        let m = ffi_ref!(backoff).0.metrics();
        ffi_write_out!(out, seawall_backoff_metrics {
            struct_size: 0,
            schedules: m.schedules,
            retries: m.retries,
            exhausted_attempts: m.exhausted_attempts,
            exhausted_elapsed: m.exhausted_elapsed,
        })
    })
}

/// Starts the schedule of one retried call (elapsed time counts from now)
/// and writes its state to `*out_state` (caller-owned storage; nothing is
/// allocated). Counts a schedule in the metrics. Thread-safe on `backoff`.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_start(
    backoff: *const seawall_backoff,
    out_state: *mut seawall_backoff_schedule_state,
) -> seawall_status {
    ffi_boundary!([backoff, out_state] {
        ffi_write!(out_state, seawall_backoff_schedule_state::from_core(ffi_ref!(backoff).0.start()));
        seawall_status::SEAWALL_OK
    })
}

fn delay_out(d: Option<u64>, retries: u32) -> seawall_backoff_delay {
    match d {
        Some(delay_ns) => seawall_backoff_delay {
            give_up: false,
            delay_ns,
            retries,
        },
        None => seawall_backoff_delay {
            give_up: true,
            delay_ns: 0,
            retries,
        },
    }
}

/// After a failed call: advances `*state` and writes the delay before the
/// next retry, or `give_up = true`, to `*out`. Elapsed time is read from
/// the backoff's clock. If `has_retry_after`, `retry_after_ns` (a server's
/// Retry-After) replaces the computed delay, uncapped but still subject to
/// `max_elapsed_ns`. Giving up ends the schedule (its retries are counted).
/// Thread-safe on `backoff`, not on `state`. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_next_delay(
    backoff: *const seawall_backoff,
    state: *mut seawall_backoff_schedule_state,
    has_retry_after: u8,
    retry_after_ns: u64,
    out: *mut seawall_backoff_delay,
) -> seawall_status {
    ffi_boundary!([backoff, state, out] {
        let mut s = ffi_ref!(state).to_core();
        let hint = (has_retry_after != 0).then_some(retry_after_ns);
        let d = ffi_ref!(backoff).0.next_delay_ns(&mut s, None, hint);
        ffi_write!(state, seawall_backoff_schedule_state::from_core(s));
        ffi_write!(out, delay_out(d, s.retries()));
        seawall_status::SEAWALL_OK
    })
}

/// Like `seawall_backoff_next_delay` with the elapsed time since the
/// schedule began given by the caller. Thread-safe on `backoff`, not on
/// `state`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_next_delay_elapsed(
    backoff: *const seawall_backoff,
    state: *mut seawall_backoff_schedule_state,
    elapsed_ns: u64,
    has_retry_after: u8,
    retry_after_ns: u64,
    out: *mut seawall_backoff_delay,
) -> seawall_status {
    ffi_boundary!([backoff, state, out] {
        let mut s = ffi_ref!(state).to_core();
        let d = ffi_ref!(backoff).0.next_delay_ns(
            &mut s,
            Some(elapsed_ns),
            (has_retry_after != 0).then_some(retry_after_ns),
        );
        ffi_write!(state, seawall_backoff_schedule_state::from_core(s));
        ffi_write!(out, delay_out(d, s.retries()));
        seawall_status::SEAWALL_OK
    })
}

/// Ends the schedule `*state` (the call succeeded or was abandoned): its
/// retries are counted in the backoff's metrics once, and it gives up from
/// now on (`done` is set). Idempotent: a schedule that gave up or was
/// finished already is left as it is. Pass the backoff that started it.
/// Nothing to free. Thread-safe on `backoff`, not on `state`. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_backoff_finish(
    backoff: *const seawall_backoff,
    state: *mut seawall_backoff_schedule_state,
) -> seawall_status {
    ffi_boundary!([backoff, state] {
        let mut s = ffi_ref!(state).to_core();
        ffi_ref!(backoff).0.finish(&mut s);
        ffi_write!(state, seawall_backoff_schedule_state::from_core(s));
        seawall_status::SEAWALL_OK
    })
}
