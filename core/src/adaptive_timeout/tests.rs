use super::*;
use crate::clock::ManualClock;
use crate::error::Error;
use histogram::{bucket_index, bucket_upper};

const MS: u64 = 1_000_000;

fn cfg() -> AdaptiveTimeoutConfig {
    AdaptiveTimeoutConfig {
        min_timeout: Duration::from_millis(1),
        min_samples: 5,
        window: Duration::from_secs(10),
        ..Default::default()
    }
}

fn at(cfg: AdaptiveTimeoutConfig, clock: &ManualClock) -> AdaptiveTimeout {
    match AdaptiveTimeout::with_clock(cfg, clock) {
        Ok(a) => a,
        Err(e) => unreachable!("{e}"),
    }
}

fn up(v: u64) -> u64 {
    bucket_upper(bucket_index(v))
}

#[test]
fn initial_until_min_samples_then_percentile() {
    let clock = ManualClock::new();
    let a = at(cfg(), &clock);
    for i in 1..=4 {
        a.record_ns(i * 10 * MS);
        assert_eq!(a.timeout(), Duration::from_secs(5));
    }
    a.record_ns(50 * MS);
    // n = 5, rank = ceil(0.95 * 5) = 5 -> 50 ms bucket
    let want = (up(50 * MS) as f64 * 1.5).floor() as u64;
    assert_eq!(a.timeout(), Duration::from_nanos(want));
    let m = a.metrics();
    assert_eq!((m.samples, m.total), (5, 5));
    assert_eq!(m.p50, Duration::from_nanos(up(30 * MS)));
    assert_eq!(m.p99, Duration::from_nanos(up(50 * MS)));
    assert_eq!(m.timeout, Duration::from_nanos(want));
}

#[test]
fn clamps_to_min_and_max() {
    let clock = ManualClock::new();
    let a = at(cfg(), &clock);
    for _ in 0..5 {
        a.record_ns(10);
    }
    assert_eq!(a.timeout(), Duration::from_millis(1));
    let b = at(cfg(), &clock);
    for _ in 0..5 {
        b.record(Duration::from_secs(3600));
    }
    assert_eq!(b.timeout(), Duration::from_secs(30));
    // absurd latencies do not overflow
    b.record(Duration::MAX);
    assert_eq!(b.timeout(), Duration::from_secs(30));
}

#[test]
fn old_samples_disappear_after_two_windows() {
    let clock = ManualClock::new();
    let a = at(cfg(), &clock);
    for _ in 0..5 {
        a.record_ns(500 * MS);
    }
    let slow = Duration::from_nanos((up(500 * MS) as f64 * 1.5).floor() as u64);
    assert_eq!(a.timeout(), slow);
    clock.advance(Duration::from_secs(10)); // window 1: window 0 still counts
    assert_eq!(a.metrics().samples, 5);
    for _ in 0..5 {
        a.record_ns(2 * MS);
    }
    assert_eq!(a.metrics().samples, 10);
    assert_eq!(a.timeout(), slow); // p95 of 10 still the slow ones
    clock.advance(Duration::from_secs(10)); // window 2: window 0 gone
    assert_eq!(a.metrics().samples, 5);
    assert_eq!(
        a.timeout(),
        Duration::from_nanos((up(2 * MS) as f64 * 1.5).floor() as u64)
    );
    clock.advance(Duration::from_secs(10)); // window 3: nothing recent
    assert_eq!(a.metrics().samples, 0);
    assert_eq!(a.timeout(), Duration::from_secs(5));
    assert_eq!(a.metrics().p95, Duration::ZERO);
    // recording into window 3 reuses histogram 1 (held window 1): cleared
    a.record_ns(7 * MS);
    assert_eq!(a.metrics().samples, 1);
    assert_eq!(a.metrics().total, 11);
}

#[test]
fn clock_going_back_keeps_the_latest_window() {
    let clock = ManualClock::starting_at_ns(100);
    let a = at(cfg(), &clock);
    clock.advance(Duration::from_secs(25)); // window 2
    for _ in 0..5 {
        a.record_ns(3 * MS);
    }
    clock.set_ns(0); // before creation
    assert_eq!(a.metrics().samples, 5);
    a.record_ns(3 * MS); // counted in window 2, not window 0
    assert_eq!(a.metrics().samples, 6);
}

#[test]
fn config_validation_names_fields() {
    let ok = AdaptiveTimeoutConfig::default();
    assert!(ok.validate().is_ok());
    let s = Duration::from_secs;
    let cases = [
        (
            AdaptiveTimeoutConfig {
                percentile: 0.0,
                ..ok
            },
            "percentile",
        ),
        (
            AdaptiveTimeoutConfig {
                percentile: 1.5,
                ..ok
            },
            "percentile",
        ),
        (
            AdaptiveTimeoutConfig {
                percentile: f64::NAN,
                ..ok
            },
            "percentile",
        ),
        (
            AdaptiveTimeoutConfig {
                percentile: -0.5,
                ..ok
            },
            "percentile",
        ),
        (
            AdaptiveTimeoutConfig {
                multiplier: 0.99,
                ..ok
            },
            "multiplier",
        ),
        (
            AdaptiveTimeoutConfig {
                multiplier: f64::INFINITY,
                ..ok
            },
            "multiplier",
        ),
        (
            AdaptiveTimeoutConfig {
                multiplier: f64::NAN,
                ..ok
            },
            "multiplier",
        ),
        (
            AdaptiveTimeoutConfig {
                multiplier: -2.0,
                ..ok
            },
            "multiplier",
        ),
        (
            AdaptiveTimeoutConfig {
                min_timeout: Duration::ZERO,
                ..ok
            },
            "min_timeout",
        ),
        (
            AdaptiveTimeoutConfig {
                max_timeout: Duration::MAX,
                ..ok
            },
            "max_timeout",
        ),
        (
            AdaptiveTimeoutConfig {
                max_timeout: Duration::from_millis(500),
                ..ok
            },
            "max_timeout",
        ),
        (
            AdaptiveTimeoutConfig {
                initial_timeout: s(31),
                ..ok
            },
            "initial_timeout",
        ),
        (
            AdaptiveTimeoutConfig {
                initial_timeout: Duration::from_millis(999),
                ..ok
            },
            "initial_timeout",
        ),
        (
            AdaptiveTimeoutConfig {
                min_samples: 0,
                ..ok
            },
            "min_samples",
        ),
        (
            AdaptiveTimeoutConfig {
                min_samples: u64::MAX,
                ..ok
            },
            "min_samples",
        ),
        (
            AdaptiveTimeoutConfig {
                window: Duration::ZERO,
                ..ok
            },
            "window",
        ),
        (
            AdaptiveTimeoutConfig {
                window: Duration::from_micros(999),
                ..ok
            },
            "window",
        ),
        (
            AdaptiveTimeoutConfig {
                window: Duration::MAX,
                ..ok
            },
            "window",
        ),
    ];
    for (c, field) in cases {
        let e = AdaptiveTimeout::new(c).err();
        assert_eq!(e.as_ref().and_then(Error::field), Some(field), "{c:?}");
    }
    let edge = AdaptiveTimeoutConfig {
        percentile: 1.0,
        multiplier: 1.0,
        min_timeout: s(2),
        max_timeout: s(2),
        initial_timeout: s(2),
        min_samples: 1,
        window: Duration::from_millis(1),
    };
    assert!(AdaptiveTimeout::new(edge).is_ok());
}

#[test]
fn send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AdaptiveTimeout>();
}
