//! Real-thread stress: concurrent failures trip exactly once, and a
//! half-open episode admits at most `half_open_max_calls` probes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use seawall::circuit_breaker::{CircuitBreaker, Config, State, WindowKind};
use seawall::ManualClock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

const THREADS: usize = 4;

fn trips_exactly_once(cfg: Config, rounds: usize, per_thread: usize) {
    for _ in 0..rounds {
        let clock = ManualClock::new();
        let cb = Arc::new(CircuitBreaker::with_clock(cfg.clone(), &clock).unwrap());
        let opened = Arc::new(AtomicU64::new(0));
        let o2 = Arc::clone(&opened);
        cb.on_transition(Box::new(move |t| {
            if (t.from, t.to) == (State::Closed, State::Open) {
                o2.fetch_add(1, Ordering::SeqCst);
            }
        }));
        // Every permit is taken while closed, so every failure may try to trip.
        let permits: Vec<_> = (0..THREADS * per_thread)
            .map(|_| cb.try_acquire().unwrap())
            .collect();
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = permits
            .chunks(per_thread)
            .map(|chunk| {
                let chunk = chunk.to_vec();
                let cb = Arc::clone(&cb);
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    for p in chunk {
                        cb.record_failure(p, Duration::from_millis(1));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(cb.state(), State::Open);
        assert_eq!(opened.load(Ordering::SeqCst), 1, "tripped more than once");
        let m = cb.metrics();
        assert_eq!(m.transitions, 1);
        assert_eq!(m.failures, (THREADS * per_thread) as u64);
    }
}

#[test]
fn concurrent_consecutive_failures_trip_once() {
    let cfg = Config {
        failure_count_threshold: Some(8),
        failure_rate_threshold: None,
        ..Config::default()
    };
    trips_exactly_once(cfg, 300, 16);
}

#[test]
fn concurrent_rate_failures_trip_once() {
    let cfg = Config {
        window_size: 4,
        minimum_number_of_calls: 2,
        ..Config::default()
    };
    trips_exactly_once(cfg, 300, 16);
    let cfg = Config {
        window_kind: WindowKind::TimeBased,
        window_size: 2,
        minimum_number_of_calls: 5,
        ..Config::default()
    };
    trips_exactly_once(cfg, 100, 16);
}

#[test]
fn concurrent_half_open_admission_is_bounded() {
    for max_calls in [1u64, 3, 16] {
        for _ in 0..100 {
            let clock = ManualClock::new();
            let cfg = Config {
                failure_count_threshold: Some(1),
                half_open_max_calls: max_calls,
                success_threshold: max_calls,
                open_duration: Duration::from_secs(1),
                ..Config::default()
            };
            let cb = Arc::new(CircuitBreaker::with_clock(cfg, &clock).unwrap());
            let p = cb.try_acquire().unwrap();
            cb.record_failure(p, Duration::ZERO);
            clock.advance(Duration::from_secs(1));
            let admitted = Arc::new(AtomicU64::new(0));
            let barrier = Arc::new(Barrier::new(THREADS));
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    let cb = Arc::clone(&cb);
                    let admitted = Arc::clone(&admitted);
                    let barrier = Arc::clone(&barrier);
                    thread::spawn(move || {
                        barrier.wait();
                        for _ in 0..8 {
                            if cb.try_acquire().is_ok_and(|p| p.is_probe()) {
                                admitted.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(admitted.load(Ordering::SeqCst), max_calls);
            assert_eq!(cb.metrics().transitions, 2);
        }
    }
}
