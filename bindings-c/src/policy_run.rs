//! `seawall_policy_execute`: one call through the whole stack (rate limiter
//! → breaker → bulkhead → timeout → retry → fallback), driven by the core's
//! policy run (`spec/policy.md`, "The policy run"). C only calls, sleeps and
//! reports; every decision is the core's.

use crate::boundary::{fail, fail_stage};
use crate::circuit_breaker::outcome_from;
use crate::config::{own_size, Versioned};
use crate::events::report;
use crate::policy::seawall_policy;
use crate::status::seawall_status;
use seawall::bulkhead::{OwnedPermit, OwnedWaiter};
use seawall::clock::{Clock, ClockSource};
use seawall::events::{self, EventKind};
use seawall::policy::PolicyRun;
use seawall::policy::{AttemptFailure, Stage, Step};
use std::mem::{align_of, offset_of, size_of, MaybeUninit};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{addr_of, addr_of_mut};
use std::time::Duration;

/// Options of one `seawall_policy_execute` call. Fill it with
/// `seawall_execute_config_default()` (no deadline).
///
/// | field | default | meaning |
/// |---|---|---|
/// | has_deadline, deadline_ns | 0 | the whole call ends by this instant on the policy's clock (e.g. an outer call's `seawall_attempt_info.deadline_ns`: a cascading deadline) |
/// | total_timeout_ns | 0 | 0: none; else the whole call ends this long after it starts |
///
/// Both set: the earlier one counts.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_execute_config {
    /// Set by `seawall_execute_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Whether `deadline_ns` applies (0 no, else yes).
    pub has_deadline: u8,
    /// Absolute deadline on the policy's clock (`CLOCK_MONOTONIC` ns, or
    /// the manual clock's), ns.
    pub deadline_ns: u64,
    /// Relative deadline of the whole call, ns; 0: none.
    pub total_timeout_ns: u64,
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_execute_config {
    const INIT: &'static str = "seawall_execute_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_execute_config, has_deadline),
        offset_of!(seawall_execute_config, deadline_ns),
        offset_of!(seawall_execute_config, total_timeout_ns),
    ];
    fn defaults() -> Self {
        seawall_execute_config {
            struct_size: own_size::<seawall_execute_config>(),
            has_deadline: 0,
            deadline_ns: 0,
            total_timeout_ns: 0,
        }
    }
}

/// What the attempt callback is told.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_attempt_info {
    /// This attempt's number, 1-based.
    pub attempt: u32,
    /// Whether the attempt has a time limit (`deadline_ns`, `timeout_ns`).
    pub has_deadline: u8,
    /// When the attempt must be over, on the policy's clock
    /// (`CLOCK_MONOTONIC` ns, or the manual clock's): the attempt's time
    /// limit, shortened to the whole call's deadline. Pass it on to the
    /// I/O (socket timeouts, an inner `seawall_execute_config.deadline_ns`).
    pub deadline_ns: u64,
    /// `deadline_ns` minus the attempt's start, ns.
    pub timeout_ns: u64,
}

/// How the attempt callback classifies its failure (when it returns
/// non-zero). Pre-filled before each attempt: retryable, no hint, outcome
/// `SEAWALL_OUTCOME_FAILURE`. `seawall_classify_chain`,
/// `seawall_parse_retry_after` and `seawall_outcome_for_error` give the
/// default values of each field.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_attempt_failure {
    /// Whether the retry stage may retry it (0 no, else yes).
    pub retryable: u8,
    /// Whether `retry_after_ns` applies.
    pub has_retry_after: u8,
    /// What the breaker records: a `seawall_outcome`.
    pub outcome: u32,
    /// A server hint (Retry-After), ns.
    pub retry_after_ns: u64,
}

/// What the fallback callback is told.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_fallback_info {
    /// The error the call ended with: `SEAWALL_OK` means the attempt
    /// callback's own last failure (its return value is `callback_result`);
    /// else a seawall status (`SEAWALL_CIRCUIT_OPEN`, `SEAWALL_TIMEOUT`,
    /// `SEAWALL_RETRY_EXHAUSTED`, ...).
    pub error: seawall_status,
    /// The attempt callback's last return value (0 if it never ran).
    pub callback_result: c_int,
    /// Attempts started.
    pub attempts: u32,
    /// The stage that refused (`"rate_limiter"`, `"circuit_breaker"`,
    /// `"bulkhead"`), or `""`. A static string.
    pub stage: *const c_char,
}

/// What `seawall_policy_execute` reports.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_execute_result {
    /// Attempts started (callback calls; a rejected acquisition counts).
    pub attempts: u32,
    /// 1 when the fallback callback ran (its return is `callback_result`).
    pub fell_back: u8,
    /// The last return value of the attempt callback, or of the fallback
    /// when it ran; 0 when neither ran.
    pub callback_result: c_int,
    /// The stage that refused when the call ended on a rejection
    /// (`"rate_limiter"`, `"circuit_breaker"`, `"bulkhead"`), or `""`. A
    /// static string: never NULL; do not free.
    pub stage: *const c_char,
}

/// The attempt callback: makes the call once. Returns 0 on success; any
/// other value is a failure, classified by writing `*out_failure`
/// (pre-filled: retryable, breaker failure). `info` and `out_failure` are
/// valid during the call only. Runs on the thread that called
/// `seawall_policy_execute`; it may call seawall functions (not
/// `seawall_policy_free` on the running policy).
pub type seawall_attempt_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        info: *const seawall_attempt_info,
        out_failure: *mut seawall_attempt_failure,
    ) -> c_int,
>;

/// The fallback callback: runs once, when the call failed and the policy
/// has `has_fallback`. Returns 0 when it produced a result (execute
/// returns `SEAWALL_OK`), else non-zero (execute returns
/// `SEAWALL_CALL_FAILED`). `info` is valid during the call only.
pub type seawall_fallback_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, info: *const seawall_fallback_info) -> c_int,
>;

/// Fills `*config` with the defaults (see `seawall_execute_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_execute_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` below
/// `SEAWALL_CONFIG_MIN_SIZE`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_execute_config_init(
    config: *mut seawall_execute_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

fn stage_name(s: Option<Stage>) -> &'static std::ffi::CStr {
    match s {
        Some(Stage::RateLimiter) => c"rate_limiter",
        Some(Stage::CircuitBreaker) => c"circuit_breaker",
        Some(Stage::Bulkhead) => c"bulkhead",
        None => c"",
    }
}

/// Sleeps `ns` on the policy's clock: the monotonic clock sleeps the
/// thread; a manual clock is advanced instead (deterministic tests).
fn sleep_on(clock: &ClockSource, ns: u64) {
    match clock {
        ClockSource::Manual(m) => m.advance_ns(ns),
        _ => std::thread::sleep(Duration::from_nanos(ns)),
    }
}

/// Runs one call through the whole stack of `policy` and blocks until it
/// is over: acquires the rate limiter, breaker and bulkhead (waiting in
/// the bulkhead's queue up to its `max_wait_ns`), calls `callback` once per
/// attempt, reports each result to the core, sleeps between attempts the
/// delay the retry stage chose, and ends with the result, the fallback or
/// the error. Every decision is the core's (`spec/policy.md`, "The policy
/// run"); this function only calls, waits and reports.
///
/// Time limits: C cannot interrupt a running function, so each attempt is
/// told its deadline (`seawall_attempt_info.deadline_ns`: the policy's
/// per-attempt timeout shortened to the whole call's deadline) and must
/// honour it itself. An attempt that returns after its deadline counts as
/// timed out, whatever it returned: the breaker records a failure, and the
/// call goes on as after a `SEAWALL_TIMEOUT` (retried if retries remain).
///
/// Clocks: on the monotonic clock, sleeps and bulkhead waits block the
/// thread (`nanosleep`). A policy built with a `seawall_manual_clock` does
/// not block: a sleep advances that clock by the delay, and a bulkhead wait
/// that is not granted at once advances it by the wait and times out.
///
/// `config` may be NULL (no deadline). `fallback` may be NULL when the
/// policy has no fallback (else `SEAWALL_INVALID_ARGUMENT`, field
/// `fallback`, before anything runs). `user_data` may be NULL; it is passed
/// to both callbacks, must stay valid until this function returns, and is
/// not kept afterwards (seawall never frees it). Both callbacks run on the
/// calling thread and must return normally (no `longjmp` or C++ exception
/// out of them: that would skip giving back the stages). A panic inside
/// seawall never crosses into C: it returns `SEAWALL_PANIC` after giving
/// back every stage.
///
/// `*out` is written on every status except `SEAWALL_NULL_ARGUMENT` and a
/// refused `config` / `fallback` (attempts, whether the fallback ran, the
/// last callback result, the refusing stage). Returns:
/// `SEAWALL_OK` (an attempt, or the fallback, succeeded);
/// `SEAWALL_CALL_FAILED` (the callback's own failure ended the call — not
/// retryable, or retries ran out without a retry error; or the fallback
/// returned non-zero); `SEAWALL_RATE_LIMITED`, `SEAWALL_CIRCUIT_OPEN`,
/// `SEAWALL_BULKHEAD_FULL` (a stage refused; `seawall_last_error_stage()`
/// names it); `SEAWALL_TIMEOUT` (the last attempt ran out of time, or the
/// deadline passed); `SEAWALL_RETRY_EXHAUSTED` or
/// `SEAWALL_RETRY_BUDGET_EXHAUSTED` (the retry stage gave up; the message
/// says why); `SEAWALL_INVALID_ARGUMENT` (field `outcome`: the callback
/// wrote an outcome that is no `seawall_outcome`; the run is cancelled);
/// `SEAWALL_INVALID_CONFIG`, `SEAWALL_NULL_ARGUMENT` or `SEAWALL_PANIC`.
/// Thread-safe on `policy` (many threads may execute through one policy).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_execute(
    policy: *const seawall_policy,
    config: *const seawall_execute_config,
    callback: seawall_attempt_fn,
    fallback: seawall_fallback_fn,
    user_data: *mut c_void,
    out: *mut seawall_execute_result,
) -> seawall_status {
    let attempt_fn = callback;
    // The NULL check names the parameter as C spells it.
    let callback: *const () = attempt_fn.map_or(std::ptr::null(), |f| f as *const ());
    ffi_boundary!([policy, callback, out] {
        let Some(call) = attempt_fn else { return seawall_status::SEAWALL_PANIC };
        let cfg = if config.is_null() {
            seawall_execute_config::defaults()
        } else {
            match ffi_config!(config) {
                Ok(c) => c,
                Err(e) => return fail(e),
            }
        };
        let p = ffi_ref!(policy);
        if p.2 && fallback.is_none() {
            return fail(seawall::Error::argument(
                "fallback",
                "must not be NULL: the policy has has_fallback set",
            ));
        }
        let clock = &p.1;
        let mut deadline = (cfg.has_deadline != 0).then_some(cfg.deadline_ns);
        if cfg.total_timeout_ns != 0 {
            let d = clock.now_ns().saturating_add(cfg.total_timeout_ns);
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
        let mut res = seawall_execute_result {
            attempts: 0,
            fell_back: 0,
            callback_result: 0,
            stage: c"".as_ptr(),
        };
        ffi_write!(out, res);
        let mut run = p.0.run(deadline);
        let mut step = run.next_step();
        crate::policy::run_refused(&mut run);
        loop {
            step = match step {
                Step::Attempt { timeout_ns } => {
                    res.attempts = run.attempts();
                    // The clock is read only when the attempt has a limit.
                    let deadline_ns = timeout_ns.map(|t| clock.now_ns().saturating_add(t));
                    let info = seawall_attempt_info {
                        attempt: run.attempts(),
                        has_deadline: u8::from(timeout_ns.is_some()),
                        deadline_ns: deadline_ns.unwrap_or(0),
                        timeout_ns: timeout_ns.unwrap_or(0),
                    };
                    let mut f = seawall_attempt_failure {
                        retryable: 1,
                        has_retry_after: 0,
                        outcome: 1,
                        retry_after_ns: 0,
                    };
                    // SAFETY: the caller's callback, a valid function by the
                    // header's contract, called with its own user_data and
                    // pointers to our locals, valid for the call.
                    let rc = unsafe { call(user_data, &info, &mut f) };
                    res.callback_result = rc;
                    let late = deadline_ns.is_some_and(|d| clock.now_ns() > d);
                    if late {
                        if let (Some(limit), true) = (timeout_ns, events::any()) {
                            report(EventKind::Timeout {
                                limit: Duration::from_nanos(limit),
                            });
                        }
                        // The callback has returned: the slot it held is free.
                        let (s, slot) = run.on_timeout();
                        drop(slot);
                        s
                    } else if rc == 0 {
                        run.on_success()
                    } else {
                        let outcome = match outcome_from(f.outcome) {
                            Ok(o) => o,
                            Err(e) => {
                                run.cancel();
                                ffi_write!(out, res);
                                return fail(e);
                            }
                        };
                        run.on_failure(AttemptFailure {
                            retryable: f.retryable != 0,
                            retry_after_ns: (f.has_retry_after != 0).then_some(f.retry_after_ns),
                            outcome,
                        })
                    }
                }
                Step::WaitForSlot { waiter, max_wait_ns } => match clock {
                    ClockSource::Manual(m) => match waiter.try_claim() {
                        Ok(slot) => run.slot_granted(slot),
                        Err(w) => {
                            drop(w);
                            m.advance_ns(max_wait_ns);
                            let s = run.slot_timed_out();
                            crate::policy::run_refused(&mut run);
                            s
                        }
                    },
                    _ => match waiter.wait(Duration::from_nanos(max_wait_ns)) {
                        Ok(slot) => run.slot_granted(slot),
                        Err(_) => {
                            let s = run.slot_timed_out();
                            crate::policy::run_refused(&mut run);
                            s
                        }
                    },
                },
                Step::Sleep { delay_ns } => {
                    if events::any() {
                        report(EventKind::RetryScheduled {
                            attempt: run.retry_attempts().unwrap_or(run.attempts()),
                            delay: Duration::from_nanos(delay_ns),
                        });
                    }
                    sleep_on(clock, delay_ns);
                    let s = run.next_step();
                    crate::policy::run_refused(&mut run);
                    s
                }
                Step::Done => {
                    ffi_write!(out, res);
                    return seawall_status::SEAWALL_OK;
                }
                Step::Fallback { error, stage } => {
                    if events::any() {
                        report_end(&run, true);
                    }
                    res.attempts = run.attempts();
                    res.stage = stage_name(stage).as_ptr();
                    res.fell_back = 1;
                    let info = seawall_fallback_info {
                        error: error
                            .as_ref()
                            .map_or(seawall_status::SEAWALL_OK, |e| seawall_status::from_kind(e.kind())),
                        callback_result: res.callback_result,
                        attempts: run.attempts(),
                        stage: res.stage,
                    };
                    // Checked non-NULL above (has_fallback).
                    let rc = match fallback {
                        // SAFETY: as for the attempt callback above.
                        Some(fb) => unsafe { fb(user_data, &info) },
                        None => return seawall_status::SEAWALL_PANIC,
                    };
                    res.callback_result = rc;
                    ffi_write!(out, res);
                    return if rc == 0 {
                        seawall_status::SEAWALL_OK
                    } else {
                        crate::boundary::fail_call("fallback", rc)
                    };
                }
                Step::Fail { error, stage } => {
                    if events::any() {
                        report_end(&run, false);
                    }
                    res.attempts = run.attempts();
                    res.stage = stage_name(stage).as_ptr();
                    ffi_write!(out, res);
                    return match (error, stage) {
                        (None, _) => crate::boundary::fail_call("attempt", res.callback_result),
                        (Some(e), Some(s)) => fail_stage(e, stage_name(Some(s))),
                        (Some(e), None) => fail(e),
                    };
                }
            };
        }
    })
}

/// Reports how a run that just ended ended: the retry stage's give-up (if
/// it gave up), then the fallback (if the call goes to it).
#[cold]
#[inline(never)]
fn report_end(run: &PolicyRun, fallback: bool) {
    if let Some(g) = run.give_up() {
        report(EventKind::GaveUp {
            attempts: g.attempts,
            reason: g.reason,
        });
    }
    if fallback {
        report(EventKind::FallbackUsed);
    }
}

// ---- the policy run, step by step ------------------------------------------

/// `seawall_policy_step.kind`: call the function once (by `deadline_ns` if
/// `has_timeout`), then report `_on_success`, `_on_failure` or `_on_timeout`.
pub const SEAWALL_STEP_ATTEMPT: u32 = 0;
/// The bulkhead is full and has queue room: the run holds a place in its
/// queue; poll `seawall_policy_run_try_claim` for at most `max_wait_ns`,
/// then `seawall_policy_run_wait_timed_out`.
pub const SEAWALL_STEP_WAIT_FOR_SLOT: u32 = 1;
/// Sleep `delay_ns`, then `seawall_policy_run_next`.
pub const SEAWALL_STEP_SLEEP: u32 = 2;
/// The call failed and the policy has a fallback: run it with `error`
/// (`SEAWALL_OK`: the caller's own last failure).
pub const SEAWALL_STEP_FALLBACK: u32 = 3;
/// The call succeeded.
pub const SEAWALL_STEP_DONE: u32 = 4;
/// The call failed: return `error` (`SEAWALL_OK`: the caller's own last
/// failure, unchanged).
pub const SEAWALL_STEP_FAIL: u32 = 5;

/// What the caller does next (`spec/policy.md`, "The policy run").
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_policy_step {
    /// A `SEAWALL_STEP_*` value.
    pub kind: u32,
    /// Attempts started so far by the run.
    pub attempt: u32,
    /// `SEAWALL_STEP_ATTEMPT`: whether the attempt has a time limit.
    pub has_timeout: u8,
    /// After `seawall_policy_run_on_timeout`: 1 when the run keeps the
    /// cut-off attempt's bulkhead slot until `seawall_policy_run_settle`.
    pub slot_held: u8,
    /// `SEAWALL_STEP_ATTEMPT`: the attempt's limit, ns.
    pub timeout_ns: u64,
    /// `SEAWALL_STEP_WAIT_FOR_SLOT`: the longest wait, ns.
    pub max_wait_ns: u64,
    /// `SEAWALL_STEP_SLEEP`: ns.
    pub delay_ns: u64,
    /// `SEAWALL_STEP_FALLBACK` / `SEAWALL_STEP_FAIL`: the error as a status;
    /// `SEAWALL_OK` for the caller's own last failure.
    pub error: seawall_status,
    /// With `SEAWALL_RETRY_EXHAUSTED` / `SEAWALL_RETRY_BUDGET_EXHAUSTED`:
    /// attempts made; else 0.
    pub error_attempts: u32,
    /// With a retry error: a `seawall_give_up_reason`; else `UINT32_MAX`.
    pub error_reason: u32,
    /// The stage that refused (`"rate_limiter"`, `"circuit_breaker"`,
    /// `"bulkhead"`), or `""`. Static: never NULL; do not free.
    pub stage: *const c_char,
    /// The field an `SEAWALL_INVALID_ARGUMENT` error names (`"step"` for a
    /// step out of turn), or `""`. Static: never NULL; do not free.
    pub error_field: *const c_char,
}

/// One call through a policy, stepped by the caller, in storage the caller
/// owns (on the stack, in a request struct); nothing is allocated per
/// call. `seawall_policy_run_start` makes it *live*;
/// `seawall_policy_run_end` gives back everything it holds and makes it
/// *empty*. Every live run must be ended (else, like a handle never freed,
/// it keeps its bulkhead slot or queue place and a reference to the
/// policy). A zero-initialised run is empty; functions other than `_start`
/// and `_end` on an empty run return `SEAWALL_INVALID_ARGUMENT` (field
/// `run`). Fields are private. A live run may be moved (copied, the old
/// copy never used again), not duplicated. One thread at a time per run;
/// runs of one policy may run on many threads.
#[repr(C)]
pub struct seawall_policy_run {
    /// Private storage.
    pub _opaque: [u64; 40],
}

struct RunSlot {
    tag: u64,
    call: MaybeUninit<CallState>,
}

struct CallState {
    run: PolicyRun,
    waiter: Option<OwnedWaiter>,
    held: Option<OwnedPermit>,
    /// The running attempt's limit, ns (for the timeout event).
    limit_ns: Option<u64>,
    /// Whether the run's end was reported (events: once per run).
    end_reported: bool,
    /// The retry-after of the error that ended the run (a rejection), ns.
    end_retry_after_ns: u64,
}

const RUN_LIVE: u64 = 0x5EA3_A110_7275_4E21;

const _: () = {
    assert!(size_of::<RunSlot>() <= size_of::<seawall_policy_run>());
    assert!(align_of::<RunSlot>() <= align_of::<seawall_policy_run>());
};

// The run storage is the caller's: the header's contract is that a
// `seawall_policy_run *` passed to seawall is aligned, readable and
// writable, used by one thread at a time, and zeroed or last written by
// seawall (its `tag` is then initialised; the `call` bytes hold a
// `CallState` exactly when `tag` is RUN_LIVE, which only `run_start`
// writes, after the call). Fields are reached through raw places only.

/// The live call in `*r`, or an `invalid_argument` naming `run`.
///
/// # Safety
/// `r` is a checked run parameter (the contract above).
unsafe fn live<'a>(r: *mut seawall_policy_run) -> Result<&'a mut CallState, seawall_status> {
    let slot = r.cast::<RunSlot>();
    // SAFETY: the contract above: `tag` is initialised and readable.
    if unsafe { addr_of!((*slot).tag).read() } != RUN_LIVE {
        return Err(fail(seawall::Error::argument(
            "run",
            "is not live: not started by seawall_policy_run_start, or ended",
        )));
    }
    // SAFETY: live, so `call` holds a `CallState`, ours alone for the call
    // (one thread at a time per run).
    Ok(unsafe { (*addr_of_mut!((*slot).call)).assume_init_mut() })
}

fn step_to_c(c: &mut CallState, step: Step) -> seawall_policy_step {
    c.limit_ns = match step {
        Step::Attempt { timeout_ns } => timeout_ns,
        _ => None,
    };
    // The run's end is reported once (a step out of turn on an ended run
    // answers `FAIL` again).
    let first_end = matches!(step, Step::Fallback { .. } | Step::Fail { .. })
        && c.run.is_over()
        && !std::mem::replace(&mut c.end_reported, true);
    // Attempts and grants report nothing: no load on the admitted path.
    if (matches!(step, Step::Sleep { .. }) || first_end) && events::any() {
        report_step(&c.run, &step, first_end);
    }
    let mut o = seawall_policy_step {
        kind: SEAWALL_STEP_DONE,
        attempt: 0,
        has_timeout: 0,
        slot_held: 0,
        timeout_ns: 0,
        max_wait_ns: 0,
        delay_ns: 0,
        error: seawall_status::SEAWALL_OK,
        error_attempts: 0,
        error_reason: u32::MAX,
        stage: c"".as_ptr(),
        error_field: c"".as_ptr(),
    };
    match step {
        Step::Attempt { timeout_ns } => {
            o.kind = SEAWALL_STEP_ATTEMPT;
            o.has_timeout = u8::from(timeout_ns.is_some());
            o.timeout_ns = timeout_ns.unwrap_or(0);
        }
        Step::WaitForSlot {
            waiter,
            max_wait_ns,
        } => {
            o.kind = SEAWALL_STEP_WAIT_FOR_SLOT;
            o.max_wait_ns = max_wait_ns;
            c.waiter = Some(waiter);
        }
        Step::Sleep { delay_ns } => {
            o.kind = SEAWALL_STEP_SLEEP;
            o.delay_ns = delay_ns;
        }
        Step::Done => o.kind = SEAWALL_STEP_DONE,
        Step::Fallback { error, stage } => {
            o.kind = SEAWALL_STEP_FALLBACK;
            c.end_retry_after_ns = retry_after_ns(error.as_ref());
            ended(&mut o, error, stage);
        }
        Step::Fail { error, stage } => {
            o.kind = SEAWALL_STEP_FAIL;
            c.end_retry_after_ns = retry_after_ns(error.as_ref());
            ended(&mut o, error, stage);
        }
    }
    o.attempt = c.run.attempts();
    o
}

/// Reports a step of the stepped run: a retry scheduled, or the run's end.
#[cold]
#[inline(never)]
fn report_step(run: &PolicyRun, step: &Step, first_end: bool) {
    match step {
        Step::Sleep { delay_ns } => report(EventKind::RetryScheduled {
            attempt: run.retry_attempts().unwrap_or(run.attempts()),
            delay: Duration::from_nanos(*delay_ns),
        }),
        Step::Fallback { .. } if first_end => report_end(run, true),
        Step::Fail { .. } if first_end => report_end(run, false),
        _ => {}
    }
}

fn retry_after_ns(e: Option<&seawall::Error>) -> u64 {
    e.and_then(seawall::Error::retry_after)
        .map_or(0, seawall::clock::duration_to_ns)
}

fn ended(o: &mut seawall_policy_step, error: Option<seawall::Error>, stage: Option<Stage>) {
    o.stage = stage_name(stage).as_ptr();
    if let Some(e) = &error {
        o.error = seawall_status::from_kind(e.kind());
        o.error_attempts = e.attempts().unwrap_or(0);
        o.error_reason = e
            .give_up_reason()
            .map_or(u32::MAX, crate::retry::reason_to_c);
        o.error_field = e.field().map_or(c"".as_ptr(), |f| {
            crate::boundary::field_cstr(&crate::boundary::c_field(f))
        });
    }
}

/// Starts one call through `policy` in `*run` (caller-owned storage, see
/// `seawall_policy_run`; nothing is allocated) and makes it live; the
/// first step comes from `seawall_policy_run_next`. If `has_deadline`,
/// `deadline_ns` (on the policy's clock) bounds the whole call. A live
/// `*run` is ended first. Reads no clock. Thread-safe on `policy`.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_start(
    policy: *const seawall_policy,
    has_deadline: u8,
    deadline_ns: u64,
    run: *mut seawall_policy_run,
) -> seawall_status {
    ffi_boundary!([policy, run] {
        ffi_pass!(end_run(run));
        let slot = run.cast::<RunSlot>();
        let call = CallState {
            run: ffi_ref!(policy).0.run((has_deadline != 0).then_some(deadline_ns)),
            waiter: None,
            held: None,
            limit_ns: None,
            end_reported: false,
            end_retry_after_ns: 0,
        };
        // SAFETY: the contract above `live`: the storage is writable; the
        // call is written before the tag that says it is there (and the
        // previous live call, if any, was dropped by `end_run`).
        unsafe {
            addr_of_mut!((*slot).call).write(MaybeUninit::new(call));
            addr_of_mut!((*slot).tag).write(RUN_LIVE);
        }
        seawall_status::SEAWALL_OK
    })
}

/// Drops a live run's state (cancelling it if not over) and marks it empty.
///
/// # Safety
/// `run` is a checked run parameter (the contract above `live`).
unsafe fn end_run(run: *mut seawall_policy_run) {
    let slot = run.cast::<RunSlot>();
    // SAFETY: the contract above `live`: `tag` is readable; when live,
    // `call` holds a `CallState`, moved out once (the tag goes to 0 first).
    unsafe {
        if addr_of!((*slot).tag).read() == RUN_LIVE {
            addr_of_mut!((*slot).tag).write(0);
            drop(addr_of!((*slot).call).read().assume_init());
        }
    }
}

/// Ends `*run`: a run that is not over is cancelled (as
/// `seawall_policy_run_cancel`), a held bulkhead slot and a queue place are
/// given back, and `*run` is empty. An empty run is left as it is (ending
/// twice is fine). Thread-safe with other runs. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_end(run: *mut seawall_policy_run) -> seawall_status {
    ffi_boundary!([run] {
        ffi_pass!(end_run(run));
        seawall_status::SEAWALL_OK
    })
}

macro_rules! with_run {
    ($run:ident, $out:ident, |$c:ident| $body:expr) => {
        ffi_boundary!([$run, $out] {
            let $c = match ffi_pass!(live($run)) {
                Ok(c) => c,
                Err(st) => return st,
            };
            let step = $body;
            ffi_write!($out, step_to_c($c, step));
            seawall_status::SEAWALL_OK
        })
    };
}

/// The first step, and the step after a sleep: acquires the rate limiter,
/// breaker and bulkhead and writes `ATTEMPT`, `WAIT_FOR_SLOT`, or (on a
/// rejection, handled like a failed attempt) `SLEEP`, `FALLBACK` or `FAIL`
/// to `*out_step`. Out of turn: `FAIL` with `SEAWALL_INVALID_ARGUMENT`,
/// `error_field` `"step"`, the run unchanged. One thread at a time per run.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`: not
/// live) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_next(
    run: *mut seawall_policy_run,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    with_run!(run, out_step, |c| {
        let s = c.run.next_step();
        crate::policy::run_refused(&mut c.run);
        s
    })
}

/// The attempt returned: the breaker records a success, the adaptive
/// timeout the latency; the slot is released; `DONE`. One thread at a time
/// per run. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`)
/// or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_on_success(
    run: *mut seawall_policy_run,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    with_run!(run, out_step, |c| c.run.on_success())
}

/// The attempt failed, classified by `*failure`: the breaker records its
/// `outcome`, the slot is released, the retry stage decides (`SLEEP`,
/// `FALLBACK` or `FAIL`). One thread at a time per run. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `outcome`: no
/// `seawall_outcome`, nothing recorded; field `run`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_on_failure(
    run: *mut seawall_policy_run,
    failure: *const seawall_attempt_failure,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    ffi_boundary!([run, failure, out_step] {
        let c = match ffi_pass!(live(run)) {
            Ok(c) => c,
            Err(st) => return st,
        };
        let f = *ffi_ref!(failure);
        let outcome = match outcome_from(f.outcome) {
            Ok(o) => o,
            Err(e) => return fail(e),
        };
        let step = c.run.on_failure(AttemptFailure {
            retryable: f.retryable != 0,
            retry_after_ns: (f.has_retry_after != 0).then_some(f.retry_after_ns),
            outcome,
        });
        ffi_write!(out_step, step_to_c(c, step));
        seawall_status::SEAWALL_OK
    })
}

/// The attempt was cut off by its limit (the caller stopped waiting): the
/// breaker records a failure lasting the limit; the error is a timeout
/// (retryable). The bulkhead slot stays held by the run (`slot_held` = 1)
/// until `seawall_policy_run_settle` says the cut-off work has finished.
/// One thread at a time per run. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `run`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_on_timeout(
    run: *mut seawall_policy_run,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    ffi_boundary!([run, out_step] {
        let c = match ffi_pass!(live(run)) {
            Ok(c) => c,
            Err(st) => return st,
        };
        if let (Some(limit), true) = (c.limit_ns, events::any()) {
            report(EventKind::Timeout {
                limit: Duration::from_nanos(limit),
            });
        }
        let (step, slot) = c.run.on_timeout();
        let held = slot.is_some();
        if held {
            c.held = slot;
        }
        let mut o = step_to_c(c, step);
        o.slot_held = u8::from(held);
        ffi_write!(out_step, o);
        seawall_status::SEAWALL_OK
    })
}

/// The work of an attempt cut off by `_on_timeout` has finished: the
/// bulkhead slot it held is released. Nothing held: a no-op. One thread at
/// a time per run. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
/// `run`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_settle(run: *mut seawall_policy_run) -> seawall_status {
    ffi_boundary!([run] {
        match ffi_pass!(live(run)) {
            Ok(c) => {
                drop(c.held.take());
                seawall_status::SEAWALL_OK
            }
            Err(st) => st,
        }
    })
}

/// After `WAIT_FOR_SLOT`: whether the bulkhead has handed the run a slot,
/// without blocking. `*out_claimed` 1: the step after the grant (`ATTEMPT`)
/// is written to `*out_step`; 0: still queued, `*out_step` untouched.
/// One thread at a time per run. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `run`: not live, or not waiting) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_try_claim(
    run: *mut seawall_policy_run,
    out_claimed: *mut u8,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    ffi_boundary!([run, out_claimed, out_step] {
        let c = match ffi_pass!(live(run)) {
            Ok(c) => c,
            Err(st) => return st,
        };
        let Some(w) = c.waiter.take() else {
            return fail(seawall::Error::argument("run", "is not waiting for a bulkhead slot"));
        };
        match w.try_claim() {
            Ok(permit) => {
                let step = c.run.slot_granted(permit);
                ffi_write!(out_claimed, 1);
                ffi_write!(out_step, step_to_c(c, step));
            }
            Err(w) => {
                c.waiter = Some(w);
                ffi_write!(out_claimed, 0);
            }
        }
        seawall_status::SEAWALL_OK
    })
}

/// After `WAIT_FOR_SLOT`: the wait ran out (`max_wait_ns`); the run leaves
/// the queue and the rejection is handled (`SLEEP`, `FALLBACK` or `FAIL`
/// with `SEAWALL_BULKHEAD_FULL`). One thread at a time per run. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_wait_timed_out(
    run: *mut seawall_policy_run,
    out_step: *mut seawall_policy_step,
) -> seawall_status {
    with_run!(run, out_step, |c| {
        drop(c.waiter.take());
        let s = c.run.slot_timed_out();
        crate::policy::run_refused(&mut c.run);
        s
    })
}

/// After a `FAIL` or `FALLBACK` step whose `error` is a rejection with a
/// retry-after (`SEAWALL_CIRCUIT_OPEN`, `SEAWALL_RATE_LIMITED`): how long
/// until the refusing stage could admit the call, ns (what a server sends
/// as `Retry-After`); 0 after any other step or error, and for a NULL run
/// or one that is not live. One thread at a time per run.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_retry_after_ns(run: *mut seawall_policy_run) -> u64 {
    ffi_value!(0, {
        if run.is_null() {
            return 0;
        }
        // SAFETY: a non-NULL run parameter, checked by `live` (the
        // contract above).
        match unsafe { live(run) } {
            Ok(c) => c.end_retry_after_ns,
            Err(_) => 0,
        }
    })
}

/// The caller gave up on the call: a running attempt records nothing, the
/// slot and a queue place are released, the retry run is abandoned. A held
/// cut-off slot stays until `_settle` or `_end`. A run that is over is
/// left as it is. One thread at a time per run. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `run`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_run_cancel(run: *mut seawall_policy_run) -> seawall_status {
    ffi_boundary!([run] {
        match ffi_pass!(live(run)) {
            Ok(c) => {
                drop(c.waiter.take());
                c.run.cancel();
                seawall_status::SEAWALL_OK
            }
            Err(st) => st,
        }
    })
}
