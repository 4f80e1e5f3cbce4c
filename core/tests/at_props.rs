//! AdaptiveTimeout: the reported percentile is the exact order statistic
//! rounded up by at most 1/32, and concurrent records in the first window
//! are all counted (none races with a clear there: `spec/adaptive_timeout.md`).

use proptest::prelude::*;
use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
use seawall::clock::ManualClock;
use std::sync::Arc;
use std::time::Duration;

fn at(percentile: f64, clock: &ManualClock) -> AdaptiveTimeout {
    let cfg = AdaptiveTimeoutConfig {
        percentile,
        multiplier: 1.0,
        min_timeout: Duration::from_nanos(1),
        max_timeout: Duration::from_secs(100 * 365 * 24 * 3600),
        initial_timeout: Duration::from_nanos(1),
        min_samples: 1,
        window: Duration::from_secs(10),
    };
    match AdaptiveTimeout::with_clock(cfg, clock) {
        Ok(a) => a,
        Err(e) => unreachable!("{e}"),
    }
}

proptest! {
    #[test]
    fn percentile_is_the_order_statistic_rounded_up(
        mut xs in prop::collection::vec(1u64..(1 << 40), 1..200),
        p in 0.01f64..=1.0,
    ) {
        let clock = ManualClock::new();
        let a = at(p, &clock);
        for &x in &xs {
            a.record_ns(x);
        }
        xs.sort_unstable();
        let n = xs.len() as u64;
        let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
        let exact = *xs.get((rank - 1) as usize).ok_or_else(|| TestCaseError::fail("rank"))?;
        let got = seawall::clock::duration_to_ns(a.timeout());
        prop_assert!(got >= exact, "{got} < {exact}");
        prop_assert!((got - exact) as f64 <= exact as f64 / 32.0, "{got} vs {exact}");
        prop_assert_eq!(a.metrics().samples, n);
    }

    #[test]
    fn timeout_stays_within_clamps(
        xs in prop::collection::vec(any::<u64>(), 0..50),
        min_ms in 1u64..1000, span_ms in 0u64..100_000, mult in 1.0f64..100.0,
    ) {
        let clock = ManualClock::new();
        let cfg = AdaptiveTimeoutConfig {
            multiplier: mult,
            min_timeout: Duration::from_millis(min_ms),
            max_timeout: Duration::from_millis(min_ms + span_ms),
            initial_timeout: Duration::from_millis(min_ms),
            min_samples: 3,
            ..Default::default()
        };
        let a = AdaptiveTimeout::with_clock(cfg, &clock).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for &x in &xs {
            a.record_ns(x);
            let t = a.timeout();
            prop_assert!(t >= cfg.min_timeout && t <= cfg.max_timeout);
        }
    }
}

#[test]
fn concurrent_records_are_all_counted() {
    let clock = ManualClock::new();
    let a = Arc::new(at(0.5, &clock));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                for i in 0..10_000u64 {
                    a.record_ns(1_000 + (i + t) % 100);
                    let _ = a.timeout();
                }
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().is_ok());
    }
    let m = a.metrics();
    assert_eq!((m.samples, m.total), (40_000, 40_000));
    assert!(m.p50 >= Duration::from_nanos(1_040) && m.p50 <= Duration::from_nanos(1_080));
}
