//! Adaptive timeout under contention: what `spec/adaptive_timeout.md`
//! promises about concurrent records ("Windows", last paragraph).

use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
use seawall::clock::ManualClock;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn at(clock: &ManualClock) -> seawall::Result<AdaptiveTimeout> {
    AdaptiveTimeout::with_clock(
        AdaptiveTimeoutConfig {
            percentile: 0.5,
            min_samples: 1,
            min_timeout: Duration::from_nanos(1),
            window: Duration::from_secs(1),
            ..AdaptiveTimeoutConfig::default()
        },
        clock,
    )
}

/// Records from many threads released at once into the first two windows:
/// none may be dropped (the histograms start empty and tagged, so nobody
/// clears them). A first record of window 0 that cleared the histogram
/// while the others dropped their samples would fail this.
#[test]
fn first_two_windows_drop_nothing_under_a_stampede() -> seawall::Result<()> {
    const THREADS: u64 = 8;
    const PER: u64 = 2_000;
    for round in 0..20u64 {
        let clock = ManualClock::new();
        let a = Arc::new(at(&clock)?);
        for window in 0..2u64 {
            let barrier = Arc::new(Barrier::new(THREADS as usize));
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (a, barrier) = (Arc::clone(&a), Arc::clone(&barrier));
                    std::thread::spawn(move || {
                        barrier.wait();
                        for i in 0..PER {
                            a.record_ns(1_000 + (i + t) % 100);
                        }
                    })
                })
                .collect();
            for t in threads {
                assert!(t.join().is_ok());
            }
            let m = a.metrics();
            let want = (window + 1) * THREADS * PER;
            assert_eq!(
                (m.samples, m.total),
                (want, want),
                "round {round} window {window}"
            );
            clock.advance(Duration::from_secs(1));
        }
    }
    Ok(())
}

fn stampede(a: &Arc<AdaptiveTimeout>, threads: u64, per: u64) {
    let barrier = Arc::new(Barrier::new(threads as usize));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (a, barrier) = (Arc::clone(a), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..per {
                    a.record_ns(1_000 + (i + t) % 100);
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
}

/// Window after window, every record is counted: each window's histogram
/// was cleared ahead of time, while the window before it ran. On the old
/// code (two histograms, cleared by a window's first record) the records
/// racing with that clear were dropped.
#[test]
fn consecutive_windows_drop_nothing() -> seawall::Result<()> {
    const THREADS: u64 = 8;
    const PER: u64 = 2_000;
    for _ in 0..5 {
        let clock = ManualClock::new();
        let a = Arc::new(at(&clock)?);
        for window in 0..10u64 {
            stampede(&a, THREADS, PER);
            let m = a.metrics();
            assert_eq!(m.total, (window + 1) * THREADS * PER);
            // This window and the one before it are live.
            let live = if window == 0 { 1 } else { 2 };
            assert_eq!(m.samples, live * THREADS * PER, "window {window}");
            clock.advance(Duration::from_secs(1));
        }
    }
    Ok(())
}

/// After an idle gap the first records clear a stale histogram and records
/// racing with that clear may be dropped: never more than were made, and
/// `total` counts every one. Sequential records after a gap are all kept.
#[test]
fn after_an_idle_gap_records_are_kept_or_dropped_never_invented() -> seawall::Result<()> {
    const THREADS: u64 = 8;
    const PER: u64 = 2_000;
    let clock = ManualClock::new();
    let a = Arc::new(at(&clock)?);
    for gap in 1..6u64 {
        clock.advance(Duration::from_secs(3 + gap));
        let before = a.metrics().total;
        stampede(&a, THREADS, PER);
        let m = a.metrics();
        assert_eq!(m.total, before + THREADS * PER);
        assert!(m.samples <= THREADS * PER && m.samples > 0, "{}", m.samples);
    }
    clock.advance(Duration::from_secs(10));
    for i in 0..100 {
        a.record_ns(1_000 + i);
    }
    assert_eq!(a.metrics().samples, 100);
    Ok(())
}
