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
