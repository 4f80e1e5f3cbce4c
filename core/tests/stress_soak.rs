//! Long soaks on real threads and the real clock: `make soak`
//! (`SEAWALL_SOAK_SECS`, default 60, per test). Ignored by `make test`.
//!
//! Each soak checks an invariant that must hold for as long as it runs:
//! the token bucket never grants more than `burst + rate × elapsed`, the
//! bulkhead never has more than `max_concurrent` callers inside, and the
//! breaker under a steady failure mix only ever makes legal transitions.
#![allow(clippy::disallowed_methods)] // a soak measures wall time on purpose

use seawall::bulkhead::{Bulkhead, BulkheadConfig};
use seawall::circuit_breaker::{CircuitBreaker, Config, Outcome, State};
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn soak_for() -> Duration {
    let secs = std::env::var("SEAWALL_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

const THREADS: usize = 8;

#[test]
#[ignore = "soak: run with `make soak`"]
fn soak_token_bucket_never_over_grants() {
    let (burst, rate) = (1_000u64, 50_000.0f64);
    // Before the bucket exists, so `elapsed` covers all of its life.
    let start = Instant::now();
    let tb = Arc::new(
        TokenBucket::new(TokenBucketConfig {
            burst,
            rate_per_sec: rate,
            initial_tokens: None,
        })
        .unwrap_or_else(|e| unreachable!("{e}")),
    );
    let granted = Arc::new(AtomicU64::new(0));
    let end = start + soak_for();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let (tb, granted) = (tb.clone(), granted.clone());
            s.spawn(move || {
                while Instant::now() < end {
                    for _ in 0..1_000 {
                        if tb.try_acquire(1).map(|d| d.allowed).unwrap_or(false) {
                            granted.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    // The bound holds at every moment, not only at the end.
                    // Count first, then read the time: grants counted by then
                    // were made by then. (The other order failed a 120 s soak:
                    // a thread preempted between reading the time and the
                    // count saw grants made after its bound's moment.)
                    let g = granted.load(Ordering::SeqCst) as f64;
                    let bound = burst as f64 + rate * start.elapsed().as_secs_f64();
                    assert!(g <= bound + 1.0, "{g} granted, bound {bound:.0}");
                }
            });
        }
    });
    let bound = burst as f64 + rate * start.elapsed().as_secs_f64();
    let g = granted.load(Ordering::Relaxed) as f64;
    eprintln!("soak token bucket: {g} granted, bound {bound:.0}");
    assert!(g <= bound + 1.0);
    assert!(
        g >= 0.9 * rate * soak_for().as_secs_f64(),
        "the bucket kept granting at its rate"
    );
}

#[test]
#[ignore = "soak: run with `make soak`"]
fn soak_bulkhead_never_exceeds_max() {
    // With a queue (the CAS acquire, FIFO hand-offs, blocking waits) and
    // without one (the single fetch_add acquire, racers taking their +1
    // back), half the soak each.
    soak_bulkhead(4);
    soak_bulkhead(0);
}

fn soak_bulkhead(max_queue: u64) {
    let max = 3u64;
    let bh = Arc::new(
        Bulkhead::new(BulkheadConfig {
            max_concurrent: max,
            max_queue,
            max_wait: Duration::from_millis(1),
        })
        .unwrap_or_else(|e| unreachable!("{e}")),
    );
    let inside = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + soak_for() / 2;
    let granted = Arc::new(AtomicU64::new(0));
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (bh, inside, granted) = (bh.clone(), inside.clone(), granted.clone());
            s.spawn(move || {
                while Instant::now() < end {
                    let permit = if t % 2 == 0 {
                        bh.try_acquire().ok()
                    } else {
                        bh.acquire(Duration::from_millis(1)).ok()
                    };
                    if let Some(p) = permit {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= max, "{now} callers inside a bulkhead of {max}");
                        assert!(bh.metrics().active <= max, "metrics above max");
                        granted.fetch_add(1, Ordering::Relaxed);
                        std::hint::spin_loop();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(p);
                    }
                }
            });
        }
    });
    let m = bh.metrics();
    eprintln!(
        "soak bulkhead (max_queue {max_queue}): {} granted, {} rejected",
        m.total, m.rejected
    );
    assert_eq!((m.active, m.queued), (0, 0));
    assert_eq!(
        m.total,
        granted.load(Ordering::Relaxed),
        "total counts every grant"
    );
    assert!(m.total > 0);
}

#[test]
#[ignore = "soak: run with `make soak`"]
fn soak_breaker_only_legal_transitions() {
    let cb = Arc::new(
        CircuitBreaker::new(Config {
            window_size: 50,
            minimum_number_of_calls: 20,
            open_duration: Duration::from_millis(5),
            half_open_max_calls: 3,
            success_threshold: 2,
            ..Config::default()
        })
        .unwrap_or_else(|e| unreachable!("{e}")),
    );
    let seen: Arc<Mutex<Vec<(State, State)>>> = Arc::default();
    let log = seen.clone();
    cb.on_transition(Box::new(move |t| {
        if let Ok(mut v) = log.lock() {
            v.push((t.from, t.to));
        }
    }));
    let stop = AtomicBool::new(false);
    let end = Instant::now() + soak_for();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let cb = cb.clone();
            let stop = &stop;
            s.spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(p) = cb.try_acquire() {
                        // phases of mostly failing and mostly succeeding calls
                        let failing = (i / 5_000).is_multiple_of(2);
                        let outcome = if failing && !(i + t as u64).is_multiple_of(3) {
                            Outcome::Failure
                        } else {
                            Outcome::Success
                        };
                        cb.record(p, outcome, Duration::from_micros(10));
                    }
                    i += 1;
                    if t == 0 && i.is_multiple_of(1_000) && Instant::now() >= end {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let v = seen.lock().map(|v| v.clone()).unwrap_or_default();
    eprintln!("soak breaker: {} transitions", v.len());
    assert!(!v.is_empty(), "the failure phases tripped the breaker");
    for (from, to) in v {
        let legal = matches!(
            (from, to),
            (State::Closed, State::Open)
                | (State::Open, State::HalfOpen)
                | (State::HalfOpen, State::Open)
                | (State::HalfOpen, State::Closed)
        );
        assert!(legal, "illegal transition {from:?} -> {to:?}");
    }
}
