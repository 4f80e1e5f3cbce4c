//! The policy guard: rate limiter → circuit breaker → bulkhead in one call.

use crate::adaptive_timeout::seawall_adaptive_timeout;
use crate::boundary::{fail, fail_stage, invalid_config};
use crate::bulkhead::seawall_bulkhead;
use crate::circuit_breaker::{outcome_from, seawall_circuit_breaker};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::limiters::{seawall_sliding_window, seawall_token_bucket};
use crate::retry::seawall_retry;
use crate::status::seawall_status;
use seawall::clock::ClockSource;
use seawall::policy::{Guard, Policy, Stage};
use std::mem::offset_of;
use std::mem::{align_of, size_of, MaybeUninit};
use std::ptr::{addr_of, addr_of_mut};
use std::sync::Arc;
use std::time::Duration;

/// 100 years in ns: seawall's longest duration.
const MAX_DURATION_NS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;

/// The stages of a policy: handles made by their own `_new`; each may be
/// NULL (stage absent). At most one rate limiter (`token_bucket` or
/// `sliding_window`). The policy keeps its own references: the handles may
/// be freed after `seawall_policy_new`, and inspecting them (state,
/// metrics) shows what the policy does. Fill it with
/// `seawall_policy_config_default()` (all NULL: admits everything).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_policy_config {
    /// Set by `seawall_policy_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Rate limiter stage (one token per call), or NULL.
    pub token_bucket: *const seawall_token_bucket,
    /// Rate limiter stage (one request per call), or NULL.
    pub sliding_window: *const seawall_sliding_window,
    /// Circuit breaker stage, or NULL.
    pub circuit_breaker: *const seawall_circuit_breaker,
    /// Bulkhead stage, or NULL.
    pub bulkhead: *const seawall_bulkhead,
    /// Per-attempt time limit of `seawall_policy_execute` and the policy
    /// run, ns; 0: none. At most one of `timeout_ns` and `adaptive_timeout`.
    pub timeout_ns: u64,
    /// Adaptive per-attempt time limit (each attempt's latency is recorded
    /// into it), or NULL. Kept like the other stages.
    pub adaptive_timeout: *const seawall_adaptive_timeout,
    /// Retry stage (`seawall_retry_new`), or NULL: each retry acquires every
    /// stage again. Kept like the other stages.
    pub retry: *const seawall_retry,
    /// Whether a failed call goes to a fallback (0 no, else yes): then
    /// `seawall_policy_execute` needs a fallback callback.
    pub has_fallback: u8,
}

/// Rate limiter → circuit breaker → bulkhead, acquired in that order; a
/// stage that rejects gives back what earlier stages granted. Opaque;
/// thread-safe.
pub struct seawall_policy(
    pub(crate) Arc<Policy>,
    pub(crate) ClockSource,
    /// `has_fallback`.
    pub(crate) bool,
);

/// Everything one admitted call holds, in storage the caller owns: declare
/// it where the call's other state lives (on the stack, in a request
/// struct), like a `pthread_mutex_t`. Nothing is allocated per call.
///
/// Life cycle: `seawall_policy_try_acquire` initialises it, *live* on
/// `SEAWALL_OK` and *empty* on any other status (so releasing it is always
/// safe afterwards). A live guard is finished exactly once by
/// `seawall_policy_guard_complete*` or `seawall_policy_guard_release`,
/// which leave it empty. On an empty guard, `_release` is a no-op and
/// `_complete*` / `_is_probe` return `SEAWALL_INVALID_ARGUMENT` (field
/// `guard`): finishing twice is an error, not undefined behaviour. A
/// zero-initialised guard (`seawall_policy_guard g = {0};`) is empty.
///
/// Rules: the fields are private (do not read or write them). A live guard
/// may be moved (copied to new storage, the old copy never used again),
/// but not duplicated: finishing two copies of one live guard is undefined
/// behaviour. Storage that is neither zeroed nor written by `try_acquire`
/// must not be passed to the other functions. A live guard that is never
/// finished is a leak, not undefined behaviour: it keeps its bulkhead slot
/// (and a half-open probe slot) and a reference to the policy's stages,
/// like a handle never freed; `try_acquire` on a live guard overwrites it
/// the same way. Any thread, one call at a time per guard.
#[repr(C)]
pub struct seawall_policy_guard {
    /// Private storage: a tag word, then the core guard (64 bytes on 64-bit
    /// targets today; the rest is room to grow without changing the ABI).
    pub _opaque: [u64; 12],
}

/// The layout behind `seawall_policy_guard::_opaque`: `tag` is [`LIVE`]
/// while `guard` holds an unfinished core guard; anything else is empty.
#[repr(C)]
struct GuardSlot {
    tag: u64,
    guard: MaybeUninit<Guard>,
}

/// The tag of a live guard: a 64-bit pattern that zeroed or stale storage
/// does not hold by accident.
const LIVE: u64 = 0x5EA3_A110_6A2D_11FE;
/// The tag of an empty guard (zeroed storage is empty).
const EMPTY: u64 = 0;

// The core guard fits the public storage, with its alignment.
const _: () = {
    assert!(size_of::<GuardSlot>() <= size_of::<seawall_policy_guard>());
    assert!(align_of::<GuardSlot>() <= align_of::<seawall_policy_guard>());
};

// The guard storage is the caller's: the header's contract is that a
// `seawall_policy_guard *` passed to seawall is aligned, readable and
// writable, and zeroed or last written by seawall (its `tag` is then
// initialised; the `guard` bytes are initialised exactly when `tag` is
// LIVE, as only `set_live` writes LIVE, after the guard). Its fields are
// only ever reached through raw places, never through a reference to the
// whole slot, so uninitialised guard bytes are never read as a `Guard`.

/// Whether `*g` holds a live guard.
///
/// # Safety
/// `g` is a checked guard parameter (the contract above).
#[inline]
unsafe fn is_live(g: *const seawall_policy_guard) -> bool {
    // SAFETY: the contract above: `tag` is initialised and readable.
    unsafe { addr_of!((*g.cast::<GuardSlot>()).tag).read() == LIVE }
}

/// Marks `*g` empty (its guard, if any, is forgotten, not dropped).
///
/// # Safety
/// `g` is a checked guard parameter (the contract above).
#[inline]
unsafe fn set_empty(g: *mut seawall_policy_guard) {
    // SAFETY: the contract above: the slot is writable.
    unsafe { addr_of_mut!((*g.cast::<GuardSlot>()).tag).write(EMPTY) }
}

/// Stores `guard` in `*g` and marks it live.
///
/// # Safety
/// `g` is a checked guard parameter (the contract above).
#[inline]
unsafe fn set_live(g: *mut seawall_policy_guard, guard: Guard) {
    let slot = g.cast::<GuardSlot>();
    // SAFETY: the contract above: the slot is writable; the guard is
    // written before the tag that says it is there.
    unsafe {
        addr_of_mut!((*slot).guard).write(MaybeUninit::new(guard));
        addr_of_mut!((*slot).tag).write(LIVE);
    }
}

/// The live guard in `*g`, borrowed for the call.
///
/// # Safety
/// `g` is a checked guard parameter and `is_live(g)`.
#[inline]
unsafe fn guard_ref<'a>(g: *const seawall_policy_guard) -> &'a Guard {
    // SAFETY: live, so the guard bytes hold a `Guard` (contract above),
    // which no one else touches during the call.
    unsafe { (*addr_of!((*g.cast::<GuardSlot>()).guard)).assume_init_ref() }
}

/// Moves the core guard out of a live `*g` and marks it empty.
///
/// # Safety
/// `g` is a checked guard parameter and `is_live(g)`.
#[inline]
unsafe fn take(g: *mut seawall_policy_guard) -> Guard {
    let slot = g.cast::<GuardSlot>();
    // SAFETY: live, so the guard bytes hold a `Guard` (contract above);
    // the tag goes EMPTY first, so it is moved out exactly once.
    unsafe {
        addr_of_mut!((*slot).tag).write(EMPTY);
        addr_of!((*slot).guard).read().assume_init()
    }
}

#[cold]
fn not_live() -> seawall_status {
    fail(seawall::Error::argument(
        "guard",
        "is not live: already finished, or not admitted by seawall_policy_try_acquire",
    ))
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_policy_config {
    const INIT: &'static str = "seawall_policy_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_policy_config, token_bucket),
        offset_of!(seawall_policy_config, sliding_window),
        offset_of!(seawall_policy_config, circuit_breaker),
        offset_of!(seawall_policy_config, bulkhead),
        offset_of!(seawall_policy_config, timeout_ns),
        offset_of!(seawall_policy_config, adaptive_timeout),
        offset_of!(seawall_policy_config, retry),
        offset_of!(seawall_policy_config, has_fallback),
    ];
    fn defaults() -> Self {
        seawall_policy_config {
            struct_size: own_size::<seawall_policy_config>(),
            token_bucket: std::ptr::null(),
            sliding_window: std::ptr::null(),
            circuit_breaker: std::ptr::null(),
            bulkhead: std::ptr::null(),
            timeout_ns: 0,
            adaptive_timeout: std::ptr::null(),
            retry: std::ptr::null(),
            has_fallback: 0,
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_policy_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_policy_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_config_init(
    config: *mut seawall_policy_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn policy_new(
    config: *const seawall_policy_config,
    clock: ClockSource,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    let c = match ffi_config!(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut p = Policy::with_clock(clock.clone());
    match (ffi_opt_ref!(c.token_bucket), ffi_opt_ref!(c.sliding_window)) {
        (Some(_), Some(_)) => {
            return fail(invalid_config(
                "rate_limiter",
                "token_bucket and sliding_window are both set; a policy has one rate limiter"
                    .to_string(),
            ))
        }
        (Some(tb), None) => p = p.rate_limiter(tb.0.clone()),
        (None, Some(sw)) => p = p.rate_limiter(sw.0.clone()),
        (None, None) => {}
    }
    if let Some(cb) = ffi_opt_ref!(c.circuit_breaker) {
        p = p.circuit_breaker(cb.0.clone());
    }
    if let Some(bh) = ffi_opt_ref!(c.bulkhead) {
        p = p.bulkhead(bh.0.clone());
    }
    match (c.timeout_ns, ffi_opt_ref!(c.adaptive_timeout)) {
        (0, None) => {}
        (0, Some(a)) => p = p.adaptive_timeout(a.0.clone()),
        (_, Some(_)) => {
            return fail(invalid_config(
                "timeout_ns",
                "and adaptive_timeout are both set; a policy has one timeout stage".to_string(),
            ))
        }
        (t, None) if t > MAX_DURATION_NS => {
            return fail(invalid_config(
                "timeout_ns",
                format!("must be 0 (none) or at most 100 years in ns, got {t}"),
            ))
        }
        (t, None) => p = p.timeout(Duration::from_nanos(t)),
    }
    if let Some(r) = ffi_opt_ref!(c.retry) {
        p = p.retry(r.0.clone());
    }
    p = p.fallback(c.has_fallback != 0);
    ffi_new_handle!(out, seawall_policy(Arc::new(p), clock, c.has_fallback != 0));
    seawall_status::SEAWALL_OK
}

/// Creates a policy measuring call durations on the monotonic clock and
/// writes it to `*out`. The caller owns `*out` and frees it with
/// `seawall_policy_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (field `rate_limiter`: both limiters set) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_new(
    config: *const seawall_policy_config,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(policy_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_policy_new`, measuring durations on `clock`. The caller
/// owns `*out` and frees it with `seawall_policy_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_new_with_clock(
    config: *const seawall_policy_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_policy,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(policy_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a policy. NULL is a no-op. Guards still held stay valid. Not
/// thread-safe: must not race other calls on the same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_free(policy: *mut seawall_policy) {
    ffi_value!((), { ffi_free_handle!(policy) })
}

/// Acquires every stage in order and initialises `*guard` (caller-owned
/// storage, see `seawall_policy_guard`; nothing is allocated).
/// `SEAWALL_OK`: `*guard` is live; run the call, then finish it with
/// `seawall_policy_guard_complete*` or `seawall_policy_guard_release`. A
/// rejection returns the stage's status (`SEAWALL_RATE_LIMITED`,
/// `SEAWALL_CIRCUIT_OPEN` or `SEAWALL_BULKHEAD_FULL`) after giving back
/// what earlier stages granted, and leaves `*guard` empty;
/// `seawall_last_error_stage()` names the stage and
/// `seawall_last_error_retry_after_ns()` says when to retry. Thread-safe
/// on `policy`. Also returns `SEAWALL_NULL_ARGUMENT` (`*guard` untouched).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_try_acquire(
    policy: *const seawall_policy,
    guard: *mut seawall_policy_guard,
) -> seawall_status {
    ffi_boundary!([policy, guard] {
        // Empty first: a rejection (or a panic) leaves it empty.
        ffi_pass!(set_empty(guard));
        match ffi_ref!(policy).0.try_acquire() {
            Ok(g) => {
                ffi_pass!(set_live(guard, g));
                seawall_status::SEAWALL_OK
            }
            Err(r) => {
                if seawall::events::any() {
                    stage_refused(&ffi_ref!(policy).0, r.stage, &r.error);
                }
                fail_stage(
                    r.error,
                    match r.stage {
                        Stage::RateLimiter => c"rate_limiter",
                        Stage::CircuitBreaker => c"circuit_breaker",
                        Stage::Bulkhead => c"bulkhead",
                    },
                )
            }
        }
    })
}

/// Takes the stage refusal that `run`'s last step answers (core's
/// `PolicyRun::take_refusal`, taken either way so none is left for a later
/// step) and reports it when someone listens: a refusal inside a run is a
/// rejection like one at `seawall_policy_try_acquire`.
#[inline]
pub(crate) fn run_refused(run: &mut seawall::policy::PolicyRun) {
    if let Some(r) = run.take_refusal() {
        if seawall::events::any() {
            stage_refused(run.policy(), r.stage, &r.error);
        }
    }
}

/// Reports a refusal by the policy's `stage` (named as the stage's
/// instance is registered).
#[cold]
#[inline(never)]
fn stage_refused(p: &Policy, stage: Stage, e: &seawall::Error) {
    use crate::events::addr_of;
    let addr = match stage {
        Stage::RateLimiter => p.limiter().map(addr_of),
        Stage::CircuitBreaker => p.breaker().map(addr_of),
        Stage::Bulkhead => p.bulkhead_stage().map(addr_of),
    };
    if let Some(a) = addr {
        crate::events::report_refusal(a, e);
    }
}

/// Whether the live guard's breaker permit is a half-open probe (false
/// without a breaker stage); written to `*out_probe`. Any thread, not
/// concurrently with a call finishing the same guard. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (the guard
/// is empty: finished, or not admitted) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_is_probe(
    guard: *const seawall_policy_guard,
    out_probe: *mut bool,
) -> seawall_status {
    ffi_boundary!([guard, out_probe] {
        if !ffi_pass!(is_live(guard)) {
            return not_live();
        }
        // SAFETY: `guard` is a checked parameter, live (checked above).
        let g = unsafe { guard_ref(guard) };
        ffi_write!(out_probe, g.breaker_permit().is_some_and(|p| p.is_probe()));
        seawall_status::SEAWALL_OK
    })
}

/// Finishes a live guard: records `outcome` (a `seawall_outcome`) with the
/// time since `seawall_policy_try_acquire` on the policy's clock and
/// releases the bulkhead slot; the guard is empty afterwards (its storage
/// is the caller's; nothing to free). Any thread, one call at a time per
/// guard. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (unknown
/// outcome: the guard stays live; or the guard is empty: finished already,
/// or not admitted) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_complete(
    guard: *mut seawall_policy_guard,
    outcome: u32,
) -> seawall_status {
    ffi_boundary!([guard] {
        if !ffi_pass!(is_live(guard)) {
            return not_live();
        }
        match outcome_from(outcome) {
            Ok(o) => {
                // SAFETY: `guard` is a checked parameter, live (checked above).
                unsafe { take(guard) }.complete(o);
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_policy_guard_complete` with a duration measured by the
/// caller. Any thread, one call at a time per guard. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (unknown outcome: the guard stays live; or
/// the guard is empty) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_complete_with_duration(
    guard: *mut seawall_policy_guard,
    outcome: u32,
    duration_ns: u64,
) -> seawall_status {
    ffi_boundary!([guard] {
        if !ffi_pass!(is_live(guard)) {
            return not_live();
        }
        match outcome_from(outcome) {
            Ok(o) => {
                // SAFETY: `guard` is a checked parameter, live (checked above).
                unsafe { take(guard) }.complete_with_duration(o, Duration::from_nanos(duration_ns));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Finishes a live guard without an outcome (the call was cancelled): a
/// half-open probe slot returns, the bulkhead slot is released; the guard
/// is empty afterwards. NULL or an empty guard (finished already, or
/// rejected) is a no-op, so it is safe in every cleanup path. Any thread,
/// one call at a time per guard.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_policy_guard_release(guard: *mut seawall_policy_guard) {
    ffi_value!((), {
        if !guard.is_null() && ffi_pass!(is_live(guard)) {
            // SAFETY: `guard` is non-NULL and live (checked just above).
            unsafe { take(guard) }.release();
        }
    })
}
