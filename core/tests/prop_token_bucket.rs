//! Properties of the GCRA token bucket.

use proptest::prelude::*;
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::ManualClock;

#[derive(Debug, Clone)]
enum Op {
    Advance(u64),
    Acquire(u64),
    Refund(u64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            4 => (0u64..3_000_000_000).prop_map(Op::Advance),
            6 => (1u64..6).prop_map(Op::Acquire),
            1 => (1u64..4).prop_map(Op::Refund),
        ],
        1..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Tokens granted in any window `[a, b]` never exceed
    /// `burst + floor((b - a) / T)` (no refunds in this property).
    #[test]
    fn granted_never_exceeds_burst_plus_rate(
        burst in 1u64..8,
        rate in prop_oneof![Just(0.5), Just(1.0), Just(3.0), 0.1f64..50.0],
        ops in ops(),
    ) {
        let clock = ManualClock::new();
        let tb = TokenBucket::with_clock(
            TokenBucketConfig { burst, rate_per_sec: rate, initial_tokens: None }, &clock,
        ).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = tb.emission_interval().as_nanos() as u64;
        let mut grants: Vec<(u64, u64)> = Vec::new();
        for op in &ops {
            match op {
                Op::Advance(ns) => clock.advance_ns(*ns),
                Op::Acquire(n) => {
                    let now = clock.now_ns_for_test();
                    match tb.try_acquire(*n) {
                        Ok(d) if d.allowed => grants.push((now, *n)),
                        Ok(d) => prop_assert!(d.retry_after.as_nanos() > 0),
                        Err(_) => prop_assert!(*n > burst),
                    }
                }
                Op::Refund(_) => {}
            }
        }
        for (i, &(start, _)) in grants.iter().enumerate() {
            let mut sum = 0u64;
            for &(at, n) in grants.iter().skip(i) {
                sum += n;
                let span = at - start;
                prop_assert!(sum <= burst + span / t,
                    "granted {} in {} ns (burst {}, T {})", sum, span, burst, t);
            }
        }
    }

    /// Against a straightforward reference model (tokens as a time debt in
    /// u128), every decision and every number matches, refunds included.
    #[test]
    fn matches_reference_model(
        burst in 1u64..8,
        rate in 0.1f64..50.0,
        ops in ops(),
    ) {
        let clock = ManualClock::new();
        let tb = TokenBucket::with_clock(
            TokenBucketConfig { burst, rate_per_sec: rate, initial_tokens: None }, &clock,
        ).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = u128::from(tb.emission_interval().as_nanos() as u64);
        let tau = t * u128::from(burst);
        let mut tat: u128 = 0;
        for op in &ops {
            let now = u128::from(clock.now_ns_for_test());
            match op {
                Op::Advance(ns) => clock.advance_ns(*ns),
                Op::Acquire(n) => {
                    let n128 = u128::from(*n);
                    let got = tb.try_acquire(*n);
                    if *n > burst { prop_assert!(got.is_err()); continue; }
                    let d = got.map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let debt = tat.saturating_sub(now);
                    let after = debt + n128 * t;
                    if after <= tau {
                        tat = now + after;
                        prop_assert!(d.allowed);
                        prop_assert_eq!(u128::from(d.remaining), (tau - after) / t);
                        prop_assert_eq!(d.reset_after.as_nanos(), after);
                        prop_assert_eq!(d.retry_after.as_nanos(), 0);
                    } else {
                        prop_assert!(!d.allowed);
                        prop_assert_eq!(u128::from(d.remaining), (tau - debt) / t);
                        prop_assert_eq!(d.retry_after.as_nanos(), after - tau);
                        prop_assert_eq!(d.reset_after.as_nanos(), debt);
                        // Exactly retry_after later the same request would pass.
                        let ra = d.retry_after.as_nanos() as u64;
                        clock.advance_ns(ra - 1);
                        prop_assert!(!tb.peek(*n).map_err(|e| TestCaseError::fail(e.to_string()))?.allowed);
                        clock.advance_ns(1);
                        prop_assert!(tb.peek(*n).map_err(|e| TestCaseError::fail(e.to_string()))?.allowed);
                    }
                }
                Op::Refund(n) => {
                    tb.refund(*n);
                    if tat > now { tat = tat.saturating_sub(u128::from(*n) * t).max(now); }
                }
            }
            prop_assert!(tb.metrics().available <= burst);
        }
    }
}

/// `ManualClock::now_ns` through the `Clock` trait.
trait NowForTest {
    fn now_ns_for_test(&self) -> u64;
}
impl NowForTest for ManualClock {
    fn now_ns_for_test(&self) -> u64 {
        seawall::Clock::now_ns(self)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Waiting acquires (reservations) mixed with plain ones and
    /// cancellations: tokens granted in any window `[a, b]` stay within
    /// `burst + floor((b - a) / T)` plus the tokens cancellations gave back,
    /// due times follow the order of the reservations (until a cancellation
    /// gives tokens back to the next request), no wait is due after
    /// its deadline, and each call counts exactly once.
    #[test]
    fn reservations_keep_the_rate_fifo_and_exact_counts(
        burst in 1u64..5,
        rate in 1u32..20,
        ops in prop::collection::vec((0u8..4, 0u64..400_000_000, 1u64..4, 0u64..3_000_000_000), 1..150),
    ) {
        use seawall::{Clock, LimiterWait, Reservation};
        use std::sync::Arc;
        use std::time::Duration;
        let clock = ManualClock::new();
        let cfg = TokenBucketConfig { burst, rate_per_sec: f64::from(rate), initial_tokens: None };
        let tb = Arc::new(TokenBucket::with_clock(cfg, &clock).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let t = tb.emission_interval().as_nanos() as u64;
        let mut grants: Vec<(u64, u64)> = Vec::new();
        let mut waits: Vec<(LimiterWait, u64)> = Vec::new();
        let (mut allowed, mut denied, mut given_back) = (0u64, 0u64, 0u64);
        let mut last_due = 0u64;
        for (kind, dt, n, max_wait) in ops {
            clock.advance_ns(dt);
            let now = clock.now_ns();
            let n = n.min(burst);
            match kind {
                0 => {
                    let d = tb.try_acquire(n).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    if d.allowed { grants.push((now, n)); allowed += 1; } else { denied += 1; }
                }
                1 | 2 => match tb.reserve(n, Duration::from_nanos(max_wait)) {
                    Ok(Reservation::Granted(_)) => { grants.push((now, n)); allowed += 1; }
                    Ok(Reservation::Waiting(w)) => {
                        let due = w.due_ns();
                        prop_assert!(due > now && due <= now + max_wait);
                        prop_assert!(due >= last_due, "due {} before an earlier waiter's {}", due, last_due);
                        last_due = due;
                        waits.push((w, n));
                    }
                    Err(seawall::Error::RateLimited { retry_after }) => {
                        prop_assert!(retry_after.as_nanos() as u64 > max_wait);
                        denied += 1;
                    }
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                },
                _ if !waits.is_empty() => {
                    let (w, k) = waits.remove((dt as usize) % waits.len());
                    drop(w);
                    given_back += k;
                    denied += 1;
                    // The tokens it gave back go to the next request, which
                    // may then be due before earlier waiters (who keep theirs).
                    last_due = 0;
                }
                _ => {}
            }
            let mut i = 0;
            while i < waits.len() {
                let r = waits.get_mut(i).map(|(w, _)| (w.due_ns(), w.try_claim()));
                match r {
                    Some((due, Ok(Some(_)))) => {
                        prop_assert!(due <= now);
                        let (_, k) = waits.remove(i);
                        // A reservation's tokens are the ones due at its
                        // due time (a late claim does not move them).
                        grants.push((due, k));
                        allowed += 1;
                    }
                    Some((due, Ok(None))) => { prop_assert!(due > now); i += 1; }
                    _ => return Err(TestCaseError::fail("a reservation was refused")),
                }
            }
        }
        // The GCRA bound over every window of grants.
        grants.sort_unstable();
        for (i, &(a, _)) in grants.iter().enumerate() {
            let mut sum = 0;
            for &(b, k) in grants.iter().skip(i) {
                sum += k;
                prop_assert!(sum <= burst + (b - a) / t + given_back,
                    "{} tokens in [{}, {}] (burst {}, T {})", sum, a, b, burst, t);
            }
        }
        prop_assert_eq!(tb.metrics().waiting, waits.len() as u64);
        let left = waits.len() as u64;
        drop(waits);
        let m = tb.metrics();
        prop_assert_eq!((m.allowed, m.denied, m.waiting), (allowed, denied + left, 0));
    }
}
