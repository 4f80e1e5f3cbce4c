#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::clock::ManualClock;
use std::sync::Mutex as StdMutex;

const MS: Duration = Duration::from_millis(1);
const SEC: Duration = Duration::from_secs(1);

fn cb(cfg: Config) -> (CircuitBreaker, ManualClock) {
    let clock = ManualClock::new();
    (CircuitBreaker::with_clock(cfg, &clock).unwrap(), clock)
}

fn rate_cfg(window: u64, min: u64) -> Config {
    Config {
        window_size: window,
        minimum_number_of_calls: min,
        open_duration: Duration::from_secs(10),
        ..Config::default()
    }
}

fn run(b: &CircuitBreaker, outcome: Outcome, d: Duration) {
    let p = b.try_acquire().unwrap();
    b.record(p, outcome, d);
}

fn fail(b: &CircuitBreaker) {
    run(b, Outcome::Failure, MS);
}

fn ok(b: &CircuitBreaker) {
    run(b, Outcome::Success, MS);
}

fn log(b: &CircuitBreaker) -> Arc<StdMutex<Vec<String>>> {
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let s2 = Arc::clone(&seen);
    b.on_transition(Box::new(move |t| s2.lock().unwrap().push(t.to_string())));
    seen
}

#[test]
fn consecutive_failures_trip_at_threshold_and_success_resets() {
    let (b, _) = cb(Config {
        failure_count_threshold: Some(3),
        ..Config::default()
    });
    fail(&b);
    fail(&b);
    ok(&b);
    assert_eq!(b.metrics().failure_count, 0);
    fail(&b);
    fail(&b);
    assert_eq!(b.state(), State::Closed);
    fail(&b);
    assert_eq!(b.state(), State::Open);
    let r = b.try_acquire().unwrap_err();
    assert_eq!(
        (r.state, r.retry_after),
        (State::Open, Duration::from_secs(60))
    );
    assert_eq!(
        Error::from(r),
        Error::CircuitOpen {
            retry_after: Duration::from_secs(60)
        }
    );
}

#[test]
fn ignored_outcomes_do_not_count() {
    let (b, _) = cb(Config {
        failure_count_threshold: Some(2),
        ..rate_cfg(2, 2)
    });
    fail(&b);
    run(&b, Outcome::Ignored, MS);
    assert_eq!(b.metrics().failure_count, 1);
    assert_eq!(b.metrics().buffered_calls, 1);
    assert_eq!(b.metrics().ignored, 1);
    fail(&b);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn failures_within_period_expire() {
    let cfg = Config {
        failure_count_threshold: Some(3),
        failure_count_period: Some(10 * SEC),
        ..Config::default()
    };
    let (b, clock) = cb(cfg);
    fail(&b); // t=0
    clock.advance(5 * SEC);
    fail(&b); // t=5
    ok(&b); // successes don't reset the period count
    clock.advance(5 * SEC);
    fail(&b); // t=10: the t=0 failure is exactly 10 s old: expired
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().failure_count, 2);
    clock.advance(4 * SEC);
    fail(&b); // t=14: failures at 5, 10, 14 are within 10 s
    assert_eq!(b.state(), State::Open);
}

#[test]
fn failure_rate_waits_for_minimum_calls_and_is_inclusive() {
    let (b, _) = cb(rate_cfg(4, 4));
    fail(&b);
    fail(&b);
    ok(&b);
    assert_eq!(b.metrics().failure_rate, None);
    assert_eq!(b.state(), State::Closed, "2/3 but below minimum");
    ok(&b); // 2/4 = 0.5 >= 0.5
    assert_eq!(b.state(), State::Open);
}

#[test]
fn failure_rate_below_threshold_stays_closed_and_window_slides() {
    let (b, _) = cb(rate_cfg(4, 4));
    for _ in 0..3 {
        ok(&b);
    }
    fail(&b); // 1/4
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().failure_rate, Some(0.25));
    for _ in 0..4 {
        ok(&b);
    }
    assert_eq!(b.metrics().failure_rate, Some(0.0));
    assert_eq!(b.metrics().buffered_calls, 4);
}

#[test]
fn threshold_exact_decimal_is_inclusive() {
    let (b, _) = cb(Config {
        failure_rate_threshold: Some(0.3),
        ..rate_cfg(10, 10)
    });
    for _ in 0..7 {
        ok(&b);
    }
    for _ in 0..2 {
        fail(&b);
    }
    assert_eq!(b.state(), State::Closed);
    fail(&b); // 3/10 == 0.3
    assert_eq!(b.state(), State::Open);
}

#[test]
fn time_window_counts_last_seconds_only() {
    let cfg = Config {
        window_kind: WindowKind::TimeBased,
        ..rate_cfg(10, 4)
    };
    let (b, clock) = cb(cfg);
    fail(&b);
    fail(&b);
    clock.advance(10 * SEC); // both failures have left the window
    ok(&b);
    ok(&b);
    fail(&b);
    assert_eq!(b.metrics().buffered_calls, 3);
    assert_eq!(b.state(), State::Closed);
    clock.advance(9 * SEC); // same window still
    ok(&b); // 1/4
    assert_eq!(b.state(), State::Closed);
    fail(&b); // 2/5
    assert_eq!(b.state(), State::Closed);
    fail(&b); // 3/6
    assert_eq!(b.state(), State::Open);
}

#[test]
fn slow_calls_trip_and_threshold_is_strict() {
    let cfg = Config {
        slow_call_duration_threshold: 100 * MS,
        slow_call_rate_threshold: Some(0.5),
        failure_rate_threshold: None,
        ..rate_cfg(2, 2)
    };
    let (b, _) = cb(cfg);
    run(&b, Outcome::Success, 100 * MS); // exactly at: not slow
    run(&b, Outcome::Success, 100 * MS);
    assert_eq!(b.metrics().slow, 0);
    assert_eq!(b.state(), State::Closed);
    run(&b, Outcome::Success, 100 * MS + Duration::from_nanos(1));
    assert_eq!(b.metrics().slow_call_rate, Some(0.5));
    assert_eq!(b.state(), State::Open);
}

#[test]
fn open_to_half_open_after_duration_and_retry_after_counts_down() {
    let (b, clock) = cb(Config {
        failure_count_threshold: Some(1),
        ..rate_cfg(10, 10)
    });
    fail(&b);
    clock.advance(4 * SEC);
    assert_eq!(b.try_acquire().unwrap_err().retry_after, 6 * SEC);
    clock.advance(6 * SEC - Duration::from_nanos(1));
    assert_eq!(
        b.try_acquire().unwrap_err().retry_after,
        Duration::from_nanos(1)
    );
    assert_eq!(b.metrics().rejected, 2);
    clock.advance(Duration::from_nanos(1));
    assert_eq!(b.state(), State::Open, "state() does not move the breaker");
    let p = b.try_acquire().unwrap();
    assert!(p.is_probe());
    assert_eq!(b.state(), State::HalfOpen);
}

fn to_half_open(b: &CircuitBreaker, clock: &ManualClock) {
    fail(b);
    assert_eq!(b.state(), State::Open);
    clock.advance(b.metrics().open_duration);
}

#[test]
fn half_open_admits_max_probes_and_success_threshold_closes() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        half_open_max_calls: 3,
        success_threshold: 2,
        ..rate_cfg(10, 10)
    };
    let (b, clock) = cb(cfg);
    let seen = log(&b);
    to_half_open(&b, &clock);
    let p: Vec<Permit> = (0..3).map(|_| b.try_acquire().unwrap()).collect();
    let r = b.try_acquire().unwrap_err();
    assert_eq!(r.state, State::HalfOpen);
    b.record_success(p[0], MS);
    b.record_success(p[0], MS); // double finish: no effect
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(b.metrics().half_open_successes, 1);
    b.try_acquire().unwrap_err(); // a succeeded slot is not reused
    b.record_success(p[1], MS);
    assert_eq!(b.state(), State::Closed);
    b.record_failure(p[2], MS); // late probe from the closed episode: stale
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().failure_count, 0);
    assert_eq!(
        *seen.lock().unwrap(),
        ["closed->open", "open->half_open", "half_open->closed"]
    );
}

#[test]
fn failed_or_slow_probe_reopens_and_open_duration_grows_to_cap() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        open_duration_multiplier: 2.0,
        max_open_duration: Some(25 * SEC),
        slow_call_duration_threshold: SEC,
        ..rate_cfg(10, 10)
    };
    let (b, clock) = cb(cfg);
    to_half_open(&b, &clock);
    let p = b.try_acquire().unwrap();
    b.record_failure(p, MS);
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.try_acquire().unwrap_err().retry_after, 20 * SEC);
    clock.advance(20 * SEC);
    let p = b.try_acquire().unwrap();
    b.record_success(p, 2 * SEC); // slow probe counts as failed
    assert_eq!(b.try_acquire().unwrap_err().retry_after, 25 * SEC, "capped");
    clock.advance(25 * SEC);
    let ps: Vec<Permit> = (0..3).map(|_| b.try_acquire().unwrap()).collect();
    for p in ps {
        b.record_success(p, MS);
    }
    assert_eq!(b.state(), State::Closed);
    assert_eq!(
        b.metrics().open_duration,
        10 * SEC,
        "a close resets the growth"
    );
    fail(&b);
    assert_eq!(b.try_acquire().unwrap_err().retry_after, 10 * SEC);
}

#[test]
fn slow_probe_is_a_success_when_slow_rule_disabled() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        slow_call_rate_threshold: None,
        half_open_max_calls: 1,
        success_threshold: 1,
        ..rate_cfg(10, 10)
    };
    let (b, clock) = cb(cfg);
    to_half_open(&b, &clock);
    let p = b.try_acquire().unwrap();
    b.record_success(p, Duration::from_secs(3600));
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn released_probe_returns_its_slot_once() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        half_open_max_calls: 1,
        success_threshold: 1,
        ..rate_cfg(10, 10)
    };
    let (b, clock) = cb(cfg);
    to_half_open(&b, &clock);
    let p = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    b.release(p);
    b.release(p); // already finished: nothing happens
    b.record_failure(p, MS); // nor here: the slot is free, p no longer holds it
    assert_eq!(b.state(), State::HalfOpen);
    let q = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    b.record_ignored(q); // ignored also returns the slot
    let r = b.try_acquire().unwrap();
    b.record_success(r, MS);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn stale_permit_cannot_change_state() {
    let (b, clock) = cb(Config {
        failure_count_threshold: Some(1),
        ..rate_cfg(10, 10)
    });
    let old = b.try_acquire().unwrap();
    fail(&b);
    clock.advance(10 * SEC);
    let probe = b.try_acquire().unwrap();
    b.record_failure(old, MS);
    assert_eq!(b.state(), State::HalfOpen);
    let m = b.metrics();
    assert_eq!(
        m.failures, 2,
        "stale outcomes still count in lifetime counters"
    );
    b.record_success(probe, MS);
    let ps: Vec<Permit> = (0..2).map(|_| b.try_acquire().unwrap()).collect();
    for p in ps {
        b.record_success(p, MS);
    }
    assert_eq!(b.state(), State::Closed);
    b.record_failure(old, MS);
    b.record_failure(probe, MS);
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().buffered_calls, 0);
    // Bits no breaker issued are stale too.
    b.record_failure(Permit::from_bits(u64::MAX), MS);
    b.release(Permit::from_bits(u64::MAX));
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn disabled_forced_open_metrics_only_and_reset() {
    let (b, _) = cb(Config {
        failure_count_threshold: Some(1),
        ..rate_cfg(2, 1)
    });
    let seen = log(&b);
    b.disable();
    for _ in 0..5 {
        fail(&b);
    }
    assert_eq!(b.state(), State::Disabled);
    assert_eq!(b.metrics().calls, 0, "disabled records nothing");
    b.force_open();
    let r = b.try_acquire().unwrap_err();
    assert_eq!((r.state, r.retry_after), (State::ForcedOpen, 10 * SEC));
    b.force_open(); // no-op
    b.metrics_only();
    for _ in 0..3 {
        fail(&b);
    }
    assert_eq!(b.state(), State::MetricsOnly);
    let m = b.metrics();
    assert_eq!(
        (m.calls, m.failures, m.buffered_calls, m.failure_rate),
        (3, 3, 2, Some(1.0))
    );
    b.reset();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().buffered_calls, 0);
    b.reset(); // already closed: no listener call
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "closed->disabled",
            "disabled->forced_open",
            "forced_open->metrics_only",
            "metrics_only->closed"
        ]
    );
    assert_eq!(b.metrics().transitions, 4);
    fail(&b);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn reset_from_open_restores_base_duration_and_invalidates_permits() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        open_duration_multiplier: 3.0,
        ..rate_cfg(10, 10)
    };
    let (b, clock) = cb(cfg);
    to_half_open(&b, &clock);
    let p = b.try_acquire().unwrap();
    b.record_failure(p, MS);
    assert_eq!(b.metrics().open_duration, 30 * SEC);
    b.reset();
    assert_eq!(b.metrics().open_duration, 10 * SEC);
    let before = b.try_acquire().unwrap();
    b.reset();
    b.record_failure(before, MS);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn panicking_listener_does_not_poison() {
    let (b, _) = cb(Config {
        failure_count_threshold: Some(1),
        ..rate_cfg(10, 10)
    });
    b.on_transition(Box::new(|_| panic!("listener bug")));
    let seen = log(&b);
    fail(&b);
    assert_eq!(b.state(), State::Open);
    b.reset();
    assert_eq!(*seen.lock().unwrap(), ["closed->open", "open->closed"]);
}

#[test]
fn listener_can_be_removed_and_can_register_from_inside() {
    let (b, _) = cb(Config {
        failure_count_threshold: Some(1),
        ..rate_cfg(10, 10)
    });
    let b = Arc::new(b);
    let seen = log(&b);
    let weak = Arc::downgrade(&b);
    let id = b.on_transition(Box::new(move |_| {
        if let Some(b) = weak.upgrade() {
            let _ = b.metrics();
            let nested = b.on_transition(Box::new(|_| {}));
            b.remove_listener(nested);
        }
    }));
    fail(&b);
    assert!(b.remove_listener(id));
    assert!(!b.remove_listener(id));
    b.reset();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// Counts its drops: the listener's captured data.
struct DropCount(Arc<std::sync::atomic::AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_removed_listener_is_dropped_once_and_a_registered_one_with_the_breaker() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let (b, _) = cb(rate_cfg(10, 10));
    let drops = Arc::new(AtomicUsize::new(0));
    let d = DropCount(Arc::clone(&drops));
    let id = b.on_transition(Box::new(move |_| {
        let _ = &d;
    }));
    b.force_open();
    assert_eq!(drops.load(SeqCst), 0);
    assert!(b.remove_listener_and_wait(id));
    assert_eq!(drops.load(SeqCst), 1);
    assert!(!b.remove_listener_and_wait(id));
    let d = DropCount(Arc::clone(&drops));
    b.on_transition(Box::new(move |_| {
        let _ = &d;
    }));
    drop(b);
    assert_eq!(drops.load(SeqCst), 2);
}

#[test]
fn remove_listener_waits_for_a_call_running_on_another_thread() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let (b, _) = cb(rate_cfg(10, 10));
    let b = Arc::new(b);
    let entered = Arc::new(AtomicBool::new(false));
    let go = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let (e, g, d) = (Arc::clone(&entered), Arc::clone(&go), Arc::clone(&done));
    let id = b.on_transition(Box::new(move |_| {
        e.store(true, SeqCst);
        while !g.load(SeqCst) {
            std::hint::spin_loop();
        }
        // Still busy after the remover has started.
        for _ in 0..10_000 {
            std::thread::yield_now();
        }
        d.store(true, SeqCst);
    }));
    let b2 = Arc::clone(&b);
    let t = std::thread::spawn(move || b2.force_open());
    while !entered.load(SeqCst) {
        std::hint::spin_loop();
    }
    go.store(true, SeqCst);
    assert!(b.remove_listener_and_wait(id));
    assert!(
        done.load(SeqCst),
        "remove_listener returned while the listener ran"
    );
    t.join().unwrap_or_else(|_| panic!("force_open panicked"));
}

#[test]
fn a_listener_may_remove_itself() {
    let (b, _) = cb(rate_cfg(10, 10));
    let b = Arc::new(b);
    let weak = Arc::downgrade(&b);
    let slot = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s2 = Arc::clone(&slot);
    let calls = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let c2 = Arc::clone(&calls);
    let id = b.on_transition(Box::new(move |_| {
        c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(b) = weak.upgrade() {
            assert!(in_listener());
            b.remove_listener_and_wait(ListenerId(s2.load(std::sync::atomic::Ordering::SeqCst)));
        }
    }));
    slot.store(id.0, std::sync::atomic::Ordering::SeqCst);
    b.force_open();
    b.reset();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!in_listener());
}

#[test]
fn metrics_only_never_trips_on_any_rule() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        slow_call_rate_threshold: Some(0.1),
        slow_call_duration_threshold: MS,
        ..rate_cfg(2, 1)
    };
    let (b, _) = cb(cfg);
    b.metrics_only();
    for _ in 0..10 {
        run(&b, Outcome::Failure, SEC);
    }
    assert_eq!(b.state(), State::MetricsOnly);
    assert_eq!(b.metrics().slow, 10);
}

#[test]
fn outcome_names() {
    for o in [Outcome::Success, Outcome::Failure, Outcome::Ignored] {
        assert_eq!(Outcome::parse("outcome", o.as_str()).ok(), Some(o));
    }
    assert_eq!(
        Outcome::parse("outcome", "meh")
            .err()
            .and_then(|e| e.field()),
        Some("outcome")
    );
}

#[test]
fn huge_durations_saturate() {
    let cfg = Config {
        failure_count_threshold: Some(1),
        open_duration: crate::validate::MAX_DURATION,
        open_duration_multiplier: 1000.0,
        ..rate_cfg(10, 10)
    };
    let clock = ManualClock::starting_at_ns(u64::MAX - 10);
    let b = CircuitBreaker::with_clock(cfg, &clock).unwrap();
    fail(&b);
    let r = b.try_acquire().unwrap_err();
    assert_eq!(
        r.retry_after,
        Duration::from_nanos(10),
        "deadline saturates at u64::MAX"
    );
    clock.advance_ns(10);
    let p = b.try_acquire().unwrap();
    b.record_failure(p, Duration::MAX);
    assert_eq!(
        b.metrics().open_duration,
        crate::validate::MAX_DURATION,
        "growth capped at 100 years"
    );
}
