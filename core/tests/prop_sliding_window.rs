//! Properties of the sliding-window limiter (see spec/sliding_window.md):
//! - upper bound: no half-open interval of length `window` holds more than
//!   `limit` grants (the accuracy bound is 0 on this side);
//! - lower bound: a request of `n` at `t` is denied only if the grants in
//!   `(t - (B+1)*g, t]` plus `n` exceed `limit`; so a steady client that never
//!   has more than `limit` requests in `(B+1)*g` is never denied.

use proptest::prelude::*;
use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
use seawall::{Clock, ManualClock};
use std::time::Duration;

fn grants_in(grants: &[(u64, u64)], from_excl: u64, to_incl: u64) -> u64 {
    grants
        .iter()
        .filter(|(t, _)| *t > from_excl && *t <= to_incl)
        .map(|(_, n)| n)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn exact_upper_bound_and_justified_denials(
        limit in 1u64..8,
        window_ms in 1u64..50,
        buckets in 1u32..6,
        ops in prop::collection::vec((0u64..20_000_000, 1u64..4), 1..300),
    ) {
        let clock = ManualClock::new();
        let cfg = SlidingWindowConfig { limit, window: Duration::from_millis(window_ms), buckets };
        let l = SlidingWindowLimiter::with_clock(cfg, &clock)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let g = l.bucket_width().as_nanos() as u64;
        let w = window_ms * 1_000_000;
        let span = (u64::from(buckets) + 1) * g;
        let mut grants: Vec<(u64, u64)> = Vec::new();
        for (dt, n) in ops {
            clock.advance_ns(dt);
            let now = clock.now_ns();
            if n > limit { prop_assert!(l.try_acquire(n).is_err()); continue; }
            let d = l.try_acquire(n).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if d.allowed {
                grants.push((now, n));
                // Upper bound: the window ending now holds at most `limit`.
                let inw: u64 = if now >= w { grants_in(&grants, now - w, now) } else {
                    grants.iter().map(|(_, n)| n).sum()
                };
                prop_assert!(inw <= limit, "{} grants in the window ending {} (limit {})", inw, now, limit);
                // remaining = limit - grants in buckets cur-B ..= cur.
                let first = (now / g).saturating_sub(u64::from(buckets));
                let counted: u64 = grants.iter().filter(|(t, _)| t / g >= first).map(|(_, n)| n).sum();
                prop_assert_eq!(d.remaining, limit - counted);
            } else {
                // Lower bound: the denial is justified by the last (B+1)*g.
                let recent = if now >= span { grants_in(&grants, now - span, now) } else {
                    grants.iter().map(|(_, n)| n).sum()
                };
                prop_assert!(recent + n > limit, "denied {} with only {} in the last {} ns", n, recent, span);
                // retry_after is exact: then the same request passes.
                let ra = d.retry_after.as_nanos() as u64;
                prop_assert!(ra > 0);
                clock.advance_ns(ra - 1);
                prop_assert!(!l.peek(n).map_err(|e| TestCaseError::fail(e.to_string()))?.allowed);
                clock.advance_ns(1);
                prop_assert!(l.peek(n).map_err(|e| TestCaseError::fail(e.to_string()))?.allowed);
            }
        }
    }

    /// A client sending one request every `p >= (B+1)*g / limit` ns is never denied.
    #[test]
    fn steady_under_limit_client_is_never_denied(
        limit in 1u64..20,
        window_ms in 1u64..100,
        buckets in 1u32..20,
        phase in 0u64..100_000_000,
        slack in 0u64..1_000_000,
    ) {
        let clock = ManualClock::starting_at_ns(phase);
        let cfg = SlidingWindowConfig { limit, window: Duration::from_millis(window_ms), buckets };
        let l = SlidingWindowLimiter::with_clock(cfg, &clock)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let g = l.bucket_width().as_nanos() as u64;
        let period = ((u64::from(buckets) + 1) * g).div_ceil(limit) + slack;
        for _ in 0..(4 * limit + 20) {
            let d = l.try_acquire(1).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(d.allowed, "denied at {} (period {})", clock.now_ns(), period);
            clock.advance_ns(period);
        }
    }
}
