//! Process-wide events: `seawall_events_subscribe` (`spec/metrics.md`,
//! "Events and logs"; core's `seawall::events`), and the helpers the call
//! paths use to report their refusals, retries, fallbacks, timeouts and
//! faults (built only while someone is subscribed).

use crate::boundary::null_argument;
use crate::circuit_breaker::{seawall_circuit_state, seawall_destroy_fn, state_to_c, UserData};
use crate::fault::seawall_fault_kind;
use crate::retry::reason_to_c;
use crate::status::seawall_status;
use seawall::clock::duration_to_ns;
use seawall::events::{self, Event, EventKind, SubscriptionId};
use seawall::fault::Fault;
use seawall::policy::Stage;
use seawall::retry::RetryStep;
use seawall::Decision;
use std::os::raw::{c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What an event reports (`seawall_event.kind`). New kinds may be added:
/// ignore kinds you do not know.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_event_kind {
    /// A registered circuit breaker changed state: `from`, `to`, `at_ns`.
    SEAWALL_EVENT_TRANSITION = 1,
    /// A breaker, rate limiter or bulkhead refused a call: `by`,
    /// `has_retry_after` / `retry_after_ns`, `key` / `key_len`.
    SEAWALL_EVENT_REJECTED = 2,
    /// A retry run will try again: `attempt` (the attempt that failed),
    /// `delay_ns`.
    SEAWALL_EVENT_RETRY_SCHEDULED = 3,
    /// A retry run stopped without success: `attempt` (calls made),
    /// `reason`.
    SEAWALL_EVENT_GAVE_UP = 4,
    /// A policy run handed the call to its fallback.
    SEAWALL_EVENT_FALLBACK_USED = 5,
    /// A policy run's attempt ran out of its time limit: `limit_ns`.
    SEAWALL_EVENT_TIMEOUT = 6,
    /// A fault injector injected a fault: `fault`, `delay_ns`.
    SEAWALL_EVENT_FAULT_INJECTED = 7,
}

/// One event, passed to a `seawall_event_fn` for the duration of the call
/// (copy what you keep: the struct, `name` and `key` are freed when it
/// returns). Fields a kind does not use are 0, NULL or `""`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_event {
    /// The library's `sizeof` of this struct: a program built with an
    /// older header reads the fields it knows; one built with a newer
    /// header reads a field only when `struct_size` covers it
    /// (`offsetof(seawall_event, field) + sizeof field <= struct_size`).
    pub struct_size: u32,
    /// What happened.
    pub kind: seawall_event_kind,
    /// The instance's registered name: NUL-terminated UTF-8; `""` when the
    /// instance is not registered (and for the retry, fallback, timeout and
    /// fault kinds, which report runs, not named instances). Never NULL.
    pub name: *const c_char,
    /// The state left (`SEAWALL_EVENT_TRANSITION`).
    pub from: seawall_circuit_state,
    /// The state entered (`SEAWALL_EVENT_TRANSITION`).
    pub to: seawall_circuit_state,
    /// The breaker's clock time of the transition, ns
    /// (`SEAWALL_EVENT_TRANSITION`).
    pub at_ns: u64,
    /// `SEAWALL_EVENT_REJECTED`: what refused: `"circuit_breaker"`,
    /// `"rate_limiter"` or `"bulkhead"`. Else `""`. Static: never NULL; do
    /// not free. (Added after `at_ns`: check `struct_size`.)
    pub by: *const c_char,
    /// `SEAWALL_EVENT_REJECTED`: 1 when `retry_after_ns` is known (a
    /// breaker or a rate limiter), 0 for a bulkhead.
    pub has_retry_after: u8,
    /// `SEAWALL_EVENT_REJECTED`: when the instance may admit again, ns.
    pub retry_after_ns: u64,
    /// `SEAWALL_EVENT_REJECTED` by a keyed limiter: the key's bytes
    /// (`key_len` of them, not NUL-terminated). Else NULL.
    pub key: *const u8,
    /// The length of `key`; 0 without a key.
    pub key_len: usize,
    /// `SEAWALL_EVENT_RETRY_SCHEDULED`: the attempt that failed (1 = the
    /// first call). `SEAWALL_EVENT_GAVE_UP`: calls made, the first included.
    pub attempt: u32,
    /// `SEAWALL_EVENT_GAVE_UP`: a `seawall_give_up_reason`.
    pub reason: u32,
    /// `SEAWALL_EVENT_RETRY_SCHEDULED`: the sleep before the next attempt,
    /// ns. `SEAWALL_EVENT_FAULT_INJECTED`: the injected delay, ns (0 for an
    /// error).
    pub delay_ns: u64,
    /// `SEAWALL_EVENT_TIMEOUT`: the attempt's time limit, ns.
    pub limit_ns: u64,
    /// `SEAWALL_EVENT_FAULT_INJECTED`: `SEAWALL_FAULT_ERROR` or
    /// `SEAWALL_FAULT_DELAY`. Else `SEAWALL_FAULT_NONE`.
    pub fault: seawall_fault_kind,
}

/// An event subscriber: `user_data` as subscribed, and the event.
///
/// Sources (`spec/metrics.md`, "Events and logs"):
/// - a circuit breaker registered in a registry
///   (`seawall_registry_register_circuit_breaker`) reports each transition
///   once per registration, with the registered name; unregistered
///   breakers report none (use `seawall_circuit_breaker_on_transition`);
/// - a refusal by `seawall_circuit_breaker_try_acquire`, a limiter's
///   `_try_acquire` (keyed too; with the key), or its `_reserve` /
///   `_acquire_wait` refusing at once, a reserved wait ending refused
///   (`seawall_limiter_wait_try_claim` / `_wait`), a bulkhead's `_try_acquire`,
///   `_acquire*`, `_enqueue` or a `seawall_bulkhead_waiter_wait` that ran
///   out, and `seawall_policy_try_acquire` (`by` is the refusing stage) is
///   one `SEAWALL_EVENT_REJECTED` per registration of the refusing
///   instance (its registered name), or one with name `""` when it is not
///   registered;
/// - `seawall_retry_on_failure`, `seawall_policy_execute` and the stepped
///   policy run (`seawall_policy_run_*`) report `RETRY_SCHEDULED` and
///   `GAVE_UP` (every reason, `not_retryable` included; once per run);
///   the policy runs report `FALLBACK_USED` when they hand the call to the
///   fallback and `TIMEOUT` when an attempt with a limit is cut off
///   (`seawall_policy_execute`: returned after its deadline;
///   `seawall_policy_run_on_timeout`);
/// - `seawall_fault_injector_decide` / `_check` report each fault
///   injected (not `SEAWALL_FAULT_NONE`).
///
/// Cost: none of these is built when nobody is subscribed; an admitted
/// call costs nothing more, a refusal one atomic load.
///
/// Threads: it runs synchronously on the thread that made the decision
/// (inside that thread's seawall call), after the decision, outside any
/// lock of the hot path. Several threads may call it at once, so it must
/// be thread-safe.
///
/// Reentrancy: it may call any seawall function (those calls change this
/// thread's last error), `seawall_events_subscribe` and
/// `seawall_events_unsubscribe` included, except freeing the instance,
/// retry state, policy run or registration the event comes from. It must
/// not unwind (longjmp, C++ exceptions) through seawall. Keep it short:
/// the thread that made the decision waits for it; it cannot change that
/// call's outcome.
pub type seawall_event_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const seawall_event)>;

/// The name as a NUL-terminated copy, or None without memory.
fn c_name(name: &str) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(name.len() + 1).ok()?;
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    Some(v)
}

fn stage_cstr(s: Stage) -> &'static std::ffi::CStr {
    match s {
        Stage::RateLimiter => c"rate_limiter",
        Stage::CircuitBreaker => c"circuit_breaker",
        Stage::Bulkhead => c"bulkhead",
    }
}

fn deliver(
    f: unsafe extern "C" fn(*mut c_void, *const seawall_event),
    ud: &UserData,
    ev: &Event<'_>,
) {
    // Registered names have no control characters, so no NUL inside.
    let Some(name) = c_name(ev.name) else { return };
    let mut e = seawall_event {
        struct_size: std::mem::size_of::<seawall_event>() as u32,
        kind: seawall_event_kind::SEAWALL_EVENT_TRANSITION,
        name: name.as_ptr().cast(),
        from: seawall_circuit_state::SEAWALL_STATE_CLOSED,
        to: seawall_circuit_state::SEAWALL_STATE_CLOSED,
        at_ns: 0,
        by: c"".as_ptr(),
        has_retry_after: 0,
        retry_after_ns: 0,
        key: std::ptr::null(),
        key_len: 0,
        attempt: 0,
        reason: 0,
        delay_ns: 0,
        limit_ns: 0,
        fault: seawall_fault_kind::SEAWALL_FAULT_NONE,
    };
    match ev.kind {
        EventKind::Transition(t) => {
            e.from = state_to_c(t.from);
            e.to = state_to_c(t.to);
            e.at_ns = t.at_ns;
        }
        EventKind::Rejected {
            by,
            retry_after,
            key,
        } => {
            e.kind = seawall_event_kind::SEAWALL_EVENT_REJECTED;
            e.by = stage_cstr(by).as_ptr();
            e.has_retry_after = u8::from(retry_after.is_some());
            e.retry_after_ns = retry_after.map_or(0, duration_to_ns);
            if let Some(k) = key {
                e.key = k.as_ptr();
                e.key_len = k.len();
            }
        }
        EventKind::RetryScheduled { attempt, delay } => {
            e.kind = seawall_event_kind::SEAWALL_EVENT_RETRY_SCHEDULED;
            e.attempt = attempt;
            e.delay_ns = duration_to_ns(delay);
        }
        EventKind::GaveUp { attempts, reason } => {
            e.kind = seawall_event_kind::SEAWALL_EVENT_GAVE_UP;
            e.attempt = attempts;
            e.reason = reason_to_c(reason);
        }
        EventKind::FallbackUsed => e.kind = seawall_event_kind::SEAWALL_EVENT_FALLBACK_USED,
        EventKind::Timeout { limit } => {
            e.kind = seawall_event_kind::SEAWALL_EVENT_TIMEOUT;
            e.limit_ns = duration_to_ns(limit);
        }
        EventKind::FaultInjected(f) => {
            e.kind = seawall_event_kind::SEAWALL_EVENT_FAULT_INJECTED;
            e.fault = match f {
                Fault::None => return,
                Fault::Error => seawall_fault_kind::SEAWALL_FAULT_ERROR,
                Fault::Delay(_) => seawall_fault_kind::SEAWALL_FAULT_DELAY,
            };
            e.delay_ns = duration_to_ns(f.delay());
        }
        _ => return, // a kind this binding does not know yet
    }
    // SAFETY: the caller subscribed a valid function and user_data; `e`,
    // `name` and the key live until it returns.
    unsafe { f(ud.0, &e) }
}

// ---- reporting the binding's decisions --------------------------------------

/// The registered names of instances that can refuse a call, by the
/// address of their core instance (`Arc::as_ptr`): a registration keeps
/// the instance alive, so an address cannot be reused while named. Read
/// only to report a refusal while someone is subscribed.
struct Named {
    addr: usize,
    id: u64,
    name: String,
}

static NAMES: Mutex<Vec<Named>> = Mutex::new(Vec::new());
static NEXT_NAME: AtomicU64 = AtomicU64::new(1);

fn names() -> std::sync::MutexGuard<'static, Vec<Named>> {
    NAMES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps a registered name in the refusal name table; removes it when
/// dropped (with its registration).
pub(crate) struct NameGuard(u64);

impl Drop for NameGuard {
    fn drop(&mut self) {
        names().retain(|n| n.id != self.0);
    }
}

/// The address that identifies an instance in the name table.
#[inline]
pub(crate) fn addr_of<T: ?Sized>(a: &Arc<T>) -> usize {
    Arc::as_ptr(a).cast::<()>() as usize
}

/// Names the instance at `addr` `name` for refusal events; None without
/// memory (the registration then reports refusals without a name).
pub(crate) fn name_instance(addr: usize, name: &str) -> Option<NameGuard> {
    let id = NEXT_NAME.fetch_add(1, Ordering::Relaxed);
    let mut owned = String::new();
    owned.try_reserve_exact(name.len()).ok()?;
    owned.push_str(name);
    let mut v = names();
    v.try_reserve(1).ok()?;
    v.push(Named {
        addr,
        id,
        name: owned,
    });
    Some(NameGuard(id))
}

/// Reports a refusal of the instance at `addr`: once per registered name,
/// or once without a name (cold path: only while someone is subscribed).
#[cold]
#[inline(never)]
fn report_rejection(addr: usize, by: Stage, retry_after: Option<Duration>, key: Option<&[u8]>) {
    let kind = EventKind::Rejected {
        by,
        retry_after,
        key,
    };
    let named: Vec<String> = names()
        .iter()
        .filter(|n| n.addr == addr)
        .map(|n| n.name.clone())
        .collect();
    if named.is_empty() {
        events::emit(&Event::unnamed(kind));
    }
    for name in &named {
        events::emit(&Event {
            name,
            labels: &[],
            kind,
        });
    }
}

#[cold]
#[inline(never)]
fn report_error(addr: usize, key: Option<&[u8]>, e: &seawall::Error) {
    if let Some(by) = e.refused_by() {
        report_rejection(addr, by, e.retry_after(), key);
    }
}

/// Reports `r` when it is a refusal (`rate_limited`, `circuit_open`,
/// `bulkhead_full`) by the instance at `addr` and someone listens. An
/// admitted call costs a branch on `r`; a refusal one relaxed load more.
#[inline]
pub(crate) fn refused<T>(addr: usize, key: Option<&[u8]>, r: &seawall::Result<T>) {
    if let Err(e) = r {
        if events::any() {
            report_error(addr, key, e);
        }
    }
}

/// Reports a limiter's denial (or refusal) when someone listens.
#[inline]
pub(crate) fn denied(addr: usize, key: Option<&[u8]>, r: &seawall::Result<Decision>) {
    match r {
        Ok(d) if d.allowed => {}
        Ok(d) => {
            if events::any() {
                report_rejection(addr, Stage::RateLimiter, Some(d.retry_after), key);
            }
        }
        Err(_) => refused(addr, key, r),
    }
}

/// Reports the refusal `e` by the instance at `addr` (callers check
/// [`events::any`] first).
#[cold]
#[inline(never)]
pub(crate) fn report_refusal(addr: usize, e: &seawall::Error) {
    report_error(addr, None, e);
}

/// Reports an event with no name. Callers check [`events::any`] first.
#[cold]
#[inline(never)]
pub(crate) fn report(kind: EventKind<'_>) {
    events::emit(&Event::unnamed(kind));
}

/// Reports a retry step: a retry scheduled after `attempt`, or a give-up.
/// Callers check [`events::any`] first.
#[cold]
#[inline(never)]
pub(crate) fn report_retry_step(attempt: u32, step: &RetryStep) {
    match step {
        RetryStep::Sleep(ns) => report(EventKind::RetryScheduled {
            attempt,
            delay: Duration::from_nanos(*ns),
        }),
        RetryStep::GiveUp(g) => report(EventKind::GaveUp {
            attempts: g.attempts,
            reason: g.reason,
        }),
    }
}

/// Subscribes `subscriber` to every event from now on (see
/// `seawall_event_fn` for the source, the thread it runs on and what it
/// may call) and writes its id to `*out_id`. `user_data` may be NULL;
/// seawall never reads it. `destroy` may be NULL (nothing to free).
///
/// Lifetime: it runs until `seawall_events_unsubscribe(id)`. Then
/// `destroy(user_data)` runs exactly once, if `destroy` is not NULL: at
/// once in `_unsubscribe` when no delivery is running, else on the thread
/// of the last running delivery, when it returns. Free `user_data` in
/// `destroy`, never yourself. If subscribing fails, `destroy` is not
/// called. Thread-safe (cold path: takes a process-wide lock). Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT` (`subscriber` or `out_id`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h; `subscriber` and `destroy` follow
/// `seawall_event_fn` and `seawall_destroy_fn`.
#[no_mangle]
pub unsafe extern "C" fn seawall_events_subscribe(
    subscriber: seawall_event_fn,
    user_data: *mut c_void,
    destroy: seawall_destroy_fn,
    out_id: *mut u64,
) -> seawall_status {
    ffi_boundary!([out_id] {
        let Some(f) = subscriber else {
            return null_argument("subscriber");
        };
        let ud = UserData(user_data, destroy);
        let id = seawall::events::subscribe(Box::new(move |ev: &Event<'_>| deliver(f, &ud, ev)));
        ffi_write!(out_id, id.0);
        seawall_status::SEAWALL_OK
    })
}

/// Removes the subscriber with id `id`; writes whether it was subscribed
/// to `*out_removed`. No new delivery to it starts; a delivery running on
/// another thread finishes (then its `destroy` runs there). Thread-safe
/// (cold path: takes a process-wide lock). Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_events_unsubscribe(
    id: u64,
    out_removed: *mut bool,
) -> seawall_status {
    ffi_boundary!([out_removed] {
        ffi_write!(out_removed, seawall::events::unsubscribe(SubscriptionId(id)));
        seawall_status::SEAWALL_OK
    })
}
