//! Process-wide events of registered instances: `seawall_events_subscribe`
//! (`spec/metrics.md`, "Events and logs"; core's `seawall::events`).

use crate::boundary::null_argument;
use crate::circuit_breaker::{seawall_circuit_state, seawall_destroy_fn, state_to_c, UserData};
use crate::status::seawall_status;
use seawall::events::{Event, EventKind, SubscriptionId};
use std::os::raw::{c_char, c_void};

/// What an event reports (`seawall_event.kind`). New kinds may be added:
/// ignore kinds you do not know.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_event_kind {
    /// A registered circuit breaker changed state: `from`, `to`, `at_ns`.
    SEAWALL_EVENT_TRANSITION = 1,
}

/// One event, passed to a `seawall_event_fn` for the duration of the call
/// (copy what you keep: the struct and `name` are freed when it returns).
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
    /// The instance's registered name: NUL-terminated UTF-8.
    pub name: *const c_char,
    /// The state left (`SEAWALL_EVENT_TRANSITION`).
    pub from: seawall_circuit_state,
    /// The state entered (`SEAWALL_EVENT_TRANSITION`).
    pub to: seawall_circuit_state,
    /// The breaker's clock time of the transition, ns.
    pub at_ns: u64,
}

/// An event subscriber: `user_data` as subscribed, and the event.
///
/// Source: a circuit breaker registered in a registry
/// (`seawall_registry_register_circuit_breaker`) reports each transition
/// once per registration, with the registered name; unregistered breakers
/// report nothing here (use `seawall_circuit_breaker_on_transition`).
///
/// Threads: it runs synchronously on the thread that made the transition
/// (inside that thread's seawall call on the breaker or a policy using it),
/// after the transition, outside any lock of the hot path. Several threads
/// may call it at once, so it must be thread-safe.
///
/// Reentrancy: it may call any seawall function (those calls change this
/// thread's last error), `seawall_events_subscribe` and
/// `seawall_events_unsubscribe` included, except
/// `seawall_circuit_breaker_free` of the breaker that made the transition.
/// It must not unwind (longjmp, C++ exceptions) through seawall. Keep it
/// short: the thread that made the transition waits for it.
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

fn deliver(
    f: unsafe extern "C" fn(*mut c_void, *const seawall_event),
    ud: &UserData,
    ev: &Event<'_>,
) {
    // Registered names have no control characters, so no NUL inside.
    let Some(name) = c_name(ev.name) else { return };
    let EventKind::Transition(t) = ev.kind else {
        return;
    };
    let e = seawall_event {
        struct_size: std::mem::size_of::<seawall_event>() as u32,
        kind: seawall_event_kind::SEAWALL_EVENT_TRANSITION,
        name: name.as_ptr().cast(),
        from: state_to_c(t.from),
        to: state_to_c(t.to),
        at_ns: t.at_ns,
    };
    // SAFETY: the caller subscribed a valid function and user_data; `e`
    // and `name` live until it returns.
    unsafe { f(ud.0, &e) }
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
