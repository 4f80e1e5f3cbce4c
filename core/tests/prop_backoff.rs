//! Properties of the backoff schedule and the retry budget.

use proptest::prelude::*;
use seawall::backoff::{Backoff, BackoffConfig, BackoffKind, Jitter};
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use std::time::Duration;

const YEAR_NS: u64 = 365 * 24 * 3600 * 1_000_000_000;

fn kind() -> impl Strategy<Value = BackoffKind> {
    prop::sample::select(BackoffKind::ALL.to_vec())
}

fn jitter() -> impl Strategy<Value = Jitter> {
    prop::sample::select(Jitter::ALL.to_vec())
}

/// Valid configs: base and cap anywhere up to 100 years, factors from 1 to huge.
fn config() -> impl Strategy<Value = BackoffConfig> {
    (
        kind(),
        jitter(),
        prop_oneof![0u64..=1_000, 0u64..=10_000_000_000, 0u64..=100 * YEAR_NS],
        0u64..=100 * YEAR_NS,
        prop_oneof![
            Just(1.0),
            1.0f64..4.0,
            1.0f64..1e300,
            (1u32..1000).prop_map(|k| 1.0 + f64::from(k) * f64::EPSILON)
        ],
        any::<u64>(),
    )
        .prop_map(|(kind, jitter, base, extra, factor, seed)| {
            let cap = base.saturating_add(extra).min(100 * YEAR_NS);
            BackoffConfig {
                kind,
                base: Duration::from_nanos(base),
                factor,
                max_delay: Duration::from_nanos(cap),
                jitter,
                max_attempts: u32::MAX,
                max_elapsed: None,
                seed: Some(seed),
            }
        })
}

proptest! {
    #[test]
    fn delay_for_is_within_bounds_and_non_decreasing(cfg in config(), a in any::<u32>(), b in any::<u32>()) {
        let bo = Backoff::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (dl, dh) = (bo.delay_for(lo), bo.delay_for(hi));
        prop_assert!(dl <= dh, "delay_for({lo}) = {dl:?} > delay_for({hi}) = {dh:?}");
        prop_assert!(dh <= cfg.max_delay);
        if lo >= 1 {
            prop_assert!(dl >= cfg.base, "delay_for({lo}) = {dl:?} below base");
        }
        prop_assert_eq!(bo.delay_for(0), Duration::ZERO);
    }

    #[test]
    fn attempt_u32_max_saturates(cfg in config()) {
        let bo = Backoff::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let d = bo.delay_for(u32::MAX);
        match cfg.kind {
            BackoffKind::Constant => prop_assert_eq!(d, cfg.base),
            BackoffKind::Linear => {
                let base_ns = u64::try_from(cfg.base.as_nanos()).unwrap_or(u64::MAX);
                let want = Duration::from_nanos(base_ns.saturating_mul(u64::from(u32::MAX)));
                prop_assert_eq!(d, want.min(cfg.max_delay))
            }
            BackoffKind::Exponential if cfg.factor >= 1.001 && !cfg.base.is_zero() => {
                prop_assert_eq!(d, cfg.max_delay)
            }
            BackoffKind::Exponential => prop_assert!(d <= cfg.max_delay),
        }
    }

    #[test]
    fn every_jitter_stays_in_its_documented_range(cfg in config(), steps in 1usize..40) {
        let bo = Backoff::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut s = bo.schedule();
        let mut prev = cfg.base;
        for n in 1..=steps as u32 {
            let got = s.next_delay_elapsed(Duration::ZERO, None);
            let Some(got) = got else { return Err(TestCaseError::fail("gave up early")) };
            let d = bo.delay_for(n);
            let half_down = d / 2;
            let (lo, hi) = match cfg.jitter {
                Jitter::None => (d, d),
                Jitter::Full => (Duration::ZERO, d),
                Jitter::Equal => (d - half_down, d),
                Jitter::Proportional => (d - half_down, (d + half_down).min(cfg.max_delay)),
                Jitter::Decorrelated => (cfg.base, (prev * 3).max(cfg.base).min(cfg.max_delay)),
            };
            prop_assert!(lo <= got && got <= hi, "{:?} n={}: {:?} not in [{:?}, {:?}]", cfg.jitter, n, got, lo, hi);
            prop_assert!(got <= cfg.max_delay);
            prev = got;
        }
    }

    #[test]
    fn retry_after_is_honoured_and_elapsed_limit_is_exact(
        cfg in config(),
        hint in 0u64..=10_000_000_000,
        elapsed in 0u64..=10_000_000_000,
        limit in 1u64..=20_000_000_000,
    ) {
        let cfg = BackoffConfig { max_elapsed: Some(Duration::from_nanos(limit)), ..cfg };
        let bo = Backoff::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut s = bo.schedule();
        let got = s.next_delay_elapsed(Duration::from_nanos(elapsed), Some(Duration::from_nanos(hint)));
        if elapsed + hint <= limit {
            prop_assert_eq!(got, Some(Duration::from_nanos(hint)));
        } else {
            prop_assert_eq!(got, None);
            prop_assert!(s.is_exhausted());
        }
    }

    #[test]
    fn max_attempts_gives_exactly_max_minus_one_delays(cfg in config(), max in 1u32..50) {
        let bo = Backoff::new(BackoffConfig { max_attempts: max, ..cfg })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut s = bo.schedule();
        let mut n = 0u32;
        while s.next_delay_elapsed(Duration::ZERO, None).is_some() {
            n += 1;
            prop_assert!(n < max);
        }
        prop_assert_eq!(n, max - 1);
    }

    #[test]
    fn budget_tokens_stay_within_zero_and_max(
        max_tokens in 1u32..=1000,
        ratio_milli in 1u32..=5000,
        ops in prop::collection::vec(0u8..3, 0..300),
    ) {
        let b = RetryBudget::new(RetryBudgetConfig { max_tokens, token_ratio: f64::from(ratio_milli) / 1000.0 })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let max = u64::from(max_tokens) * 1000;
        let mut model = max;
        for op in ops {
            match op {
                0 => {
                    model = (model + u64::from(ratio_milli)).min(max);
                    b.record_success();
                }
                1 => {
                    model = model.saturating_sub(1000);
                    b.record_failure();
                }
                _ => {
                    model = model.saturating_sub(1000);
                    prop_assert_eq!(b.try_retry(), model > max / 2);
                }
            }
            let t = b.metrics().tokens_milli;
            prop_assert_eq!(t, model);
            prop_assert!(t <= max);
        }
    }
}
