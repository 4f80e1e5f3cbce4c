//! Process-wide events of registered instances (`spec/metrics.md`, "Events
//! and logs"), for bindings that deliver one stream of events (C's
//! `seawall_events_subscribe`).
//!
//! Source: a circuit breaker registered in a [`Registry`](crate::registry::Registry)
//! reports its transitions here, with the registered name and labels (one
//! event per registration). Unregistered instances report nothing here.
//!
//! Delivery: a subscriber runs synchronously on the thread that made the
//! transition, after it, outside any lock of the hot path and outside this
//! module's lock (so it may subscribe or unsubscribe). A panic in a
//! subscriber is caught and counted in [`panics`]; it never reaches the
//! breaker. With no subscriber, a transition costs one atomic load more.

use crate::circuit_breaker::Transition;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// A registered breaker changed state.
    Transition(Transition),
}

/// One event of a registered instance.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The registered name.
    pub name: &'a str,
    /// The registered labels, in registration order.
    pub labels: &'a [(String, String)],
    /// What happened.
    pub kind: EventKind,
}

/// A subscriber. Dropped (which is how a binding learns it can no longer
/// run) once it is unsubscribed and no delivery holds it any more.
pub type Subscriber = Box<dyn Fn(&Event<'_>) + Send + Sync + 'static>;

/// Identifies a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(pub u64);

type List = Arc<[(u64, Arc<Subscriber>)]>;

static ANY: AtomicBool = AtomicBool::new(false);
static NEXT: AtomicU64 = AtomicU64::new(1);
static PANICS: AtomicU64 = AtomicU64::new(0);

fn list() -> &'static Mutex<List> {
    static L: std::sync::OnceLock<Mutex<List>> = std::sync::OnceLock::new();
    L.get_or_init(|| Mutex::new(Arc::from(Vec::new())))
}

/// Adds a subscriber for every event from now on.
pub fn subscribe(f: Subscriber) -> SubscriptionId {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut g = list().lock().unwrap_or_else(PoisonError::into_inner);
    let mut v: Vec<(u64, Arc<Subscriber>)> = g.iter().cloned().collect();
    v.push((id, Arc::new(f)));
    *g = v.into();
    ANY.store(true, Ordering::Release);
    SubscriptionId(id)
}

/// Removes a subscriber; `false` if it was not subscribed. No new delivery
/// to it starts; one running on another thread finishes, and the last
/// holder drops it (at once when none runs).
pub fn unsubscribe(id: SubscriptionId) -> bool {
    let removed = {
        let mut g = list().lock().unwrap_or_else(PoisonError::into_inner);
        let Some(found) = g.iter().find(|(i, _)| *i == id.0).cloned() else {
            return false;
        };
        let v: Vec<(u64, Arc<Subscriber>)> =
            g.iter().filter(|(i, _)| *i != id.0).cloned().collect();
        ANY.store(!v.is_empty(), Ordering::Release);
        *g = v.into();
        found
    };
    drop(removed); // outside the lock: may run the binding's destructor
    true
}

/// Subscriber panics caught so far (process-wide).
pub fn panics() -> u64 {
    PANICS.load(Ordering::Relaxed)
}

/// Delivers `ev` to every subscriber (cold path).
pub(crate) fn emit(ev: &Event<'_>) {
    if !ANY.load(Ordering::Acquire) {
        return;
    }
    let subs = Arc::clone(&list().lock().unwrap_or_else(PoisonError::into_inner));
    for (_, f) in subs.iter() {
        if catch_unwind(AssertUnwindSafe(|| f(ev))).is_err() {
            PANICS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit_breaker::{CircuitBreaker, Config, State};
    use crate::registry::{Registry, Source};

    type Seen = Arc<Mutex<Vec<(String, Vec<(String, String)>, State, State)>>>;

    fn watch(only: &'static str, seen: &Seen) -> SubscriptionId {
        let seen = Arc::clone(seen);
        subscribe(Box::new(move |ev| {
            if ev.name != only {
                return; // other tests' breakers
            }
            let EventKind::Transition(t) = ev.kind;
            seen.lock().unwrap_or_else(PoisonError::into_inner).push((
                ev.name.to_owned(),
                ev.labels.to_vec(),
                t.from,
                t.to,
            ));
        }))
    }

    #[test]
    fn registered_breakers_report_transitions_until_unregistered() {
        let seen: Seen = Arc::default();
        let id = watch("events-test-cb", &seen);
        let cb = Arc::new(
            CircuitBreaker::new(Config::default()).unwrap_or_else(|e| unreachable!("{e}")),
        );
        cb.force_open(); // not registered yet: nothing
        cb.reset();
        let reg = Registry::new();
        let h = reg
            .register(
                "events-test-cb",
                &[("team", "billing")],
                Source::CircuitBreaker(Arc::clone(&cb)),
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        cb.force_open();
        cb.reset();
        drop(h);
        cb.force_open(); // unregistered: nothing
        assert!(unsubscribe(id));
        assert!(!unsubscribe(id));
        let labels = vec![("team".to_owned(), "billing".to_owned())];
        let got = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(
            got,
            vec![
                (
                    "events-test-cb".to_owned(),
                    labels.clone(),
                    State::Closed,
                    State::ForcedOpen
                ),
                (
                    "events-test-cb".to_owned(),
                    labels,
                    State::ForcedOpen,
                    State::Closed
                ),
            ]
        );
    }

    #[test]
    fn a_panicking_subscriber_is_counted_and_never_reaches_the_breaker() {
        let seen: Seen = Arc::default();
        let bad = subscribe(Box::new(|ev| {
            if ev.name == "events-test-panic" {
                std::panic::resume_unwind(Box::new("subscriber bug"));
            }
        }));
        let good = watch("events-test-panic", &seen);
        let cb = Arc::new(
            CircuitBreaker::new(Config::default()).unwrap_or_else(|e| unreachable!("{e}")),
        );
        let reg = Registry::new();
        let _h = reg
            .register(
                "events-test-panic",
                &[] as &[(&str, &str)],
                Source::CircuitBreaker(Arc::clone(&cb)),
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        let before = panics();
        cb.force_open();
        assert_eq!(cb.state(), State::ForcedOpen);
        assert_eq!(panics() - before, 1);
        assert_eq!(seen.lock().unwrap_or_else(PoisonError::into_inner).len(), 1);
        unsubscribe(bad);
        unsubscribe(good);
    }

    #[test]
    fn unsubscribing_drops_the_subscriber() {
        struct Flag(Arc<AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = Flag(Arc::clone(&dropped));
        let id = subscribe(Box::new(move |_| {
            let _ = &flag;
        }));
        assert!(!dropped.load(Ordering::SeqCst));
        unsubscribe(id);
        assert!(dropped.load(Ordering::SeqCst));
    }
}
