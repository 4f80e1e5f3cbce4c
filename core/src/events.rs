//! Process-wide events (`spec/metrics.md`, "Events and logs"), for
//! bindings that deliver one stream of events (C's
//! `seawall_events_subscribe`).
//!
//! Sources: a circuit breaker registered in a [`Registry`](crate::registry::Registry)
//! reports its transitions here, with the registered name and labels (one
//! event per registration). The other kinds (a refusal, a retry scheduled,
//! a retry run that gave up, a fallback used, a timeout, a fault injected)
//! are decided by core but reported by the binding whose call path made
//! the decision, through [`emit`], and only when [`any`] says someone
//! listens: such an event carries the registered name when the binding
//! knows one, else an empty name (registered names are never empty).
//!
//! Delivery: a subscriber runs synchronously on the thread that made the
//! decision, after it, outside any lock of the hot path and outside this
//! module's lock (so it may subscribe or unsubscribe). A panic in a
//! subscriber is caught and counted in [`panics`]; it never reaches the
//! caller. With no subscriber, an event costs one atomic load.

use crate::circuit_breaker::Transition;
use crate::fault::Fault;
use crate::policy::Stage;
use crate::retry::GiveUpReason;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind<'a> {
    /// A registered breaker changed state.
    Transition(Transition),
    /// A breaker, rate limiter or bulkhead refused a call.
    Rejected {
        /// Which kind of instance refused.
        by: Stage,
        /// When it may admit again, if known (`None` for a bulkhead).
        retry_after: Option<Duration>,
        /// The key, for a keyed limiter.
        key: Option<&'a [u8]>,
    },
    /// A retry run will try again after `delay`.
    RetryScheduled {
        /// The attempt that failed (1 = the first call).
        attempt: u32,
        /// The sleep before the next attempt.
        delay: Duration,
    },
    /// A retry run stopped without success.
    GaveUp {
        /// Calls made, the first included.
        attempts: u32,
        /// Why (core's give-up reason).
        reason: GiveUpReason,
    },
    /// A fallback answered instead of the call.
    FallbackUsed,
    /// A time limit cut an attempt off.
    Timeout {
        /// The attempt's limit.
        limit: Duration,
    },
    /// A fault injector injected a fault ([`Fault::Error`] or
    /// [`Fault::Delay`]; never [`Fault::None`]).
    FaultInjected(Fault),
}

impl EventKind<'_> {
    /// The wire name (Python's event kinds): `transition`, `rejected`,
    /// `retry_scheduled`, `gave_up`, `fallback_used`, `timeout`,
    /// `fault_injected`.
    ///
    /// ```
    /// use seawall::events::EventKind;
    /// assert_eq!(EventKind::FallbackUsed.as_str(), "fallback_used");
    /// ```
    pub const fn as_str(&self) -> &'static str {
        match self {
            EventKind::Transition(_) => "transition",
            EventKind::Rejected { .. } => "rejected",
            EventKind::RetryScheduled { .. } => "retry_scheduled",
            EventKind::GaveUp { .. } => "gave_up",
            EventKind::FallbackUsed => "fallback_used",
            EventKind::Timeout { .. } => "timeout",
            EventKind::FaultInjected(_) => "fault_injected",
        }
    }
}

/// One event.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The registered name; empty when the instance is not registered (or
    /// the binding does not know its name).
    pub name: &'a str,
    /// The registered labels, in registration order (empty without a name).
    pub labels: &'a [(String, String)],
    /// What happened.
    pub kind: EventKind<'a>,
}

impl<'a> Event<'a> {
    /// An event with no name and no labels.
    pub const fn unnamed(kind: EventKind<'a>) -> Self {
        Event {
            name: "",
            labels: &[],
            kind,
        }
    }
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

/// Whether anyone is subscribed now (one relaxed atomic load): a binding
/// checks it on a cold path before building an event for [`emit`].
#[inline]
pub fn any() -> bool {
    ANY.load(Ordering::Relaxed)
}

/// Delivers `ev` to every subscriber, on this thread (cold path; nothing
/// happens when nobody listens). A subscriber's panic is caught and counted.
pub fn emit(ev: &Event<'_>) {
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
            let EventKind::Transition(t) = ev.kind else {
                return;
            };
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

    /// Owned copy of an event of the kinds a binding reports.
    #[derive(Debug, Clone, PartialEq)]
    enum Owned {
        Rejected(Stage, Option<Duration>, Option<Vec<u8>>),
        RetryScheduled(u32, Duration),
        GaveUp(u32, GiveUpReason),
        FallbackUsed,
        Timeout(Duration),
        FaultInjected(Fault),
    }

    #[test]
    fn every_reported_kind_reaches_a_subscriber_once_until_unsubscribed() {
        const NAME: &str = "events-test-kinds";
        type Log = Arc<Mutex<Vec<(String, &'static str, Owned)>>>;
        let seen: Log = Arc::default();
        let s2 = Arc::clone(&seen);
        let id = subscribe(Box::new(move |ev| {
            if ev.name != NAME && !(ev.name.is_empty() && ev.kind == EventKind::FallbackUsed) {
                return; // other tests' events
            }
            let o = match ev.kind {
                EventKind::Rejected {
                    by,
                    retry_after,
                    key,
                } => Owned::Rejected(by, retry_after, key.map(<[u8]>::to_vec)),
                EventKind::RetryScheduled { attempt, delay } => {
                    Owned::RetryScheduled(attempt, delay)
                }
                EventKind::GaveUp { attempts, reason } => Owned::GaveUp(attempts, reason),
                EventKind::FallbackUsed => Owned::FallbackUsed,
                EventKind::Timeout { limit } => Owned::Timeout(limit),
                EventKind::FaultInjected(f) => Owned::FaultInjected(f),
                _ => return,
            };
            s2.lock().unwrap_or_else(PoisonError::into_inner).push((
                ev.name.to_owned(),
                ev.kind.as_str(),
                o,
            ));
        }));
        assert!(any());
        let ms = Duration::from_millis;
        let kinds = [
            EventKind::Rejected {
                by: Stage::RateLimiter,
                retry_after: Some(ms(250)),
                key: Some(b"tenant-a"),
            },
            EventKind::Rejected {
                by: Stage::Bulkhead,
                retry_after: None,
                key: None,
            },
            EventKind::RetryScheduled {
                attempt: 2,
                delay: ms(400),
            },
            EventKind::GaveUp {
                attempts: 3,
                reason: GiveUpReason::Budget,
            },
            EventKind::Timeout { limit: ms(30) },
            EventKind::FaultInjected(Fault::Delay(ms(7))),
        ];
        for kind in kinds {
            emit(&Event {
                name: NAME,
                labels: &[],
                kind,
            });
        }
        emit(&Event::unnamed(EventKind::FallbackUsed));
        assert!(unsubscribe(id));
        emit(&Event {
            name: NAME,
            labels: &[],
            kind: EventKind::FaultInjected(Fault::Error),
        });
        let n = NAME.to_owned();
        let got = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(
            got,
            vec![
                (
                    n.clone(),
                    "rejected",
                    Owned::Rejected(
                        Stage::RateLimiter,
                        Some(ms(250)),
                        Some(b"tenant-a".to_vec())
                    )
                ),
                (
                    n.clone(),
                    "rejected",
                    Owned::Rejected(Stage::Bulkhead, None, None)
                ),
                (
                    n.clone(),
                    "retry_scheduled",
                    Owned::RetryScheduled(2, ms(400))
                ),
                (n.clone(), "gave_up", Owned::GaveUp(3, GiveUpReason::Budget)),
                (n.clone(), "timeout", Owned::Timeout(ms(30))),
                (
                    n,
                    "fault_injected",
                    Owned::FaultInjected(Fault::Delay(ms(7)))
                ),
                (String::new(), "fallback_used", Owned::FallbackUsed),
            ]
        );
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
