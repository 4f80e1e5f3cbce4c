use super::*;
use crate::clock::ManualClock;
use crate::error::ErrorKind;

fn limiter(limit: u64, window_ms: u64, buckets: u32) -> (SlidingWindowLimiter, ManualClock) {
    let clock = ManualClock::new();
    let cfg = SlidingWindowConfig {
        limit,
        window: Duration::from_millis(window_ms),
        buckets,
    };
    match SlidingWindowLimiter::with_clock(cfg, &clock) {
        Ok(l) => (l, clock),
        Err(e) => unreachable!("{e}"),
    }
}

fn acq(l: &SlidingWindowLimiter, n: u64) -> Decision {
    l.try_acquire(n).unwrap_or_else(|e| unreachable!("{e}"))
}

const MS: u64 = 1_000_000;

#[test]
fn limit_then_deny_with_exact_numbers() {
    let (l, clock) = limiter(3, 1000, 4); // g = 250 ms
    clock.set_ns(100 * MS);
    let d = acq(&l, 1);
    assert_eq!((d.allowed, d.remaining), (true, 2));
    // Bucket 0 stops counting at (0 + 4 + 1) * 250 ms = 1250 ms.
    assert_eq!(d.reset_after, Duration::from_millis(1150));
    clock.set_ns(600 * MS); // bucket 2
    assert_eq!(acq(&l, 2).remaining, 0);
    let d = acq(&l, 1);
    assert!(!d.allowed);
    assert_eq!(d.remaining, 0);
    assert_eq!(d.retry_after, Duration::from_millis(650)); // bucket 0 leaves at 1250
    assert_eq!(d.reset_after, Duration::from_millis(1150)); // bucket 2 leaves at 1750
    let d = acq(&l, 2);
    assert_eq!(d.retry_after, Duration::from_millis(1150));
    clock.set_ns(1250 * MS - 1);
    assert!(!acq(&l, 1).allowed);
    clock.set_ns(1250 * MS);
    assert!(acq(&l, 1).allowed);
    assert!(!acq(&l, 1).allowed);
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.count), (3, 4, 3));
}

#[test]
fn never_more_than_limit_in_any_window_at_bucket_edges() {
    let (l, clock) = limiter(2, 1000, 1); // g = 1 s, counts 2 buckets
    clock.set_ns(999 * MS);
    assert!(acq(&l, 2).allowed);
    clock.set_ns(1000 * MS); // a new fixed window, but the sliding one is full
    assert!(!acq(&l, 1).allowed);
    clock.set_ns(1998 * MS);
    assert!(!acq(&l, 1).allowed);
    clock.set_ns(2000 * MS);
    assert!(acq(&l, 2).allowed);
}

#[test]
fn n_zero_and_above_limit_are_invalid_arguments() {
    let (l, _clock) = limiter(2, 1000, 2);
    for n in [0, 3] {
        let e = l.try_acquire(n).err();
        assert_eq!(
            e.as_ref().map(Error::kind),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(e.as_ref().and_then(Error::field), Some("n"));
    }
}

#[test]
fn long_idle_and_far_clock() {
    let (l, clock) = limiter(2, 60_000, 6);
    assert!(acq(&l, 2).allowed);
    clock.advance(Duration::from_secs(30 * 86_400));
    assert!(acq(&l, 2).allowed);
    clock.set_ns(u64::MAX - 1);
    assert!(acq(&l, 2).allowed);
    assert!(!acq(&l, 1).allowed);
}

#[test]
fn refund_newest_first_and_saturating() {
    let (l, clock) = limiter(3, 1000, 2); // g = 500 ms
    assert!(acq(&l, 2).allowed); // bucket 0
    clock.set_ns(600 * MS);
    assert!(acq(&l, 1).allowed); // bucket 1
    l.refund(1);
    assert_eq!(l.metrics().count, 2);
    // The refund took the newest grant (bucket 1); peek counts as if granted.
    let d = l.peek(1).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        (d.remaining, d.reset_after),
        (0, Duration::from_millis(1400))
    );
    assert_eq!(l.metrics().count, 2);
    l.refund(10);
    assert_eq!(l.metrics().count, 0);
    assert!(acq(&l, 3).allowed);
}

#[test]
fn steady_client_at_the_guaranteed_rate_is_never_denied() {
    // limit 10 per 1 s, 10 buckets: g = 100 ms, counted span <= 1.1 s, so one
    // request every 110 ms is never denied.
    let (l, clock) = limiter(10, 1000, 10);
    for _ in 0..1000 {
        assert!(acq(&l, 1).allowed);
        clock.advance_ns(110 * MS);
    }
}

#[test]
fn bad_configs_name_the_field() {
    let base = SlidingWindowConfig::default();
    let cases = [
        (
            SlidingWindowConfig {
                limit: 0,
                ..base.clone()
            },
            "limit",
        ),
        (
            SlidingWindowConfig {
                limit: MAX_LIMIT + 1,
                ..base.clone()
            },
            "limit",
        ),
        (
            SlidingWindowConfig {
                buckets: 0,
                ..base.clone()
            },
            "buckets",
        ),
        (
            SlidingWindowConfig {
                buckets: MAX_BUCKETS + 1,
                ..base.clone()
            },
            "buckets",
        ),
        (
            SlidingWindowConfig {
                window: Duration::ZERO,
                ..base.clone()
            },
            "window",
        ),
        (
            SlidingWindowConfig {
                window: Duration::from_micros(999),
                ..base.clone()
            },
            "window",
        ),
        (
            SlidingWindowConfig {
                window: Duration::from_secs(u64::MAX),
                ..base.clone()
            },
            "window",
        ),
    ];
    for (cfg, field) in cases {
        let e = SlidingWindowLimiter::new(cfg.clone()).err();
        assert_eq!(
            e.as_ref().map(Error::kind),
            Some(ErrorKind::InvalidConfig),
            "{cfg:?}"
        );
        assert_eq!(e.as_ref().and_then(Error::field), Some(field), "{cfg:?}");
    }
    assert!(SlidingWindowLimiter::new(base).is_ok());
}

#[test]
fn bucket_width_rounds_up() {
    let (l, _c) = limiter(1, 1000, 3);
    assert_eq!(l.bucket_width(), Duration::from_nanos(333_333_334));
}
