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

fn shared(limit: u64, window_ms: u64, buckets: u32) -> (Arc<SlidingWindowLimiter>, ManualClock) {
    let (l, c) = limiter(limit, window_ms, buckets);
    (Arc::new(l), c)
}

fn waiting(r: Result<Reservation>) -> LimiterWait {
    match r {
        Ok(Reservation::Waiting(w)) => w,
        other => unreachable!("expected a wait, got {other:?}"),
    }
}

fn claim(w: &mut LimiterWait) -> Option<Decision> {
    w.try_claim().unwrap_or_else(|e| unreachable!("{e}"))
}

const LONG: Duration = Duration::from_secs(100);

#[test]
fn waiters_are_scheduled_fifo_at_exact_due_times() {
    // limit 2 per 1 s, 4 buckets of 250 ms: a grant at t counts until
    // (floor(t / 250 ms) + 5) * 250 ms.
    let (l, clock) = shared(2, 1000, 4);
    assert!(acq(&l, 2).allowed); // bucket 0, expires at 1250 ms
    let mut a = waiting(l.reserve(1, LONG));
    let mut b = waiting(l.reserve(1, LONG));
    let mut c = waiting(l.reserve(2, LONG));
    assert_eq!(a.due_ns(), 1250 * MS);
    assert_eq!(b.due_ns(), 1250 * MS);
    // a and b counted in bucket 5 (1250..1500 ms) expire at 2500 ms.
    assert_eq!(c.due_ns(), 2500 * MS);
    // No barging, and the newcomer is told when it would be due.
    let d = acq(&l, 1);
    assert!(!d.allowed);
    assert_eq!(d.retry_after, Duration::from_millis(3750));
    assert_eq!(l.metrics().waiting, 3);
    clock.set_ns(1250 * MS - 1);
    assert_eq!(claim(&mut a), None);
    clock.set_ns(1250 * MS);
    assert_eq!(claim(&mut c), None);
    assert!(claim(&mut b).is_some_and(|d| d.allowed));
    assert!(claim(&mut a).is_some_and(|d| d.allowed));
    clock.set_ns(2500 * MS);
    assert!(claim(&mut c).is_some_and(|d| d.allowed && d.remaining == 0));
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting, m.count), (4, 1, 0, 2));
}

#[test]
fn a_wait_past_the_deadline_is_refused_at_once() {
    let (l, _clock) = shared(1, 1000, 4);
    assert!(acq(&l, 1).allowed);
    let r = l.reserve(1, Duration::from_millis(1249));
    assert!(
        matches!(r, Err(Error::RateLimited { retry_after }) if retry_after == Duration::from_millis(1250)),
        "{r:?}"
    );
    let r = l.acquire(1, Duration::from_millis(10));
    assert!(matches!(r, Err(Error::RateLimited { .. })));
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (1, 2, 0));
}

#[test]
fn a_cancelled_waiter_moves_those_behind_it_forward() {
    let (l, clock) = shared(1, 1000, 4);
    assert!(acq(&l, 1).allowed);
    let a = waiting(l.reserve(1, LONG));
    let mut b = waiting(l.reserve(1, LONG));
    assert_eq!(a.due_ns(), 1250 * MS);
    assert_eq!(b.due_ns(), 2500 * MS);
    drop(a);
    assert_eq!(b.due_ns(), 1250 * MS);
    clock.set_ns(1250 * MS);
    assert!(claim(&mut b).is_some());
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (2, 1, 0));
}

#[test]
fn a_late_claim_is_counted_when_it_happens_and_may_push_others_back() {
    // Waiters due at 1250 ms claimed only at 2600 ms land in bucket 10:
    // the window must still hold at most `limit`.
    let (l, clock) = shared(1, 1000, 4);
    assert!(acq(&l, 1).allowed);
    let mut a = waiting(l.reserve(1, LONG));
    let mut b = waiting(l.reserve(1, Duration::from_millis(2600)));
    assert_eq!(b.due_ns(), 2500 * MS);
    clock.set_ns(2600 * MS);
    // a is granted (in bucket 10, expiring at 3750 ms); b, also due,
    // no longer fits and its new due time is past its deadline.
    let r = b.try_claim();
    assert!(
        matches!(r, Err(Error::RateLimited { retry_after }) if retry_after == Duration::from_millis(1150)),
        "{r:?}"
    );
    assert!(claim(&mut a).is_some());
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting, m.count), (2, 1, 0, 1));
}

#[test]
fn blocking_acquire_wakes_on_the_manual_clock() {
    let (l, clock) = shared(1, 1000, 4);
    assert!(acq(&l, 1).allowed);
    let l2 = Arc::clone(&l);
    let t = std::thread::spawn(move || l2.acquire(1, LONG));
    while l.metrics().waiting == 0 {
        std::thread::yield_now();
    }
    clock.set_ns(1250 * MS);
    let d = t.join().unwrap_or_else(|_| unreachable!());
    assert!(d.is_ok_and(|d| d.allowed));
    let m = l.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (2, 0, 0));
}
