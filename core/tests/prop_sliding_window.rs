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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Waiting acquires mixed with plain ones, cancellations and late
    /// claims: the window never holds more than `limit` grants, waiters are
    /// granted in the order they queued, never before their due time nor
    /// after their deadline, and every call is counted exactly once.
    #[test]
    fn waits_keep_the_bound_fifo_and_exact_counts(
        limit in 1u64..5,
        window_ms in 1u64..20,
        buckets in 1u32..5,
        ops in prop::collection::vec((0u8..5, 0u64..8_000_000, 1u64..3, 0u64..40_000_000), 1..200),
    ) {
        use seawall::{LimiterWait, Reservation};
        use std::sync::Arc;
        let clock = ManualClock::new();
        let cfg = SlidingWindowConfig { limit, window: Duration::from_millis(window_ms), buckets };
        let l = Arc::new(SlidingWindowLimiter::with_clock(cfg, &clock)
            .map_err(|e| TestCaseError::fail(e.to_string()))?);
        let w = window_ms * 1_000_000;
        let mut grants: Vec<(u64, u64)> = Vec::new();
        // (queue order, wait, n, deadline)
        let mut waits: Vec<(u64, LimiterWait, u64, u64)> = Vec::new();
        let mut seq = 0u64;
        let (mut allowed, mut denied) = (0u64, 0u64);
        for (kind, dt, n, max_wait) in ops {
            clock.advance_ns(dt);
            let now = clock.now_ns();
            let kind = if n > limit { 4 } else { kind };
            match kind {
                0 => {
                    let d = l.try_acquire(n).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    if d.allowed { grants.push((now, n)); allowed += 1; } else { denied += 1; }
                }
                1 | 2 => match l.reserve(n, Duration::from_nanos(max_wait)) {
                    Ok(Reservation::Granted(_)) => { grants.push((now, n)); allowed += 1; }
                    Ok(Reservation::Waiting(wt)) => {
                        prop_assert!(wt.due_ns() <= now + max_wait);
                        waits.push((seq, wt, n, now + max_wait));
                        seq += 1;
                    }
                    Err(_) => denied += 1,
                },
                3 if !waits.is_empty() => {
                    let i = (dt as usize) % waits.len();
                    drop(waits.remove(i));
                    denied += 1;
                }
                _ => {}
            }
            // Claim every wait, in a scrambled order, until a pass changes
            // nothing (a claim can grant waiters ahead of it: collect
            // those at this same time).
            let rot = (dt as usize) % waits.len().max(1);
            waits.rotate_left(rot);
            let mut newest_granted: Option<u64> = None;
            loop {
                let before = waits.len();
                let mut i = 0;
                while i < waits.len() {
                    let r = waits.get_mut(i).map(|(_, wt, _, _)| (wt.due_ns(), wt.try_claim()));
                    match r {
                        Some((_, Ok(None))) | None => i += 1,
                        Some((due, Ok(Some(d)))) => {
                            let (s, _, k, deadline) = waits.remove(i);
                            prop_assert!(d.allowed && due <= now, "granted before due {}", due);
                            prop_assert!(now < deadline.saturating_add(dt).saturating_add(1));
                            grants.push((now, k));
                            newest_granted = Some(newest_granted.map_or(s, |m: u64| m.max(s)));
                            allowed += 1;
                        }
                        Some((_, Err(_))) => { waits.remove(i); denied += 1; }
                    }
                }
                if waits.len() == before { break; }
            }
            if let Some(g) = newest_granted {
                prop_assert!(waits.iter().all(|(s, ..)| *s > g), "a later waiter was granted first");
            }
            let inw: u64 = if now >= w { grants_in(&grants, now - w, now) } else {
                grants.iter().map(|(_, n)| n).sum()
            };
            prop_assert!(inw <= limit, "{} grants in the window ending {} (limit {})", inw, now, limit);
        }
        let cancelled = waits.len() as u64;
        drop(waits);
        let m = l.metrics();
        prop_assert_eq!((m.allowed, m.denied, m.waiting), (allowed, denied + cancelled, 0));
    }
}
