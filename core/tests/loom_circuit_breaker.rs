//! loom models of the circuit breaker's atomics (the real core code: under
//! `--cfg seawall_loom` core's atomics are loom's). Run with
//! `RUSTFLAGS="--cfg seawall_loom" cargo test -p seawall --release --test loom_circuit_breaker`.
//!
//! Each model has a deliberately broken copy (load + store instead of CAS)
//! and a test asserting that loom finds its bug, so the models are known to
//! explore the interleavings that matter.

#![cfg(seawall_loom)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use loom::sync::atomic::{AtomicU64, Ordering};
use loom::thread;
use seawall::circuit_breaker::{CircuitBreaker, Config, State};
use seawall::ManualClock;
use std::sync::Arc;
use std::time::Duration;

fn builder() -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b
}

fn small() -> Config {
    Config {
        window_size: 1,
        minimum_number_of_calls: 1,
        failure_rate_threshold: None,
        slow_call_rate_threshold: None,
        open_duration: Duration::from_secs(1),
        ..Config::default()
    }
}

/// Two threads each record a failure that crosses the threshold: exactly one
/// closed -> open transition.
#[test]
fn trip_once() {
    builder().check(|| {
        let clock = ManualClock::new();
        let cfg = Config {
            failure_count_threshold: Some(1),
            ..small()
        };
        let cb = Arc::new(CircuitBreaker::with_clock(cfg, &clock).unwrap());
        let p1 = cb.try_acquire().unwrap();
        let p2 = cb.try_acquire().unwrap();
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.record_failure(p1, Duration::ZERO));
        cb.record_failure(p2, Duration::ZERO);
        t.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().transitions, 1);
    });
}

/// Same, on the failure-rate rule (count window): both threads see a rate
/// over the threshold and race to trip.
#[test]
fn trip_once_on_rate() {
    builder().check(|| {
        let clock = ManualClock::new();
        let cfg = Config {
            failure_rate_threshold: Some(0.5),
            window_size: 2,
            ..small()
        };
        let cb = Arc::new(CircuitBreaker::with_clock(cfg, &clock).unwrap());
        let p1 = cb.try_acquire().unwrap();
        let p2 = cb.try_acquire().unwrap();
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.record_failure(p1, Duration::ZERO));
        cb.record_failure(p2, Duration::ZERO);
        t.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().transitions, 1);
    });
}

fn half_open_breaker(max_calls: u64) -> (Arc<CircuitBreaker>, ManualClock) {
    let clock = ManualClock::new();
    let cfg = Config {
        failure_count_threshold: Some(1),
        half_open_max_calls: max_calls,
        success_threshold: max_calls,
        ..small()
    };
    let cb = Arc::new(CircuitBreaker::with_clock(cfg, &clock).unwrap());
    let p = cb.try_acquire().unwrap();
    cb.record_failure(p, Duration::ZERO);
    clock.advance(Duration::from_secs(1));
    (cb, clock)
}

/// Two threads race through open -> half_open and the probe slot: exactly
/// one probe is admitted, and exactly one open -> half_open transition.
#[test]
fn half_open_admits_one_probe() {
    builder().check(|| {
        let (cb, _clock) = half_open_breaker(1);
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.try_acquire().is_ok());
        let mine = cb.try_acquire().is_ok();
        let theirs = t.join().unwrap();
        assert_eq!(u32::from(mine) + u32::from(theirs), 1);
        assert_eq!(cb.metrics().transitions, 2);
        assert_eq!(cb.metrics().half_open_in_flight, 1);
    });
}

/// Already half-open with one of two slots taken: two threads race for the
/// last slot; exactly one gets it.
#[test]
fn half_open_last_slot() {
    builder().check(|| {
        let (cb, _clock) = half_open_breaker(2);
        let _first = cb.try_acquire().unwrap();
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.try_acquire().is_ok());
        let mine = cb.try_acquire().is_ok();
        let theirs = t.join().unwrap();
        assert_eq!(u32::from(mine) + u32::from(theirs), 1);
        assert_eq!(cb.metrics().half_open_in_flight, 2);
    });
}

/// A release racing an admission: the slot is handed over, never doubled.
#[test]
fn release_races_admission() {
    builder().check(|| {
        let (cb, _clock) = half_open_breaker(1);
        let probe = cb.try_acquire().unwrap();
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.release(probe));
        let got = cb.try_acquire().is_ok();
        t.join().unwrap();
        let in_flight = cb.metrics().half_open_in_flight;
        assert_eq!(in_flight, u32::from(got));
        assert!(in_flight <= 1);
    });
}

/// A probe success racing a probe failure (max 2, both must succeed):
/// exactly one outcome decides, ending open.
#[test]
fn probe_outcomes_race() {
    builder().check(|| {
        let (cb, _clock) = half_open_breaker(2);
        let a = cb.try_acquire().unwrap();
        let b = cb.try_acquire().unwrap();
        let cb2 = Arc::clone(&cb);
        let t = thread::spawn(move || cb2.record_success(a, Duration::ZERO));
        cb.record_failure(b, Duration::ZERO);
        t.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().transitions, 3);
    });
}

// ---- broken copies: loom must find their bugs ----

/// Trip with load + store instead of CAS.
fn broken_trip(state: &AtomicU64, transitions: &AtomicU64) {
    if state.load(Ordering::Acquire) == 0 {
        state.store(1, Ordering::Release);
        transitions.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
#[should_panic]
fn broken_trip_is_caught() {
    builder().check(|| {
        let state = Arc::new(AtomicU64::new(0));
        let transitions = Arc::new(AtomicU64::new(0));
        let (s2, t2) = (Arc::clone(&state), Arc::clone(&transitions));
        let t = thread::spawn(move || broken_trip(&s2, &t2));
        broken_trip(&state, &transitions);
        t.join().unwrap();
        assert_eq!(transitions.load(Ordering::Relaxed), 1);
    });
}

/// Half-open admission with load + store instead of CAS.
fn broken_admit(taken: &AtomicU64, max: u64) -> bool {
    let n = taken.load(Ordering::Acquire);
    if n < max {
        taken.store(n + 1, Ordering::Release);
        true
    } else {
        false
    }
}

#[test]
#[should_panic]
fn broken_admission_is_caught() {
    builder().check(|| {
        let taken = Arc::new(AtomicU64::new(0));
        let t2 = Arc::clone(&taken);
        let t = thread::spawn(move || broken_admit(&t2, 1));
        let mine = broken_admit(&taken, 1);
        let theirs = t.join().unwrap();
        assert!(
            u32::from(mine) + u32::from(theirs) <= 1,
            "two probes admitted"
        );
    });
}

/// A failure and a success recorded at once while `metrics` is read twice:
/// the success count derived from the count window (cursor − failures
/// recorded into the window) never counts the failure as a success and never
/// goes down, and is exact once both are done.
#[test]
fn derived_success_count_never_over_and_never_down() {
    builder().check(|| {
        let clock = ManualClock::new();
        let cfg = Config {
            window_size: 4,
            minimum_number_of_calls: 4,
            ..Config::default()
        };
        let cb = Arc::new(CircuitBreaker::with_clock(cfg, &clock).unwrap());
        let (p1, p2) = (cb.try_acquire().unwrap(), cb.try_acquire().unwrap());
        let failer = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.record_failure(p1, Duration::ZERO))
        };
        let succeeder = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.record_success(p2, Duration::ZERO))
        };
        let (m1, m2) = (cb.metrics(), cb.metrics());
        assert!(
            m1.successes <= 1 && m2.successes <= 1,
            "a failure counted as a success"
        );
        assert!(m1.successes <= m2.successes, "the success count went down");
        failer.join().unwrap();
        succeeder.join().unwrap();
        let m = cb.metrics();
        assert_eq!((m.successes, m.failures, m.calls), (1, 1, 2));
    });
}

/// The broken variant of the derived success count: the failure is counted
/// after the cursor moves, so a reader in between takes it for a success.
struct BrokenCounts {
    cursor: AtomicU64,
    window_failures: AtomicU64,
}

impl BrokenCounts {
    fn record(&self, failure: bool) {
        self.cursor.fetch_add(1, Ordering::AcqRel);
        if failure {
            self.window_failures.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn successes(&self) -> u64 {
        let recorded = self.cursor.load(Ordering::Acquire);
        recorded.saturating_sub(self.window_failures.load(Ordering::Acquire))
    }
}

#[test]
#[should_panic]
fn broken_success_count_is_caught() {
    builder().check(|| {
        let c = Arc::new(BrokenCounts {
            cursor: AtomicU64::new(0),
            window_failures: AtomicU64::new(0),
        });
        let failer = {
            let c = Arc::clone(&c);
            thread::spawn(move || c.record(true))
        };
        c.record(false);
        assert!(c.successes() <= 1, "a failure counted as a success");
        failer.join().unwrap();
    });
}
