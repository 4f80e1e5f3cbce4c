//! The retry run: every decision of a retried call (`spec/retry.md`), with
//! the run's state in storage the caller owns.

use crate::backoff::seawall_backoff;
use crate::boundary::fail;
use crate::config::{own_size, Versioned};
use crate::retry_budget::seawall_retry_budget;
use crate::status::seawall_status;
use seawall::backoff::ScheduleState;
use seawall::retry::{Failure, GiveUp, GiveUpReason, Retry, RetryState, RetryStep, RunStatus};
use std::mem::offset_of;
use std::os::raw::c_char;

/// How a retry is built (its backoff is a parameter of
/// `seawall_retry_new`). Fill it with `seawall_retry_config_default()`.
///
/// | field | default | valid |
/// |---|---|---|
/// | retry_budget | NULL | NULL: no budget |
/// | max_attempts | 0 | 0: the backoff's `max_attempts`; else 1 ..= the backoff's |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_retry_config {
    /// Set by `seawall_retry_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Calls per run, the first included; 0 means the backoff's `max_attempts`.
    pub max_attempts: u32,
    /// A retry budget shared with other retries, or NULL. The retry keeps
    /// its own reference: the handle may be freed after `seawall_retry_new`.
    pub retry_budget: *const seawall_retry_budget,
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_retry_config {
    const INIT: &'static str = "seawall_retry_config_init";
    const PREFIXES: &'static [usize] = &[offset_of!(seawall_retry_config, retry_budget)];
    fn defaults() -> Self {
        seawall_retry_config {
            struct_size: own_size::<seawall_retry_config>(),
            max_attempts: 0,
            retry_budget: std::ptr::null(),
        }
    }
}

/// A retry definition (backoff, budget, attempt cap), shared by every call
/// it retries. Opaque; thread-safe.
pub struct seawall_retry(pub(crate) Retry);

/// `seawall_retry_state.status`: the run may still make attempts.
pub const SEAWALL_RETRY_RUNNING: u32 = 0;
/// `seawall_retry_state.status`: an attempt succeeded.
pub const SEAWALL_RETRY_SUCCEEDED: u32 = 1;
/// `seawall_retry_state.status`: the run gave up (`give_up_reason`).
pub const SEAWALL_RETRY_GAVE_UP: u32 = 2;
/// `seawall_retry_state.status`: the caller abandoned the run.
pub const SEAWALL_RETRY_ABANDONED: u32 = 3;

/// Why a retry run stopped (`seawall_retry_step.reason`); wire names by
/// `seawall_give_up_reason_str`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_give_up_reason {
    /// `"not_retryable"`: return the failure itself, unchanged.
    SEAWALL_GIVE_UP_NOT_RETRYABLE = 0,
    /// `"attempts"`: `max_attempts` calls were made.
    SEAWALL_GIVE_UP_ATTEMPTS = 1,
    /// `"elapsed"`: the backoff's `max_elapsed_ns` ran out.
    SEAWALL_GIVE_UP_ELAPSED = 2,
    /// `"deadline"`: the next retry would start at or after the deadline.
    SEAWALL_GIVE_UP_DEADLINE = 3,
    /// `"budget"`: the retry budget denied the retry.
    SEAWALL_GIVE_UP_BUDGET = 4,
}

pub(crate) fn reason_to_c(r: GiveUpReason) -> u32 {
    match r {
        GiveUpReason::NotRetryable => 0,
        GiveUpReason::Attempts => 1,
        GiveUpReason::Elapsed => 2,
        GiveUpReason::Deadline => 3,
        GiveUpReason::Budget => 4,
    }
}

fn reason_from(v: u32) -> Option<GiveUpReason> {
    GiveUpReason::ALL.get(v as usize).copied()
}

/// The wire name of a `seawall_give_up_reason` (`"budget"`), a static
/// string; `"unknown"` for other values. Takes a `uint32_t` so any value
/// is safe. Thread-safe; never NULL; do not free.
#[no_mangle]
pub extern "C" fn seawall_give_up_reason_str(reason: u32) -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), {
        match reason_from(reason) {
            Some(GiveUpReason::NotRetryable) => c"not_retryable".as_ptr(),
            Some(GiveUpReason::Attempts) => c"attempts".as_ptr(),
            Some(GiveUpReason::Elapsed) => c"elapsed".as_ptr(),
            Some(GiveUpReason::Deadline) => c"deadline".as_ptr(),
            Some(GiveUpReason::Budget) => c"budget".as_ptr(),
            None => c"unknown".as_ptr(),
        }
    })
}

/// The state of one retried call: plain data the caller owns (on the
/// stack, in a request struct); nothing is allocated, nothing to free.
/// `seawall_retry_start` fills it; `seawall_retry_on_success`,
/// `_on_failure` and `_abandon` step it, always with the retry that
/// started it. It may be copied and stored. Read `attempts`, `retries`,
/// `status` and `give_up_*`; the other fields are working state. Field
/// values not written by seawall are refused (`SEAWALL_INVALID_ARGUMENT`,
/// field `state`), never undefined behaviour. NOT thread-safe: one thread
/// at a time per state.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_retry_state {
    /// Attempts that have finished (failed or succeeded) so far.
    pub attempts: u32,
    /// A `SEAWALL_RETRY_*` status value.
    pub status: u32,
    /// After `SEAWALL_RETRY_GAVE_UP`: a `seawall_give_up_reason`.
    pub give_up_reason: u32,
    /// Retries scheduled so far (delays handed out).
    pub retries: u32,
    /// Whether the backoff schedule has started (at the first failure).
    pub has_schedule: u8,
    /// Whether the schedule has ended.
    pub schedule_done: u8,
    /// Whether `deadline_ns` applies.
    pub has_deadline: u8,
    /// When the schedule started (backoff clock, ns).
    pub schedule_start_ns: u64,
    /// The previous delay (decorrelated jitter), ns.
    pub schedule_prev_ns: u64,
    /// The schedule's random stream.
    pub schedule_rng: u64,
    /// When the first attempt started (backoff clock, ns).
    pub origin_ns: u64,
    /// The run's deadline (backoff clock, ns).
    pub deadline_ns: u64,
}

impl seawall_retry_state {
    fn to_core(self) -> seawall::Result<RetryState> {
        let bad = |what: &str| seawall::Error::argument("state", what.to_string());
        let status = match self.status {
            SEAWALL_RETRY_RUNNING => RunStatus::Running,
            SEAWALL_RETRY_SUCCEEDED => RunStatus::Succeeded,
            SEAWALL_RETRY_ABANDONED => RunStatus::Abandoned,
            SEAWALL_RETRY_GAVE_UP => RunStatus::GaveUp(GiveUp {
                reason: reason_from(self.give_up_reason)
                    .ok_or_else(|| bad("has a give_up_reason that is no seawall_give_up_reason"))?,
                attempts: self.attempts,
            }),
            _ => return Err(bad(
                "has a status that is no SEAWALL_RETRY_* value (not made by seawall_retry_start?)",
            )),
        };
        Ok(RetryState {
            attempts: self.attempts,
            schedule: (self.has_schedule != 0).then_some(ScheduleState {
                start_ns: self.schedule_start_ns,
                retries: self.retries,
                prev_ns: self.schedule_prev_ns,
                rng: self.schedule_rng,
                done: self.schedule_done != 0,
            }),
            origin_ns: self.origin_ns,
            deadline_ns: (self.has_deadline != 0).then_some(self.deadline_ns),
            status,
        })
    }

    pub(crate) fn from_core(s: &RetryState) -> Self {
        let (status, reason) = match s.status {
            RunStatus::Running => (SEAWALL_RETRY_RUNNING, 0),
            RunStatus::Succeeded => (SEAWALL_RETRY_SUCCEEDED, 0),
            RunStatus::Abandoned => (SEAWALL_RETRY_ABANDONED, 0),
            RunStatus::GaveUp(g) => (SEAWALL_RETRY_GAVE_UP, reason_to_c(g.reason)),
        };
        let sch = s.schedule;
        seawall_retry_state {
            attempts: s.attempts,
            status,
            give_up_reason: reason,
            retries: s.retries(),
            has_schedule: u8::from(sch.is_some()),
            schedule_done: u8::from(sch.is_some_and(|x| x.done)),
            has_deadline: u8::from(s.deadline_ns.is_some()),
            schedule_start_ns: sch.map_or(0, |x| x.start_ns),
            schedule_prev_ns: sch.map_or(0, |x| x.prev_ns),
            schedule_rng: sch.map_or(0, |x| x.rng),
            origin_ns: s.origin_ns,
            deadline_ns: s.deadline_ns.unwrap_or(0),
        }
    }
}

/// One failed attempt, as the caller classified and measured it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_retry_failure {
    /// Whether the failure is worth retrying (0 no, else yes; see
    /// `seawall_classify_chain` for the defaults).
    pub retryable: u8,
    /// Whether `retry_after_ns` applies.
    pub has_retry_after: u8,
    /// A server hint (Retry-After), ns; replaces the computed delay.
    pub retry_after_ns: u64,
    /// How long the failed attempt took, ns (only the first failure's is used).
    pub duration_ns: u64,
}

/// `seawall_retry_step.kind`: sleep `delay_ns`, then make the next attempt.
pub const SEAWALL_RETRY_STEP_SLEEP: u32 = 0;
/// `seawall_retry_step.kind`: stop (see `reason`).
pub const SEAWALL_RETRY_STEP_GIVE_UP: u32 = 1;

/// The run's answer to a failure.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_retry_step {
    /// `SEAWALL_RETRY_STEP_SLEEP` or `SEAWALL_RETRY_STEP_GIVE_UP`.
    pub kind: u32,
    /// When giving up: a `seawall_give_up_reason`.
    pub reason: u32,
    /// When giving up: calls made, the first included.
    pub attempts: u32,
    /// When giving up, what to return: `SEAWALL_OK` for
    /// `SEAWALL_GIVE_UP_NOT_RETRYABLE` (return the failure itself),
    /// `SEAWALL_RETRY_BUDGET_EXHAUSTED` for the budget, else
    /// `SEAWALL_RETRY_EXHAUSTED`.
    pub error: seawall_status,
    /// When sleeping: ns.
    pub delay_ns: u64,
}

fn step_to_c(s: RetryStep) -> seawall_retry_step {
    match s {
        RetryStep::Sleep(delay_ns) => seawall_retry_step {
            kind: SEAWALL_RETRY_STEP_SLEEP,
            delay_ns,
            ..Default::default()
        },
        RetryStep::GiveUp(g) => seawall_retry_step {
            kind: SEAWALL_RETRY_STEP_GIVE_UP,
            reason: reason_to_c(g.reason),
            attempts: g.attempts,
            error: g.error().map_or(seawall_status::SEAWALL_OK, |e| {
                seawall_status::from_kind(e.kind())
            }),
            delay_ns: 0,
        },
    }
}

/// Fills `*config` with the defaults (see `seawall_retry_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_retry_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` below
/// `SEAWALL_CONFIG_MIN_SIZE`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_config_init(
    config: *mut seawall_retry_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// Creates a retry on `backoff` (its schedule; the retry shares it, and
/// its metrics) and writes it to `*out`. `config` is read, not kept; the
/// retry keeps its own references to the backoff and budget (which may be
/// freed first). Elapsed time and deadlines are read from the backoff's
/// clock. The caller owns `*out` and frees it with `seawall_retry_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field
/// `max_attempts` above the backoff's) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_new(
    backoff: *const seawall_backoff,
    config: *const seawall_retry_config,
    out: *mut *mut seawall_retry,
) -> seawall_status {
    ffi_boundary!([backoff, config, out] {
        let c = match ffi_config!(config) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let mut r = Retry::new(ffi_ref!(backoff).0.clone());
        if let Some(budget) = ffi_opt_ref!(c.retry_budget) {
            r = r.with_budget(budget.0.clone());
        }
        if c.max_attempts != 0 {
            r = match r.with_max_attempts(c.max_attempts) {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
        }
        ffi_new_handle!(out, seawall_retry(r));
        seawall_status::SEAWALL_OK
    })
}

/// Frees a retry. NULL is a no-op. States it started cannot be stepped
/// after it is freed. Not thread-safe: must not race other calls on the
/// same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_free(retry: *mut seawall_retry) {
    ffi_value!((), { ffi_free_handle!(retry) })
}

/// Starts the run of one call and writes its state to `*out_state`
/// (caller-owned storage; nothing is allocated). If `has_deadline`, no
/// retry starts at or after `deadline_ns` (on the backoff's clock:
/// `CLOCK_MONOTONIC` ns, or the manual clock's). Reads no clock.
/// Thread-safe on `retry`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_start(
    retry: *const seawall_retry,
    has_deadline: u8,
    deadline_ns: u64,
    out_state: *mut seawall_retry_state,
) -> seawall_status {
    ffi_boundary!([retry, out_state] {
        let st = ffi_ref!(retry).0.start((has_deadline != 0).then_some(deadline_ns));
        ffi_write!(out_state, seawall_retry_state::from_core(&st));
        seawall_status::SEAWALL_OK
    })
}

/// The attempt succeeded: the run is over (the budget is credited; a
/// schedule is finished). A run that is over is left as it is. Thread-safe
/// on `retry`, not on `state`. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `state`: not a state seawall wrote) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_on_success(
    retry: *const seawall_retry,
    state: *mut seawall_retry_state,
) -> seawall_status {
    ffi_boundary!([retry, state] {
        let mut st = match ffi_ref!(state).to_core() {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        ffi_ref!(retry).0.on_success(&mut st);
        ffi_write!(state, seawall_retry_state::from_core(&st));
        seawall_status::SEAWALL_OK
    })
}

/// The caller abandoned the call (cancelled): the run is over, the budget
/// untouched. A run that is over is left as it is. Thread-safe on `retry`,
/// not on `state`. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
/// `state`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_abandon(
    retry: *const seawall_retry,
    state: *mut seawall_retry_state,
) -> seawall_status {
    ffi_boundary!([retry, state] {
        let mut st = match ffi_ref!(state).to_core() {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        ffi_ref!(retry).0.abandon(&mut st);
        ffi_write!(state, seawall_retry_state::from_core(&st));
        seawall_status::SEAWALL_OK
    })
}

/// The attempt failed with `*failure`: advances `*state` and writes the
/// run's answer to `*out_step` — sleep `delay_ns` then retry, or give up
/// (`reason`, `attempts`, and the status to return in `error`). The
/// schedule is asked before the budget; a failure that is not retryable
/// does not touch the budget (`spec/retry.md`). On a run that is over, the
/// answer is to give up with the run's reason. Thread-safe on `retry`, not
/// on `state`. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
/// `state`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_retry_on_failure(
    retry: *const seawall_retry,
    state: *mut seawall_retry_state,
    failure: *const seawall_retry_failure,
    out_step: *mut seawall_retry_step,
) -> seawall_status {
    ffi_boundary!([retry, state, failure, out_step] {
        let mut st = match ffi_ref!(state).to_core() {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let f = *ffi_ref!(failure);
        let running = st.status == seawall::retry::RunStatus::Running;
        let step = ffi_ref!(retry).0.on_failure(
            &mut st,
            Failure {
                retryable: f.retryable != 0,
                retry_after_ns: (f.has_retry_after != 0).then_some(f.retry_after_ns),
                duration_ns: f.duration_ns,
            },
        );
        ffi_write!(state, seawall_retry_state::from_core(&st));
        ffi_write!(out_step, step_to_c(step));
        // A run that was already over answers again; it is reported once.
        if running && seawall::events::any() {
            crate::events::report_retry_step(st.attempts, &step);
        }
        seawall_status::SEAWALL_OK
    })
}
