use super::*;
use crate::clock::ManualClock;
use crate::error::ErrorKind;
use std::pin::Pin;

fn bucket(burst: u64, rate: f64) -> (TokenBucket, ManualClock) {
    let clock = ManualClock::new();
    let cfg = TokenBucketConfig {
        burst,
        rate_per_sec: rate,
        initial_tokens: None,
    };
    match TokenBucket::with_clock(cfg, &clock) {
        Ok(tb) => (tb, clock),
        Err(e) => unreachable!("{e}"),
    }
}

fn acq(tb: &TokenBucket, n: u64) -> Decision {
    match tb.try_acquire(n) {
        Ok(d) => d,
        Err(e) => unreachable!("{e}"),
    }
}

#[test]
fn burst_then_deny_with_exact_numbers() {
    let (tb, clock) = bucket(3, 2.0); // T = 500 ms
    let d = acq(&tb, 1);
    assert_eq!((d.allowed, d.remaining), (true, 2));
    assert_eq!(d.reset_after, Duration::from_millis(500));
    assert_eq!(acq(&tb, 2).remaining, 0);
    let d = acq(&tb, 1);
    assert!(!d.allowed);
    assert_eq!(d.remaining, 0);
    assert_eq!(d.retry_after, Duration::from_millis(500));
    assert_eq!(d.reset_after, Duration::from_millis(1500));
    // Exactly one emission interval later: one token.
    clock.advance_ns(499_999_999);
    assert!(!acq(&tb, 1).allowed);
    assert_eq!(acq(&tb, 1).retry_after, Duration::from_nanos(1));
    clock.advance_ns(1);
    let d = acq(&tb, 1);
    assert!(d.allowed);
    assert_eq!(d.remaining, 0);
    let m = tb.metrics();
    assert_eq!((m.allowed, m.denied, m.available), (3, 3, 0));
}

#[test]
fn denied_takes_nothing_and_multi_token_retry_after() {
    let (tb, clock) = bucket(4, 1.0);
    assert!(acq(&tb, 4).allowed);
    clock.advance(Duration::from_millis(1500));
    let d = acq(&tb, 3);
    assert!(!d.allowed);
    assert_eq!(d.remaining, 1);
    assert_eq!(d.retry_after, Duration::from_millis(1500));
    // Still one token: the denial took nothing.
    assert!(acq(&tb, 1).allowed);
}

#[test]
fn n_zero_and_above_burst_are_invalid_arguments() {
    let (tb, _clock) = bucket(2, 1.0);
    for n in [0, 3, u64::MAX] {
        let e = tb.try_acquire(n).err();
        assert_eq!(
            e.as_ref().map(Error::kind),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(e.as_ref().and_then(Error::field), Some("n"));
        assert!(tb.peek(n).is_err());
    }
    assert_eq!(tb.metrics().denied, 0);
}

#[test]
fn fractional_rate() {
    let (tb, clock) = bucket(1, 0.5); // T = 2 s
    assert_eq!(tb.emission_interval(), Duration::from_secs(2));
    assert!(acq(&tb, 1).allowed);
    clock.advance(Duration::from_secs(1));
    assert_eq!(acq(&tb, 1).retry_after, Duration::from_secs(1));
    clock.advance(Duration::from_secs(1));
    assert!(acq(&tb, 1).allowed);
}

#[test]
fn emission_interval_rounding() {
    assert_eq!(emission_interval_ns(3.0).ok(), Some(333_333_333));
    assert_eq!(emission_interval_ns(1.5).ok(), Some(666_666_667));
    assert_eq!(emission_interval_ns(1e9).ok(), Some(1));
    assert_eq!(emission_interval_ns(4e8).ok(), Some(3)); // 2.5 rounds up
    assert_eq!(emission_interval_ns(2e9).ok(), Some(1)); // 0.5 rounds up
    assert!(emission_interval_ns(2.1e9).is_err());
    assert!(emission_interval_ns(1e-12).is_err());
}

#[test]
fn long_idle_does_not_overflow() {
    let (tb, clock) = bucket(5, 1e-3);
    assert!(acq(&tb, 5).allowed);
    clock.advance(Duration::from_secs(400 * 86_400 * 365));
    assert_eq!(acq(&tb, 5).remaining, 0);
    // 500 years after the origin: still exact.
    clock.set_ns(500 * 365 * 86_400 * 1_000_000_000);
    let d = acq(&tb, 5);
    assert!(d.allowed);
    assert!(!acq(&tb, 1).allowed);
    assert_eq!(acq(&tb, 1).retry_after, Duration::from_secs(1000));
}

#[test]
fn clock_going_back_is_conservative() {
    let (tb, clock) = bucket(2, 1.0);
    clock.set_ns(10_000_000_000);
    assert!(acq(&tb, 2).allowed);
    clock.set_ns(0);
    let d = acq(&tb, 1);
    assert!(!d.allowed);
    clock.set_ns(11_000_000_000);
    assert!(acq(&tb, 1).allowed);
}

#[test]
fn refund_moves_tat_back_but_never_above_burst() {
    let (tb, clock) = bucket(3, 1.0);
    assert!(acq(&tb, 3).allowed);
    tb.refund(2);
    assert_eq!(tb.metrics().available, 2);
    tb.refund(100);
    assert_eq!(tb.metrics().available, 3);
    tb.refund(1);
    assert_eq!(tb.metrics().available, 3);
    assert!(acq(&tb, 3).allowed);
    clock.advance(Duration::from_millis(500));
    tb.refund(0);
    tb.refund(1);
    // 0.5 s refilled + 1 refunded: 1.5 tokens → 1 whole token, reset in 1.5 s.
    let d = tb.peek(1).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!((d.allowed, d.remaining), (true, 0));
    assert_eq!(d.reset_after, Duration::from_millis(2500));
}

#[test]
fn initial_tokens() {
    let clock = ManualClock::starting_at_ns(1_000);
    let cfg = TokenBucketConfig {
        burst: 3,
        rate_per_sec: 1.0,
        initial_tokens: Some(1),
    };
    let tb = TokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(tb.metrics().available, 1);
    assert!(acq(&tb, 1).allowed);
    assert!(!acq(&tb, 1).allowed);
    let cfg = TokenBucketConfig {
        burst: 3,
        rate_per_sec: 1.0,
        initial_tokens: Some(0),
    };
    let tb = TokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(tb.metrics().available, 0);
}

#[test]
fn bad_configs_name_the_field() {
    let base = TokenBucketConfig::default();
    let cases = [
        (
            TokenBucketConfig {
                burst: 0,
                ..base.clone()
            },
            "burst",
        ),
        (
            TokenBucketConfig {
                burst: u64::MAX,
                ..base.clone()
            },
            "burst",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: f64::NAN,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: f64::INFINITY,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: f64::NEG_INFINITY,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: -1.0,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: 0.0,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: 1e-300,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                rate_per_sec: 1e300,
                ..base.clone()
            },
            "rate_per_sec",
        ),
        (
            TokenBucketConfig {
                initial_tokens: Some(11),
                ..base.clone()
            },
            "initial_tokens",
        ),
    ];
    for (cfg, field) in cases {
        let e = TokenBucket::new(cfg.clone()).err();
        assert_eq!(
            e.as_ref().map(Error::kind),
            Some(ErrorKind::InvalidConfig),
            "{cfg:?}"
        );
        assert_eq!(e.as_ref().and_then(Error::field), Some(field), "{cfg:?}");
    }
    assert!(TokenBucket::new(base).is_ok());
}

#[test]
fn rate_limiter_trait() {
    let (tb, _clock) = bucket(2, 1.0);
    let rl: &dyn RateLimiter = &tb;
    assert_eq!(rl.limit(), 2);
    assert!(rl.try_acquire_n(2).map(|d| d.allowed).unwrap_or(false));
    rl.refund(1);
    assert_eq!(tb.metrics().available, 1);
}

fn shared(burst: u64, rate: f64) -> (Arc<TokenBucket>, ManualClock) {
    let (tb, clock) = bucket(burst, rate);
    (Arc::new(tb), clock)
}

fn waiting(r: Result<Reservation>) -> LimiterWait {
    match r {
        Ok(Reservation::Waiting(w)) => w,
        other => unreachable!("expected a wait, got {other:?}"),
    }
}

const SEC: Duration = Duration::from_secs(1);

#[test]
fn reservations_are_fifo_with_exact_due_times_and_counts() {
    let (tb, clock) = shared(1, 1.0); // T = 1 s
    assert!(matches!(tb.reserve(1, SEC * 10), Ok(Reservation::Granted(d)) if d.allowed));
    let mut ws: Vec<LimiterWait> = (0..5).map(|_| waiting(tb.reserve(1, SEC * 10))).collect();
    for (i, w) in ws.iter().enumerate() {
        assert_eq!(w.due_ns(), (i as u64 + 1) * 1_000_000_000);
    }
    // A newcomer cannot barge: its token comes after the five waiters'.
    let d = acq(&tb, 1);
    assert!(!d.allowed);
    assert_eq!(d.retry_after, SEC * 6);
    assert_eq!(tb.metrics().waiting, 5);
    for i in 0..5 {
        clock.advance(SEC);
        for (j, w) in ws.iter_mut().enumerate().skip(i + 1) {
            assert_eq!(w.try_claim().ok().flatten(), None, "waiter {j} at {i}");
        }
        let d = ws.get_mut(i).and_then(|w| w.try_claim().ok().flatten());
        assert!(d.is_some_and(|d| d.allowed), "waiter {i}");
    }
    drop(ws);
    let m = tb.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (6, 1, 0));
}

#[test]
fn a_wait_past_the_deadline_is_refused_at_once() {
    let (tb, _clock) = shared(2, 2.0); // T = 500 ms
    assert!(acq(&tb, 2).allowed);
    let e = tb.reserve(2, Duration::from_millis(999));
    assert!(
        matches!(e, Err(Error::RateLimited { retry_after }) if retry_after == SEC),
        "{e:?}"
    );
    // Nothing was taken: a wait of 1 s is accepted and due at 1 s.
    let w = waiting(tb.reserve(2, SEC));
    assert_eq!(w.due_ns(), 1_000_000_000);
    let m = tb.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (1, 1, 1));
    let blocked = tb.acquire(1, Duration::from_millis(100));
    assert!(matches!(blocked, Err(Error::RateLimited { .. })));
    assert!(matches!(
        tb.acquire(0, SEC),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn a_cancelled_wait_gives_its_tokens_back() {
    let (tb, clock) = shared(1, 1.0);
    assert!(acq(&tb, 1).allowed);
    let a = waiting(tb.reserve(1, SEC * 10));
    let b = waiting(tb.reserve(1, SEC * 10));
    assert_eq!(b.due_ns(), 2_000_000_000);
    b.cancel();
    // The cancelled second token is free for the next request.
    let c = waiting(tb.reserve(1, SEC * 10));
    assert_eq!(c.due_ns(), 2_000_000_000);
    drop(a);
    clock.advance(SEC * 2);
    let m = tb.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (1, 2, 1));
    drop(c);
}

#[test]
fn blocking_acquire_wakes_when_the_manual_clock_reaches_the_due_time() {
    let (tb, clock) = shared(1, 1.0);
    assert!(acq(&tb, 1).allowed);
    let tb2 = Arc::clone(&tb);
    let t = std::thread::spawn(move || tb2.acquire(1, SEC * 5));
    // Wait (no sleep) until the thread holds its reservation.
    while tb.metrics().waiting == 0 {
        std::thread::yield_now();
    }
    clock.advance(SEC);
    let d = t.join().unwrap_or_else(|_| unreachable!());
    assert!(d.is_ok_and(|d| d.allowed));
    let m = tb.metrics();
    assert_eq!((m.allowed, m.denied, m.waiting), (2, 0, 0));
}

#[test]
fn the_future_is_woken_by_the_manual_clock() {
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};
    struct Flag(std::sync::atomic::AtomicUsize);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let (tb, clock) = shared(1, 1.0);
    assert!(acq(&tb, 1).allowed);
    let mut w = waiting(tb.reserve(1, SEC * 5));
    let flag = Arc::new(Flag(Default::default()));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut w).poll(&mut cx).is_pending());
    assert!(Pin::new(&mut w).poll(&mut cx).is_pending()); // one timer, replaced
    clock.advance(Duration::from_millis(999));
    assert_eq!(flag.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    clock.advance(Duration::from_millis(1));
    assert_eq!(flag.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(matches!(Pin::new(&mut w).poll(&mut cx), Poll::Ready(Ok(d)) if d.allowed));
    assert_eq!(clock.pending_timers(), 0);
    // Finished: polling again registers nothing; waiting again is an error.
    assert!(Pin::new(&mut w).poll(&mut cx).is_pending());
    assert_eq!(clock.pending_timers(), 0);
    assert!(matches!(w.wait(), Err(Error::InvalidArgument { .. })));
}
